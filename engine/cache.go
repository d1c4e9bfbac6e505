package engine

import (
	"context"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// CacheTTL is how long the engine trusts an app or a customer it has read.
// Every message read them around its write — the app for its push URL, the
// customer for its channel — though they rarely change: kefu bench e2e
// spent a tenth of the server's CPU on these reads. A change made through
// this engine (SaveApp, Identify) is seen at once; a change made by another
// node, or by `kefu app set` in another process, within CacheTTL.
const CacheTTL = 2 * time.Second

// maxCached bounds each of the caches (conversations and customers grow
// with the customers who write); beyond it an arbitrary entry is dropped.
const maxCached = 100_000

// cache keeps what the message paths read around every write and what
// rarely or never changes: apps and customers for CacheTTL, and a
// conversation's app and customer, which never change, for as long as
// there is room.
type cache struct {
	now       func() time.Time // the wall clock (tests move it)
	mu        sync.RWMutex
	apps      map[string]cached[kefu.App]
	customers map[int64]cached[kefu.Customer]
	convs     map[int64]convRef
}

// cached is a value as read at a time.
type cached[V any] struct {
	v    *V
	read time.Time
}

// convRef is what never changes about a conversation.
type convRef struct {
	appID      string
	customerID int64
}

func newCache() *cache {
	return &cache{now: time.Now, apps: map[string]cached[kefu.App]{}, customers: map[int64]cached[kefu.Customer]{}, convs: map[int64]convRef{}}
}

// readCached returns a copy of m[k] if it was read at most CacheTTL ago,
// and otherwise of what read returns, which it remembers.
func readCached[K comparable, V any](c *cache, m map[K]cached[V], k K, read func() (*V, error)) (*V, error) {
	now := c.now()
	c.mu.RLock()
	e, ok := m[k]
	c.mu.RUnlock()
	if !ok || now.Sub(e.read) > CacheTTL {
		v, err := read()
		if err != nil {
			return nil, err
		}
		e = cached[V]{v: v, read: now}
		c.mu.Lock()
		putBounded(m, k, e)
		c.mu.Unlock()
	}
	v := *e.v
	return &v, nil
}

// App returns the app id as read at most CacheTTL ago (see CacheTTL). A
// missing app is ENOTFOUND. The caller gets its own copy.
func (e *Engine) App(ctx context.Context, id string) (*kefu.App, error) {
	return readCached(e.cache, e.cache.apps, id, func() (*kefu.App, error) { return e.app(ctx, id) })
}

// CustomerOf returns the customer of a conversation, as read at most
// CacheTTL ago. The caller gets its own copy.
func (e *Engine) CustomerOf(ctx context.Context, conversationID int64) (*kefu.Customer, error) {
	ref, err := e.conversationRef(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	return e.customer(ctx, ref.customerID)
}

func (e *Engine) customer(ctx context.Context, id int64) (*kefu.Customer, error) {
	return readCached(e.cache, e.cache.customers, id, func() (*kefu.Customer, error) { return e.store.Customer(ctx, id) })
}

// forget drops an entry this engine has just changed, from one of the
// cache's maps.
func forget[K comparable, V any](c *cache, m map[K]V, k K) {
	c.mu.Lock()
	delete(m, k)
	c.mu.Unlock()
}

// conversationRef returns a conversation's app and customer, which never
// change, reading the conversation the first time.
func (e *Engine) conversationRef(ctx context.Context, id int64) (convRef, error) {
	e.cache.mu.RLock()
	ref, ok := e.cache.convs[id]
	e.cache.mu.RUnlock()
	if ok {
		return ref, nil
	}
	c, err := e.store.Conversation(ctx, id)
	if err != nil {
		return convRef{}, err
	}
	ref = convRef{appID: c.AppID, customerID: c.CustomerID}
	e.cache.mu.Lock()
	putBounded(e.cache.convs, c.ID, ref)
	e.cache.mu.Unlock()
	return ref, nil
}

// putBounded sets m[k] = v, first dropping an arbitrary entry if m is full.
func putBounded[K comparable, V any](m map[K]V, k K, v V) {
	if _, ok := m[k]; !ok && len(m) >= maxCached {
		for old := range m {
			delete(m, old)
			break
		}
	}
	m[k] = v
}
