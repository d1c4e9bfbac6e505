package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// TestSessionStory is the whole session story of WeChat's rules over real HTTP and
// WebSocket, for every push format and mode: open → the developer gets the
// enter event (agents never do) → text pushed → transfer → queued (the next
// message still goes to the developer) → an agent accepts → messages go to
// the agent only → the agent's reply reaches the user → close → the next
// message goes to the developer again.
func TestSessionStory(t *testing.T) {
	for _, mode := range []kefu.PushMode{kefu.PushPlaintext, kefu.PushCompatible, kefu.PushSafe} {
		for _, format := range []kefu.PushFormat{kefu.PushXML, kefu.PushJSON} {
			t.Run(fmt.Sprintf("%s-%s", mode, format), func(t *testing.T) {
				t.Parallel()
				storyFor(t, mode, format)
			})
		}
	}
}

func storyFor(t *testing.T, mode kefu.PushMode, format kefu.PushFormat) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(mode, format)
	hook.OnPush(kefutest.TransferOn("human please"))
	alice := s.OnlineAgent("alice", app.ID)

	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "user-1")
	user.Connect(0)
	user.Wait("synced", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateDeveloper })
	user.Enter("product-42", &kefu.MessageCard{Title: "Phone", Path: "/pages/item?id=42"})
	p := hook.WaitPushes(1)[0]
	if p.Err != nil || p.Message.MsgType != "event" || p.Message.Event != wechat.EventUserEnterTempSession || p.Message.SessionFrom != "product-42" {
		t.Fatalf("first push: %+v %v", p.Message, p.Err)
	}
	if p.Message.FromUserName != user.OpenID || p.Message.ToUserName != app.OriginalID {
		t.Errorf("push addressed from %q to %q", p.Message.FromUserName, p.Message.ToUserName)
	}
	if got := p.Format.String(); got != string(format) {
		t.Errorf("pushed as %s, want %s", got, format)
	}
	if (mode == kefu.PushPlaintext) == wechat.IsEncrypted(p.Query) {
		t.Errorf("encrypt_type in %s mode: %q", mode, p.Query.Get("encrypt_type"))
	}

	hello := user.Say("hello")
	p = hook.WaitPushes(2)[1]
	if p.Message.Content != "hello" || p.Message.MsgID != hello.ID+kefu.MsgIDBase {
		t.Fatalf("second push: %+v", p.Message)
	}
	user.Say("human please")
	hook.WaitPushes(3)
	conv := waitQueued(t, alice)
	user.Wait("queued state", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateQueued })
	if pos := user.State().QueuePosition; pos != 1 {
		t.Errorf("queue position %d, want 1", pos)
	}
	user.Say("still waiting")
	if p := hook.WaitPushes(4)[3]; p.Message.Content != "still waiting" {
		t.Fatalf("while queued, the message must still go to the developer; got %+v", p.Message)
	}

	alice.Accept(conv)
	user.Wait("active state", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateActive })
	if a := user.State().Agent; a == nil || a.Name != "alice" {
		t.Errorf("the customer should see who serves them: %+v", a)
	}
	user.Say("are you a human?")
	alice.WaitEvent("the user's message", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message.Text != nil && ev.Message.Text.Content == "are you a human?"
	})
	alice.Say(conv, "Yes! How can I help?")
	user.WaitMessage("the agent's reply", func(m *kefutest.ClientMessage) bool {
		return m.Sender == kefu.SenderAgent && m.Text != nil && m.Text.Content == "Yes! How can I help?" && m.AgentName == "alice"
	})
	alice.Close(conv)
	user.Wait("developer state", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateDeveloper })
	user.Say("one more thing")
	// A conversation's pushes go out in order, so this one is the fifth
	// only if nothing said while the agent served was pushed.
	pushes := hook.WaitPushes(5)
	if p := pushes[4]; p.Message.Content != "one more thing" {
		t.Fatalf("push 5 is %+v: while an agent serves, messages must go to the agent only, and after close to the developer again", p.Message)
	}
	// The agent never saw the enter event.
	for _, ev := range alice.Events() {
		if ev.Message != nil && ev.Message.Kind == kefu.KindEvent {
			t.Fatalf("an event reached the desk: %+v", ev.Message)
		}
	}
	for _, m := range alice.Messages(conv, 0) {
		if m.Kind == kefu.KindEvent {
			t.Fatalf("an event is in the desk's history: %+v", m)
		}
	}
	// The customer saw every message exactly once, in order.
	seen := map[int64]bool{}
	var last int64
	for _, m := range user.Received() {
		if seen[m.Seq] || m.Seq <= last {
			t.Fatalf("message seq %d received twice or out of order", m.Seq)
		}
		seen[m.Seq], last = true, m.Seq
	}
}

// waitQueued waits until the desk's queue has one conversation and returns it.
func waitQueued(t *testing.T, d *kefutest.Desk) int64 {
	t.Helper()
	ev := d.WaitEvent("a queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	})
	return ev.ConversationID
}
