package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// NATS is a bus shared by several Kefu nodes through a NATS server. Every
// node sees every publication, its own included.
type NATS struct {
	nc     *nats.Conn
	prefix string
	log    *slog.Logger

	mu          sync.Mutex
	reconnected []func()
}

// DialNATS connects to the NATS server at url. Subjects are prefixed with
// prefix (for example "kefu.") so several Kefu installations can share a
// server.
func DialNATS(url, prefix string, log *slog.Logger) (*NATS, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &NATS{prefix: prefix, log: log}
	nc, err := nats.Connect(url, nats.Name("kefu"), nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("bus: NATS disconnected", "err", err) }),
		nats.ReconnectHandler(func(*nats.Conn) {
			log.Info("bus: NATS reconnected")
			b.mu.Lock()
			fns := b.reconnected
			b.mu.Unlock()
			for _, fn := range fns {
				fn()
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("bus: connect to NATS at %s: %w", url, err)
	}
	b.nc = nc
	return b, nil
}

// Publish sends data on the topic's subject (v stays here: subscribers,
// this node's too, get data alone). A failure is logged: readers catch up
// from the store.
func (b *NATS) Publish(topic string, data []byte, _ any) {
	if err := b.nc.Publish(b.prefix+topic, data); err != nil {
		b.log.Warn("bus: NATS publish", "topic", topic, "err", err)
	}
}

// Subscribe calls fn for each message on the topic's subject.
func (b *NATS) Subscribe(topic string, fn func([]byte, any)) (func(), error) {
	sub, err := b.nc.Subscribe(b.prefix+topic, func(m *nats.Msg) { fn(m.Data, nil) })
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", topic, err)
	}
	// Let a busy subscriber buffer generously rather than be cut off.
	if err := sub.SetPendingLimits(1<<16, 64<<20); err != nil {
		sub.Unsubscribe()
		return nil, fmt.Errorf("bus: subscribe %s: %w", topic, err)
	}
	return func() { sub.Unsubscribe() }, nil
}

// ErrUnreachable is Flush's answer while the connection to NATS is down.
var ErrUnreachable = errors.New("bus: NATS is unreachable; subscriptions resume when it is back")

// flushTimeout bounds Flush when NATS is reachable but slow to answer.
const flushTimeout = 2 * time.Second

// Flush waits until the server has seen everything published so far. While
// the connection is down it answers ErrUnreachable at once, instead of
// waiting out a timeout: what it would wait for happens on reconnection
// (the client sends its subscriptions again), and callers — a workspace
// opening, a presence announcement — should not stall meanwhile.
func (b *NATS) Flush() error {
	if b.nc.IsReconnecting() {
		return ErrUnreachable
	}
	return b.nc.FlushTimeout(flushTimeout)
}

// OnReconnect registers fn to be called, on NATS's goroutine, each time the
// connection is back (its subscriptions sent again).
func (b *NATS) OnReconnect(fn func()) {
	b.mu.Lock()
	b.reconnected = append(b.reconnected, fn)
	b.mu.Unlock()
}

// Close drains subscriptions and closes the connection.
func (b *NATS) Close() error {
	return b.nc.Drain()
}
