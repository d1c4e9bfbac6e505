package deskapi

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// TestSignInLimiterSurvivesSpraying: spraying 20000 IPv6 addresses at the
// sign-in limiter does not unlock an address that is at its limit (it used
// to forget every address once it held 10000).
func TestSignInLimiterSurvivesSpraying(t *testing.T) {
	var l loginLimiter
	now := time.Now()
	from := func(addr string) bool {
		return fromAddr(&l, addr, now)
	}
	for i := 0; i < 10; i++ {
		if !from("198.51.100.7:4000") {
			t.Fatalf("try %d refused", i+1)
		}
	}
	if from("198.51.100.7:4001") {
		t.Fatal("the 11th try in a minute was allowed")
	}
	for i := 0; i < 20_000; i++ {
		from(fmt.Sprintf("[2001:db8:%x:%x::%x]:443", i>>16, i&0xffff, i))
	}
	if from("198.51.100.7:4002") {
		t.Error("spraying 20000 addresses unlocked a limited one")
	}
	// The addresses of one IPv6 /64 share their limit; another /64 has its own.
	var fresh loginLimiter
	for i := 0; i < 10; i++ {
		fromAddr(&fresh, fmt.Sprintf("[2001:db8:aaaa:1::%x]:443", i), now)
	}
	if fromAddr(&fresh, "[2001:db8:aaaa:1::ffff]:443", now) {
		t.Error("an 11th address of the same /64 was allowed")
	}
	if !fromAddr(&fresh, "[2001:db8:aaaa:2::1]:443", now) {
		t.Error("the next /64 shares the limit")
	}
}

func fromAddr(l *loginLimiter, addr string, now time.Time) bool {
	r := httptest.NewRequest("POST", "/api/desk/login", nil)
	r.RemoteAddr = addr
	return l.allow(r, now)
}
