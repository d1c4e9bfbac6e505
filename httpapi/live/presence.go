package live

import (
	"context"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// DefaultPresenceGrace is how long an agent may be without a desk
// WebSocket (a reload, a flaky network) before they are set offline.
const DefaultPresenceGrace = 60 * time.Second

// presence sets an agent offline when they have had no workspace open on
// any node for the grace period, so their sessions return to the queue
// instead of waiting on someone who closed the laptop — but not when their
// workspace merely reconnected to another node behind the load balancer.
//
// It is kept in the store (see engine.BeatPresence): each node counts its
// own desk WebSockets per agent and, every heartbeat (a quarter of the
// grace) and at once when an agent's first connection on it opens or last
// one closes, writes one row per agent it has or just lost. Then it asks
// the store for the agents online or away that no node's row counts as
// present any more, and sets them offline (engine.ExpireAbsent, which only
// one node wins per agent). The store outlives nodes: a restarted node
// finds the rows its former self and the others left.
//
// A node only decides while its own view is current: while every tick's
// store work succeeded, the ticks came on time (not after a pause, a clock
// jump or a slow store), and this has lasted a grace — since it started or
// since the last break. During a break other nodes' heartbeats may have
// failed just as this node's did (a store outage); the grace lets them be
// written again before anyone is judged by them.
type presence struct {
	s     *Server
	id    string
	grace time.Duration
	beat  time.Duration

	mu      sync.Mutex
	conns   map[int64]int       // this node's desk WebSockets per agent
	left    map[int64]time.Time // agents whose last WebSocket here closed, not yet written
	running bool
	stopped bool
	kicked  bool       // a write is on its way (see kick)
	timer   kefu.Timer // the next tick
	lastOK  time.Time  // the last tick whose store work succeeded
	since   time.Time  // start of the current unbroken run of such ticks

	writeMu sync.Mutex // one write of this node's rows at a time, in order
}

func newPresence(s *Server, id string, grace time.Duration) *presence {
	if grace <= 0 {
		grace = DefaultPresenceGrace
	}
	return &presence{s: s, id: id, grace: grace, beat: grace / 4, conns: map[int64]int{}, left: map[int64]time.Time{}}
}

// start starts heartbeating. Until it is called presence only counts
// connections. A store it cannot reach yet is a break in its run of ticks,
// like a store outage later.
func (p *presence) start() {
	p.mu.Lock()
	p.running = true
	p.mu.Unlock()
	p.tick()
}

// connected records a new desk WebSocket of the agent.
func (p *presence) connected(agentID int64) {
	p.mu.Lock()
	p.conns[agentID]++
	delete(p.left, agentID)
	first := p.conns[agentID] == 1
	p.mu.Unlock()
	if first {
		p.kick()
	}
}

// disconnected records a closed desk WebSocket; after the last one the
// agent has left this node.
func (p *presence) disconnected(agentID int64) {
	p.mu.Lock()
	if p.conns[agentID] == 0 { // counted before stop forgot it
		p.mu.Unlock()
		return
	}
	if p.conns[agentID]--; p.conns[agentID] > 0 {
		p.mu.Unlock()
		return
	}
	delete(p.conns, agentID)
	p.left[agentID] = p.s.Clock.Now()
	p.mu.Unlock()
	p.kick()
}

// kick writes this node's rows soon, without waiting: an agent who just
// connected is counted at once (their last row may be about to stop
// counting), one who left starts their grace from the closing, not from
// the next heartbeat. Kicks coming while one waits to write share it.
func (p *presence) kick() {
	p.mu.Lock()
	if p.stopped || p.kicked { // before start too: a workspace may open first
		p.mu.Unlock()
		return
	}
	p.kicked = true
	p.mu.Unlock()
	go func() {
		p.writeMu.Lock()
		defer p.writeMu.Unlock()
		p.mu.Lock()
		p.kicked = false
		stopped := p.stopped
		p.mu.Unlock()
		if !stopped { // else stop wrote the last word
			if err := p.writeLocked(); err != nil {
				p.s.Log.Warn("presence: write this node's agents", "err", err)
			}
		}
	}()
}

// writeLocked writes the rows of this node's agents as they are now; the
// caller holds writeMu. Agents who left are forgotten once written.
func (p *presence) writeLocked() error {
	p.mu.Lock()
	conns := make(map[int64]int, len(p.conns))
	for id, n := range p.conns {
		conns[id] = n
	}
	left := make([]engine.AgentLeft, 0, len(p.left))
	for id, at := range p.left {
		left = append(left, engine.AgentLeft{AgentID: id, At: at})
	}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.s.Engine.BeatPresence(ctx, p.id, conns, left, p.grace); err != nil {
		return err
	}
	p.mu.Lock()
	for _, l := range left {
		if at, ok := p.left[l.AgentID]; ok && at.Equal(l.At) {
			delete(p.left, l.AgentID)
		}
	}
	p.mu.Unlock()
	return nil
}

// tick heartbeats, then finds the absent agents and, if this node's view
// is current, sets them offline, then sets the next tick.
func (p *presence) tick() {
	p.writeMu.Lock()
	err := p.writeLocked()
	p.writeMu.Unlock()
	var absent []int64
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		absent, err = p.s.Engine.AbsentAgents(ctx, p.grace)
		cancel()
	}
	if err != nil {
		p.s.Log.Warn("presence: heartbeat", "err", err)
	}
	if p.current(err == nil) {
		for _, id := range absent {
			p.expire(id)
		}
	}
	p.mu.Lock()
	if p.running {
		p.timer = p.s.Clock.AfterFunc(p.beat, p.tick)
	}
	p.mu.Unlock()
}

// current notes how this tick's store work went and reports whether the
// node may decide (see presence).
func (p *presence) current(ok bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !ok {
		p.since = time.Time{}
		return false
	}
	now := p.s.Clock.Now()
	if p.since.IsZero() || now.Sub(p.lastOK) > 2*p.beat {
		p.since = now
	}
	p.lastOK = now
	return now.Sub(p.since) >= p.grace
}

// expire sets the agent offline and returns their sessions to the queue,
// unless another node just did or they came back.
func (p *presence) expire(agentID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done, err := p.s.Engine.ExpireAbsent(ctx, agentID, p.grace)
	if err != nil {
		p.s.Log.Warn("presence: set agent offline", "agent", agentID, "err", err)
	}
	if done {
		p.s.Log.Info("presence: agent gone, set offline and sessions requeued", "agent", agentID)
	}
}

// stop writes this node's last word — every agent on it left now: their
// workspaces reconnect to another node, or to this one after a restart,
// and get a grace to do so — and stops heartbeating.
func (p *presence) stop() {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	p.running, p.stopped = false, true
	if p.timer != nil {
		p.timer.Stop()
	}
	now := p.s.Clock.Now()
	for id := range p.conns {
		p.left[id] = now
	}
	p.conns = map[int64]int{}
	p.mu.Unlock()
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	if err := p.writeLocked(); err != nil {
		p.s.Log.Warn("presence: say goodbye; this node's agents count as present for two graces", "err", err)
	}
}
