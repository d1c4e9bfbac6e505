package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// target is a server the bench talks to: Kefu, or a ceiling server. Its
// clients are lean versions of kefutest's: no recording, no test hooks.
//
// Connections come from many loopback source addresses (127.0.0.2 …) so
// that thousands of them never run out of ephemeral ports, and sign-ins
// come from a new address every ten, because Kefu allows ten sign-in tries a
// minute per address.
type target struct {
	base string // http://host:port
	ws   string // ws://host:port
	api  *http.Client

	mu     sync.Mutex
	dial   map[string]*http.Client // by source address
	logins atomic.Int64
}

// wsSources is how many loopback source addresses connections are spread over.
const wsSources = 32

func newTarget(base string) *target {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 256
	return &target{base: base, ws: "ws" + strings.TrimPrefix(base, "http"), dial: map[string]*http.Client{},
		api: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// from returns an HTTP client whose connections come from the source address src.
func (t *target) from(src string) *http.Client {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.dial[src]; c != nil {
		return c
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 30 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	t.dial[src] = c
	return c
}

// wsSource is the source address of connection i.
func wsSource(i int) string { return fmt.Sprintf("127.0.0.%d", 2+i%wsSources) }

// loginSource is the source address of the n-th sign-in: 127.0.1.1 on,
// ten sign-ins each.
func loginSource(n int64) string {
	k := n / 10
	return fmt.Sprintf("127.0.%d.%d", 1+k/250, 1+k%250)
}

// dialWS opens a WebSocket on path as connection number i.
func (t *target) dialWS(ctx context.Context, path string, header http.Header, i int) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, t.ws+path, &websocket.DialOptions{HTTPClient: t.from(wsSource(i)), HTTPHeader: header})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

// call does a JSON request and decodes a JSON answer into out.
func (t *target) call(ctx context.Context, hc *http.Client, method, path string, header http.Header, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

// dialAll opens n connections with dial, 32 at a time; if one fails, it
// closes the others.
func dialAll(ctx context.Context, n int, dial func(ctx context.Context, i int) (*websocket.Conn, error)) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	err := parallel(ctx, n, 32, func(ctx context.Context, i int) error {
		var err error
		conns[i], err = dial(ctx, i)
		return err
	})
	if err != nil {
		closeAll(conns)
		return nil, err
	}
	return conns, nil
}

func closeAll(conns []*websocket.Conn) {
	for _, c := range conns {
		if c != nil {
			c.CloseNow()
		}
	}
}

// dialEchoes opens n connections to a ceiling server's echo.
func (t *target) dialEchoes(ctx context.Context, n int) ([]*websocket.Conn, error) {
	return dialAll(ctx, n, func(ctx context.Context, i int) (*websocket.Conn, error) {
		return t.dialWS(ctx, "/echo", nil, i)
	})
}

// visitorID is the n-th customer's visitor id among those named prefix: the
// same n is the same customer.
func visitorID(prefix string, n int) string { return fmt.Sprintf("%s-%010d", prefix, n) }

// dialUsers identifies the customers prefix 0 … n-1 of app and opens their
// WebSockets.
func (t *target) dialUsers(ctx context.Context, appID string, n int, prefix string) ([]*websocket.Conn, error) {
	return dialAll(ctx, n, func(ctx context.Context, i int) (*websocket.Conn, error) {
		tok, err := t.identify(ctx, appID, visitorID(prefix, i))
		if err != nil {
			return nil, err
		}
		return t.dialUser(ctx, tok, i)
	})
}

// identify opens a customer of app on the web channel and returns their token.
func (t *target) identify(ctx context.Context, appID, visitor string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	_, err := t.call(ctx, t.api, "POST", "/api/client/sessions", nil,
		map[string]any{"appid": appID, "channel": "web", "visitor_id": visitor}, &out)
	return out.Token, err
}

// dialUser opens a customer's WebSocket.
func (t *target) dialUser(ctx context.Context, token string, i int) (*websocket.Conn, error) {
	return t.dialWS(ctx, "/api/client/ws?after=0&token="+token, nil, i)
}

// deskSession is a signed-in agent's cookie and CSRF token.
type deskSession struct {
	AgentID int64
	cookie  string
	csrf    string
}

func (s *deskSession) header() http.Header {
	return http.Header{"Cookie": {s.cookie}, "X-Csrf-Token": {s.csrf}}
}

// login signs an agent in.
func (t *target) login(ctx context.Context, login, password string) (*deskSession, error) {
	var out struct {
		Agent struct {
			ID int64 `json:"id"`
		} `json:"agent"`
		CSRF string `json:"csrf_token"`
	}
	hc := t.from(loginSource(t.logins.Add(1) - 1))
	h, err := t.call(ctx, hc, "POST", "/api/desk/login", nil, map[string]string{"login": login, "password": password}, &out)
	if err != nil {
		return nil, err
	}
	s := &deskSession{AgentID: out.Agent.ID, csrf: out.CSRF}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "kefu_desk" {
			s.cookie = c.Name + "=" + c.Value
		}
	}
	if s.cookie == "" {
		return nil, fmt.Errorf("sign in %s: no cookie", login)
	}
	return s, nil
}

// setStatus sets a signed-in agent's status.
func (t *target) setStatus(ctx context.Context, s *deskSession, status string) error {
	_, err := t.call(ctx, t.api, "POST", "/api/desk/status", s.header(), map[string]string{"status": status}, nil)
	return err
}

// dialDesk opens an agent's desk WebSocket.
func (t *target) dialDesk(ctx context.Context, s *deskSession, i int) (*websocket.Conn, error) {
	return t.dialWS(ctx, "/api/desk/ws", http.Header{"Cookie": {s.cookie}}, i)
}

// parallel runs f(i) for i in [0, n) on at most workers goroutines and
// returns the first error.
func parallel(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// sendFrame is a customer's text message frame; content carries what the
// receiver needs to measure (see stamp).
func sendFrame(clientID, content string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "send", "message": map[string]any{
		"client_msg_id": clientID, "kind": "text", "text": map[string]string{"content": content}}})
	return b
}

// deskSendFrame is an agent's reply frame.
func deskSendFrame(convID int64, clientID, content string) []byte {
	b, _ := json.Marshal(map[string]any{"type": "send", "conversation_id": convID, "message": map[string]any{
		"client_msg_id": clientID, "kind": "text", "text": map[string]string{"content": content}}})
	return b
}

// stamp is what a bench message says about itself: who sent it, its
// number, and when it was meant to be sent.
type stamp struct {
	User     int
	Seq      int64
	Intended int64 // Unix nanoseconds
}

func (s stamp) String() string { return fmt.Sprintf("kb %d %d %d", s.User, s.Seq, s.Intended) }

func parseStamp(content string) (stamp, bool) {
	var s stamp
	_, err := fmt.Sscanf(content, "kb %d %d %d", &s.User, &s.Seq, &s.Intended)
	return s, err == nil
}

// peekInt finds "key":123 in a JSON frame without decoding it; ok is false
// when the key is missing.
func peekInt(data []byte, key string) (int64, bool) {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return 0, false
	}
	var n int64
	j := i + len(key)
	for ; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		n = n*10 + int64(data[j]-'0')
	}
	return n, j > i+len(key)
}

// frameType peeks at a frame's "type" without decoding it (frames start
// with it).
func frameType(data []byte) string {
	const key = `"type":"`
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return ""
	}
	rest := data[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
