package kefutest

import (
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// ManualClock is a kefu.Clock that only moves when told to, for tests. It is safe for
// concurrent use.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer // in the order they were set
}

type manualTimer struct {
	c  *ManualClock
	at time.Time
	f  func()
}

// NewManualClock returns a clock standing at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{now: t} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc calls f when the clock is moved to or past now+d. The call runs
// on the goroutine that moves the clock, so when Advance returns everything
// that fell due has happened; f must not move the clock itself.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) kefu.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop cancels the timer.
func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	for i, x := range t.c.timers {
		if x == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			return true
		}
	}
	return false
}

// Advance moves the clock forward by d, running the timers that fall due in
// the order of their times, each with the clock standing at its time (a
// timer set by one of them runs too if it falls due within d).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	c.moveTo(target)
}

// Set moves the clock to t, running the timers that fall due as Advance does.
func (c *ManualClock) Set(t time.Time) {
	c.moveTo(t)
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *ManualClock) moveTo(target time.Time) {
	for {
		c.mu.Lock()
		next := -1
		for i, t := range c.timers {
			if !t.at.After(target) && (next < 0 || t.at.Before(c.timers[next].at)) {
				next = i
			}
		}
		if next < 0 {
			if target.After(c.now) {
				c.now = target
			}
			c.mu.Unlock()
			return
		}
		t := c.timers[next]
		c.timers = append(c.timers[:next], c.timers[next+1:]...)
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.f()
	}
}
