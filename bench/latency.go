package bench

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Latency summarises the latencies of one measured phase, in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// recorder keeps every latency of a measured window: messages whose
// intended send time falls inside [from, to). Open loop: a latency runs from
// when a message was meant to be sent, so a load generator that falls
// behind shows up in the figures instead of hiding them.
type recorder struct {
	from, to atomic.Int64 // Unix nanoseconds; to == 0: the window is still open
	mu       sync.Mutex
	samples  []time.Duration
}

// open starts a window at t.
func (r *recorder) open(t time.Time) {
	r.mu.Lock()
	r.samples = r.samples[:0]
	r.mu.Unlock()
	r.to.Store(0)
	r.from.Store(t.UnixNano())
}

// close ends the window at t; later messages are not recorded.
func (r *recorder) close(t time.Time) { r.to.Store(t.UnixNano()) }

// inWindow reports whether a message meant to be sent at intended counts.
func (r *recorder) inWindow(intended int64) bool {
	from, to := r.from.Load(), r.to.Load()
	return from != 0 && intended >= from && (to == 0 || intended < to)
}

// add records the latency of a message meant to be sent at intended (Unix
// nanoseconds) and received now, if it belongs to the window.
func (r *recorder) add(intended int64, now time.Time) {
	if !r.inWindow(intended) {
		return
	}
	d := time.Duration(now.UnixNano() - intended)
	r.mu.Lock()
	r.samples = append(r.samples, d)
	r.mu.Unlock()
}

// addDuration records a latency measured directly.
func (r *recorder) addDuration(d time.Duration) {
	r.mu.Lock()
	r.samples = append(r.samples, d)
	r.mu.Unlock()
}

func (r *recorder) stats() Latency {
	r.mu.Lock()
	s := slices.Clone(r.samples)
	r.mu.Unlock()
	return summarise(s)
}

func summarise(s []time.Duration) Latency {
	if len(s) == 0 {
		return Latency{}
	}
	slices.Sort(s)
	q := func(p float64) float64 {
		i := int(p*float64(len(s))+0.5) - 1
		i = min(max(i, 0), len(s)-1)
		return ms(s[i])
	}
	return Latency{N: len(s), P50: q(0.50), P99: q(0.99), P999: q(0.999), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
