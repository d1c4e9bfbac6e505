package live

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// DefaultPresenceGrace is how long an agent may be without a desk
// WebSocket (a reload, a flaky network) before they are set offline.
const DefaultPresenceGrace = 60 * time.Second

// presenceTopic is where nodes tell each other which agents have a
// workspace open on them.
const presenceTopic = "presence"

// presence sets an agent offline when they have had no workspace open on
// any node for the grace period, so their sessions return to the queue
// instead of waiting on someone who closed the laptop — but not when their
// workspace merely reconnected to another node behind the load balancer.
//
// Each node counts its own desk WebSockets per agent and publishes a
// presenceNote — the full list of agents connected to it — when an agent's
// first connection on it opens or last one closes, and again every
// heartbeat (a quarter of the grace). Every node keeps every other node's
// latest note, so it knows who is connected anywhere. All times are read
// from the node's own clock when a note arrives; clocks of different nodes
// are never compared.
//
// An agent is present while a connection on this node or the latest note of
// a live node lists them. When that stops being true — the last local
// connection closed, a node's note no longer lists them, a node left or was
// found dead — the node remembers when (lastKnown). Every node that knows
// the agent sets them offline once they have stayed absent for the grace;
// SetStatus is idempotent, so two nodes doing it at once only repeat one
// status event.
//
// A node is dead when nothing was heard from it for the grace (it crashed
// without saying goodbye, or lost the bus). Its agents are then counted as
// gone from that moment, so they get one more grace to show up on another
// node: a crashed node's agents go offline two graces after its last
// heartbeat (plus up to two heartbeats: this node decides on its ticks, on
// a view up to a heartbeat old), erring towards keeping a working agent. An
// agent whose last workspace closed goes offline after a grace (plus up to
// two heartbeats).
//
// A node only trusts its view as far as the bus has shown it to be current:
// every node hears its own notes too, and "now" for all decisions is the
// time of its latest note that came back (the horizon), not the clock. After
// publishing, a node flushes (on NATS) before it goes on, so a note another
// node published before this node's note is delivered before it comes back:
// a node never decides on a view older than its horizon. A node whose own
// notes stop coming back (its bus is down) stops deciding. When they resume
// after a gap or late (the bus came back, the process or VM was paused, the
// clock jumped), it may have missed what others said meanwhile; rather than
// expire on that, the node counts all absences and silences from the end of
// the gap (since), giving other nodes a grace to be heard again.
//
// Notes carry a per-node sequence number and the full list, so a late,
// reordered note is dropped and a lost one is repaired by the next. A
// restarted node has a new id: its old self said goodbye (an empty note) or
// is found dead after the grace; either way its agents get a grace to
// reconnect.
type presence struct {
	s     *Server
	id    string
	grace time.Duration
	beat  time.Duration

	mu        sync.Mutex
	conns     map[int64]int              // this node's desk WebSockets per agent
	remotes   map[string]*presenceRemote // other nodes' latest notes
	lastKnown map[int64]time.Time        // when each absent agent was last known present
	seq       uint64                     // of this node's latest note
	echo      time.Time                  // when this node's latest returned note was sent: the horizon
	since     time.Time                  // start of the current unbroken run of returned notes
	timer     kefu.Timer                 // the next heartbeat
	cancel    func()                     // the bus subscription
	running   bool
}

// presenceNote is what a node publishes on presenceTopic.
type presenceNote struct {
	Node   string    `json:"node"`
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"` // the sender's clock; read only by the sender
	Agents []int64   `json:"agents"`
}

// presenceRemote is what this node knows of another node.
type presenceRemote struct {
	seq    uint64
	heard  time.Time // on this node's clock
	agents []int64
}

func newPresence(s *Server, id string, grace time.Duration) *presence {
	if grace <= 0 {
		grace = DefaultPresenceGrace
	}
	return &presence{s: s, id: id, grace: grace, beat: grace / 4, conns: map[int64]int{},
		remotes: map[string]*presenceRemote{}, lastKnown: map[int64]time.Time{}}
}

// start listens to other nodes and starts heartbeating. Until it is called
// presence only counts connections.
//
// Every agent the store has online or away is counted as last known
// present now: a node that starts (the only node, restarted; or a new one)
// cannot know whether they have a workspace open anywhere, and without
// this an agent who was online when the last node stopped, and never came
// back, would keep their sessions forever. Those connected to another node
// are heard of within a heartbeat; those who reconnect here are present;
// the others go offline after the grace, like anyone who left.
func (p *presence) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	agents, err := p.s.Read.Agents(ctx)
	cancel()
	if err != nil {
		return err
	}
	unsubscribe, err := p.s.bus.Subscribe(presenceTopic, p.hear)
	if err != nil {
		return err
	}
	p.mu.Lock()
	now := p.s.Clock.Now()
	for _, a := range agents {
		if _, seen := p.lastKnown[a.ID]; a.Status != kefu.StatusOffline && p.conns[a.ID] == 0 && !seen {
			p.lastKnown[a.ID] = now
		}
	}
	p.cancel, p.running = unsubscribe, true
	p.mu.Unlock()
	p.tick()
	return nil
}

// connected records a new desk WebSocket of the agent.
func (p *presence) connected(agentID int64) {
	p.mu.Lock()
	p.conns[agentID]++
	delete(p.lastKnown, agentID)
	first := p.conns[agentID] == 1
	p.mu.Unlock()
	if first {
		p.announce()
	}
}

