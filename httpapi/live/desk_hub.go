package live

import (
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
)

// deskHub hands engine events to this node's desk connections. Every agent's
// workspace sees every event of its apps, so with one bus subscription per
// connection each event was decoded once per agent (10 agents an app: ten
// decodes of the same bytes, a fifth of the server's CPU in kefu bench e2e),
// and on NATS delivered once per agent too. The hub holds one subscription
// per topic for as long as a connection on this node wants it, decodes the
// part of an event that routes it once, and lets each connection decide
// whether its agent may see it.
type deskHub struct {
	s      *Server
	bus    bus.Bus
	resume *deskResume

	mu     sync.Mutex // guards topics, joined and gen; never held while delivering
	topics map[string]*deskTopic
	joined map[*deskSession][]string // each connection's topics
	gen    int64                     // counts sweeps (see deskHub.sweep)
}

// deskTopic is one bus subscription and the connections that share it.
type deskTopic struct {
	hub    *deskHub
	cancel func()
	// sessions is replaced, never changed, so that delivery (on the
	// publisher's goroutine, or NATS's) reads it without a lock.
	sessions atomic.Pointer[[]*deskSession]
}

func newDeskHub(s *Server, b bus.Bus, resync time.Duration) *deskHub {
	return &deskHub{s: s, bus: b, resume: newDeskResume(resync), topics: map[string]*deskTopic{}, joined: map[*deskSession][]string{}}
}

// join adds ds to the topics, subscribing to the bus for topics no other
// connection of this node watches yet. When it returns, ds gets every event
// published on them from then on. leave undoes it.
func (h *deskHub) join(ds *deskSession, topics []string) error {
	_, err := h.set(ds, topics, true)
	return err
}

// move changes the topics of a connection that joined. It joins the new
// topics before leaving those no longer wanted, under one lock, so an event
// on a topic in both sets reaches ds exactly once and none is missed. It
// reports whether the topics changed; a connection that left stays out.
func (h *deskHub) move(ds *deskSession, topics []string) (moved bool, err error) {
	return h.set(ds, topics, false)
}

// set makes ds's topics exactly topics, joining before leaving, and waits
// for the bus to confirm new subscriptions.
func (h *deskHub) set(ds *deskSession, topics []string, first bool) (changed bool, err error) {
	h.mu.Lock()
	old, joined := h.joined[ds]
	if joined == first {
		h.mu.Unlock()
		return false, nil // joined twice, or moved after leaving
	}
	had := make(map[string]bool, len(old))
	for _, name := range old {
		had[name] = true
	}
	want := make(map[string]bool, len(topics))
	var added, gone, subscribed []string
	for _, name := range topics {
		if want[name] {
			continue
		}
		want[name] = true
		if had[name] {
			continue
		}
		sub, err := h.addLocked(ds, name)
		if err != nil {
			h.removeLocked(ds, added)
			h.mu.Unlock()
			return false, err
		}
		if sub {
			subscribed = append(subscribed, name)
		}
		added = append(added, name)
	}
	for _, name := range old {
		if !want[name] {
			gone = append(gone, name)
		}
	}
	h.removeLocked(ds, gone)
	h.joined[ds] = slices.Collect(maps.Keys(want))
	if len(added) > 0 {
		ds.joinedGen.Store(h.gen) // it loads its lists after this: no sweep under way is for it
	}
	h.mu.Unlock()
	if len(subscribed) > 0 {
		// Until the server has the new subscription, what other nodes
		// publish on it is not sent here; the workspace, told to reload
		// once this returns, would miss it. If the server is unreachable
		// the subscription still stands, and starts when it is back.
		if err := h.bus.Flush(); err != nil {
			ds.s.Log.Warn("desk websocket: confirm subscriptions", "err", err)
		}
		// Where the apps' conversations stand now is what the workspace
		// loads next: the hub's sweeps deliver what comes after it.
		h.baseline(ds.wc.ctx, subscribed)
	}
	return len(added)+len(gone) > 0, nil
}

// leave removes ds from all its topics and drops the bus subscriptions
// nobody needs any more.
func (h *deskHub) leave(ds *deskSession) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(ds, h.joined[ds])
	delete(h.joined, ds)
}

// addLocked adds ds to a topic, subscribing to the bus if it is the
// topic's first connection (reported by subscribed).
func (h *deskHub) addLocked(ds *deskSession, name string) (subscribed bool, err error) {
	t := h.topics[name]
	if t == nil {
		t = &deskTopic{hub: h}
		t.sessions.Store(&[]*deskSession{})
		if t.cancel, err = h.bus.Subscribe(name, t.deliver); err != nil {
			return false, err
		}
		h.topics[name] = t
		subscribed = true
	}
	old := *t.sessions.Load()
	next := make([]*deskSession, len(old), len(old)+1)
	copy(next, old)
	next = append(next, ds)
	t.sessions.Store(&next)
	return subscribed, nil
}

// removeLocked removes ds from the topics and drops the bus subscriptions
// nobody needs any more.
func (h *deskHub) removeLocked(ds *deskSession, topics []string) {
	for _, name := range topics {
		t := h.topics[name]
		if t == nil {
			continue
		}
		old := *t.sessions.Load()
		next := make([]*deskSession, 0, len(old))
		for _, x := range old {
			if x != ds {
				next = append(next, x)
			}
		}
		t.sessions.Store(&next)
		if len(next) == 0 {
			t.cancel()
			delete(h.topics, name)
			if app, ok := appOfTopic(name); ok {
				h.resume.forgetApp(app)
			}
		}
	}
}

// deliver decodes the routing part of an event once and offers the event
// to every connection on the topic. It must not block.
func (t *deskTopic) deliver(data []byte, v any) {
	sessions := *t.sessions.Load()
	if len(sessions) == 0 {
		return
	}
	var ev deskEventHead
	if local, ok := v.(*engine.Event); ok {
		ev = deskEventHead{Type: local.Type, AppID: local.AppID, ConversationID: local.ConversationID, TeamID: local.TeamID, Agent: local.Agent}
		if local.Message != nil {
			ev.Message = &deskMessageHead{Seq: local.Message.Seq}
		}
	} else if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	if ev.Type == engine.EventMessage && ev.Message != nil && !t.hub.resume.fresh(ev.AppID, ev.ConversationID, ev.Message.Seq) {
		return // a sweep delivered it first (or it was published again)
	}
	for _, ds := range sessions {
		ds.onEvent(&ev, data)
	}
}
