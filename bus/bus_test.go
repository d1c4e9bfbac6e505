package bus

import (
	"os"
	"sync"
	"testing"
	"time"
)

// testBus runs the same checks against any Bus. handsValues says whether
// subscribers get the publisher's value (in-process) or nil.
func testBus(t *testing.T, b Bus, flush func(), handsValues bool) {
	t.Helper()
	var mu sync.Mutex
	got := map[string][]string{}
	record := func(name string) func([]byte, any) {
		return func(d []byte, v any) {
			mu.Lock()
			got[name] = append(got[name], string(d))
			mu.Unlock()
			want := any(nil)
			if handsValues {
				want = "value of " + string(d)
			}
			if v != want {
				t.Errorf("%s got the value %v with %q, want %v", name, v, d, want)
			}
		}
	}
	cancelA, err := b.Subscribe("conv.1", record("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("conv.1", record("b")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("conv.2", record("c")); err != nil {
		t.Fatal(err)
	}
	flush()
	b.Publish("conv.1", []byte("one"), "value of one")
	b.Publish("conv.2", []byte("two"), "value of two")
	flush()
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["a"]) == 1 && len(got["b"]) == 1 && len(got["c"]) == 1
	})
	cancelA()
	flush()
	b.Publish("conv.1", []byte("three"), "value of three")
	flush()
	waitFor(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["b"]) == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got["a"]) != 1 || got["a"][0] != "one" {
		t.Errorf("a got %q after cancel, want only [one]", got["a"])
	}
	if got["b"][1] != "three" || got["c"][0] != "two" {
		t.Errorf("b=%q c=%q", got["b"], got["c"])
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting for delivery")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLocal(t *testing.T) {
	testBus(t, NewLocal(), func() {}, true)
}

func TestNATS(t *testing.T) {
	url := os.Getenv("KEFU_TEST_NATS")
	if url == "" {
		t.Skip("KEFU_TEST_NATS is not set")
	}
	b, err := DialNATS(url, "kefutest."+t.Name()+".", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	testBus(t, b, func() {
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
	}, false)
}
