package live

import (
	"context"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
)

// TestCustomerCallbackDoesNotWaitForTheConnection: while one customer
// connection is busy (its lock held, as across a slow store read), the bus
// goes on delivering to the others, and the busy one gets its events, in
// order, once it is free.
func TestCustomerCallbackDoesNotWaitForTheConnection(t *testing.T) {
	b := bus.NewLocal()
	session := func() *clientSession {
		return &clientSession{wc: &wsConn{ctx: context.Background()}} // not synced: events queue in pending
	}
	busy, other := session(), session()
	got := make(chan int64, 10)
	if _, err := b.Subscribe("conv.1", busy.onEvent); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("conv.1", other.onEvent); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Subscribe("conv.1", func([]byte, any) { got <- 0 }); err != nil {
		t.Fatal(err)
	}
	busy.mu.Lock() // a slow store read under way
	for seq := int64(1); seq <= 3; seq++ {
		ev := &engine.Event{Type: engine.EventMessage, Message: &kefu.Message{Seq: seq}}
		published := make(chan struct{})
		go func() { b.Publish("conv.1", []byte("{}"), ev); close(published) }()
		select {
		case <-published:
		case <-time.After(30 * time.Second):
			t.Fatalf("publishing message %d waited for the busy connection", seq)
		}
		<-got
	}
	busy.mu.Unlock()
	for _, cs := range []*clientSession{busy, other} {
		deadline := time.After(30 * time.Second)
		for {
			cs.mu.Lock()
			n := len(cs.pending)
			cs.mu.Unlock()
			if n == 3 {
				break
			}
			select {
			case <-deadline:
				t.Fatalf("%d of 3 events reached the connection", n)
			case <-time.After(10 * time.Millisecond):
			}
		}
		for i, ev := range cs.pending {
			if ev.Message.Seq != int64(i+1) {
				t.Errorf("event %d is message %d: out of order", i, ev.Message.Seq)
			}
		}
	}
}
