package kefu

import (
	"context"
	"strings"
	"time"
)

// Store is Kefu's durable state. Writes happen in Update: fn runs inside a
// transaction that may be shared with other concurrent Updates (group
// commit) and, when it returns nil, is committed before Update returns — so
// whatever fn wrote is durable when the caller acknowledges it. fn must have
// no effects outside the transaction: it may run more than once (a batch is
// retried after a deadlock), so it should set its results afresh each time.
// If fn returns an error, none of its writes happen and Update returns it.
type Store interface {
	Update(ctx context.Context, fn func(Tx) error) error
	Reader
	Close() error
}

// Tx is what an Update can do. Row getters lock the row for the rest of the
// transaction where the engine supports it, so read-decide-write is atomic.
type Tx interface {
	Reader
	ActivityTx
	TagTx
	AttributeTx // activity.go, tag.go, attribute.go
	RatingStore
	HoursWriter

	CreateApp(ctx context.Context, a *App) error
	SaveApp(ctx context.Context, a *App) error

	CreateCustomer(ctx context.Context, c *Customer) error
	SaveCustomer(ctx context.Context, c *Customer) error

	// LockConversation reads a conversation and locks it until commit.
	LockConversation(ctx context.Context, id int64) (*Conversation, error)
	CreateConversation(ctx context.Context, c *Conversation) error
	// SaveConversation writes c's mutable fields. The store may write the
	// save of a conversation locked in this transaction later (but before
	// anything in the transaction reads it, and before the commit): a
	// failure to write it is then the Update's error, not this call's.
	SaveConversation(ctx context.Context, c *Conversation) error

	// AppendMessage gives m the conversation's next sequence number and
	// stores it, advancing c.LastSeq (the caller saves c). If c already has a
	// message with m.ClientMsgID, nothing is written and the stored message is
	// returned with dup true.
	AppendMessage(ctx context.Context, c *Conversation, m *Message) (stored *Message, dup bool, err error)
	SetPushStatus(ctx context.Context, messageID int64, s PushStatus) error

	CreateSession(ctx context.Context, s *Session) error
	SaveSession(ctx context.Context, s *Session) error

	// AddAgentLoad changes an agent's count of active sessions by delta. An
	// increase happens only while the agent is enabled and below capacity
	// (one conditional update, so concurrent claims cannot overshoot); ok
	// reports whether it happened.
	AddAgentLoad(ctx context.Context, agentID int64, delta int) (ok bool, err error)
	CreateAgent(ctx context.Context, a *Agent) error
	SaveAgent(ctx context.Context, a *Agent) error
	SetAgentStatus(ctx context.Context, agentID int64, s Status, at time.Time) error
	CreateTeam(ctx context.Context, t *Team) error
	SaveTeam(ctx context.Context, t *Team) error
	// DeleteTeam removes a team, its memberships and its routing rules; a
	// team with queued or active conversations is ECONFLICT.
	DeleteTeam(ctx context.Context, id int64) error
	SetRoutingRules(ctx context.Context, appID string, rules []RoutingRule) error

	EnqueuePush(ctx context.Context, j *PushJob) error
	SavePushJob(ctx context.Context, j *PushJob) error
	// DeletePushJob removes a finished job. The caller holds its
	// conversation's lock.
	DeletePushJob(ctx context.Context, id int64) error
	// ClaimPushJobs leases up to limit due jobs (as DuePushJobs lists them;
	// perhaps fewer) until leaseUntil, counting a try of each, so that no
	// other worker tries them meanwhile. Concurrent claims never take the
	// same job.
	ClaimPushJobs(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*PushJob, error)
	AddPushAttempt(ctx context.Context, a *PushAttempt) error

	PutMedia(ctx context.Context, m *Media) error

	// EnqueueUpstreamSend adds a message to a connected app's outbound
	// queue. The caller holds the conversation's lock (as for EnqueuePush).
	EnqueueUpstreamSend(ctx context.Context, j *UpstreamSend) error
	// ClaimUpstreamSends leases up to limit due jobs (only the oldest of a
	// conversation is ever due) until leaseUntil, counting a try; concurrent
	// claims never take the same job.
	ClaimUpstreamSends(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*UpstreamSend, error)
	SaveUpstreamSend(ctx context.Context, j *UpstreamSend) error
	// DeleteUpstreamSend removes a finished job; the caller holds its
	// conversation's lock.
	DeleteUpstreamSend(ctx context.Context, id int64) error
	SetUpstreamStatus(ctx context.Context, messageID int64, s *UpstreamStatus) error
	// LeaseUpstreamToken takes the right to refresh an app's upstream token
	// until leaseUntil, unless another node holds it (ok false).
	LeaseUpstreamToken(ctx context.Context, appID string, now, leaseUntil time.Time) (ok bool, err error)
	// PutUpstreamToken stores a fresh upstream token and ends the lease.
	PutUpstreamToken(ctx context.Context, t *UpstreamToken) error

	// PutAccessToken stores a /cgi-bin access token (by its hash) and makes
	// every older token of the same app and kind expire by retireAt at the
	// latest (WeChat's five-minute overlap).
	PutAccessToken(ctx context.Context, t *AccessToken, retireAt time.Time) error

	PutSetting(ctx context.Context, key, value string) error

	CreateComponent(ctx context.Context, c *Component) error
	SaveComponent(ctx context.Context, c *Component) error
	DeleteComponent(ctx context.Context, id int64) error
	// TouchRate allows one action per key every `every`: it records now
	// and reports true unless the key was touched less than `every` ago.
	TouchRate(ctx context.Context, key string, now time.Time, every time.Duration) (bool, error)

	CreateCannedReply(ctx context.Context, c *CannedReply) error
	SaveCannedReply(ctx context.Context, c *CannedReply) error
	DeleteCannedReply(ctx context.Context, id int64) error

	// PutPresence writes a node's presence rows, one per agent (no agent
	// twice in a call), replacing that node's earlier row of each agent.
	PutPresence(ctx context.Context, rows []AgentPresence) error
	// DeletePresence removes the presence rows, of every node, that stopped
	// counting by expiredBy and whose agent is offline.
	DeletePresence(ctx context.Context, expiredBy time.Time) error
	// SetAbsentOffline sets the agent offline (last seen now) if
	// AbsentAgents(now, changedBefore) would still list them, in one
	// conditional update; ok reports whether it did, so of several nodes
	// finding the same agent absent only one goes on to requeue.
	SetAbsentOffline(ctx context.Context, agentID int64, now, changedBefore time.Time) (ok bool, err error)
}

