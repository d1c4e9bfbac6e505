package edge

import (
	"container/list"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are the abuse limits of the surfaces that face customers (see
// docs/operations.md, "Limits"). The zero value of a field means its default.
type Limits struct {
	// CustomerRate and CustomerBurst bound the messages one customer sends,
	// by the client API and the WebSocket together (default 10/s, burst 20).
	CustomerRate  rate.Limit
	CustomerBurst int
	// AddressRate and AddressBurst bound the messages sent from one address
	// (an IPv4 address or an IPv6 /64), whoever sends them (default 50/s,
	// burst 100).
	AddressRate  rate.Limit
	AddressBurst int
	// AddressSockets caps the WebSockets open from one address (default 200).
	AddressSockets int
	// Unlimited are the peers the per-address limits do not apply to
	// (nil: loopback, where a reverse proxy on the same machine or a
	// benchmark connects from; an empty list: none). Per-customer limits
	// apply to everyone.
	Unlimited []netip.Prefix
}

// WithDefaults fills in what is not set.
func (l Limits) WithDefaults() Limits {
	if l.CustomerRate == 0 {
		l.CustomerRate = 10
	}
	if l.CustomerBurst == 0 {
		l.CustomerBurst = 20
	}
	if l.AddressRate == 0 {
		l.AddressRate = 50
	}
	if l.AddressBurst == 0 {
		l.AddressBurst = 100
	}
	if l.AddressSockets == 0 {
		l.AddressSockets = 200
	}
	if l.Unlimited == nil {
		l.Unlimited = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return l
}

// AddressOf is the key a peer (a request's RemoteAddr) is limited by: its
// IPv4 address, or its IPv6 /64 (one subscriber's network: an abuser can
// spray the addresses inside it, not the prefix). ok is false for the
// peers the per-address limits leave alone.
func (l Limits) AddressOf(remoteAddr string) (key string, ok bool) {
	key = PeerKey(remoteAddr)
	if a, err := netip.ParseAddr(peerHost(remoteAddr)); err == nil {
		for _, p := range l.Unlimited {
			if p.Contains(a.Unmap()) {
				return key, false
			}
		}
	}
	return key, true
}

// PeerKey groups a peer address (host:port) for rate limits: an IPv4
// address as it is, an IPv6 address by its /64.
func PeerKey(remoteAddr string) string {
	host := peerHost(remoteAddr)
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

func peerHost(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}

// RateLimiter is a token bucket per key (a customer, an address) holding
// at most a bounded number of keys, without ever forgetting one that is
// being limited: a key idle long enough for its bucket to be full again
// carries nothing and is dropped; when the table is full of keys that do
// carry something, new keys share one bucket until some expire. So
// spraying addresses costs the sprayer, never resets anyone's limit.
type RateLimiter struct {
	every rate.Limit
	burst int
	max   int
	idle  time.Duration // after this long unused, a bucket is full again

	mu       sync.Mutex
	keys     map[string]*list.Element
	lru      list.List // of *limited, most recently used first
	overflow *rate.Limiter
}

type limited struct {
	key  string
	lim  *rate.Limiter
	last time.Time
}

// NewRateLimiter returns a limiter of r per second with burst b per key,
// holding at most maxKeys keys.
func NewRateLimiter(r rate.Limit, b, maxKeys int) *RateLimiter {
	return &RateLimiter{every: r, burst: b, max: maxKeys, idle: time.Duration(float64(b) / float64(r) * float64(time.Second)),
		keys: map[string]*list.Element{}, overflow: rate.NewLimiter(r, b)}
}

// Allow takes a token of key at now, reporting whether there was one.
func (l *RateLimiter) Allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e, ok := l.keys[key]; ok {
		l.lru.MoveToFront(e)
		k := e.Value.(*limited)
		k.last = now
		return k.lim.AllowN(now, 1)
	}
	for len(l.keys) >= l.max {
		back := l.lru.Back()
		k := back.Value.(*limited)
		if now.Sub(k.last) < l.idle {
			return l.overflow.AllowN(now, 1) // full of keys that still count
		}
		l.lru.Remove(back)
		delete(l.keys, k.key)
	}
	k := &limited{key: key, lim: rate.NewLimiter(l.every, l.burst), last: now}
	l.keys[key] = l.lru.PushFront(k)
	return k.lim.AllowN(now, 1)
}

// Len is how many keys the limiter holds.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// SocketCounter caps concurrent connections per key.
type SocketCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

// NewSocketCounter returns a cap of max connections per key.
func NewSocketCounter(max int) *SocketCounter { return &SocketCounter{max: max, n: map[string]int{}} }

// Acquire counts a connection of key, or reports false if key has max
// already; a true answer must be matched by one Release.
func (c *SocketCounter) Acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

// Release ends a connection counted by Acquire.
func (c *SocketCounter) Release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key]--; c.n[key] <= 0 {
		delete(c.n, key)
	}
}
