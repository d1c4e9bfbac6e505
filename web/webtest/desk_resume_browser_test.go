package webtest_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestDeskGetsWhatWasNeverPublished opens a conversation in the workspace
// and stores messages of it that are never published, as a node that died
// between its commit and its publish leaves them: they appear in the open
// conversation without a reload, in order — one alone (the node's sweep
// finds it), one below a message that does arrive live (a hole).
func TestDeskGetsWhatWasNeverPublished(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	browser := kefutest.Browser(t)
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	user := s.Customer(app.ID, kefu.ChannelWeb, "never-published")
	hi, err := s.Store.Message(context.Background(), user.Say("hi").ID)
	if err != nil {
		t.Fatal(err)
	}
	conv := hi.ConversationID
	alice.Accept(conv)

	p := newDeskTab(t, browser)
	p.noExceptions()
	p.workOn(s.URL, "alice", conv)
	timeline := `document.querySelector("kefu-conversation .timeline").innerText`
	p.wait("the first message", timeline+`.includes("hi")`)

	storeUnpublished(t, s, conv, "stored while the bus was away")
	p.wait("the message only the store has", timeline+`.includes("stored while the bus was away")`)

	storeUnpublished(t, s, conv, "lost before the next")
	user.Say("the next one")
	p.wait("the hole filled", fmt.Sprintf(`(() => { const t = %s; const a = t.indexOf("lost before the next"), b = t.indexOf("the next one"); return a >= 0 && b > a; })()`, timeline))
}

// storeUnpublished appends a customer's message to the store without the
// engine, so nothing is published.
func storeUnpublished(t *testing.T, s *kefutest.Server, convID int64, text string) {
	t.Helper()
	ctx := context.Background()
	err := s.Store.Update(ctx, func(tx kefu.Tx) error {
		c, err := tx.LockConversation(ctx, convID)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		m := &kefu.Message{Sender: kefu.SenderUser, Kind: kefu.KindText, Text: &kefu.Text{Content: text}, Phase: c.State, CreatedAt: now}
		if _, _, err := tx.AppendMessage(ctx, c, m); err != nil {
			return err
		}
		c.UpdatedAt = now
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}
}
