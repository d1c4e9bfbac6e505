package live

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// clientWS is the customer's live connection: GET /api/client/ws?token=…&after=N.
// It first sends every customer-visible message after N (the last sequence
// number the client saw), then a "synced" frame, then live messages, state
// changes and typing — each message exactly once, in order, across
// reconnects. The client may send, type and report what it has read.
func (s *Server) clientWS(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	cl, err := s.ParseClientToken(tok)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	after, err := edge.QueryInt(r, "after", 0)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	wc, err := s.acceptWS(w, r, "client")
	if err != nil {
		return // Accept has answered
	}
	cs := &clientSession{s: s, wc: wc, cl: cl, remoteAddr: r.RemoteAddr, names: edge.AgentNames{}}
	// The connection lives on a goroutine of its own and the handler
	// returns: net/http's goroutine, deep from serving the request, would
	// keep a 16 KB stack, the request and net/http's 4 KB read buffer for
	// as long as the connection is open (kefu bench conns).
	go cs.run(after)
}

// clientSession is the state of one customer connection.
type clientSession struct {
	s     *Server
	wc    *wsConn
	cl    *edge.ClientClaims
	names edge.AgentNames
	// remoteAddr is the peer the connection came from: its sends count
	// against that address's message rate.
	remoteAddr string

	mu         sync.Mutex
	synced     bool           // the backlog has been sent, and no gap is being filled
	pending    []engine.Event // live events that arrived meanwhile, in order
	lastSeq    int64          // highest message seq sent
	state      client.State   // last state sent
	stateAgent int64          // the agent of the last state sent
	queued     bool           // a queue position refresher is running

	// The bus callback only queues events here; a goroutine, started
	// while there are events, hands them on in order. Handling an event
	// may read the store (agent names, the queue position), which the
	// bus's goroutine must never wait for.
	inboxMu  sync.Mutex
	inbox    []engine.Event
	handling bool // the goroutine is running
}

func (cs *clientSession) run(after int64) {
	s, wc := cs.s, cs.wc
	defer wc.close(websocket.StatusNormalClosure, "")
	// Subscribe before reading the backlog so nothing falls between them.
	cancel, err := s.bus.Subscribe(engine.ConversationTopic(cs.cl.Conversation), cs.onEvent)
	if err != nil {
		s.Log.Error("client websocket: subscribe", "err", err)
		return
	}
	defer cancel()
	ctx := wc.ctx
	// The first sync reads the store, and the SQLite driver needs a deep
	// stack: done on this goroutine, it would leave every idle connection's
	// goroutine with a stack twice the size (16 KB instead of 8, kefu bench
	// conns). A short-lived goroutine does it instead.
	synced := make(chan bool)
	go func() { synced <- cs.sync(ctx, after) }()
	if !<-synced {
		return
	}
	for {
		data, err := wc.read()
		if err != nil {
			return
		}
		cs.onFrame(ctx, data)
	}
}

type messageFrame struct {
	Type        string          `json:"type"`
	ClientMsgID string          `json:"client_msg_id,omitempty"`
	Message     *client.Message `json:"message"`
}

type stateFrame struct {
	Type  string       `json:"type"`
	State client.State `json:"state"`
}

type typingFrame struct {
	Type   string      `json:"type"`
	Typing typingState `json:"typing"`
}

type typingState struct {
	Who kefu.Sender `json:"who"`
	On  bool        `json:"on"`
}

// onEvent receives the conversation's events from the bus and queues them
// for handleInbox. It must not block: it never waits for the store, nor
// for cs.mu, which is held across store reads.
func (cs *clientSession) onEvent(data []byte, v any) {
	var ev engine.Event
	if local, ok := v.(*engine.Event); ok {
		ev = *local // published in this process: no need to decode (read only)
	} else if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	cs.inboxMu.Lock()
	defer cs.inboxMu.Unlock()
	cs.inbox = append(cs.inbox, ev)
	if !cs.handling {
		cs.handling = true
		go cs.handleInbox()
	}
}

// handleInbox delivers the queued events in the order they came, until
// none is left. Only one runs at a time per connection, and none while the
// connection is idle.
func (cs *clientSession) handleInbox() {
	for {
		cs.inboxMu.Lock()
		evs := cs.inbox
		cs.inbox = nil
		if len(evs) == 0 {
			cs.handling = false
			cs.inboxMu.Unlock()
			return
		}
		cs.inboxMu.Unlock()
		cs.mu.Lock()
		for i := range evs {
			cs.deliverLocked(cs.wc.ctx, &evs[i])
		}
		cs.mu.Unlock()
	}
}

