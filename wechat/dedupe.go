package wechat

import (
	"sync"
	"time"
)

// DedupeCache remembers which pushes were handled, so WeChat's retries (it
// tries 3 times, 5 seconds apart, when an answer is late) reach the
// developer's callback once.
type DedupeCache interface {
	// Seen marks key as seen and reports whether it already was.
	Seen(key string) bool
}

// DedupeForgetter is a DedupeCache that can forget a key. Handler forgets
// the key of a push whose callback failed, so WeChat's retry runs it again.
type DedupeForgetter interface {
	DedupeCache
	Forget(key string)
}

// DefaultDedupeTTL is how long NewHandler's cache remembers a push: well
// beyond WeChat's retry window.
const DefaultDedupeTTL = time.Minute

// MemoryDedupe is an in-memory DedupeCache whose keys expire after a TTL.
// It is safe for concurrent use. For several processes behind one URL, use
// a shared store instead.
type MemoryDedupe struct {
	ttl time.Duration
	now func() time.Time

	mu        sync.Mutex
	expiry    map[string]time.Time
	nextSweep time.Time
}

// NewMemoryDedupe returns a cache that remembers keys for ttl
// (DefaultDedupeTTL if ttl <= 0).
func NewMemoryDedupe(ttl time.Duration) *MemoryDedupe {
	if ttl <= 0 {
		ttl = DefaultDedupeTTL
	}
	return &MemoryDedupe{ttl: ttl, now: time.Now, expiry: make(map[string]time.Time)}
}

// Seen marks key as seen for the TTL and reports whether it was seen within
// the TTL before.
func (d *MemoryDedupe) Seen(key string) bool {
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	// Sweeping once per TTL keeps memory bounded at amortised O(1) cost.
	if !now.Before(d.nextSweep) {
		for k, exp := range d.expiry {
			if !now.Before(exp) {
				delete(d.expiry, k)
			}
		}
		d.nextSweep = now.Add(d.ttl)
	}
	if exp, ok := d.expiry[key]; ok && now.Before(exp) {
		return true
	}
	d.expiry[key] = now.Add(d.ttl)
	return false
}

// Forget removes key, so the next Seen(key) reports false.
func (d *MemoryDedupe) Forget(key string) {
	d.mu.Lock()
	delete(d.expiry, key)
	d.mu.Unlock()
}
