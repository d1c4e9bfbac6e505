package engine_test

import (
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// A developer's server that does not answer makes the enter event fail;
// its retries must not hold the customer's message back — WeChat pushes
// each on its own — so the customer hears that nobody answers after the
// message's own three tries, not after the event's three as well. The
// message's tries stay in order with later messages.
func TestEventRetriesDoNotHoldBackMessages(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "http://developer.example/push")
		c := f.open("u1").Conversation
		m := f.say(c.ID, "hello?")

		var order []string // what was tried, in order
		for range 20 {
			jobs, err := f.eng.ClaimPushJobs(f.ctx, 100, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(jobs) == 0 {
				break
			}
			for _, j := range jobs {
				what := "event"
				if j.MessageID == m.ID {
					what = "message"
				}
				order = append(order, what)
				f.record(j, kefu.PushFailed) // no answer: StatusCode 0
			}
		}
		want := []string{"event", "message", "message", "message", "event", "event"}
		if len(order) != len(want) {
			t.Fatalf("tries %v, want %v", order, want)
		}
		for i := range want {
			if order[i] != want[i] {
				t.Fatalf("tries %v, want %v", order, want)
			}
		}
		if got := f.conv(c.ID); got.State != kefu.StateDeveloper {
			t.Errorf("state %s", got.State)
		}
		notices := 0
		ms, _ := f.store.Messages(f.ctx, c.ID, 0, 0, 100)
		for _, x := range ms {
			if x.Kind == kefu.KindNotice && x.Notice.Code == kefu.NoticeDeveloperUnavailable {
				notices++
			}
		}
		if notices != 1 {
			t.Errorf("%d unavailable notices, want 1 (for the message, none for the event)", notices)
		}
	})
}
