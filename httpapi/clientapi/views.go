package clientapi

import (
	"context"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// MessageOf is m as the customer sees it: no internal fields. The
// client package's types are the client API's wire format (one definition
// for the server, the Go client and the test customer).
func (s *Server) MessageOf(ctx context.Context, m *kefu.Message, names edge.AgentNames) *client.Message {
	cm := &client.Message{ID: m.ID, Seq: m.Seq, ClientMsgID: m.ClientMsgID, Sender: m.Sender, Kind: m.Kind, Push: m.Push,
		CreatedAt: m.CreatedAt, Text: m.Text, Image: m.Image, MiniProgramPage: m.MiniProgramPage, Link: m.Link, Rich: m.Rich,
		Product: m.Product, Notice: m.Notice}
	if m.Sender == kefu.SenderAgent {
		cm.AgentName = s.AgentName(ctx, m.AgentID, names)
	}
	return cm
}

// StateOf is what the customer's client shows about their session.
func (s *Server) StateOf(ctx context.Context, c *kefu.Conversation) (client.State, error) {
	st := client.State{State: c.State, LastSeq: c.LastSeq, ReadSeq: c.CustomerReadSeq}
	switch c.State {
	case kefu.StateQueued:
		pos, err := s.Read.QueuePosition(ctx, c)
		if err != nil {
			return st, err
		}
		st.QueuePosition = pos + 1
	case kefu.StateActive:
		st.Agent = &client.Agent{Name: s.AgentName(ctx, c.AgentID, edge.AgentNames{})}
	}
	return st, nil
}
