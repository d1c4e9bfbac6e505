package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/richtext"
)

// A customer whose wait in the queue ends without an agent is told, by the
// automatic reply (on by default), in words that name the configured
// timeout, and the timeline's notice becomes the agents'; a session an agent
// served ends with a note for the agents only. Nothing says "30" when the
// timeout is ten minutes.
func TestTimeoutNoticesSayTheConfiguredTimeout(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	f.eng = engine.New(f.store, f.bus, f.clock, richtext.New(), nil, engine.Config{SessionTimeout: 10 * time.Minute})
	alice := f.agent("alice", 3)

	waiting := f.open("u1").Conversation
	f.say(waiting.ID, "anyone there?") // no push URL: straight to the queue
	served := f.open("u2").Conversation
	f.say(served.ID, "hello")
	if _, err := f.eng.Accept(f.ctx, served.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(10 * time.Minute)
	if n, err := f.eng.Sweep(f.ctx); err != nil || n != 2 {
		t.Fatalf("swept %d sessions (%v), want 2", n, err)
	}

	last := func(convID int64) *kefu.Message {
		ms, err := f.store.Messages(f.ctx, convID, 0, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].Kind == kefu.KindNotice {
				return ms[i]
			}
		}
		t.Fatal("no notice")
		return nil
	}
	q := last(waiting.ID)
	if q.Notice.Code != kefu.NoticeQueueTimeout || q.VisibleToUser() || q.Notice.Params["minutes"] != "10" ||
		!strings.Contains(q.Notice.Text, "10") || strings.Contains(q.Notice.Text, "30") {
		t.Errorf("queue timeout notice %+v (visible to the customer: %v), want an agents' notice naming 10 minutes", q.Notice, q.VisibleToUser())
	}
	ms, err := f.store.Messages(f.ctx, waiting.ID, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var told *kefu.Message
	for _, m := range ms {
		if m.Source == "auto:queue_timeout" {
			told = m
		}
	}
	if told == nil || !told.VisibleToUser() || told.Kind != kefu.KindText || !strings.Contains(told.Text.Content, "10 分钟") || strings.Contains(told.Text.Content, "30") {
		t.Errorf("the waiting customer was told %+v, want a text naming 10 minutes", told)
	}
	a := last(served.ID)
	if a.Notice.Code != kefu.NoticeSessionTimeout || a.VisibleToUser() || a.Notice.Params["minutes"] != "10" || strings.Contains(a.Notice.Text, "30") {
		t.Errorf("served session timeout notice %+v (visible to the customer: %v), want an agents' note naming 10 minutes", a.Notice, a.VisibleToUser())
	}
}
