package httpapi_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/kefutest"
)

// Presence across nodes: an agent is set offline when no node has had their
// workspace for the grace, not when the one node they left has not. Each
// test runs on two nodes sharing a store, a (manual) clock and a bus: SQLite
// and an in-process bus always; PostgreSQL when provided, with NATS when
// that is provided too.

const clusterGrace = time.Minute

// The bounds the design promises (see docs/operations.md); a heartbeat is a
// quarter of the grace, a node decides on its ticks, one heartbeat apart,
// and a crashed node's last heartbeat may be up to one before its crash.
const (
	clusterBeat     = clusterGrace / 4
	leftBound       = clusterGrace + 2*clusterBeat   // the last workspace closed
	crashedBound    = 2*clusterGrace + 2*clusterBeat // the node holding it crashed
	crashedEarliest = 2*clusterGrace - clusterBeat   // no sooner: other nodes get a grace
)

// TestPresenceFollowsAgentAcrossNodes: the workspace loses node A and
// reconnects to node B (a load balancer's choice). Node A must not set the
// agent offline when its grace runs out: they are working on B, and keep
// their session. When they leave B too, they go offline within the bound.
func TestPresenceFollowsAgentAcrossNodes(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c *presenceCluster) {
		ctx := context.Background()
		onA, msg := c.servingOn(t, c.a, "moving-agent-user")

		onA.Disconnect()
		waitConnections(t, c.a, onA, 0)
		c.clock.Advance(clusterGrace / 2)
		onB := c.b.SignIn("alice")
		onB.Connect()
		waitConnections(t, c.b, onB, 1)
		c.clock.Advance(3 * clusterGrace)
		if a, _ := c.a.Store.Agent(ctx, onA.Agent.ID); a.Status != kefu.StatusOnline {
			t.Fatalf("alice works on node B, yet node A set her %s", a.Status)
		}
		if cv, _ := c.a.Store.Conversation(ctx, msg.ConversationID); cv.State != kefu.StateActive || cv.AgentID != onA.Agent.ID {
			t.Fatalf("alice's session was taken from her: %s with %d", cv.State, cv.AgentID)
		}

		onB.Disconnect()
		waitConnections(t, c.b, onB, 0)
		c.offlineWithin(t, onA.Agent.ID, clusterGrace, leftBound)
		if cv, _ := c.a.Store.Conversation(ctx, msg.ConversationID); cv.State != kefu.StateQueued {
			t.Fatalf("the session of an agent gone from every node is %s, want queued", cv.State)
		}
	})
}

// TestPresenceWithWorkspacesOnBothNodes: two tabs, one on each node. Closing
// one keeps the agent online however long; closing the other sets them
// offline within the bound.
func TestPresenceWithWorkspacesOnBothNodes(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c *presenceCluster) {
		ctx := context.Background()
		app := c.a.App("", kefu.PushSafe, kefu.PushJSON)
		c.a.Agent("alice", kefu.RoleAgent, app.ID)
		onA, onB := c.a.SignIn("alice"), c.b.SignIn("alice")
		onA.Status(kefu.StatusOnline)
		onA.Connect()
		onB.Connect()
		waitConnections(t, c.a, onA, 1)
		waitConnections(t, c.b, onB, 1)

		onB.Disconnect()
		waitConnections(t, c.b, onB, 0)
		c.clock.Advance(3 * clusterGrace)
		if a, _ := c.a.Store.Agent(ctx, onA.Agent.ID); a.Status != kefu.StatusOnline {
			t.Fatalf("alice still has a tab on node A, yet is %s", a.Status)
		}
		onA.Disconnect()
		waitConnections(t, c.a, onA, 0)
		c.offlineWithin(t, onA.Agent.ID, clusterGrace, leftBound)
	})
}

// TestPresenceOfCrashedNode: node B, holding the agent's only workspace,
// dies without a goodbye (its links to the bus and the store are cut, then
// it stops). Node A sets the agent offline and requeues the session — not
// before the others had a grace to hear from the agent, and within two
// graces.
func TestPresenceOfCrashedNode(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c *presenceCluster) {
		ctx := context.Background()
		onB, msg := c.servingOn(t, c.b, "crashed-node-user")
		c.clock.Advance(clusterBeat) // a heartbeat or two from B

		c.crashB()
		c.offlineWithin(t, onB.Agent.ID, crashedEarliest, crashedBound)
		if cv, _ := c.a.Store.Conversation(ctx, msg.ConversationID); cv.State != kefu.StateQueued {
			t.Fatalf("the session of an agent on a crashed node is %s, want queued", cv.State)
		}
	})
}

