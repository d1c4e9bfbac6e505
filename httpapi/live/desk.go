package live

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/deskapi"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// deskWS is an agent's live connection: GET /api/desk/ws (cookie auth; the
// WebSocket library refuses cross-origin browsers). It carries every engine
// event of the apps and teams the agent serves — new messages, state changes,
// typing, push results, agent status — as JSON frames shaped like
// engine.Event. It follows changes of what the agent may see (apps, teams,
// role; for admins, new apps) without a reconnect, and sends a hello after
// each: on every hello the workspace reloads its lists and asks for messages
// after the last seq it has, so nothing is missed or doubled.
// The agent may send typing, read and send frames.
func (s *Server) deskWS(w http.ResponseWriter, r *http.Request) {
	a, _, err := s.DeskAgent(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	wc, err := s.acceptWS(w, r, "desk")
	if err != nil {
		return
	}
	s.presence.connected(a.ID)
	ds := &deskSession{s: s, wc: wc, agent: a}
	// The connection lives on a goroutine of its own (see clientWS).
	go func() {
		defer s.presence.disconnected(a.ID)
		ds.run()
	}()
}

type deskSession struct {
	s  *Server
	wc *wsConn

	mu    sync.Mutex
	agent *kefu.Agent

	// A refresh holds refreshMu; refreshPending says one is waiting for
	// it and will read the store after everything seen so far.
	refreshMu      sync.Mutex
	refreshPending atomic.Bool
	appAdded       atomic.Bool  // an app was added since the last refresh (admins listen to every app)
	joinedGen      atomic.Int64 // the hub's sweep count when it last joined a topic
}

func (ds *deskSession) run() {
	s, wc := ds.s, ds.wc
	defer wc.close(websocket.StatusNormalClosure, "")
	ctx := wc.ctx
	topics, err := s.deskTopics(ctx, ds.agent)
	if err == nil {
		err = s.desk.join(ds, topics)
	}
	if err != nil {
		s.Log.Error("desk websocket: subscribe", "err", err)
		return
	}
	defer s.desk.leave(ds)
	ds.hello(ds.agent)
	for {
		data, err := wc.read()
		if err != nil {
			return
		}
		ds.onFrame(ctx, data)
	}
}

// deskTopics lists the bus topics an agent's workspace listens to: agents
// (which also announces new apps) and each app the agent serves — for
// admins, every app.
func (s *Server) deskTopics(ctx context.Context, a *kefu.Agent) ([]string, error) {
	apps := a.Apps
	if a.Role == kefu.RoleAdmin {
		all, err := s.Read.Apps(ctx)
		if err != nil {
			return nil, err
		}
		apps = make([]string, 0, len(all))
		for _, app := range all {
			apps = append(apps, app.ID)
		}
	}
	topics := []string{engine.AgentsTopic}
	for _, id := range apps {
		topics = append(topics, engine.AppTopic(id))
	}
	return topics, nil
}

// hello tells the workspace who it is signed in as and that, from now on,
// it gets every event that agent may see: the cue to reload its lists.
func (ds *deskSession) hello(a *kefu.Agent) {
	ds.wc.sendJSON(map[string]any{"type": "hello", "agent": a})
}

// deskEventHead is the part of an engine event that decides which desk
// connections get it. The hub decodes only this, once per event, not the
// message and conversation the event carries; the bytes are forwarded
// unchanged.
type deskEventHead struct {
	Type           string           `json:"type"`
	AppID          string           `json:"appid"`
	ConversationID int64            `json:"conversation_id"`
	TeamID         int64            `json:"team_id"`
	Agent          *kefu.Agent      `json:"agent"`
	Message        *deskMessageHead `json:"message"`
}

// deskMessageHead is what the hub reads of a message event's message: its
// seq, to tell what it delivered (see deskResume).
type deskMessageHead struct {
	Seq int64 `json:"seq"`
}

// onEvent forwards an engine event (data, whose head is ev) if the agent
// may see it. It must not block.
func (ds *deskSession) onEvent(ev *deskEventHead, data []byte) {
	ds.mu.Lock()
	a := ds.agent
	ds.mu.Unlock()
	switch ev.Type {
	case engine.EventApp:
		if a.Role == kefu.RoleAdmin {
			ds.appAdded.Store(true)
			ds.refreshSoon() // a new app to listen to
		}
		return
	case engine.EventAgent:
		if ev.Agent != nil && ev.Agent.ID == a.ID {
			// Our own account changed: its apps, teams or role, or it
			// was disabled or signed out everywhere.
			ds.refreshSoon()
		}
		if ev.Agent != nil && sharesApp(a, ev.Agent) {
			ds.wc.send(data)
		}
		return
	}
	if !a.Serves(ev.AppID, ev.TeamID) {
		return
	}
	ds.wc.send(data)
}

// refreshSoon runs refresh off the publisher's goroutine. Refreshes run one
// at a time, each reading the store afresh, so the last one applies the
// newest state; a burst of events makes one refresh, not one each.
func (ds *deskSession) refreshSoon() {
	if ds.refreshPending.Swap(true) {
		return // the waiting refresh will see this change too
	}
	go func() {
		ds.refreshMu.Lock()
		defer ds.refreshMu.Unlock()
		ds.refreshPending.Store(false)
		ds.refresh()
	}()
}

// refresh reloads the agent. A disabled or signed-out agent is
// disconnected. When what the agent may see changed, the connection moves
// to the new set of topics (joining before leaving, see deskHub.move) and
// says hello again, so the workspace reloads its lists: what was published
// before the move is in what it reloads, what comes after reaches it live.
func (ds *deskSession) refresh() {
	s, ctx := ds.s, ds.wc.ctx
	ds.mu.Lock()
	old := ds.agent
	ds.mu.Unlock()
	a, err := s.Read.Agent(ctx, old.ID)
	if err != nil || a.Disabled || a.AuthVersion != old.AuthVersion {
		ds.wc.close(websocket.StatusPolicyViolation, "signed out")
		return
	}
	if sameView(old, a) && !ds.appAdded.Swap(false) {
		// The agent's own status or load changed (every accept, close
		// and transfer says so): the same topics, nothing to reload.
		ds.mu.Lock()
		ds.agent = a
		ds.mu.Unlock()
		return
	}
	topics, err := s.deskTopics(ctx, a)
	if err != nil {
		s.Log.Error("desk websocket: list topics", "err", err)
		ds.wc.close(websocket.StatusInternalError, "reconnect")
		return
	}
	// The new agent first: events of a new app are let through as soon
	// as they arrive; those of an app left are held back from now on.
	ds.mu.Lock()
	ds.agent = a
	ds.mu.Unlock()
	moved, err := s.desk.move(ds, topics)
	if err != nil {
		s.Log.Error("desk websocket: subscribe", "err", err)
		ds.wc.close(websocket.StatusInternalError, "reconnect")
		return
	}
	if moved || !sameView(old, a) {
		ds.hello(a)
	}
}

// deskFrame is any frame the workspace sends.
type deskFrame struct {
	Type           string               `json:"type"`
	ConversationID int64                `json:"conversation_id"`
	On             bool                 `json:"on"`
	Seq            int64                `json:"seq"`
	Message        *deskapi.SendRequest `json:"message"`
}

type deskSentFrame struct {
	Type        string        `json:"type"` // "sent"
	ClientMsgID string        `json:"client_msg_id,omitempty"`
	Message     *kefu.Message `json:"message"`
}

func (ds *deskSession) onFrame(ctx context.Context, data []byte) {
	var f deskFrame
	if err := edge.UnmarshalJSON(data, &f); err != nil {
		ds.wc.sendJSON(wsError{Type: "error", Error: edge.ErrorDetail{Code: kefu.EINVALID, Message: "frames must be JSON objects with a type: " + kefu.ErrorMessage(err)}})
		return
	}
	if f.Type == "ping" {
		ds.wc.send([]byte(`{"type":"pong"}`))
		return
	}
	ds.mu.Lock()
	a := ds.agent
	ds.mu.Unlock()
	fail := func(clientID string, err error) {
		ds.wc.sendJSON(wsError{Type: "error", ClientMsgID: clientID, Error: edge.ErrorDetail{Code: kefu.ErrorCode(err), Message: kefu.ErrorMessage(err)}})
	}
	// Every answer to a send names it, so the workspace knows which of its
	// messages failed and whether to retry it.
	clientID := ""
	if f.Type == "send" && f.Message != nil {
		clientID = f.Message.ClientMsgID
	}
	c, err := ds.s.Read.Conversation(ctx, f.ConversationID)
	if err != nil && kefu.ErrorCode(err) != kefu.ENOTFOUND {
		// The store could not answer: worth retrying, unlike not_found.
		ds.s.Log.Warn("desk websocket: read conversation", "err", err)
		fail(clientID, kefu.Errorf(kefu.EUNAVAILABLE, "the conversation cannot be read now; try again"))
		return
	}
	if err != nil || !a.Serves(c.AppID, c.TeamID) {
		fail(clientID, kefu.Errorf(kefu.ENOTFOUND, "no such conversation"))
		return
	}
	switch f.Type {
	case "typing":
		if c.State == kefu.StateActive && c.AgentID == a.ID {
			ds.s.Engine.Typing(ctx, c, kefu.SenderAgent, f.On)
		}
	case "read":
		if err := ds.s.Engine.MarkAgentRead(ctx, c.ID, f.Seq); err != nil {
			fail("", err)
		}
	case "send":
		if f.Message == nil {
			fail("", kefu.Errorf(kefu.EINVALID, "a send frame needs a message"))
			return
		}
		m, err := ds.s.deskAPI.AgentSend(ctx, a, c.ID, "desk", f.Message.ToMessage())
		if err != nil {
			fail(clientID, err)
			return
		}
		ds.wc.sendJSON(deskSentFrame{Type: "sent", ClientMsgID: clientID, Message: m})
	default:
		fail("", kefu.Errorf(kefu.EINVALID, "unknown frame type %s", jsonQuote(f.Type)))
	}
}

// sharesApp reports whether agent a may see b's status: b is a itself, or
// they serve an app in common (admins see everyone).
func sharesApp(a, b *kefu.Agent) bool {
	if a.Role == kefu.RoleAdmin || a.ID == b.ID || b.Role == kefu.RoleAdmin {
		return true
	}
	for _, x := range a.Apps {
		if slices.Contains(b.Apps, x) {
			return true
		}
	}
	return false
}

// sameView reports whether agents a and b may see the same conversations.
func sameView(a, b *kefu.Agent) bool {
	if a.Role != b.Role {
		return false
	}
	return a.Role == kefu.RoleAdmin || sameSet(a.Apps, b.Apps) && sameSet(a.Teams, b.Teams)
}

// sameSet reports whether a and b hold the same values, in any order.
func sameSet[T comparable](a, b []T) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
