package node_test

import (
	"os"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestTwoNodesShareOneConversation runs two nodes on one PostgreSQL and one
// NATS: a customer connected to the first and an agent connected to the
// second see each other live.
func TestTwoNodesShareOneConversation(t *testing.T) {
	natsURL := os.Getenv(kefutest.NATSEnv)
	if natsURL == "" || os.Getenv(kefutest.PostgresEnv) == "" {
		t.Skip(kefutest.NATSEnv + " and " + kefutest.PostgresEnv + " are needed")
	}
	a := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", NATS: natsURL})
	b := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", DSN: a.DSN, NATS: natsURL})
	app := a.App("", kefu.PushPlaintext, kefu.PushJSON)
	a.Agent("alice", kefu.RoleAgent, app.ID)

	alice := b.SignIn("alice") // on node b
	alice.Status(kefu.StatusOnline)
	alice.Connect()
	user := a.Customer(app.ID, kefu.ChannelWeb, "two-nodes") // on node a
	user.Connect(0)
	user.Say("hello from node a")
	ev := alice.WaitEvent("the customer's message on the other node", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message.Text != nil && ev.Message.Text.Content == "hello from node a"
	})
	alice.Accept(ev.ConversationID)
	alice.Say(ev.ConversationID, "hello from node b")
	user.WaitMessage("the agent's reply from the other node", func(m *kefutest.ClientMessage) bool {
		return m.Text != nil && m.Text.Content == "hello from node b"
	})
}