// TestPresenceOfRestartedNode: node B crashes (no goodbye) with two agents'
// workspaces and comes straight back as a new node. Bob's workspace
// reconnects to it and he keeps working; alice's never does, and she is set
// offline within the crashed node's bounds — the rows B's former self left
// run out, whoever comes back — and her session requeued.
func TestPresenceOfRestartedNode(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c *presenceCluster) {
		ctx := context.Background()
		alice, aliceMsg := c.servingOn(t, c.b, "restarted-node-alice")
		c.a.Agent("bob", kefu.RoleAgent, alice.Agent.Apps...)
		bobOnB := c.b.SignIn("bob")
		bobOnB.Status(kefu.StatusOnline)
		bobOnB.Connect()
		waitConnections(t, c.b, bobOnB, 1)
		bobMsg, err := c.a.Store.Message(ctx, c.a.Customer(alice.Agent.Apps[0], kefu.ChannelWeb, "restarted-node-bob").Say("hi").ID)
		if err != nil {
			t.Fatal(err)
		}
		bobOnB.Accept(bobMsg.ConversationID)
		c.clock.Advance(clusterBeat)

		c.crashB()
		again := kefutest.NewServer(t, kefutest.Options{Engine: c.engine, DSN: c.a.DSN, Bus: c.linkB2(), Clock: c.clock, PresenceGrace: clusterGrace})
		bobAgain := again.SignIn("bob")
		bobAgain.Connect()
		waitConnections(t, again, bobAgain, 1)
		// The crashed node's row still counts; the restarted node's joins it.
		kefutest.UntilTrue(t, "bob counted by the restarted node", func() bool { return countingRows(t, c, bobOnB.Agent.ID) == 2 })
		c.offlineWithin(t, alice.Agent.ID, crashedEarliest, crashedBound)
		if cv, _ := c.a.Store.Conversation(ctx, aliceMsg.ConversationID); cv.State != kefu.StateQueued {
			t.Fatalf("the session of an agent who never came back is %s, want queued", cv.State)
		}
		c.clock.Advance(3 * clusterGrace)
		if a, _ := c.a.Store.Agent(ctx, bobOnB.Agent.ID); a.Status != kefu.StatusOnline {
			t.Fatalf("bob, back on the restarted node, is %s", a.Status)
		}
		if cv, _ := c.a.Store.Conversation(ctx, bobMsg.ConversationID); cv.State != kefu.StateActive || cv.AgentID != bobOnB.Agent.ID {
			t.Fatalf("bob's session was taken from him: %s with %d", cv.State, cv.AgentID)
		}
		if n := countingRows(t, c, bobOnB.Agent.ID); n != 1 {
			t.Fatalf("%d of bob's presence rows count, want the restarted node's alone", n)
		}
	})
}

