package kefutest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// Desk is an agent using the desk API, with its own cookie jar.
type Desk struct {
	t     testing.TB
	s     *Server
	Agent *kefu.Agent
	CSRF  string
	HTTP  *http.Client

	mu      sync.Mutex
	ws      *websocket.Conn
	wsDone  chan struct{}
	events  []engine.Event
	changed chan struct{}
}

// SignIn signs an agent in (password AgentPassword).
func (s *Server) SignIn(login string) *Desk {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &Desk{t: s.t, s: s, HTTP: &http.Client{Jar: jar}, changed: make(chan struct{}, 1)}
	var out struct {
		Agent *kefu.Agent `json:"agent"`
		CSRF  string      `json:"csrf_token"`
	}
	if st := d.Do("POST", "/api/desk/login", map[string]string{"login": login, "password": AgentPassword}, &out); st != http.StatusOK {
		s.t.Fatalf("sign in %s: HTTP %d", login, st)
	}
	d.Agent, d.CSRF = out.Agent, out.CSRF
	s.t.Cleanup(d.Disconnect)
	return d
}

// OnlineAgent adds an agent serving apps, signs them in, sets them online
// and opens their desk WebSocket: an agent ready to be given sessions.
func (s *Server) OnlineAgent(login string, apps ...string) *Desk {
	s.t.Helper()
	s.Agent(login, kefu.RoleAgent, apps...)
	d := s.SignIn(login)
	d.Status(kefu.StatusOnline)
	d.Connect()
	return d
}

// Do calls the desk API (with the CSRF token) and decodes the answer into
// out, returning the status.
func (d *Desk) Do(method, path string, body, out any) int {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, d.s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if d.CSRF != "" {
		req.Header.Set("X-CSRF-Token", d.CSRF)
	}
	resp, err := d.HTTP.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			d.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// must calls Do and fails the test unless the status is want.
func (d *Desk) must(want int, method, path string, body, out any) {
	d.t.Helper()
	if st := d.Do(method, path, body, out); st != want {
		d.t.Fatalf("%s %s: HTTP %d, want %d", method, path, st, want)
	}
}

// Status sets the agent's status.
func (d *Desk) Status(s kefu.Status) {
	d.t.Helper()
	d.must(http.StatusOK, "POST", "/api/desk/status", map[string]any{"status": s}, nil)
}

// Accept takes a queued conversation.
func (d *Desk) Accept(convID int64) {
	d.t.Helper()
	d.must(http.StatusOK, "POST", fmt.Sprintf("/api/desk/conversations/%d/accept", convID), struct{}{}, nil)
}

// Say sends a text message to a conversation.
func (d *Desk) Say(convID int64, text string) *kefu.Message {
	d.t.Helper()
	var m kefu.Message
	d.must(http.StatusCreated, "POST", fmt.Sprintf("/api/desk/conversations/%d/messages", convID),
		map[string]any{"client_msg_id": engine.NewMediaID()[:16], "kind": "text", "text": map[string]string{"content": text}}, &m)
	return &m
}

// Close ends a conversation's session.
func (d *Desk) Close(convID int64) {
	d.t.Helper()
	d.must(http.StatusOK, "POST", fmt.Sprintf("/api/desk/conversations/%d/close", convID), struct{}{}, nil)
}

// Queue lists the pending conversations.
func (d *Desk) Queue() []*kefu.Conversation {
	d.t.Helper()
	var out struct {
		Conversations []*kefu.Conversation `json:"conversations"`
	}
	d.must(http.StatusOK, "GET", "/api/desk/queue", nil, &out)
	return out.Conversations
}

// Messages lists a conversation's messages after seq.
func (d *Desk) Messages(convID, after int64) []*kefu.Message {
	d.t.Helper()
	var out struct {
		Messages []*kefu.Message `json:"messages"`
	}
	d.must(http.StatusOK, "GET", fmt.Sprintf("/api/desk/conversations/%d/messages?after=%d", convID, after), nil, &out)
	return out.Messages
}

// Connect opens the desk WebSocket, records its events, and returns once
// the server said hello: from then on every event the agent may see
// reaches it (the server subscribed first, on every node's bus).
func (d *Desk) Connect() {
	d.t.Helper()
	hellos := 0
	for _, ev := range d.Events() {
		if isHello(&ev) {
			hellos++
		}
	}
	url := strings.Replace(d.s.URL, "http", "ws", 1) + "/api/desk/ws"
	ws, _, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{HTTPClient: d.HTTP,
		HTTPHeader: http.Header{"Origin": {d.s.URL}}})
	if err != nil {
		d.t.Fatalf("desk connect: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	done := make(chan struct{})
	d.mu.Lock()
	d.ws, d.wsDone = ws, done
	d.mu.Unlock()
	go func() {
		defer close(done)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var ev engine.Event
			if json.Unmarshal(data, &ev) == nil {
				d.mu.Lock()
				d.events = append(d.events, ev)
				d.mu.Unlock()
				select {
				case d.changed <- struct{}{}:
				default:
				}
			}
		}
	}()
	d.WaitEvents("the hello after connecting", hellos+1, isHello)
}

func isHello(ev *engine.Event) bool { return ev.Type == "hello" }

// Disconnect closes the desk WebSocket.
func (d *Desk) Disconnect() {
	d.mu.Lock()
	ws, done := d.ws, d.wsDone
	d.ws = nil
	d.mu.Unlock()
	if ws != nil {
		ws.CloseNow()
		<-done
	}
}

// Events returns the events received so far.
func (d *Desk) Events() []engine.Event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]engine.Event(nil), d.events...)
}

// WaitEvent waits for an event matching pred and returns it.
func (d *Desk) WaitEvent(what string, pred func(ev *engine.Event) bool) *engine.Event {
	d.t.Helper()
	return d.WaitEvents(what, 1, pred)
}

// WaitEvents waits until n events match pred and returns the nth.
func (d *Desk) WaitEvents(what string, n int, pred func(ev *engine.Event) bool) *engine.Event {
	d.t.Helper()
	deadline := time.After(waitBound)
	for {
		seen := 0
		for _, ev := range d.Events() {
			if pred(&ev) {
				if seen++; seen == n {
					return &ev
				}
			}
		}
		select {
		case <-d.changed:
		case <-deadline:
			d.t.Fatalf("desk %s: timed out waiting for %s", d.Agent.Login, what)
		}
	}
}

// WaitClosed waits until the server closes the desk WebSocket.
func (d *Desk) WaitClosed(what string) {
	d.t.Helper()
	d.mu.Lock()
	done := d.wsDone
	d.mu.Unlock()
	select {
	case <-done:
	case <-time.After(waitBound):
		d.t.Fatalf("desk %s: timed out waiting for %s", d.Agent.Login, what)
	}
}

// RegisterComponent registers an assistant component (the desk must be an
// admin's) and returns it as stored.
func (d *Desk) RegisterComponent(c map[string]any) *kefu.Component {
	d.t.Helper()
	var out kefu.Component
	if st := d.Do("POST", "/api/admin/components", c, &out); st != http.StatusCreated {
		d.t.Fatalf("register component %v: HTTP %d", c["name"], st)
	}
	return &out
}
