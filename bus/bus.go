// Package bus fans committed changes out to the connections that watch
// them: Local within one process, NATS across nodes. A bus holds no state
// that is not in the store: a subscriber that misses something catches up
// from the store by sequence number.
package bus

import "sync"

// Bus publishes bytes on topics and calls subscribers with them.
type Bus interface {
	// Publish sends data on topic. v, if not nil, is what data encodes, as
	// the publisher has it: subscribers in the same process may be handed
	// it, so that they need not decode data again.
	Publish(topic string, data []byte, v any)
	// Subscribe calls fn with every message published on topic until the
	// returned cancel is called. v is the publisher's value when the bus
	// can hand it over (Local does; NATS, between processes, cannot, and
	// gives nil) and is shared by every subscriber: fn must not change it.
	// fn must not block: it should hand the data to its own goroutine (and
	// drop or disconnect if that falls behind).
	Subscribe(topic string, fn func(data []byte, v any)) (cancel func(), err error)
	// Flush waits until the bus's server has seen everything published so
	// far, for a bus that has one (NATS); after it, a new subscription gets
	// everything any node publishes. Other buses have nothing to wait for.
	Flush() error
	// OnReconnect registers fn to be called each time the bus is back after
	// an outage: what was published meanwhile never arrives, and
	// subscribers that care catch up from the store. fn must not block.
	OnReconnect(fn func())
	Close() error
}

// Local is an in-process bus.
type Local struct {
	mu   sync.RWMutex
	subs map[string]map[*func([]byte, any)]struct{}
}

// NewLocal returns an empty in-process bus.
func NewLocal() *Local {
	return &Local{subs: map[string]map[*func([]byte, any)]struct{}{}}
}

// Publish calls every subscriber of topic, in this goroutine, with data
// and v.
func (b *Local) Publish(topic string, data []byte, v any) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for fn := range b.subs[topic] {
		(*fn)(data, v)
	}
}

// Subscribe registers fn for topic.
func (b *Local) Subscribe(topic string, fn func([]byte, any)) (func(), error) {
	p := &fn
	b.mu.Lock()
	m := b.subs[topic]
	if m == nil {
		m = map[*func([]byte, any)]struct{}{}
		b.subs[topic] = m
	}
	m[p] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs[topic], p)
			if len(b.subs[topic]) == 0 {
				delete(b.subs, topic)
			}
			b.mu.Unlock()
		})
	}, nil
}

// Flush has nothing to wait for: Publish calls subscribers before it returns.
func (b *Local) Flush() error { return nil }

// OnReconnect does nothing: an in-process bus is never cut off.
func (b *Local) OnReconnect(func()) {}

// Close does nothing; it exists to satisfy Bus.
func (b *Local) Close() error { return nil }
