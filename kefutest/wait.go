package kefutest

import (
	"testing"
	"time"
)

// UntilTrue waits (up to waitBound) for cond to hold, looking every 20 ms, and
// fails the test if it never does.
func UntilTrue(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