// Reader is what can be read outside a transaction (from a snapshot that may
// trail the newest commits by nothing more than their commit).
type Reader interface {
	ActivityReader
	TagReader
	AttributeReader
	ExportReader // activity.go, tag.go, attribute.go, export.go
	RatingReader
	ReportReader
	HoursReader
	App(ctx context.Context, id string) (*App, error)
	AppByOriginalID(ctx context.Context, originalID string) (*App, error)
	Apps(ctx context.Context) ([]*App, error)

	Customer(ctx context.Context, id int64) (*Customer, error)
	CustomerByOpenID(ctx context.Context, appID, openID string) (*Customer, error)
	CustomerByExternalID(ctx context.Context, appID string, ch Channel, externalID string) (*Customer, error)

	Conversation(ctx context.Context, id int64) (*Conversation, error)
	ConversationByCustomer(ctx context.Context, customerID int64) (*Conversation, error)
	// Queue lists queued conversations, oldest transfer first.
	Queue(ctx context.Context, f QueueFilter) ([]*Conversation, error)
	// QueuePosition counts the queued conversations of the same app and team
	// transferred before c (0: c is next).
	QueuePosition(ctx context.Context, c *Conversation) (int, error)
	// Conversations lists conversations matching f, newest activity first.
	Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// AgentConversations lists the conversations an agent is serving now.
	AgentConversations(ctx context.Context, agentID int64) ([]*Conversation, error)
	// ExpiredConversations lists queued or active conversations whose last
	// activity is before cutoff.
	ExpiredConversations(ctx context.Context, cutoff time.Time, limit int) ([]int64, error)

	Message(ctx context.Context, id int64) (*Message, error)
	// Messages lists a conversation's messages with afterSeq < seq <= toSeq
	// (toSeq 0: no upper bound), oldest first, at most limit.
	Messages(ctx context.Context, conversationID, afterSeq, toSeq int64, limit int) ([]*Message, error)
	// UnreadCount counts user messages after the agents' read marker.
	UnreadCount(ctx context.Context, c *Conversation) (int, error)

	Session(ctx context.Context, id int64) (*Session, error)
	Sessions(ctx context.Context, conversationID int64) ([]*Session, error)

	Agent(ctx context.Context, id int64) (*Agent, error)
	AgentByLogin(ctx context.Context, login string) (*Agent, error)
	Agents(ctx context.Context) ([]*Agent, error)
	// AvailableAgents lists enabled, online, auto-accepting agents below
	// capacity who serve appID (and team, if not 0), least loaded first.
	AvailableAgents(ctx context.Context, appID string, teamID int64) ([]*Agent, error)
	// AnyAgentOnline reports whether an agent who serves appID (and team,
	// if not 0; see Agent.Serves) is online, whatever their load.
	AnyAgentOnline(ctx context.Context, appID string, teamID int64) (bool, error)
	Team(ctx context.Context, id int64) (*Team, error)
	Teams(ctx context.Context) ([]*Team, error)
	RoutingRules(ctx context.Context, appID string) ([]RoutingRule, error)

	DuePushJobs(ctx context.Context, now time.Time, limit int) ([]*PushJob, error)
	PushAttempts(ctx context.Context, f PushLogFilter) ([]*PushAttempt, error)

	Media(ctx context.Context, id string) (*Media, error)

	// DueUpstreamSends lists due outbound jobs (see ClaimUpstreamSends).
	DueUpstreamSends(ctx context.Context, now time.Time, limit int) ([]*UpstreamSend, error)
	// UpstreamToken reads a connected app's shared access token.
	UpstreamToken(ctx context.Context, appID string) (*UpstreamToken, error)

	// AccessToken finds a token by its hash; expired ones are not found.
	AccessToken(ctx context.Context, hash string, now time.Time) (*AccessToken, error)
	// LatestAccessToken is the newest unexpired token of an app and kind.
	LatestAccessToken(ctx context.Context, appID string, stable bool, now time.Time) (*AccessToken, error)

	// Setting reads a server-wide setting (ErrNotFound if unset).
	Setting(ctx context.Context, key string) (string, error)

	Component(ctx context.Context, id int64) (*Component, error)
	// Components lists every component in tab order.
	Components(ctx context.Context) ([]*Component, error)

	CannedReply(ctx context.Context, id int64) (*CannedReply, error)
	// CannedReplies lists an agent's personal replies and those of the
	// given teams, by shortcut.
	CannedReplies(ctx context.Context, agentID int64, teamIDs []int64) ([]*CannedReply, error)

	// AbsentAgents lists (by id, at most limit) the agents online or away
	// whose status changed before changedBefore and who have presence rows
	// but none counting at now, on any node.
	AbsentAgents(ctx context.Context, now, changedBefore time.Time, limit int) ([]int64, error)
	// Presence lists an agent's presence rows, by node.
	Presence(ctx context.Context, agentID int64) ([]AgentPresence, error)
}

