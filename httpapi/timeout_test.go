package httpapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestThirtyMinuteRuleOverHTTP: a session nobody closed returns to the
// developer 30 minutes after its last activity — the customer sees the
// state change live, the agent's slot is freed, and the next message is
// pushed to the developer again. The clock is moved, not slept through.
func TestThirtyMinuteRuleOverHTTP(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushXML)
	hook.OnPush(kefutest.TransferOn("human"))
	alice := s.OnlineAgent("alice", app.ID)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "timeout-user")
	user.Connect(0)
	user.Say("human")
	conv := waitQueued(t, alice)
	alice.Accept(conv)
	user.Wait("active", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateActive })
	alice.Say(conv, "hello")

	s.Clock.Advance(29 * time.Minute)
	user.Say("still there?") // activity: the 30 minutes start again
	s.Clock.Advance(29 * time.Minute)
	if _, err := s.Engine.Sweep(context.Background()); err != nil { // what the sweeper would do now
		t.Fatal(err)
	}
	if st := user.State().State; st != kefu.StateActive {
		t.Fatalf("29 minutes after the last message the session is %s", st)
	}
	s.Clock.Advance(time.Minute)
	user.Wait("the session to end", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateDeveloper })
	alice.WaitEvent("alice's slot freed", func(ev *engine.Event) bool {
		return ev.Type == engine.EventAgent && ev.Agent.ID == alice.Agent.ID && ev.Agent.ActiveCount == 0
	})
	n := len(hook.Pushes())
	user.Say("hello again")
	if p := hook.WaitPushes(n + 1)[n]; p.Message == nil || p.Message.Content != "hello again" {
		t.Fatalf("after the timeout the message must be pushed to the developer; got %+v", p.Message)
	}
}
