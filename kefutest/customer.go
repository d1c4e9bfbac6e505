package kefutest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/engine"
)

// ClientMessage is a message as the client API returns it.
type ClientMessage = client.Message

// ClientState is the session state the client API reports.
type ClientState = client.State

// Customer is an end user talking through the client API.
type Customer struct {
	t      testing.TB
	s      *Server
	AppID  string
	Token  string
	OpenID string

	mu      sync.Mutex
	ws      *websocket.Conn
	wsDone  chan struct{}
	frames  []map[string]json.RawMessage
	msgs    []*ClientMessage
	state   ClientState
	changed chan struct{}
}

// Customer identifies a customer of app on a channel (visitor ids are
// padded to the client API's minimum length).
func (s *Server) Customer(appID string, ch kefu.Channel, visitor string) *Customer {
	s.t.Helper()
	c := &Customer{t: s.t, s: s, AppID: appID, changed: make(chan struct{}, 1)}
	body := map[string]any{"appid": appID, "channel": ch, "visitor_id": fmt.Sprintf("%-16s", visitor)}
	if ch == kefu.ChannelSDK {
		body["sdk_version"] = "5.1"
	}
	var out client.Session
	if st := c.Do("POST", "/api/client/sessions", body, &out); st != http.StatusOK {
		s.t.Fatalf("identify: HTTP %d", st)
	}
	c.Token, c.OpenID = out.Token, out.OpenID
	s.t.Cleanup(c.Disconnect)
	return c
}

// Do calls the client API with the customer's token and decodes the answer
// into out (if not nil), returning the status.
func (c *Customer) Do(method, path string, body, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.s.URL+path, rd)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// Enter opens the chat (pushes user_enter_tempsession).
func (c *Customer) Enter(sessionFrom string, card *kefu.MessageCard) {
	c.t.Helper()
	if st := c.Do("POST", "/api/client/enter", map[string]any{"session_from": sessionFrom, "card": card}, nil); st != http.StatusOK {
		c.t.Fatalf("enter: HTTP %d", st)
	}
}

// Say sends a text message over HTTP and returns it as stored.
func (c *Customer) Say(text string) *ClientMessage {
	c.t.Helper()
	var m ClientMessage
	st := c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": engine.NewMediaID()[:16], "kind": "text",
		"text": map[string]string{"content": text}}, &m)
	if st != http.StatusCreated {
		c.t.Fatalf("send: HTTP %d", st)
	}
	return &m
}

// Upload sends an image file and returns its media id.
func (c *Customer) Upload(name string, data []byte) string {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.s.URL+"/api/client/media", &buf)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("upload: HTTP %d", resp.StatusCode)
	}
	return out.MediaID
}

// History reads the messages after seq over HTTP.
func (c *Customer) History(after int64) []*ClientMessage {
	c.t.Helper()
	var out struct {
		Messages []*ClientMessage `json:"messages"`
	}
	if st := c.Do("GET", fmt.Sprintf("/api/client/messages?after=%d", after), nil, &out); st != http.StatusOK {
		c.t.Fatalf("history: HTTP %d", st)
	}
	return out.Messages
}

// Connect opens the WebSocket, resuming after seq, and records frames.
func (c *Customer) Connect(after int64) {
	c.t.Helper()
	url := strings.Replace(c.s.URL, "http", "ws", 1) + fmt.Sprintf("/api/client/ws?token=%s&after=%d", c.Token, after)
	ws, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	ws.SetReadLimit(1 << 20)
	done := make(chan struct{})
	c.mu.Lock()
	c.ws, c.wsDone = ws, done
	c.mu.Unlock()
	go func() {
		defer close(done)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			c.onFrame(data)
		}
	}()
}

// Disconnect closes the WebSocket (and waits for its reader).
func (c *Customer) Disconnect() {
	c.mu.Lock()
	ws, done := c.ws, c.wsDone
	c.ws = nil
	c.mu.Unlock()
	if ws != nil {
		ws.CloseNow()
		<-done
	}
}

func (c *Customer) onFrame(data []byte) {
	var f map[string]json.RawMessage
	if json.Unmarshal(data, &f) != nil {
		return
	}
	var typ string
	json.Unmarshal(f["type"], &typ)
	c.mu.Lock()
	c.frames = append(c.frames, f)
	switch typ {
	case "message":
		var m ClientMessage
		json.Unmarshal(f["message"], &m)
		c.msgs = append(c.msgs, &m)
	case "state":
		// A fresh value: fields a frame omits (agent, queue_position) are unset.
		var st ClientState
		json.Unmarshal(f["state"], &st)
		c.state = st
	}
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// SendWS sends a frame on the WebSocket.
func (c *Customer) SendWS(frame any) {
	c.t.Helper()
	b, _ := json.Marshal(frame)
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if err := ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("send frame: %v", err)
	}
}

// Received returns the messages received over the WebSocket so far.
func (c *Customer) Received() []*ClientMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*ClientMessage(nil), c.msgs...)
}

// State returns the last state frame.
func (c *Customer) State() ClientState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// FrameTypes returns the types of the frames received so far.
func (c *Customer) FrameTypes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, f := range c.frames {
		var typ string
		json.Unmarshal(f["type"], &typ)
		out = append(out, typ)
	}
	return out
}

// Wait waits until cond holds (checked after every frame).
func (c *Customer) Wait(what string, cond func(c *Customer) bool) {
	c.t.Helper()
	deadline := time.After(waitBound)
	for !cond(c) {
		select {
		case <-c.changed:
		case <-deadline:
			c.t.Fatalf("customer: timed out waiting for %s; frames: %v", what, c.FrameTypes())
		}
	}
}

// WaitMessage waits for a received message matching pred and returns it.
func (c *Customer) WaitMessage(what string, pred func(m *ClientMessage) bool) *ClientMessage {
	c.t.Helper()
	var found *ClientMessage
	c.Wait(what, func(c *Customer) bool {
		for _, m := range c.Received() {
			if pred(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// Clone returns another client of the same customer (same token), with no
// connection and nothing received — a second tab, or the page reloaded.
func (c *Customer) Clone() *Customer {
	return &Customer{t: c.t, s: c.s, AppID: c.AppID, Token: c.Token, OpenID: c.OpenID, changed: make(chan struct{}, 1)}
}

// HasFrame reports whether a frame of the given type has arrived.
func (c *Customer) HasFrame(typ string) bool {
	for _, f := range c.FrameTypes() {
		if f == typ {
			return true
		}
	}
	return false
}
