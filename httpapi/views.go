package httpapi

import (
	"context"
	"time"

	"github.com/kefuhq/kefu"
)

// clientMessage is a message as the customer sees it: no internal fields.
type clientMessage struct {
	ID              int64                 `json:"id"`
	Seq             int64                 `json:"seq"`
	ClientMsgID     string                `json:"client_msg_id,omitempty"`
	Sender          kefu.Sender           `json:"sender"`
	AgentName       string                `json:"agent_name,omitempty"`
	Kind            kefu.Kind             `json:"kind"`
	Push            kefu.PushStatus       `json:"push,omitempty"`
	CreatedAt       time.Time             `json:"created_at"`
	Text            *kefu.Text            `json:"text,omitempty"`
	Image           *kefu.Image           `json:"image,omitempty"`
	MiniProgramPage *kefu.MiniProgramPage `json:"miniprogrampage,omitempty"`
	Link            *kefu.Link            `json:"link,omitempty"`
	Rich            *kefu.Rich            `json:"rich,omitempty"`
	Product         *kefu.Product         `json:"product,omitempty"`
	Notice          *kefu.Notice          `json:"notice,omitempty"`
}

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
	if a, err := s.store.Agent(ctx, id); err == nil {
		n = a.Name
	}
	names[id] = n
	return n
}

func (s *Server) clientMessageOf(ctx context.Context, m *kefu.Message, names agentNames) *clientMessage {
	cm := &clientMessage{ID: m.ID, Seq: m.Seq, ClientMsgID: m.ClientMsgID, Sender: m.Sender, Kind: m.Kind, Push: m.Push,
		CreatedAt: m.CreatedAt, Text: m.Text, Image: m.Image, MiniProgramPage: m.MiniProgramPage, Link: m.Link, Rich: m.Rich,
		Product: m.Product, Notice: m.Notice}
	if m.Sender == kefu.SenderAgent {
		cm.AgentName = s.agentName(ctx, m.AgentID, names)
	}
	return cm
}

// clientState is what the customer's client shows about their session.
type clientState struct {
	State kefu.State `json:"state"`
	// QueuePosition is 1 for the next customer to be served (queued only).
	QueuePosition int        `json:"queue_position,omitempty"`
	Agent         *agentCard `json:"agent,omitempty"`
	LastSeq       int64      `json:"last_seq"`
	ReadSeq       int64      `json:"read_seq"`
}

// agentCard is how an agent is shown to customers.
type agentCard struct {
	Name string `json:"name"`
}

func (s *Server) clientStateOf(ctx context.Context, c *kefu.Conversation) (clientState, error) {
	st := clientState{State: c.State, LastSeq: c.LastSeq, ReadSeq: c.CustomerReadSeq}
	switch c.State {
	case kefu.StateQueued:
		pos, err := s.store.QueuePosition(ctx, c)
		if err != nil {
			return st, err
		}
		st.QueuePosition = pos + 1
	case kefu.StateActive:
		st.Agent = &agentCard{Name: s.agentName(ctx, c.AgentID, agentNames{})}
	}
	return st, nil
}
