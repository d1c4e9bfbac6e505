package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
)

// chat is a crowd of customers and agents in active sessions, used by e2e
// and crowd: customers send on a schedule (open loop), the agent serving
// each session answers every message at once, and both directions'
// latencies are measured from when a message was meant to be sent.
type chat struct {
	r      *run
	t      *target
	users  []*chatUser
	agents []*chatAgent
	owners sync.Map // conversation id → id of the agent serving it

	u2a, a2u recorder // user→agent and agent→user latencies

	// Counts inside the measured window.
	u2aSent, u2aRecv, a2uSent, a2uRecv atomic.Int64
	// Failures at any time: writes that failed, error frames, closed sockets.
	sendErrs, errFrames, dropped atomic.Int64
	lastErr                      atomic.Value // string

	mu        sync.Mutex   // guards users and agents while they grow
	conns     atomic.Int64 // connections opened, for source addresses
	wg        sync.WaitGroup
	stop      chan struct{}
	closeOnce sync.Once
}

func newChat(r *run, t *target) *chat {
	ch := &chat{r: r, t: t, stop: make(chan struct{})}
	ch.wg.Add(1)
	go ch.ping()
	return ch
}

// pingInterval is how often every connection says it is alive, as Kefu's
// clients do (Kefu closes a connection silent for two minutes).
const pingInterval = 25 * time.Second

var pingFrame = []byte(`{"type":"ping"}`)

// ping keeps idle connections open — agents waiting for their first
// customers while a big crowd is being added, customers between messages.
func (ch *chat) ping() {
	defer ch.wg.Done()
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	for {
		select {
		case <-ch.stop:
			return
		case <-t.C:
		}
		ch.mu.Lock()
		users, agents := ch.users, ch.agents
		ch.mu.Unlock()
		for _, u := range users {
			ch.write(u.conn, pingFrame)
		}
		for _, a := range agents {
			if a != nil {
				select {
				case a.out <- pingFrame:
				default:
				}
			}
		}
	}
}

type chatUser struct {
	idx    int
	conn   *websocket.Conn
	active atomic.Bool
	seq    atomic.Int64
}

type chatAgent struct {
	s    *deskSession
	conn *websocket.Conn
	out  chan []byte // replies, written by their own goroutine as a workspace would
}

// agentBacklog is how many replies an agent may have waiting to be written.
const agentBacklog = 4096

// writeAgent writes an agent's replies in order, so that its reader never
// waits for the server to take a reply before reading on.
func (ch *chat) writeAgent(a *chatAgent) {
	defer ch.wg.Done()
	for {
		select {
		case <-ch.stop:
			return
		case f := <-a.out:
			if ch.write(a.conn, f) != nil {
				return
			}
		}
	}
}

func (ch *chat) fail(err error) {
	ch.lastErr.Store(err.Error())
}

// addAgents signs agents in, connects their workspaces and sets them online.
func (ch *chat) addAgents(ctx context.Context, agents []*benchAgent) error {
	added := make([]*chatAgent, len(agents))
	err := parallel(ctx, len(agents), 16, func(ctx context.Context, i int) error {
		s, err := ch.t.login(ctx, agents[i].Login, agentPassword)
		if err != nil {
			return err
		}
		c, err := ch.t.dialDesk(ctx, s, int(ch.conns.Add(1)))
		if err != nil {
			return fmt.Errorf("desk websocket: %w", err)
		}
		a := &chatAgent{s: s, conn: c, out: make(chan []byte, agentBacklog)}
		added[i] = a
		ch.read(c, func(data []byte) { ch.onAgentFrame(a, data) })
		ch.wg.Add(1)
		go ch.writeAgent(a)
		return ch.t.setStatus(ctx, s, "online")
	})
	ch.mu.Lock()
	ch.agents = append(ch.agents, added...)
	ch.mu.Unlock()
	return err
}

// chatVisitors names the visitor ids of the chat's customers (see visitorID).
const chatVisitors = "bench-visitor"

