package wechat

import (
	"testing"
	"time"
)

func TestMemoryDedupe(t *testing.T) {
	now := time.Unix(1714112445, 0)
	d := NewMemoryDedupe(time.Minute)
	d.now = func() time.Time { return now }

	if d.Seen("a") {
		t.Error("first Seen(a) = true")
	}
	if !d.Seen("a") {
		t.Error("second Seen(a) = false")
	}
	d.Forget("a")
	if d.Seen("a") {
		t.Error("Seen(a) after Forget = true")
	}
	now = now.Add(59 * time.Second)
	if !d.Seen("a") {
		t.Error("Seen(a) within the TTL = false")
	}
	d.Seen("b")
	now = now.Add(61 * time.Second)
	if d.Seen("b") {
		t.Error("Seen(b) after the TTL = true")
	}
	// The sweep dropped the expired key "a".
	if _, ok := d.expiry["a"]; ok || len(d.expiry) != 1 {
		t.Errorf("after the sweep the cache holds %v, want only b", d.expiry)
	}
	if NewMemoryDedupe(0).ttl != DefaultDedupeTTL {
		t.Error("ttl 0 is not the default")
	}
}
