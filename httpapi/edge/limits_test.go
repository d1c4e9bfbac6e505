package edge

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestSprayingAddressesUnlocksNoOne: an address at its limit stays limited
// however many other addresses are sprayed at the limiter, and the table
// stays bounded.
func TestSprayingAddressesUnlocksNoOne(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := NewRateLimiter(rate.Every(6*time.Second), 10, 10_000)
	victim := PeerKey("198.51.100.7:4000")
	for i := 0; i < 10; i++ {
		l.Allow(victim, now)
	}
	if l.Allow(victim, now) {
		t.Fatal("the 11th try in a minute was allowed")
	}
	for i := 0; i < 20_000; i++ {
		l.Allow(PeerKey(fmt.Sprintf("[2001:db8:%x:%x::1]:443", i>>16, i&0xffff)), now.Add(time.Duration(i)*time.Millisecond))
	}
	if l.Len() > 10_000 {
		t.Errorf("the limiter holds %d addresses, more than its 10000", l.Len())
	}
	if l.Allow(victim, now.Add(time.Second)) {
		t.Error("spraying 20000 addresses unlocked a limited one")
	}
	// Once an address has been idle long enough for its bucket to refill,
	// it may be forgotten: nothing is lost.
	later := now.Add(2 * time.Minute)
	if !l.Allow(PeerKey("[2001:db8:ffff:1::1]:1"), later) {
		t.Error("a new address was refused after the sprayed ones went idle")
	}
	if !l.Allow(victim, later) {
		t.Error("the limited address is still refused after a quiet minute")
	}
}

func TestPeerKeyGroupsIPv6By64(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"[2001:db8:1:2::1]:1000", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:2000"},
		{"203.0.113.9:1", "203.0.113.9:2"},
		{"[::ffff:203.0.113.9]:1", "203.0.113.9:2"},
	} {
		if PeerKey(tc.a) != PeerKey(tc.b) {
			t.Errorf("%s and %s are limited apart (%s, %s)", tc.a, tc.b, PeerKey(tc.a), PeerKey(tc.b))
		}
	}
	if PeerKey("[2001:db8:1:2::1]:1") == PeerKey("[2001:db8:1:3::1]:1") || PeerKey("203.0.113.9:1") == PeerKey("203.0.113.10:1") {
		t.Error("different networks share a limit")
	}
	l := Limits{}.WithDefaults()
	if _, limited := l.AddressOf("127.0.0.1:5000"); limited {
		t.Error("loopback is limited per address by default")
	}
	if _, limited := l.AddressOf("203.0.113.9:5000"); !limited {
		t.Error("a public address is not limited")
	}
}

func TestSocketCounter(t *testing.T) {
	c := NewSocketCounter(2)
	if !c.Acquire("a") || !c.Acquire("a") || c.Acquire("a") {
		t.Fatal("want two connections of a, then a refusal")
	}
	if !c.Acquire("b") {
		t.Error("b is refused for a's connections")
	}
	c.Release("a")
	if !c.Acquire("a") {
		t.Error("a is refused after closing one of its two")
	}
}