// countingRows counts the agent's presence rows that count them as present
// now.
func countingRows(t *testing.T, c *presenceCluster, agentID int64) int {
	t.Helper()
	rows, err := c.a.Store.Presence(context.Background(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		if r.Connections > 0 && r.ExpiresAt.After(c.clock.Now()) {
			n++
		}
	}
	return n
}

// presenceCluster is two nodes sharing a store, a clock and a bus.
type presenceCluster struct {
	a, b         *kefutest.Server
	linkA, linkB *linkBus
	clock        *kefutest.ManualClock
	engine       string
	dial         func() bus.Bus
}

// crashB makes node B die without a goodbye: its links to the bus and the
// store are cut, then it stops (its workspaces close).
func (c *presenceCluster) crashB() {
	c.linkB.cut.Store(true)
	c.b.Store.Close()
	c.b.Stop()
}

// linkB2 is the bus link of node B started again.
func (c *presenceCluster) linkB2() bus.Bus { return &linkBus{Bus: c.dial()} }

// servingOn makes agent alice (of a new app) work on node: signed in,
// online, connected, and serving a customer who said "hi" (msg).
func (c *presenceCluster) servingOn(t *testing.T, node *kefutest.Server, visitor string) (*kefutest.Desk, *kefu.Message) {
	t.Helper()
	app := c.a.App("", kefu.PushSafe, kefu.PushJSON)
	c.a.Agent("alice", kefu.RoleAgent, app.ID)
	d := node.SignIn("alice")
	d.Status(kefu.StatusOnline)
	d.Connect()
	waitConnections(t, node, d, 1)
	user := c.a.Customer(app.ID, kefu.ChannelWeb, visitor)
	msg, err := c.a.Store.Message(context.Background(), user.Say("hi").ID)
	if err != nil {
		t.Fatal(err)
	}
	d.Accept(msg.ConversationID)
	return d, msg
}

// forEachCluster runs test on an in-process cluster on SQLite and, when
// PostgreSQL is provided, on one that uses it (with NATS when that is
// provided too).
func forEachCluster(t *testing.T, test func(t *testing.T, c *presenceCluster)) {
	t.Run("sqlite", func(t *testing.T) {
		shared := bus.NewLocal()
		test(t, newPresenceCluster(t, "sqlite", func() bus.Bus { return shared }))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(kefutest.PostgresEnv) == "" {
			t.Skip("set " + kefutest.PostgresEnv + "=postgres://… to run the PostgreSQL variant")
		}
		url := os.Getenv(kefutest.NATSEnv)
		if url == "" {
			shared := bus.NewLocal()
			test(t, newPresenceCluster(t, "postgres", func() bus.Bus { return shared }))
			return
		}
		b := make([]byte, 6)
		rand.Read(b)
		prefix := "kefutest" + hex.EncodeToString(b) + "." // this test's nodes only
		test(t, newPresenceCluster(t, "postgres", func() bus.Bus {
			nb, err := bus.DialNATS(url, prefix, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { nb.Close() }) // after the node stops
			return nb
		}))
	})
}

func newPresenceCluster(t *testing.T, engine string, dial func() bus.Bus) *presenceCluster {
	c := &presenceCluster{clock: kefutest.NewManualClock(time.Now().UTC().Truncate(time.Millisecond)), engine: engine, dial: dial}
	c.linkA, c.linkB = &linkBus{Bus: dial()}, &linkBus{Bus: dial()}
	c.a = kefutest.NewServer(t, kefutest.Options{Engine: engine, Bus: c.linkA, Clock: c.clock, PresenceGrace: clusterGrace})
	c.b = kefutest.NewServer(t, kefutest.Options{Engine: engine, DSN: c.a.DSN, Bus: c.linkB, Clock: c.clock, PresenceGrace: clusterGrace})
	return c
}

// offlineWithin moves the clock a heartbeat at a time and checks that the
// agent goes offline no sooner than earliest and no later than latest.
// Nodes decide on their ticks, which run as the clock moves, so the store
// tells the outcome of each step.
func (c *presenceCluster) offlineWithin(t *testing.T, agentID int64, earliest, latest time.Duration) {
	t.Helper()
	ctx := context.Background()
	for moved := time.Duration(0); ; {
		a, err := c.a.Store.Agent(ctx, agentID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status == kefu.StatusOffline {
			if moved < earliest {
				t.Fatalf("set offline %v after the last sign of the agent, before %v", moved, earliest)
			}
			return
		}
		if moved >= latest {
			t.Fatalf("still %s %v after the last sign of the agent (bound %v)", a.Status, moved, latest)
		}
		c.clock.Advance(clusterBeat)
		moved += clusterBeat
	}
}

// waitConnections waits until the node counts n desk WebSockets of the
// agent, so the clock moves only after the server noticed a connection open
// or close.
func waitConnections(t *testing.T, s *kefutest.Server, d *kefutest.Desk, n int) {
	t.Helper()
	kefutest.UntilTrue(t, fmt.Sprintf("%d workspaces of %s on %s", n, d.Agent.Login, s.URL), func() bool {
		return s.HTTP.AgentConnections(d.Agent.ID) == n
	})
}

// linkBus is a node's link to a shared bus, which the test can cut: the
// node neither hears nor is heard any more, as when it crashes.
type linkBus struct {
	bus.Bus
	cut atomic.Bool
}

func (l *linkBus) Publish(topic string, data []byte, v any) {
	if !l.cut.Load() {
		l.Bus.Publish(topic, data, v)
	}
}

func (l *linkBus) Subscribe(topic string, fn func([]byte, any)) (func(), error) {
	return l.Bus.Subscribe(topic, func(data []byte, v any) {
		if !l.cut.Load() {
			fn(data, v)
		}
	})
}

// Flush passes on to NATS, so the nodes order their notes as in production.
func (l *linkBus) Flush() error {
	if f, ok := l.Bus.(interface{ Flush() error }); ok && !l.cut.Load() {
		return f.Flush()
	}
	return nil
}

// Close leaves the shared bus to the test.
func (l *linkBus) Close() error { return nil }
