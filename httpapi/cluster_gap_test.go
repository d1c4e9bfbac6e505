package httpapi_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// A customer connected to one node while that node is cut off from the bus
// (NATS down) misses the events another node publishes meanwhile; the next
// message that does arrive shows the gap, and the connection fills it from
// the store, in order, without a reconnect.
func TestCustomerFillsAGapLeftByTheBus(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c *presenceCluster) {
		alice, hi := c.servingOn(t, c.a, "gap-user")
		conv, err := c.a.Store.Conversation(context.Background(), hi.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		user := c.b.Customer(conv.AppID, kefu.ChannelWeb, "gap-user") // the same visitor, on node b
		user.Connect(0)
		user.Wait("synced", func(c *kefutest.Customer) bool { return c.HasFrame("synced") })

		c.linkB.cut.Store(true)
		alice.Say(hi.ConversationID, "while node b was cut off")
		c.linkB.cut.Store(false)
		alice.Say(hi.ConversationID, "after")

		user.WaitMessage("the message after the cut", func(m *kefutest.ClientMessage) bool {
			return m.Kind == kefu.KindText && m.Text.Content == "after"
		})
		var got []string
		for _, m := range user.Received() {
			if m.Kind == kefu.KindText {
				got = append(got, m.Text.Content)
			}
		}
		want := []string{"hi", "while node b was cut off", "after"}
		if len(got) != len(want) {
			t.Fatalf("the customer on node b got %q, want %q", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("the customer on node b got %q, want %q", got, want)
			}
		}
	})
}