// deliverLocked handles an event, or queues it while the backlog or a gap
// is being sent. A message after a gap in sequence numbers starts filling
// the gap: events another node published while this one was cut off from
// the bus (NATS down) never arrive, and messages that are never published
// (a customer's enter events) leave one too; the store has them all.
func (cs *clientSession) deliverLocked(ctx context.Context, ev *engine.Event) {
	if !cs.synced {
		cs.pending = append(cs.pending, *ev)
		return
	}
	if ev.Type == engine.EventMessage && ev.Message.Seq > cs.lastSeq+1 {
		cs.synced = false
		cs.pending = append(cs.pending, *ev)
		go cs.fillGap(ctx, ev.Message.Seq-1)
		return
	}
	cs.handleLocked(ctx, ev)
}

// fillGap sends the messages after the last one sent up to seq to, then
// the events queued meanwhile. It reads the store on a goroutine of its
// own: the bus's, which delivers the events, must not wait.
func (cs *clientSession) fillGap(ctx context.Context, to int64) {
	cs.mu.Lock()
	after := cs.lastSeq // no other writer while !synced
	cs.mu.Unlock()
	msgs, err := cs.s.Read.Messages(ctx, cs.cl.Conversation, after, to, 0)
	if err != nil {
		cs.s.Log.Warn("client websocket: fill a gap from the store", "err", err)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, m := range msgs {
		cs.lastSeq = m.Seq
		if m.VisibleToUser() {
			cs.wc.sendJSON(messageFrame{Type: "message", Message: cs.s.clientAPI.MessageOf(ctx, m, cs.names)})
		}
	}
	if len(msgs) == 0 {
		// Unreadable now: skip the gap rather than try again at once; the
		// client gets it when it next connects.
		cs.lastSeq = max(cs.lastSeq, to)
	}
	cs.drainLocked(ctx)
}

// drainLocked ends a backlog or a gap: it delivers the queued events in
// order (one of them may start filling another gap, which queues the rest
// again).
func (cs *clientSession) drainLocked(ctx context.Context) {
	pending := cs.pending
	cs.pending, cs.synced = nil, true
	for i := range pending {
		cs.deliverLocked(ctx, &pending[i])
	}
}

func (cs *clientSession) handleLocked(ctx context.Context, ev *engine.Event) {
	switch ev.Type {
	case engine.EventMessage:
		m := ev.Message
		if m.Seq > cs.lastSeq {
			cs.lastSeq = m.Seq
			if m.VisibleToUser() {
				cs.wc.sendJSON(messageFrame{Type: "message", Message: cs.s.clientAPI.MessageOf(ctx, m, cs.names)})
			}
		}
		if ev.Conversation != nil {
			cs.sendStateLocked(ctx, ev.Conversation, false)
		}
	case engine.EventConversation:
		cs.sendStateLocked(ctx, ev.Conversation, false)
	case engine.EventTyping:
		if t := ev.Typing; t != nil && t.Who != kefu.SenderUser {
			cs.wc.sendJSON(typingFrame{Type: "typing", Typing: typingState{Who: t.Who, On: t.On}})
		}
	}
}

// sendStateLocked sends the session state if it changed (or always, when
// force is set), starting a queue-position refresher while queued.
func (cs *clientSession) sendStateLocked(ctx context.Context, c *kefu.Conversation, force bool) {
	if c == nil {
		return
	}
	if !force && c.State == cs.state.State && c.State != kefu.StateActive && c.State != kefu.StateQueued {
		return
	}
	// Still active with the same agent: nothing the customer is shown has
	// changed. Checked before clientapi.Server.StateOf, whose agent lookup (three
	// queries) on every message was the busiest read of kefu bench e2e.
	if !force && c.State == kefu.StateActive && cs.state.State == kefu.StateActive && c.AgentID == cs.stateAgent {
		return
	}
	st, err := cs.s.clientAPI.StateOf(ctx, c)
	if err != nil {
		return
	}
	st.LastSeq = max(st.LastSeq, cs.lastSeq)
	if !force && st.State == cs.state.State && st.QueuePosition == cs.state.QueuePosition && agentsEqual(st.Agent, cs.state.Agent) {
		return
	}
	cs.state, cs.stateAgent = st, c.AgentID
	cs.wc.sendJSON(stateFrame{Type: "state", State: st})
	if st.State == kefu.StateQueued && !cs.queued {
		cs.queued = true
		go cs.refreshQueuePosition()
	}
}

func agentsEqual(a, b *client.Agent) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

// queueRefresh is how often a waiting customer's queue position is updated.
const queueRefresh = 3 * time.Second

// refreshQueuePosition keeps the queue position current while queued: other
// customers' sessions move the queue without touching this conversation.
func (cs *clientSession) refreshQueuePosition() {
	t := time.NewTicker(queueRefresh)
	defer t.Stop()
	for {
		select {
		case <-cs.wc.ctx.Done():
			return
		case <-t.C:
		}
		c, err := cs.s.Read.Conversation(cs.wc.ctx, cs.cl.Conversation)
		cs.mu.Lock()
		if err == nil {
			cs.sendStateLocked(cs.wc.ctx, c, false)
		}
		if cs.state.State != kefu.StateQueued {
			cs.queued = false
			cs.mu.Unlock()
			return
		}
		cs.mu.Unlock()
	}
}

// sync sends every customer-visible message after the client's last seq,
// the state and a "synced" frame, then the live events that came meanwhile.
func (cs *clientSession) sync(ctx context.Context, after int64) bool {
	s, wc := cs.s, cs.wc
	cs.lastSeq = after
	for {
		msgs, last, err := s.clientAPI.Backlog(ctx, cs.cl.Conversation, cs.lastSeq, 500)
		if err != nil {
			s.Log.Error("client websocket: backlog", "err", err)
			return false
		}
		for _, m := range msgs {
			wc.sendJSON(messageFrame{Type: "message", Message: m})
		}
		if last == cs.lastSeq {
			break
		}
		cs.lastSeq = last
	}
	c, err := s.Read.Conversation(ctx, cs.cl.Conversation)
	if err != nil {
		return false
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.sendStateLocked(ctx, c, true)
	wc.sendJSON(map[string]any{"type": "synced", "last_seq": cs.lastSeq})
	cs.drainLocked(ctx)
	return true
}

// clientFrame is any frame a customer's client sends.
type clientFrame struct {
	Type      string           `json:"type"`
	Message   *client.Outgoing `json:"message"`
	On        bool             `json:"on"`
	Delivered int64            `json:"delivered"`
	Read      int64            `json:"read"`
}

func (cs *clientSession) onFrame(ctx context.Context, data []byte) {
	var f clientFrame
	if err := edge.UnmarshalJSON(data, &f); err != nil {
		cs.wc.sendJSON(wsError{Type: "error", Error: edge.ErrorDetail{Code: kefu.EINVALID, Message: "frames must be JSON objects with a type: " + kefu.ErrorMessage(err)}})
		return
	}
	switch f.Type {
	case "send":
		if f.Message == nil {
			cs.wc.sendJSON(wsError{Type: "error", Error: edge.ErrorDetail{Code: kefu.EINVALID, Message: "a send frame needs a message"}})
			return
		}
		m, _, err := cs.s.clientAPI.Receive(ctx, cs.cl, cs.remoteAddr, f.Message)
		if err != nil {
			cs.wc.sendJSON(wsError{Type: "error", ClientMsgID: f.Message.ClientMsgID,
				Error: edge.ErrorDetail{Code: kefu.ErrorCode(err), Message: kefu.ErrorMessage(err)}})
			return
		}
		cs.wc.sendJSON(messageFrame{Type: "sent", ClientMsgID: f.Message.ClientMsgID, Message: m})
	case "typing":
		if c, err := cs.s.Read.Conversation(ctx, cs.cl.Conversation); err == nil {
			cs.s.Engine.Typing(ctx, c, kefu.SenderUser, f.On)
		}
	case "read":
		if err := cs.s.Engine.MarkCustomer(ctx, cs.cl.Conversation, engine.CustomerMarkers{Delivered: f.Delivered, Read: f.Read}); err != nil {
			cs.wc.sendJSON(wsError{Type: "error", Error: edge.ErrorDetail{Code: kefu.ErrorCode(err), Message: kefu.ErrorMessage(err)}})
		}
	case "ping":
		cs.wc.send([]byte(`{"type":"pong"}`))
	default:
		cs.wc.sendJSON(wsError{Type: "error", Error: edge.ErrorDetail{Code: kefu.EINVALID, Message: "unknown frame type " + jsonQuote(f.Type)}})
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
