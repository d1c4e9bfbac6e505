package kefu

import "time"

// Clock tells the time and runs timers. Every rule that counts time (the
// 30-minute session rule, the 48-hour reply window, token lifetimes, agent
// presence) reads it through a Clock so tests can move time instead of
// sleeping through it (kefutest.ManualClock).
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed on this clock, unless the
	// returned timer is stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call; it reports whether the call was still pending.
	Stop() bool
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc calls f in its own goroutine after d (time.AfterFunc).
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
