package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsConn is one WebSocket: frames are queued by send (from any goroutine,
// never blocking) and written by a goroutine that exists only while there is
// something to write, so an idle connection costs one blocked reader.
type wsConn struct {
	s      *Server
	c      *websocket.Conn
	kind   string // "client" or "desk", for metrics
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   [][]byte
	writing bool
	closed  bool
	idle    *time.Timer // closes a connection silent for wsIdleTimeout
}

// Limits of a WebSocket.
const (
	wsReadLimit   = 64 << 10
	wsMaxQueue    = 1024              // frames waiting; beyond this the client is too slow and is cut off
	wsWriteWait   = 10 * time.Second  // one frame's write deadline
	wsIdleTimeout = 120 * time.Second // no frame from the client for this long: gone (clients ping every 25 s)
)

// acceptWS upgrades the request. Browsers' cross-origin connections are
// refused (the library's origin check); clients without an Origin header
// (apps, SDKs) are allowed.
func (s *Server) acceptWS(w http.ResponseWriter, r *http.Request, kind string) (*wsConn, error) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{})
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(wsReadLimit)
	ctx, cancel := context.WithCancel(context.Background())
	wc := &wsConn{s: s, c: c, kind: kind, ctx: ctx, cancel: cancel}
	s.connsMu.Lock()
	s.conns[wc] = struct{}{}
	s.connsMu.Unlock()
	s.metrics.sockets.WithLabelValues(kind).Inc()
	return wc, nil
}

// sendJSON queues v as a text frame.
func (wc *wsConn) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		wc.s.log.Error("websocket: encode frame", "err", err)
		return
	}
	wc.send(b)
}

// send queues a text frame. It never blocks; a client that lets more than
// wsMaxQueue frames pile up is disconnected (it resumes from its last
// sequence number when it reconnects).
func (wc *wsConn) send(frame []byte) {
	wc.mu.Lock()
	if wc.closed {
		wc.mu.Unlock()
		return
	}
	if len(wc.queue) >= wsMaxQueue {
		wc.mu.Unlock()
		wc.close(websocket.StatusPolicyViolation, "too slow: reconnect and resume")
		return
	}
	wc.queue = append(wc.queue, frame)
	start := !wc.writing
	wc.writing = true
	wc.mu.Unlock()
	if start {
		go wc.writeLoop()
	}
}

func (wc *wsConn) writeLoop() {
	for {
		wc.mu.Lock()
		if len(wc.queue) == 0 || wc.closed {
			wc.writing = false
			wc.queue = nil
			wc.mu.Unlock()
			return
		}
		frames := wc.queue
		wc.queue = nil
		wc.mu.Unlock()
		for _, f := range frames {
			ctx, cancel := context.WithTimeout(wc.ctx, wsWriteWait)
			err := wc.c.Write(ctx, websocket.MessageText, f)
			cancel()
			if err != nil {
				wc.close(websocket.StatusGoingAway, "write failed")
				return
			}
		}
	}
}

// read returns the next frame from the client. A client silent for
// wsIdleTimeout is disconnected by one timer per connection, pushed back at
// every read: a context with a timeout for each read cost every idle
// connection about 2 KB more (kefu bench conns).
func (wc *wsConn) read() ([]byte, error) {
	wc.mu.Lock()
	if wc.idle == nil {
		wc.idle = time.AfterFunc(wsIdleTimeout, func() {
			wc.close(websocket.StatusPolicyViolation, "no frame for 2 minutes: reconnect and resume")
		})
	} else {
		wc.idle.Reset(wsIdleTimeout)
	}
	wc.mu.Unlock()
	_, data, err := wc.c.Read(wc.ctx)
	return data, err
}

// close ends the connection once.
func (wc *wsConn) close(code websocket.StatusCode, reason string) {
	wc.mu.Lock()
	if wc.closed {
		wc.mu.Unlock()
		return
	}
	wc.closed = true
	wc.queue = nil
	if wc.idle != nil {
		wc.idle.Stop()
	}
	wc.mu.Unlock()
	wc.s.connsMu.Lock()
	delete(wc.s.conns, wc)
	wc.s.connsMu.Unlock()
	wc.s.metrics.sockets.WithLabelValues(wc.kind).Dec()
	go func() {
		wc.c.Close(code, reason)
		wc.cancel()
	}()
}

// goingAway tells the client the server is shutting down.
func (wc *wsConn) goingAway() { wc.close(websocket.StatusGoingAway, "server shutting down") }

// frame is the envelope of every frame in both directions.
type frame struct {
	Type string `json:"type"`
}

// wsError is an error frame, optionally tied to a client message id.
type wsError struct {
	Type        string      `json:"type"` // "error"
	ClientMsgID string      `json:"client_msg_id,omitempty"`
	Error       errorDetail `json:"error"`
}