// disconnected records a closed desk WebSocket; after the last one the
// agent is absent from this node from now on.
func (p *presence) disconnected(agentID int64) {
	p.mu.Lock()
	if p.conns[agentID]--; p.conns[agentID] > 0 {
		p.mu.Unlock()
		return
	}
	delete(p.conns, agentID)
	p.lastKnown[agentID] = p.s.Clock.Now()
	p.mu.Unlock()
	p.announce()
}

// announce publishes this node's agents. The note is built under the lock
// with its sequence number, so a later number always means a later list.
// It waits for NATS to have the note (see the ordering argument above).
func (p *presence) announce() {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	data := p.noteLocked()
	p.mu.Unlock()
	p.publish(data)
}

func (p *presence) noteLocked() []byte {
	p.seq++
	n := presenceNote{Node: p.id, Seq: p.seq, At: p.s.Clock.Now(), Agents: []int64{}}
	for id := range p.conns {
		n.Agents = append(n.Agents, id)
	}
	data, _ := json.Marshal(n)
	return data
}

func (p *presence) publish(data []byte) {
	p.s.bus.Publish(presenceTopic, data, nil)
	if err := p.s.bus.Flush(); err != nil {
		p.s.Log.Warn("presence: flush the bus", "err", err)
	}
}

// hear takes a note from the bus (this node's own included). It must not
// block: it only updates the maps.
func (p *presence) hear(data []byte, _ any) {
	var n presenceNote
	if err := json.Unmarshal(data, &n); err != nil || n.Node == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.s.Clock.Now()
	if n.Node == p.id {
		// Our own note is back: the bus has shown us everything published
		// before it. A gap of more than two heartbeats between our notes
		// (we were paused, the clock jumped) or a note that took that long
		// to come back (NATS was down and its reconnect buffer is being
		// replayed, while we missed what others said meanwhile) means our
		// view has a hole: count absences and silences afresh from now.
		if n.At.Before(p.echo) {
			return
		}
		if p.echo.IsZero() || n.At.Sub(p.echo) > 2*p.beat || now.Sub(n.At) > 2*p.beat {
			p.since = now
		}
		p.echo = n.At
		return
	}
	r := p.remotes[n.Node]
	if r != nil && n.Seq <= r.seq {
		return // older than what we have: reordered
	}
	if r != nil {
		for _, id := range r.agents {
			if !slices.Contains(n.Agents, id) {
				p.lastKnown[id] = now
			}
		}
	}
	for _, id := range n.Agents {
		delete(p.lastKnown, id)
	}
	p.remotes[n.Node] = &presenceRemote{seq: n.Seq, heard: now, agents: n.Agents}
}

// tick heartbeats, then sets offline the agents absent for the grace, then
// sets the next tick.
func (p *presence) tick() {
	p.announce()
	for _, id := range p.gone() {
		p.expire(id)
	}
	p.mu.Lock()
	if p.running {
		p.timer = p.s.Clock.AfterFunc(p.beat, p.tick)
	}
	p.mu.Unlock()
}

// gone finds dead nodes and the agents absent for the grace, as of the
// horizon, and forgets them.
func (p *presence) gone() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.echo.IsZero() {
		return nil // never heard ourselves: we know nothing
	}
	horizon := p.echo
	after := func(t time.Time) time.Time {
		if t.Before(p.since) {
			return p.since
		}
		return t
	}
	for node, r := range p.remotes {
		if dead := after(r.heard).Add(p.grace); !dead.After(horizon) {
			for _, id := range r.agents {
				if t, ok := p.lastKnown[id]; !ok || t.Before(dead) {
					p.lastKnown[id] = dead
				}
			}
			delete(p.remotes, node)
		}
	}
	var ids []int64
	for id, t := range p.lastKnown {
		if p.presentLocked(id) {
			delete(p.lastKnown, id)
			continue
		}
		if !after(t).Add(p.grace).After(horizon) {
			ids = append(ids, id)
			delete(p.lastKnown, id)
		}
	}
	return ids
}

func (p *presence) presentLocked(id int64) bool {
	if p.conns[id] > 0 {
		return true
	}
	for _, r := range p.remotes {
		if slices.Contains(r.agents, id) {
			return true
		}
	}
	return false
}

// expire sets the agent offline and returns their sessions to the queue.
func (p *presence) expire(agentID int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := p.s.Read.Agent(ctx, agentID)
	if err != nil || a.Status == kefu.StatusOffline {
		return
	}
	if err := p.s.Engine.SetStatus(ctx, agentID, kefu.StatusOffline, true); err != nil {
		p.s.Log.Warn("presence: set agent offline", "agent", agentID, "err", err)
		return
	}
	if err := p.s.Engine.RememberAway(ctx, agentID, p.grace, a.ActiveCount); err != nil {
		p.s.Log.Warn("presence: remember why the agent is offline", "agent", agentID, "err", err)
	}
	p.s.Log.Info("presence: agent gone, set offline and sessions requeued", "agent", agentID)
}

// stop says goodbye (an empty note: this node's agents will reconnect to
// another node or to this one after a restart, and get a grace to do so)
// and stops listening and heartbeating.
func (p *presence) stop() {
	p.mu.Lock()
	if !p.running {
		p.mu.Unlock()
		return
	}
	p.conns = map[int64]int{}
	bye := p.noteLocked()
	p.running = false
	if p.timer != nil {
		p.timer.Stop()
	}
	cancel := p.cancel
	p.mu.Unlock()
	cancel()
	p.publish(bye)
}
