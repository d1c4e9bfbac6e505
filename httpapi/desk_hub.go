package httpapi

import (
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/kefuhq/kefu/bus"
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
	bus bus.Bus

	mu     sync.Mutex // guards topics; never held while delivering
	topics map[string]*deskTopic
}

// deskTopic is one bus subscription and the connections that share it.
type deskTopic struct {
	cancel func()
	// sessions is replaced, never changed, so that delivery (on the
	// publisher's goroutine, or NATS's) reads it without a lock.
	sessions atomic.Pointer[[]*deskSession]
}

func newDeskHub(b bus.Bus) *deskHub {
	return &deskHub{bus: b, topics: map[string]*deskTopic{}}
}

// join adds ds to the topics, subscribing to the bus for topics no other
// connection of this node watches yet. leave undoes it.
func (h *deskHub) join(ds *deskSession, topics []string) (leave func(), err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var joined []string
	for _, name := range topics {
		t := h.topics[name]
		if t == nil {
			t = &deskTopic{}
			t.sessions.Store(&[]*deskSession{})
			if t.cancel, err = h.bus.Subscribe(name, t.deliver); err != nil {
				h.leaveLocked(ds, joined)
				return nil, err
			}
			h.topics[name] = t
		}
		old := *t.sessions.Load()
		next := make([]*deskSession, len(old), len(old)+1)
		copy(next, old)
		next = append(next, ds)
		t.sessions.Store(&next)
		joined = append(joined, name)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.leaveLocked(ds, joined)
		})
	}, nil
}

// leaveLocked removes ds from the topics and drops the bus subscriptions
// nobody needs any more.
func (h *deskHub) leaveLocked(ds *deskSession, topics []string) {
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
		}
	}
}

// deliver decodes the routing part of an event once and offers the event
// to every connection on the topic. It must not block.
func (t *deskTopic) deliver(data []byte) {
	sessions := *t.sessions.Load()
	if len(sessions) == 0 {
		return
	}
	var ev deskEventHead
	if err := json.Unmarshal(data, &ev); err != nil {
		return
	}
	for _, ds := range sessions {
		ds.onEvent(&ev, data)
	}
}