// addUsers opens customers of the given apps (perApp each), connects them,
// and sends each one's first message, which queues the session for the
// router.
func (ch *chat) addUsers(ctx context.Context, apps []*kefu.App, perApp int) error {
	base := len(ch.users)
	conns, err := dialAll(ctx, len(apps)*perApp, func(ctx context.Context, i int) (*websocket.Conn, error) {
		tok, err := ch.t.identify(ctx, apps[i/perApp].ID, visitorID(chatVisitors, base+i))
		if err != nil {
			return nil, err
		}
		c, err := ch.t.dialUser(ctx, tok, int(ch.conns.Add(1)))
		if err != nil {
			return nil, fmt.Errorf("client websocket: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return err
	}
	for _, u := range ch.join(conns, ch.onUserFrame) {
		if err := ch.write(u.conn, sendFrame(fmt.Sprintf("hi-%d", u.idx), stamp{User: u.idx}.String())); err != nil {
			return err
		}
	}
	return nil
}

// join adds customers already connected, numbered on from those before
// them, and hands each of their frames to onFrame.
func (ch *chat) join(conns []*websocket.Conn, onFrame func(u *chatUser, data []byte)) []*chatUser {
	users := make([]*chatUser, len(conns))
	ch.mu.Lock()
	for i, c := range conns {
		users[i] = &chatUser{idx: len(ch.users) + i, conn: c}
	}
	ch.users = append(ch.users, users...)
	ch.mu.Unlock()
	for _, u := range users {
		ch.read(u.conn, func(data []byte) { onFrame(u, data) })
	}
	return users
}

// read hands every frame of c to onFrame, in a goroutine of its own, until
// the connection closes.
func (ch *chat) read(c *websocket.Conn, onFrame func(data []byte)) {
	ch.wg.Add(1)
	go func() {
		defer ch.wg.Done()
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				ch.closed(err)
				return
			}
			onFrame(data)
		}
	}()
}

// waitActive waits until every customer's session is active.
func (ch *chat) waitActive(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n := 0
		for _, u := range ch.users {
			if u.active.Load() {
				n++
			}
		}
		if n == len(ch.users) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d sessions became active within %s", n, len(ch.users), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// startSending makes every customer send a message every interval, each
// at its own random phase, until close. (Later customers start when they
// are added: call it again with only the new ones.)
func (ch *chat) startSending(users []*chatUser, interval time.Duration) {
	start := time.Now()
	for _, u := range users {
		phase := time.Duration(rand.Int64N(int64(interval)))
		ch.wg.Add(1)
		go func() {
			defer ch.wg.Done()
			next := start.Add(phase)
			t := time.NewTimer(time.Until(next))
			defer t.Stop()
			for {
				select {
				case <-ch.stop:
					return
				case <-t.C:
				}
				s := stamp{User: u.idx, Seq: u.seq.Add(1), Intended: next.UnixNano()}
				if ch.u2a.inWindow(s.Intended) {
					ch.u2aSent.Add(1)
				}
				if err := ch.write(u.conn, sendFrame(fmt.Sprintf("m-%d-%d", u.idx, s.Seq), s.String())); err != nil {
					return
				}
				next = next.Add(interval)
				t.Reset(time.Until(next))
			}
		}()
	}
}

func (ch *chat) write(c *websocket.Conn, frame []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := c.Write(ctx, websocket.MessageText, frame)
	if err != nil {
		ch.sendErrs.Add(1)
		ch.fail(err)
	}
	return err
}

// textMessage is the part of a frame's message the bench reads.
type textMessage struct {
	Sender string `json:"sender"`
	Text   *struct {
		Content string `json:"content"`
	} `json:"text"`
}

// userFrame is what a customer's client reads from its frames.
type userFrame struct {
	Type    string       `json:"type"`
	Message *textMessage `json:"message"`
	State   *struct {
		State string `json:"state"`
	} `json:"state"`
	Error json.RawMessage `json:"error"`
}

// onUserFrame times the agents' answers and follows the session's state.
func (ch *chat) onUserFrame(u *chatUser, data []byte) {
	switch frameType(data) {
	case "message", "state", "error":
	default:
		return // sent, synced, typing, pong
	}
	var f userFrame
	if json.Unmarshal(data, &f) != nil {
		return
	}
	switch f.Type {
	case "message":
		if f.Message == nil || f.Message.Sender != "agent" || f.Message.Text == nil {
			return
		}
		if s, ok := parseStamp(f.Message.Text.Content); ok && ch.a2u.inWindow(s.Intended) {
			ch.a2u.add(s.Intended, time.Now())
			ch.a2uRecv.Add(1)
		}
	case "state":
		if f.State != nil {
			u.active.Store(f.State.State == "active")
		}
	case "error":
		ch.errFrames.Add(1)
		ch.fail(fmt.Errorf("user error frame: %s", f.Error))
	}
}

// deskEvent is what an agent's workspace reads from an engine event.
type deskEvent struct {
	Type           string       `json:"type"`
	ConversationID int64        `json:"conversation_id"`
	Message        *textMessage `json:"message"`
	Conversation   *struct {
		AgentID int64 `json:"agent_id"`
	} `json:"conversation"`
	Error json.RawMessage `json:"error"`
}

// onAgentFrame answers every customer message of the agent's own sessions.
// The workspace receives every event of the app; events of sessions known
// to be another agent's are skipped without decoding.
func (ch *chat) onAgentFrame(a *chatAgent, data []byte) {
	me := a.s.AgentID
	switch frameType(data) {
	case "message":
	case "error":
		ch.errFrames.Add(1)
		ch.fail(fmt.Errorf("agent error frame: %s", data))
		return
	default:
		return
	}
	conv, _ := peekInt(data, `"conversation_id":`)
	if owner, ok := ch.owners.Load(conv); ok && owner.(int64) != me {
		return
	}
	var ev deskEvent
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	if ev.Conversation != nil && ev.Conversation.AgentID != 0 {
		ch.owners.Store(ev.ConversationID, ev.Conversation.AgentID)
	}
	if ev.Conversation == nil || ev.Conversation.AgentID != me || ev.Message == nil || ev.Message.Sender != "user" || ev.Message.Text == nil {
		return
	}
	s, ok := parseStamp(ev.Message.Text.Content)
	if !ok || s.Seq == 0 {
		return
	}
	now := time.Now()
	if ch.u2a.inWindow(s.Intended) {
		ch.u2a.add(s.Intended, now)
		ch.u2aRecv.Add(1)
	}
	reply := stamp{User: s.User, Seq: s.Seq, Intended: now.UnixNano()}
	if ch.a2u.inWindow(reply.Intended) {
		ch.a2uSent.Add(1)
	}
	select {
	case a.out <- deskSendFrame(ev.ConversationID, fmt.Sprintf("r-%d-%d", s.User, s.Seq), reply.String()):
	default:
		ch.sendErrs.Add(1) // the agent is thousands of replies behind
		ch.fail(fmt.Errorf("agent %d: reply backlog full", me))
	}
}

func (ch *chat) closed(err error) {
	select {
	case <-ch.stop:
	default:
		ch.dropped.Add(1)
		ch.fail(err)
	}
}

// windowResult is what one measured window saw.
type windowResult struct {
	u2a, a2u                           Latency
	u2aSent, u2aRecv, a2uSent, a2uRecv int64
	errors                             int64 // failures of any kind during the window
	serverCores, benchCores            float64
	otherCores                         float64 // other processes on the machine
}

// measure measures the window [now, now+d) and waits grace for its last
// messages.
func (ch *chat) measure(ctx context.Context, p *process, name string, d, grace time.Duration) windowResult {
	ch.u2aSent.Store(0)
	ch.u2aRecv.Store(0)
	ch.a2uSent.Store(0)
	ch.a2uRecv.Store(0)
	errs0 := ch.sendErrs.Load() + ch.errFrames.Load() + ch.dropped.Load()
	now := time.Now()
	ch.u2a.open(now)
	ch.a2u.open(now)
	cpu := startCPU(p)
	wait := ch.r.profile(p, name, d)
	tick := time.NewTicker(5 * time.Second)
	end := time.After(d)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-end:
			break loop
		case <-tick.C:
			l := ch.u2a.stats()
			ch.r.progress("%s: %s in, sent %d, received %d, user→agent p99 %s ms", name,
				time.Since(now).Truncate(time.Second), ch.u2aSent.Load(), ch.u2aRecv.Load(), fms(l.P99))
		}
	}
	tick.Stop()
	res := windowResult{}
	res.serverCores, res.benchCores = cpu.cores()
	res.otherCores = cpu.others()
	ch.u2a.close(time.Now())
	ch.a2u.close(time.Now())
	// Let the last messages of the window arrive (the agent's answers too).
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && (ch.u2aRecv.Load() < ch.u2aSent.Load() || ch.a2uRecv.Load() < ch.a2uSent.Load()) {
		time.Sleep(50 * time.Millisecond)
	}
	wait()
	res.u2a, res.a2u = ch.u2a.stats(), ch.a2u.stats()
	res.u2aSent, res.u2aRecv, res.a2uSent, res.a2uRecv = ch.u2aSent.Load(), ch.u2aRecv.Load(), ch.a2uSent.Load(), ch.a2uRecv.Load()
	res.errors = ch.sendErrs.Load() + ch.errFrames.Load() + ch.dropped.Load() - errs0 +
		max(res.u2aSent-res.u2aRecv, 0) + max(res.a2uSent-res.a2uRecv, 0)
	return res
}

// errorRate is failures per message sent in the window, both directions.
func (w windowResult) errorRate() float64 {
	return ratio(float64(w.errors), float64(w.u2aSent+w.a2uSent))
}

// close stops sending and closes every connection.
func (ch *chat) close() {
	ch.closeOnce.Do(ch.closeNow)
}

func (ch *chat) closeNow() {
	close(ch.stop)
	for _, u := range ch.users {
		u.conn.CloseNow()
	}
	for _, a := range ch.agents {
		if a != nil && a.conn != nil {
			a.conn.CloseNow()
		}
	}
	ch.wg.Wait()
}

// lastError is the last failure seen, for notes.
func (ch *chat) lastError() string {
	if v, ok := ch.lastErr.Load().(string); ok {
		return v
	}
	return ""
}
