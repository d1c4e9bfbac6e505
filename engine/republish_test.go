package engine_test

import (
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// A retried send is published again. When a commit's result is lost (the
// database stopped mid-commit) the caller sees an error and retries with
// the same client message id; the retry finds the stored message. If it
// returned without publishing, the message would be stored, reported
// stored, and never reach anyone watching live.
func TestRetriedSendIsPublishedAgain(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		alice := f.agent("alice", 3)
		o := f.open("u1")
		c := o.Conversation
		in := &kefu.Message{Kind: kefu.KindText, ClientMsgID: "c-1", Text: &kefu.Text{Content: "hello"}}
		first, dup, err := f.eng.Receive(f.ctx, c.ID, in)
		if err != nil || dup {
			t.Fatalf("first receive: dup %v, %v", dup, err)
		}
		again, dup, err := f.eng.Receive(f.ctx, c.ID, in)
		if err != nil || !dup || again.ID != first.ID {
			t.Fatalf("retried receive: dup %v, id %d (first %d), %v", dup, again.ID, first.ID, err)
		}
		if n := countSeq(f.events.messages(), first.Seq); n != 2 {
			t.Fatalf("the customer's message was published %d times, want 2 (once per try)", n)
		}

		if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		req := engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: alice, Source: "desk",
			Message: &kefu.Message{Kind: kefu.KindText, ClientMsgID: "a-1", Text: &kefu.Text{Content: "hi"}}}
		sent, err := f.eng.Send(f.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.eng.Send(f.ctx, req); err != nil {
			t.Fatal(err)
		}
		if n := countSeq(f.events.messages(), sent.Seq); n != 2 {
			t.Fatalf("the agent's message was published %d times, want 2 (once per try)", n)
		}
	})
}

func countSeq(ms []*kefu.Message, seq int64) int {
	n := 0
	for _, m := range ms {
		if m.Seq == seq {
			n++
		}
	}
	return n
}
