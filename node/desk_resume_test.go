package node_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// deskResumeCluster is two nodes on one PostgreSQL and one NATS, each
// node's NATS connection through a proxy the test can cut: customers talk
// to node a, agents' workspaces are open on node b.
type deskResumeCluster struct {
	a, b           *kefutest.Server
	proxyA, proxyB *kefutest.Proxy
	app            *kefu.App
	desks          []*kefutest.Desk
	users          []*kefutest.Customer
}

func newDeskResumeCluster(t *testing.T) *deskResumeCluster {
	t.Helper()
	natsURL := os.Getenv(kefutest.NATSEnv)
	if natsURL == "" || os.Getenv(kefutest.PostgresEnv) == "" {
		t.Skip(kefutest.NATSEnv + " and " + kefutest.PostgresEnv + " are needed")
	}
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	c := &deskResumeCluster{proxyA: kefutest.NewProxy(t, u.Host), proxyB: kefutest.NewProxy(t, u.Host)}
	clock := kefutest.NewManualClock(time.Now().UTC().Truncate(time.Millisecond))
	c.a = kefutest.NewServer(t, kefutest.Options{Engine: "postgres", NATS: c.proxyA.ProxyURL(t, natsURL), Clock: clock, Limits: loadLimits})
	c.b = kefutest.NewServer(t, kefutest.Options{Engine: "postgres", DSN: c.a.DSN, NATS: c.proxyB.ProxyURL(t, natsURL), Clock: clock, Limits: loadLimits})
	c.app = c.a.App("", kefu.PushPlaintext, kefu.PushJSON)
	for _, login := range []string{"alice", "bob"} {
		c.desks = append(c.desks, c.b.OnlineAgent(login, c.app.ID))
	}
	for i := range 4 {
		user := c.a.Customer(c.app.ID, kefu.ChannelWeb, fmt.Sprintf("resume-user-%d", i))
		c.users = append(c.users, user)
		user.Say("hello") // the conversation exists before the load starts
	}
	for _, d := range c.desks {
		d.WaitEvents("every customer's first message", len(c.users), func(ev *engine.Event) bool {
			return ev.Type == engine.EventMessage && ev.Message.Sender == kefu.SenderUser
		})
	}
	return c
}

// load has every customer send perUser messages over HTTP, calling
// onAcked with the total acknowledged after each.
func (c *deskResumeCluster) load(t *testing.T, perUser int, onAcked func(n int64)) {
	t.Helper()
	var acked atomic.Int64
	var wg sync.WaitGroup
	for i, user := range c.users {
		wg.Go(func() {
			for n := range perUser {
				st := user.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("u%d-%d", i, n), "kind": "text",
					"text": map[string]string{"content": fmt.Sprintf("user %d message %d", i, n)}}, nil)
				if st != http.StatusCreated {
					t.Errorf("user %d message %d: HTTP %d", i, n, st)
					return
				}
				onAcked(acked.Add(1))
			}
		})
	}
	wg.Wait()
}

// everyStoredMessageReachesTheDesks waits until each agent's open
// workspace has had, live, every message the store holds of the app.
func (c *deskResumeCluster) everyStoredMessageReachesTheDesks(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	convs, err := c.b.Store.Conversations(ctx, kefu.ConversationFilter{AppIDs: []string{c.app.ID}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, conv := range convs {
		msgs, err := c.b.Store.Messages(ctx, conv.ID, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Kind != kefu.KindEvent {
				want[fmt.Sprintf("%d/%d", conv.ID, m.Seq)] = true
			}
		}
	}
	if len(want) < len(c.users)*2 {
		t.Fatalf("the store holds only %d messages", len(want))
	}
	for _, d := range c.desks {
		var missing []string
		kefutest.UntilTrue(t, "every stored message in "+d.Agent.Login+"'s workspace", func() bool {
			got := map[string]bool{}
			for _, ev := range d.Events() {
				if ev.Type == engine.EventMessage {
					got[fmt.Sprintf("%d/%d", ev.ConversationID, ev.Message.Seq)] = true
				}
			}
			missing = missing[:0]
			for k := range want {
				if !got[k] {
					missing = append(missing, k)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Logf("%s misses %d of %d messages, e.g. %v", d.Agent.Login, len(missing), len(want), missing[:min(5, len(missing))])
			}
			return len(missing) == 0
		})
	}
}

// TestDesksGetWhatAKilledNodeNeverPublished kills a node mid-load: its NATS
// connection is cut while customers on it keep sending, so its last commits
// are never published, and then it stops. The agents' workspaces, open on
// the other node, get every stored message live, without a reload.
func TestDesksGetWhatAKilledNodeNeverPublished(t *testing.T) {
	c := newDeskResumeCluster(t)
	var once sync.Once
	c.load(t, 15, func(n int64) {
		if n >= 20 {
			once.Do(c.proxyA.Cut)
		}
	})
	c.a.Stop()
	c.everyStoredMessageReachesTheDesks(t)
}

// TestDesksGetWhatWasPublishedWhileNATSRestarted cuts both nodes off NATS
// during load and lets them back: every stored message, those published
// while NATS was away included, reaches the agents' open workspaces live.
func TestDesksGetWhatWasPublishedWhileNATSRestarted(t *testing.T) {
	c := newDeskResumeCluster(t)
	var cut, restore sync.Once
	c.load(t, 15, func(n int64) {
		switch {
		case n >= 40:
			restore.Do(func() { c.proxyA.Restore(); c.proxyB.Restore() })
		case n >= 15:
			cut.Do(func() { c.proxyA.Cut(); c.proxyB.Cut() })
		}
	})
	c.everyStoredMessageReachesTheDesks(t)
}