// AgentPresence is a node's record that an agent has workspaces open on it
// (Connections of them, still there at SeenAt) or had until SeenAt
// (Connections 0: the last one closed, or the node stopped). It counts the
// agent as present until ExpiresAt.
type AgentPresence struct {
	AgentID     int64     `json:"agent_id"`
	NodeID      string    `json:"node_id"`
	Connections int       `json:"connections"`
	SeenAt      time.Time `json:"seen_at"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// QueueFilter narrows the queue.
type QueueFilter struct {
	AppIDs []string // empty: every app
	Limit  int
}

// ConversationFilter narrows a conversation search. Zero fields match all.
type ConversationFilter struct {
	AppIDs     []string
	State      State // a conversation state, or StateClosed for "has closed sessions"
	AgentID    int64 // conversations the agent has served
	TeamIDs    []int64
	NoTeamOnly bool
	CustomerID int64
	TagID      int64  // conversations carrying this tag
	Text       string // a substring of a message, the openid, the customer's name
	From, To   time.Time
	Limit      int
	Before     time.Time // for paging: last activity before this
}

// PushJob is a message or event waiting in the outbox for its push.
type PushJob struct {
	ID             int64     `json:"id"`
	AppID          string    `json:"appid"`
	ConversationID int64     `json:"conversation_id"`
	MessageID      int64     `json:"message_id"`
	Tries          int       `json:"tries"`
	NextAt         time.Time `json:"next_at"`
	LeaseUntil     time.Time `json:"lease_until,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
}

