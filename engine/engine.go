// Package engine applies WeChat's customer-service session rules to Kefu's
// store: it receives customers' messages, decides whether they go to the
// developer's push URL or to an agent, queues and assigns sessions, sends
// replies within quotas and channel rules, closes and expires sessions, and
// publishes every change after it is committed. It does not speak HTTP.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// Bus carries committed changes to whoever watches them (desk and client
// connections, on this node or others).
type Bus interface {
	// Publish sends an event's JSON, and the event itself for subscribers
	// in this process (see bus.Bus).
	Publish(topic string, data []byte, v any)
}

// RichText turns agent- or component-supplied HTML into what is stored and
// sent: Sanitize keeps only safe formatting; MiniProgramText turns sanitised
// HTML into WeChat text with <a data-miniprogram-path> links, for the mini
// program channel.
type RichText interface {
	Sanitize(html string) string
	MiniProgramText(html string) string
}

// Config holds the engine's rules that an operator may tune.
type Config struct {
	// SessionTimeout is WeChat's 30-minute rule (kefu.SessionTimeout).
	SessionTimeout time.Duration
	// SweepInterval is how often expired sessions are looked for. Expiry is
	// also applied on the spot whenever a conversation is touched, so this
	// only bounds how late an idle session shows as ended.
	SweepInterval time.Duration
	// RouteInterval is how often the router looks at the queue when nothing
	// has kicked it.
	RouteInterval time.Duration
	// VerifyPushURL runs the URL verification handshake against a push URL
	// being saved (wechat.VerifyURL). Nil skips the handshake.
	VerifyPushURL func(ctx context.Context, url, token string) error
}

// Engine is the customer-service engine. Create it with New and start its
// background loops with Run.
type Engine struct {
	store  kefu.Store
	bus    Bus
	clock  kefu.Clock
	log    *slog.Logger
	rich   RichText
	cfg    Config
	typing typingState
	cache  *cache

	wakeMu sync.Mutex
	wake   []func() // called after a push job is enqueued
	kick   chan struct{}

	upstream upstreamHooks
}

// New returns an engine. Zero Config fields take their defaults.
func New(store kefu.Store, bus Bus, clock kefu.Clock, rich RichText, log *slog.Logger, cfg Config) *Engine {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = kefu.SessionTimeout
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 5 * time.Second
	}
	if cfg.RouteInterval <= 0 {
		cfg.RouteInterval = 2 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{store: store, bus: bus, clock: clock, rich: rich, log: log, cfg: cfg,
		kick: make(chan struct{}, 1), typing: typingState{until: map[typingKey]time.Time{}}, cache: newCache()}
}

// Clock returns the engine's clock.
func (e *Engine) Clock() kefu.Clock { return e.clock }

// Config returns the engine's effective configuration.
func (e *Engine) Config() Config { return e.cfg }

// OnPushEnqueued registers fn to be called whenever a push job is added to
// the outbox, so the push worker can start at once instead of polling.
func (e *Engine) OnPushEnqueued(fn func()) {
	e.wakeMu.Lock()
	e.wake = append(e.wake, fn)
	e.wakeMu.Unlock()
}

