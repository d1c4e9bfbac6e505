package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
)

// EventType says what an Event carries.
type EventType string

// What Connect delivers.
const (
	EventMessage      EventType = "message"      // a message: the agent's, the developer's, a notice, or the customer's own
	EventState        EventType = "state"        // the session state changed (queue position, agent…)
	EventTyping       EventType = "typing"       // the agent started or stopped typing
	EventSynced       EventType = "synced"       // everything missed while away has been delivered
	EventError        EventType = "error"        // the server reported an error on the connection
	EventDisconnected EventType = "disconnected" // the connection dropped; Connect reconnects by itself
)

// Event is one thing that happened in the conversation.
type Event struct {
	Type    EventType
	Message *Message // EventMessage
	State   *State   // EventState
	Typing  *Typing  // EventTyping
	LastSeq int64    // EventSynced: the sequence number the connection resumes from
	Err     error    // EventError, EventDisconnected
}

// Typing is a typing indicator.
type Typing struct {
	Who kefu.Sender `json:"who"`
	On  bool        `json:"on"`
}

// Timings of a connection.
const (
	pingEvery  = 25 * time.Second // the server drops connections silent for 120 s
	maxBackoff = 10 * time.Second
)

// Connect follows the conversation live, starting after sequence number
// after (0: from the first message). It reconnects with backoff whenever
// the connection drops and resumes from the last sequence number seen, so
// every message is delivered exactly once and in order. The channel is
// closed when ctx ends, or after an EventError if the token is refused
// (identify again). Events are not dropped: read the channel promptly, as
// a connection that falls far behind is cut off by the server (and then
// resumed).
func (c *Client) Connect(ctx context.Context, after int64) <-chan Event {
	ch := make(chan Event, 64)
	go func() {
		defer close(ch)
		f := follower{c: c, ch: ch, last: after}
		f.run(ctx)
	}()
	return ch
}

// follower is the state of one Connect.
type follower struct {
	c    *Client
	ch   chan<- Event
	last int64 // highest sequence number delivered (or skipped as hidden)
}

func (f *follower) emit(ctx context.Context, ev Event) bool {
	select {
	case f.ch <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

func (f *follower) run(ctx context.Context) {
	attempt := 0
	for ctx.Err() == nil {
		tok, err := f.c.token()
		if err != nil {
			f.emit(ctx, Event{Type: EventError, Err: err})
			return
		}
		delivered, err := f.session(ctx, tok)
		if ctx.Err() != nil {
			return
		}
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			f.emit(ctx, Event{Type: EventError, Err: err})
			return
		}
		if !f.emit(ctx, Event{Type: EventDisconnected, Err: err}) {
			return
		}
		if delivered {
			attempt = 0
		}
		backoff := min(maxBackoff, 250*time.Millisecond<<min(attempt, 6))
		attempt++
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff/2 + rand.N(backoff/2+1)):
		}
	}
}

// frame is any frame the server sends.
type frame struct {
	Type    string   `json:"type"`
	Message *Message `json:"message"`
	State   *State   `json:"state"`
	Typing  *Typing  `json:"typing"`
	LastSeq int64    `json:"last_seq"`
	Error   *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// session runs one connection until it fails; delivered reports whether it
// got as far as the server's "synced".
func (f *follower) session(ctx context.Context, tok string) (delivered bool, err error) {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	ws, resp, err := websocket.Dial(dctx, f.c.wsURL(tok, f.last), &websocket.DialOptions{HTTPClient: f.c.wsHTTPClient()})
	cancel()
	if err != nil {
		if resp != nil && resp.StatusCode >= 400 {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			e := &Error{Status: resp.StatusCode, Code: "http", Message: string(body)}
			var eb struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if json.Unmarshal(body, &eb) == nil && eb.Error.Code != "" {
				e.Code, e.Message = eb.Error.Code, eb.Error.Message
			}
			return false, e
		}
		return false, err
	}
	defer ws.CloseNow()
	ws.SetReadLimit(4 << 20)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		t := time.NewTicker(pingEvery)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				wctx, cancel := context.WithTimeout(pctx, 10*time.Second)
				ws.Write(wctx, websocket.MessageText, []byte(`{"type":"ping"}`))
				cancel()
			}
		}
	}()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return delivered, err
		}
		var fr frame
		if json.Unmarshal(data, &fr) != nil {
			continue
		}
		ev, ok := f.event(&fr)
		if ev.Type == EventSynced {
			delivered = true
		}
		if ok && !f.emit(ctx, ev) {
			return delivered, ctx.Err()
		}
	}
}

// event turns a frame into an event, dropping what was already delivered.
func (f *follower) event(fr *frame) (Event, bool) {
	switch fr.Type {
	case "message":
		if fr.Message == nil || fr.Message.Seq <= f.last {
			return Event{}, false
		}
		f.last = fr.Message.Seq
		return Event{Type: EventMessage, Message: fr.Message}, true
	case "state":
		return Event{Type: EventState, State: fr.State}, fr.State != nil
	case "typing":
		return Event{Type: EventTyping, Typing: fr.Typing}, fr.Typing != nil
	case "synced":
		f.last = max(f.last, fr.LastSeq)
		return Event{Type: EventSynced, LastSeq: f.last}, true
	case "error":
		e := &Error{Status: 0, Code: "error"}
		if fr.Error != nil {
			e.Code, e.Message = fr.Error.Code, fr.Error.Message
		}
		return Event{Type: EventError, Err: e}, true
	}
	return Event{}, false
}

// wsHTTPClient is the HTTP client for the WebSocket handshake: the
// client's own, without its overall timeout (a WebSocket lives long).
func (c *Client) wsHTTPClient() *http.Client {
	hc := *c.hc
	hc.Timeout = 0
	return &hc
}
