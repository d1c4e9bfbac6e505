package httpapi_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// activeChat returns a server with an app without push URL (messages go
// straight to customer service), a customer and an agent serving them.
func activeChat(t *testing.T) (*kefutest.Server, *kefutest.Customer, *kefutest.Desk, int64) {
	t.Helper()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	user := s.Customer(app.ID, kefu.ChannelWeb, "resume-user")
	user.Say("hi")
	q := alice.Queue()
	if len(q) != 1 {
		t.Fatalf("queue has %d conversations", len(q))
	}
	alice.Accept(q[0].ID)
	return s, user, alice, q[0].ID
}

// TestResumeGetsExactlyTheMissedMessages: a customer who reconnects with the
// last seq they saw receives exactly what they missed, then live messages.
func TestResumeGetsExactlyTheMissedMessages(t *testing.T) {
	_, user, alice, conv := activeChat(t)
	user.Connect(0)
	first := alice.Say(conv, "before the drop")
	user.WaitMessage("the first reply", func(m *kefutest.ClientMessage) bool { return m.Seq == first.Seq })
	lastSeen := first.Seq
	user.Disconnect()

	var missed []int64
	for i := range 5 {
		missed = append(missed, alice.Say(conv, fmt.Sprint("while away ", i)).Seq)
	}
	again := s2(user)
	again.Connect(lastSeen)
	again.Wait("the missed messages", func(c *kefutest.Customer) bool { return len(c.Received()) >= len(missed) })
	live := alice.Say(conv, "after the return")
	again.WaitMessage("the live message", func(m *kefutest.ClientMessage) bool { return m.Seq == live.Seq })
	var got []int64
	for _, m := range again.Received() {
		got = append(got, m.Seq)
	}
	want := append(missed, live.Seq)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after resuming from %d got seqs %v, want exactly %v", lastSeen, got, want)
	}
}

// s2 is a second connection of the same customer (same token), as after a
// page reload.
func s2(c *kefutest.Customer) *kefutest.Customer { return c.Clone() }

// TestResumeUnderFireLosesNothing reconnects a customer again and again
// while the agent keeps sending: across all connections every message
// arrives, in order, and none twice within what each connection was owed.
func TestResumeUnderFireLosesNothing(t *testing.T) {
	_, user, alice, conv := activeChat(t)
	const total = 60
	var wg sync.WaitGroup
	wg.Add(1)
	var mu sync.Mutex
	sent := make([]int64, 0, total)
	go func() {
		defer wg.Done()
		for i := range total {
			seq := alice.Say(conv, fmt.Sprint("msg ", i)).Seq
			mu.Lock()
			sent = append(sent, seq)
			mu.Unlock()
		}
	}()
	seen := map[int64]int{}
	var last int64
	for round := 0; ; round++ {
		c := user.Clone()
		c.Connect(last)
		c.Wait("some messages", func(c *kefutest.Customer) bool {
			return len(c.Received()) > 0 || c.HasFrame("synced")
		})
		c.Disconnect()
		for _, m := range c.Received() {
			if m.Seq <= last {
				t.Fatalf("round %d: got seq %d again after resuming from %d", round, m.Seq, last)
			}
			seen[m.Seq]++
			last = m.Seq
		}
		mu.Lock()
		done := len(sent) == total && last >= sent[total-1]
		mu.Unlock()
		if done {
			break
		}
		if round > 10000 {
			t.Fatal("never caught up")
		}
	}
	wg.Wait()
	for _, seq := range sent {
		if seen[seq] != 1 {
			t.Fatalf("message seq %d received %d times", seq, seen[seq])
		}
	}
}
