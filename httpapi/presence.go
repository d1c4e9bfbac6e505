package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// DefaultPresenceGrace is how long an agent may be without a desk
// WebSocket (a reload, a flaky network) before they are set offline.
const DefaultPresenceGrace = 60 * time.Second

// presence sets an agent offline when their last workspace has been gone for
// the grace period, so their sessions return to the queue instead of
// waiting on someone who closed the laptop. It counts this node's desk
// WebSockets per agent and keeps one timer per agent without any.
type presence struct {
	s     *Server
	grace time.Duration

	mu      sync.Mutex
	conns   map[int64]int
	timers  map[int64]*time.Timer
	stopped bool
}

func newPresence(s *Server, grace time.Duration) *presence {
	if grace <= 0 {
		grace = DefaultPresenceGrace
	}
	return &presence{s: s, grace: grace, conns: map[int64]int{}, timers: map[int64]*time.Timer{}}
}

// connected records a new desk WebSocket of the agent.
func (p *presence) connected(agentID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns[agentID]++
	if t := p.timers[agentID]; t != nil {
		t.Stop()
		delete(p.timers, agentID)
	}
}

// disconnected records a closed desk WebSocket; the last one starts the
// grace timer.
func (p *presence) disconnected(agentID int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[agentID]--; p.conns[agentID] > 0 || p.stopped {
		return
	}
	delete(p.conns, agentID)
	var t *time.Timer
	t = time.AfterFunc(p.grace, func() { p.expire(agentID, t) })
	p.timers[agentID] = t
}

// expire sets the agent offline unless they came back meanwhile.
func (p *presence) expire(agentID int64, t *time.Timer) {
	p.mu.Lock()
	if p.timers[agentID] != t || p.conns[agentID] > 0 {
		p.mu.Unlock()
		return
	}
	delete(p.timers, agentID)
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := p.s.store.Agent(ctx, agentID)
	if err != nil || a.Status == kefu.StatusOffline {
		return
	}
	if err := p.s.eng.SetStatus(ctx, agentID, kefu.StatusOffline, true); err != nil {
		p.s.log.Warn("presence: set agent offline", "agent", agentID, "err", err)
		return
	}
	p.s.log.Info("presence: agent gone, set offline and sessions requeued", "agent", agentID)
}

// stop cancels every pending timer (the server is shutting down: agents
// will reconnect to another node or after the restart).
func (p *presence) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for id, t := range p.timers {
		t.Stop()
		delete(p.timers, id)
	}
	p.conns = map[int64]int{}
}