// PushAttempt is one try of a push, kept for the desk's push inspector.
// Request and response are stored as sent and received, minus secrets.
type PushAttempt struct {
	ID             int64         `json:"id"`
	AppID          string        `json:"appid"`
	MessageID      int64         `json:"message_id"`
	ConversationID int64         `json:"conversation_id"`
	Try            int           `json:"try"`
	URL            string        `json:"url"`
	RequestQuery   string        `json:"request_query"`
	RequestBody    string        `json:"request_body"`
	StatusCode     int           `json:"status_code"`
	ResponseBody   string        `json:"response_body"`
	Error          string        `json:"error,omitempty"`
	Warning        string        `json:"warning,omitempty"`
	Result         PushStatus    `json:"result"` // delivered, transferred, failed (this try)
	Latency        time.Duration `json:"latency_ns"`
	CreatedAt      time.Time     `json:"created_at"`
}

// PushLogFilter narrows the push inspector.
type PushLogFilter struct {
	AppID          string
	ConversationID int64
	MessageID      int64
	FailedOnly     bool
	BeforeID       int64 // paging: attempts older than this
	Limit          int
}

// Media is an uploaded file: an image a user sent, or one a developer
// uploaded through /cgi-bin/media/upload.
type Media struct {
	ID          string    `json:"media_id"`
	AppID       string    `json:"appid"`
	Type        string    `json:"type"` // image
	ContentType string    `json:"content_type"`
	Filename    string    `json:"filename"`
	Size        int64     `json:"size"`
	Data        []byte    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// MediaLifetime is how long /cgi-bin/media/get serves a temporary media.
const MediaLifetime = 3 * 24 * time.Hour

// AccessToken is a /cgi-bin access token. The token itself is never
// stored: it is an HMAC of Nonce under the server key, found by its SHA-256
// Hash, so a stable token can be handed out again without keeping it.
type AccessToken struct {
	Hash      string    `json:"-"`
	Nonce     string    `json:"-"`
	AppID     string    `json:"appid"`
	Stable    bool      `json:"stable"` // issued by /cgi-bin/stable_token
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// CannedReply is a prepared answer an agent drops into the composer: an
// agent's own (AgentID set) or shared by a team (TeamID set).
type CannedReply struct {
	ID        int64     `json:"id"`
	AgentID   int64     `json:"agent_id,omitempty"`
	TeamID    int64     `json:"team_id,omitempty"`
	Shortcut  string    `json:"shortcut"` // typed after "/" in the composer
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports the first problem with a canned reply.
func (c *CannedReply) Validate() error {
	switch {
	case (c.AgentID == 0) == (c.TeamID == 0):
		return Errorf(EINVALID, "a canned reply belongs to exactly one agent or one team")
	case c.Shortcut == "" || len(c.Shortcut) > 32 || strings.ContainsAny(c.Shortcut, " \t\n/"):
		return Errorf(EINVALID, "the shortcut must be 1 to 32 characters without spaces or slashes")
	case strings.TrimSpace(c.Text) == "" || TextTooLong(c.Text):
		return Errorf(EINVALID, "the text must be 1 to 2048 characters")
	}
	return nil
}
