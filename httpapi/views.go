package httpapi

import (
	"context"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
)

// agentNames caches agent names while a batch of messages is rendered.
type agentNames map[int64]string

func (s *Server) agentName(ctx context.Context, id int64, names agentNames) string {
	if id == 0 {
		return ""
	}
	if n, ok := names[id]; ok {
		return n
	}
	n := ""
	if a, err := s.Read.Agent(ctx, id); err == nil {
		n = a.Name
	}
	names[id] = n
	return n
}

// clientMessageOf is m as the customer sees it: no internal fields. The
// client package's types are the client API's wire format (one definition
// for the server, the Go client and the test customer).
func (s *Server) clientMessageOf(ctx context.Context, m *kefu.Message, names agentNames) *client.Message {
	cm := &client.Message{ID: m.ID, Seq: m.Seq, ClientMsgID: m.ClientMsgID, Sender: m.Sender, Kind: m.Kind, Push: m.Push,
		CreatedAt: m.CreatedAt, Text: m.Text, Image: m.Image, MiniProgramPage: m.MiniProgramPage, Link: m.Link, Rich: m.Rich,
		Product: m.Product, Notice: m.Notice}
	if m.Sender == kefu.SenderAgent {
		cm.AgentName = s.agentName(ctx, m.AgentID, names)
	}
	return cm
}

// clientStateOf is what the customer's client shows about their session.
func (s *Server) clientStateOf(ctx context.Context, c *kefu.Conversation) (client.State, error) {
	st := client.State{State: c.State, LastSeq: c.LastSeq, ReadSeq: c.CustomerReadSeq}
	switch c.State {
	case kefu.StateQueued:
		pos, err := s.Read.QueuePosition(ctx, c)
		if err != nil {
			return st, err
		}
		st.QueuePosition = pos + 1
	case kefu.StateActive:
		st.Agent = &client.Agent{Name: s.agentName(ctx, c.AgentID, agentNames{})}
	}
	return st, nil
}
