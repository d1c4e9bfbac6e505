package live

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// wsConn is one WebSocket: frames are queued by send (from any goroutine,
// never blocking) and written by a goroutine that exists only while there is
// something to write, so an idle connection costs one blocked reader.
type wsConn struct {
	s      *Server
	c      *websocket.Conn
	nc     *wsNetConn // the connection under c
	kind   string     // "client" or "desk", for metrics
	addr   string     // the address counted against the cap of sockets, or ""
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
	wsWriteWait   = 10 * time.Second  // a batch of frames' write deadline
	wsIdleTimeout = 120 * time.Second // no frame from the client for this long: gone (clients ping every 25 s)
)

// acceptWS upgrades the request. Browsers' cross-origin connections are
// refused (the library's origin check); clients without an Origin header
// (apps, SDKs) are allowed. An address with its cap of sockets open is
// answered 429 rate_limited before the upgrade.
func (s *Server) acceptWS(w http.ResponseWriter, r *http.Request, kind string) (*wsConn, error) {
	addr, capped := s.limits.AddressOf(r.RemoteAddr)
	if !capped {
		addr = ""
	} else if !s.sockets.Acquire(addr) {
		s.Metrics.Limited.WithLabelValues("sockets").Inc()
		w.Header().Set("Retry-After", "10")
		err := kefu.Errorf(kefu.ERATE, "too many connections from your network (at most %d): close some, or wait and try again", s.limits.AddressSockets)
		s.WriteError(w, r, err)
		return nil, err
	}
	hj := &wsHijacker{ResponseWriter: w}
	c, err := websocket.Accept(hj, r, &websocket.AcceptOptions{})
	if err != nil {
		if addr != "" {
			s.sockets.Release(addr)
		}
		return nil, err
	}
	c.SetReadLimit(wsReadLimit)
	ctx, cancel := context.WithCancel(context.Background())
	wc := &wsConn{s: s, c: c, nc: hj.nc, kind: kind, addr: addr, ctx: ctx, cancel: cancel}
	s.connsMu.Lock()
	s.conns[wc] = struct{}{}
	s.connsMu.Unlock()
	s.Metrics.Sockets.WithLabelValues(kind).Inc()
	return wc, nil
}

// sendJSON queues v as a text frame.
func (wc *wsConn) sendJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		wc.s.Log.Error("websocket: encode frame", "err", err)
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
		if !wc.writeFrames(frames) {
			wc.close(websocket.StatusGoingAway, "write failed")
			return
		}
	}
}

// writeFrames writes the frames queued meanwhile in one write to the socket
// (see wsNetConn). The library is given a context without a deadline, so
// it sets none of its own per frame — a context with a timeout per frame
// and the library's watch of it cost about a twentieth of the server's CPU
// in kefu bench e2e, where a message makes a dozen frames; the deadline is
// the socket's, around the one real write.
func (wc *wsConn) writeFrames(frames [][]byte) bool {
	wc.nc.cork()
	for _, f := range frames {
		if err := wc.c.Write(context.Background(), websocket.MessageText, f); err != nil {
			wc.nc.uncork()
			return false
		}
	}
	return wc.nc.uncork() == nil
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
	wc.s.Metrics.Sockets.WithLabelValues(wc.kind).Dec()
	if wc.addr != "" {
		wc.s.sockets.Release(wc.addr)
	}
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
	Type        string           `json:"type"` // "error"
	ClientMsgID string           `json:"client_msg_id,omitempty"`
	Error       edge.ErrorDetail `json:"error"`
}

// Buffers of a WebSocket. net/http's, which the library keeps after the
// hijack, are 4 KB each way; an idle connection needs neither (kefu bench
// conns: they were 8 of the 30 KB an idle connection cost). Frames from
// clients are small; frames to them collect in a pooled buffer while being
// written (wsNetConn), so the library's own write buffer only ever holds
// control frames.
const (
	wsReadBuffer  = 1024
	wsWriteBuffer = 128
	wsCorkFlush   = 256 << 10 // a batch this large is written at once
)

// wsHijacker hands the library the connection with Kefu's buffers (see
// wsReadBuffer), through the http.Hijacker it asks the response for.
type wsHijacker struct {
	http.ResponseWriter
	nc *wsNetConn
}

func (h *wsHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.nc = &wsNetConn{Conn: conn}
	r := brw.Reader
	if r.Buffered() == 0 {
		// Nothing read ahead to keep: a smaller buffer will do.
		r = bufio.NewReaderSize(h.nc, wsReadBuffer)
	}
	return h.nc, bufio.NewReadWriter(r, bufio.NewWriterSize(h.nc, wsWriteBuffer)), nil
}

// wsNetConn is the connection under a WebSocket. Between cork and uncork,
// what the library writes collects in a buffer and reaches the socket in
// one write, so that frames queued for a connection while it was being
// written cost one system call, not one each (coder/websocket flushes every
// frame, and has no API to write several at once).
type wsNetConn struct {
	net.Conn

	mu       sync.Mutex // serialises writes: the library's control frames come from the reader
	corked   bool
	buf      *[]byte   // from wsBufPool while corked
	deadline time.Time // the socket's write deadline
}

var wsBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (c *wsNetConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		c.extendDeadlineLocked()
		return c.Conn.Write(p)
	}
	if c.buf == nil {
		c.buf = wsBufPool.Get().(*[]byte)
	}
	*c.buf = append(*c.buf, p...)
	if len(*c.buf) >= wsCorkFlush {
		return len(p), c.flushLocked()
	}
	return len(p), nil
}

func (c *wsNetConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// extendDeadlineLocked makes sure a write about to start has between half
// of wsWriteWait and all of it. Every write to the socket passes here, so
// the deadline is moved only when it comes near — setting it around every
// write cost more than a tenth of the writes' CPU.
func (c *wsNetConn) extendDeadlineLocked() {
	now := time.Now()
	if c.deadline.Sub(now) < wsWriteWait/2 {
		c.deadline = now.Add(wsWriteWait)
		c.Conn.SetWriteDeadline(c.deadline)
	}
}

// uncork writes what collected since cork, within wsWriteWait.
func (c *wsNetConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	return c.flushLocked()
}

func (c *wsNetConn) flushLocked() error {
	if c.buf == nil {
		return nil
	}
	b := c.buf
	c.buf = nil
	var err error
	if len(*b) > 0 {
		c.extendDeadlineLocked()
		_, err = c.Conn.Write(*b)
	}
	if cap(*b) <= 64<<10 {
		*b = (*b)[:0]
		wsBufPool.Put(b)
	}
	return err
}
