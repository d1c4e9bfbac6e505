package kefu

import "time"

// State is where a customer's messages go (docs/wechat.md#session-rules).
type State string

const (
	// StateDeveloper: messages and events are pushed to the developer's URL.
	StateDeveloper State = "developer"
	// StateQueued: the developer transferred a user message; the customer
	// waits for an agent while further messages still go to the developer.
	StateQueued State = "queued"
	// StateActive: an agent accepted; user messages go to the agent only.
	StateActive State = "active"
)

// SessionTimeout is WeChat's rule: a session customer service has not closed
// returns to the developer after 30 minutes. Kefu counts the 30 minutes from
// the conversation's last activity in the session — the transfer that queued
// it, an acceptance, or the last message of either side — so a live chat is
// never cut mid-sentence and an abandoned one ends 30 minutes after the last
// word. See docs/protocol-decisions.md.
const SessionTimeout = 30 * time.Minute

// Conversation is the single, continuous chat between one customer and one
// app. Its state says who handles the customer's messages now; Session
// records each stretch with customer service.
type Conversation struct {
	ID         int64  `json:"id"`
	AppID      string `json:"appid"`
	CustomerID int64  `json:"customer_id"`
	State      State  `json:"state"`
	AgentID    int64  `json:"agent_id,omitempty"`
	// TeamID is the team of the open session or, in StateDeveloper, of the
	// last one: agents see the conversation only if they serve it (0: any
	// agent of the app). The next session is routed afresh.
	TeamID    int64 `json:"team_id,omitempty"`
	SessionID int64 `json:"session_id,omitempty"` // the open session; 0 in StateDeveloper
	LastSeq   int64 `json:"last_seq"`
	// SessionFrom and Card are what the customer opened the chat with last.
	SessionFrom string       `json:"session_from"`
	Card        *MessageCard `json:"card,omitempty"`
	QueuedAt    time.Time    `json:"queued_at,omitzero"`
	AssignedAt  time.Time    `json:"assigned_at,omitzero"`
	// LastActivityAt is what the 30-minute rule counts from.
	LastActivityAt time.Time `json:"last_activity_at,omitzero"`
	LastUserAt     time.Time `json:"last_user_at,omitzero"`
	Quota          Quota     `json:"quota"`
	// Read markers: up to which seq the customer's client has received and
	// read, and up to which the agents have read.
	CustomerDeliveredSeq int64     `json:"customer_delivered_seq"`
	CustomerReadSeq      int64     `json:"customer_read_seq"`
	AgentReadSeq         int64     `json:"agent_read_seq"`
	CreatedAt            time.Time `json:"created_at"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// Expired reports whether the 30-minute rule has ended the conversation's
// queued or active session at now.
func (c *Conversation) Expired(now time.Time, timeout time.Duration) bool {
	return (c.State == StateQueued || c.State == StateActive) && !now.Before(c.LastActivityAt.Add(timeout))
}

// Session is one stretch of a conversation with customer service: from the
// transfer that queued it to its close.
type Session struct {
	ID             int64       `json:"id"`
	ConversationID int64       `json:"conversation_id"`
	AppID          string      `json:"appid"`
	CustomerID     int64       `json:"customer_id"`
	TeamID         int64       `json:"team_id,omitempty"`
	AgentID        int64       `json:"agent_id,omitempty"`
	State          State       `json:"state"` // queued, active, or closed
	SessionFrom    string      `json:"session_from"`
	FirstSeq       int64       `json:"first_seq"`
	LastSeq        int64       `json:"last_seq,omitempty"` // set when closed
	QueuedAt       time.Time   `json:"queued_at"`
	AcceptedAt     time.Time   `json:"accepted_at,omitzero"`
	ClosedAt       time.Time   `json:"closed_at,omitzero"`
	CloseReason    CloseReason `json:"close_reason,omitempty"`
}

// StateClosed is the state of a finished Session (never of a Conversation).
const StateClosed State = "closed"

// CloseReason says why a session ended.
type CloseReason string

const (
	CloseByAgent   CloseReason = "agent"   // an agent closed it
	CloseByTimeout CloseReason = "timeout" // the 30-minute rule
	// CloseByTransfer: an agent handed the session on; a new session follows.
	CloseByTransfer CloseReason = "transfer"
	// CloseByAgentLeft: the agent went offline; the customer waits again.
	CloseByAgentLeft CloseReason = "agent_left"
)
