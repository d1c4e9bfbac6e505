package bus

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
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
	delivered := make(chan struct{}, 1) // a nudge after every delivery
	record := func(name string) func([]byte, any) {
		return func(d []byte, v any) {
			mu.Lock()
			got[name] = append(got[name], string(d))
			mu.Unlock()
			select {
			case delivered <- struct{}{}:
			default:
			}
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
	waitFor(t, delivered, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got["a"]) == 1 && len(got["b"]) == 1 && len(got["c"]) == 1
	})
	cancelA()
	flush()
	b.Publish("conv.1", []byte("three"), "value of three")
	flush()
	waitFor(t, delivered, func() bool {
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

// waitFor waits until cond holds, looking again each time changed says
// something happened; it fails the test after a generous bound.
func waitFor[T any](t *testing.T, changed <-chan T, cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("timed out waiting for delivery")
		}
	}
}

func TestLocal(t *testing.T) {
	b := NewLocal()
	testBus(t, b, func() {
		if err := b.Flush(); err != nil { // nothing to wait for
			t.Fatal(err)
		}
	}, true)
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

// While NATS is unreachable, Flush says so at once (a workspace opening
// must not wait out a timeout), and publishing and subscribing go on; once
// NATS is back, subscriptions work again.
func TestNATSUnreachable(t *testing.T) {
	url := os.Getenv("KEFU_TEST_NATS")
	if url == "" {
		t.Skip("KEFU_TEST_NATS is not set")
	}
	target := strings.TrimPrefix(url, "nats://")
	p := newCuttableProxy(t, target)
	b, err := DialNATS("nats://"+p.addr, "kefutest."+t.Name()+".", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	reconnected := make(chan struct{}, 1)
	b.OnReconnect(func() { reconnected <- struct{}{} })
	if err := b.Flush(); err != nil {
		t.Fatalf("flush while connected: %v", err)
	}
	status := b.nc.StatusChanged()
	defer b.nc.RemoveStatusListener(status)
	p.cut()
	waitFor(t, status, b.nc.IsReconnecting)
	if err := b.Flush(); !errors.Is(err, ErrUnreachable) {
		t.Fatalf("flush while NATS is unreachable: %v, want ErrUnreachable", err)
	}
	got := make(chan string, 1)
	if _, err := b.Subscribe("conv.9", func(d []byte, _ any) { got <- string(d) }); err != nil {
		t.Fatalf("subscribe while NATS is unreachable: %v", err)
	}
	p.restore()
	select {
	case <-reconnected:
	case <-time.After(30 * time.Second):
		t.Fatal("no reconnect notification after NATS came back")
	}
	waitFor(t, status, b.nc.IsConnected)
	if err := b.Flush(); err != nil {
		t.Fatalf("flush after reconnecting: %v", err)
	}
	b.Publish("conv.9", []byte("back"), nil)
	select {
	case d := <-got:
		if d != "back" {
			t.Errorf("got %q", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a subscription made while NATS was unreachable got nothing after it came back")
	}
}

// cuttableProxy forwards TCP connections to target until cut, which closes
// them all and refuses new ones until restore.
type cuttableProxy struct {
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *cuttableProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *cuttableProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cuttableProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		panic(err)
	}
	p.serve(ln)
}