func (e *Engine) wakePusher() {
	e.wakeMu.Lock()
	fns := e.wake
	e.wakeMu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// kickRouter asks the router to look at the queue soon.
func (e *Engine) kickRouter() {
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// Run runs the router and the expiry sweeper until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.routeLoop(ctx) }()
	go func() { defer wg.Done(); e.sweepLoop(ctx) }()
	wg.Wait()
}

// Event is what the engine publishes after a commit.
type Event struct {
	Type           string             `json:"type"`
	AppID          string             `json:"appid"`
	ConversationID int64              `json:"conversation_id,omitempty"`
	TeamID         int64              `json:"team_id,omitempty"`
	Message        *kefu.Message      `json:"message,omitempty"`
	Conversation   *kefu.Conversation `json:"conversation,omitempty"`
	Typing         *Typing            `json:"typing,omitempty"`
	Agent          *kefu.Agent        `json:"agent,omitempty"`
	Push           *PushUpdate        `json:"push,omitempty"`
	Upstream       *UpstreamUpdate    `json:"upstream,omitempty"`
}

// Event types.
const (
	EventMessage      = "message"      // a new message (Message, Conversation)
	EventConversation = "conversation" // state, assignment, markers changed (Conversation)
	EventTyping       = "typing"       // someone is typing (Typing)
	EventAgent        = "agent"        // an agent's status or load changed (Agent)
	EventPush         = "push"         // a push try finished (Push)
	EventUpstream     = "upstream"     // a message's delivery to WeChat changed (Upstream)
	EventApp          = "app"          // an app was added (AppID); on AgentsTopic
)

// Typing says who is typing in a conversation, until when.
type Typing struct {
	Who   kefu.Sender `json:"who"`
	On    bool        `json:"on"`
	Until time.Time   `json:"until,omitzero"`
}

// PushUpdate is the new push status of a message after a try.
type PushUpdate struct {
	MessageID int64           `json:"message_id"`
	Status    kefu.PushStatus `json:"status"`
	Try       int             `json:"try"`
}

// ConversationTopic is where a conversation's changes are published (the
// customer's clients listen here).
func ConversationTopic(id int64) string { return "conv." + strconv.FormatInt(id, 10) }

// AppTopic is where all changes of an app are published (the desk listens here).
func AppTopic(appID string) string { return "app." + appID }

// AgentsTopic is where agent changes and new apps are published: every
// desk connection listens here.
const AgentsTopic = "agents"

// publish sends ev to the app's topic and, when it concerns a conversation,
// to the conversation's topic.
func (e *Engine) publish(ev *Event) {
	data, err := json.Marshal(ev)
	if err != nil {
		e.log.Error("engine: encode event", "err", err)
		return
	}
	// Subscribers in this process get the event itself beside its JSON
	// (decoding it again was a tenth of the server's CPU in kefu bench
	// ingest): a copy, so that what the caller changes after publishing
	// is not seen, and which they must not change (see bus.Bus).
	v := ev.snapshot()
	if ev.Type == EventAgent || ev.Type == EventApp {
		e.bus.Publish(AgentsTopic, data, v)
		return
	}
	e.bus.Publish(AppTopic(ev.AppID), data, v)
	if ev.ConversationID != 0 {
		e.bus.Publish(ConversationTopic(ev.ConversationID), data, v)
	}
}

// snapshot copies the event and the records it points to as they are now.
// The records' own pointers (a message's body, a conversation's card) are
// shared: nothing changes those in place.
func (ev *Event) snapshot() *Event {
	cp := *ev
	cp.Message, cp.Conversation, cp.Typing, cp.Push = clone(ev.Message), clone(ev.Conversation), clone(ev.Typing), clone(ev.Push)
	cp.Upstream = clone(ev.Upstream)
	if cp.Agent = clone(ev.Agent); cp.Agent != nil {
		cp.Agent.PasswordHash = "" // as in the JSON
	}
	return &cp
}

// clone returns a copy of *p, or nil.
func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func (e *Engine) publishMessage(c *kefu.Conversation, m *kefu.Message) {
	e.publish(&Event{Type: EventMessage, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID, Message: m, Conversation: c})
}

func (e *Engine) publishConversation(c *kefu.Conversation) {
	e.publish(&Event{Type: EventConversation, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID, Conversation: c})
}

// NewOpenID returns an unguessable openid in WeChat's shape: 28 characters
// starting with "o".
func NewOpenID() string { return "o" + randomID(20)[:27] }

// randomID returns n random bytes in URL-safe base64.
func randomID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewMediaID returns an unguessable media id.
func NewMediaID() string { return randomID(24) }

// now is the engine's clock, in the store's millisecond precision, so what
// is returned at once equals what is read back later.
func (e *Engine) now() time.Time { return e.clock.Now().UTC().Truncate(time.Millisecond) }
