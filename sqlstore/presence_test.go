package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

func seedAgentWithStatus(t *testing.T, s kefu.Store, login string, st kefu.Status, changed time.Time) *kefu.Agent {
	t.Helper()
	a := &kefu.Agent{Login: login, Name: login, Role: kefu.RoleAgent, MaxSessions: 3, Status: st, LastSeenAt: changed, CreatedAt: t0}
	mustUpdate(t, s, func(tx kefu.Tx) error { return tx.CreateAgent(context.Background(), a) })
	return a
}

// TestPresenceRowsFindTheAbsent: an agent is absent when online or away,
// with a status older than the cutoff, and no row of any node counting at
// now; rows are replaced per agent and node, and forgotten once expired.
func TestPresenceRowsFindTheAbsent(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		long := t0.Add(-time.Hour)
		alice := seedAgentWithStatus(t, s, "alice", kefu.StatusOnline, long) // rows on two nodes
		bob := seedAgentWithStatus(t, s, "bob", kefu.StatusAway, long)       // left node n1
		carol := seedAgentWithStatus(t, s, "carol", kefu.StatusOnline, t0)   // just went online, an old row
		dave := seedAgentWithStatus(t, s, "dave", kefu.StatusOffline, long)  // offline: never absent
		eve := seedAgentWithStatus(t, s, "eve", kefu.StatusOnline, long)     // an old row
		seedAgentWithStatus(t, s, "fay", kefu.StatusOnline, long)            // never had a workspace: left alone

		put := func(rows ...kefu.AgentPresence) {
			t.Helper()
			mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutPresence(ctx, rows) })
		}
		row := func(a *kefu.Agent, node string, conns int, seen time.Time, counts time.Duration) kefu.AgentPresence {
			return kefu.AgentPresence{AgentID: a.ID, NodeID: node, Connections: conns, SeenAt: seen, ExpiresAt: seen.Add(counts)}
		}
		put(row(alice, "n1", 1, t0, 2*time.Minute), row(bob, "n1", 1, t0, 2*time.Minute),
			row(carol, "n0", 0, long, time.Minute), row(dave, "n0", 0, long, time.Minute), row(eve, "n0", 0, long, time.Minute))
		put(row(alice, "n1", 2, t0.Add(time.Minute), 2*time.Minute), row(bob, "n1", 0, t0.Add(time.Minute), time.Minute),
			row(alice, "n2", 1, t0, 2*time.Minute))

		got, err := s.Presence(ctx, alice.ID)
		want := []kefu.AgentPresence{row(alice, "n1", 2, t0.Add(time.Minute), 2*time.Minute), row(alice, "n2", 1, t0, 2*time.Minute)}
		if err != nil || !presenceEqual(got, want) {
			t.Fatalf("alice's rows = %+v (%v), want %+v", got, err, want)
		}

		absent := func(now time.Time) []int64 {
			t.Helper()
			ids, err := s.AbsentAgents(ctx, now, now.Add(-time.Minute), 100)
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		for _, c := range []struct {
			at   time.Duration
			want []int64
		}{
			{0, []int64{eve.ID}}, // carol's status is a second old
			{time.Minute + time.Second, []int64{carol.ID, eve.ID}},           // carol's grace ran out
			{2 * time.Minute, []int64{bob.ID, carol.ID, eve.ID}},             // bob's row stops counting
			{2*time.Minute + time.Second, []int64{bob.ID, carol.ID, eve.ID}}, // alice: n1 still counts
			{3 * time.Minute, []int64{alice.ID, bob.ID, carol.ID, eve.ID}},
		} {
			if got := absent(t0.Add(c.at)); !slices.Equal(got, c.want) {
				t.Errorf("absent at t0+%v = %v, want %v", c.at, got, c.want)
			}
		}
		if ids, _ := s.AbsentAgents(ctx, t0.Add(3*time.Minute), t0.Add(2*time.Minute), 2); len(ids) != 2 {
			t.Errorf("a limit of 2 listed %v", ids)
		}

		// Expired rows of offline agents go; those of absent agents (not
		// yet set offline) and those still counting stay.
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.DeletePresence(ctx, t0.Add(2*time.Minute)) })
		if got, _ := s.Presence(ctx, dave.ID); len(got) != 0 {
			t.Errorf("offline dave's expired row was kept: %+v", got)
		}
		if got, _ := s.Presence(ctx, bob.ID); len(got) != 1 {
			t.Errorf("absent bob's expired row went before he was set offline: %+v", got)
		}
		if got, _ := s.Presence(ctx, alice.ID); len(got) != 2 {
			t.Errorf("alice's rows after the delete = %+v, want both", got)
		}
	})
}

// TestPresenceUpsertIsBatched: a node with more agents than one statement
// takes (and not a power of two of them) writes them all, and rewrites them
// all, in one update.
func TestPresenceUpsertIsBatched(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		rows := make([]kefu.AgentPresence, 300)
		for i := range rows {
			rows[i] = kefu.AgentPresence{AgentID: int64(i + 1), NodeID: "n1", Connections: 1, SeenAt: t0, ExpiresAt: t0.Add(time.Minute)}
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutPresence(ctx, rows) })
		for i := range rows {
			rows[i].Connections, rows[i].SeenAt = i%3, t0.Add(time.Second)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutPresence(ctx, rows) })
		for _, i := range []int{0, 1, 255, 256, 257, 299} {
			got, err := s.Presence(ctx, rows[i].AgentID)
			if err != nil || !presenceEqual(got, rows[i:i+1]) {
				t.Errorf("agent %d: %+v (%v), want %+v", rows[i].AgentID, got, err, rows[i])
			}
		}
	})
}

// TestAbsentAgentSetOfflineOnce: nodes finding the same agent absent race to
// set them offline; exactly one wins (and would requeue). An agent with a
// row counting, or who just changed status, is not set offline at all.
func TestAbsentAgentSetOfflineOnce(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		dsn := kefutest.StoreDSN(t, engine)
		nodes := make([]*sqlstore.Store, 4)
		for i := range nodes {
			s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			nodes[i] = s
		}
		s, ctx := nodes[0], context.Background()
		long := t0.Add(-time.Hour)
		alice := seedAgentWithStatus(t, s, "alice", kefu.StatusOnline, long)
		bob := seedAgentWithStatus(t, s, "bob", kefu.StatusOnline, long)
		carol := seedAgentWithStatus(t, s, "carol", kefu.StatusAway, t0.Add(-time.Second))
		mustUpdate(t, s, func(tx kefu.Tx) error {
			return tx.PutPresence(ctx, []kefu.AgentPresence{{AgentID: bob.ID, NodeID: "n1", Connections: 1, SeenAt: t0, ExpiresAt: t0.Add(time.Second)},
				{AgentID: alice.ID, NodeID: "n1", SeenAt: long, ExpiresAt: long.Add(time.Minute)},
				{AgentID: carol.ID, NodeID: "n1", SeenAt: long, ExpiresAt: long.Add(time.Minute)}})
		})

		now := t0
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 4 * len(nodes) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := nodes[i%len(nodes)].Update(ctx, func(tx kefu.Tx) error {
					ok, err := tx.SetAbsentOffline(ctx, alice.ID, now, now.Add(-time.Minute))
					if ok {
						won.Add(1)
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := won.Load(); n != 1 {
			t.Fatalf("%d nodes set alice offline, want exactly one", n)
		}
		if a, _ := s.Agent(ctx, alice.ID); a.Status != kefu.StatusOffline || !a.LastSeenAt.Equal(now) {
			t.Fatalf("alice is %s since %v, want offline since %v", a.Status, a.LastSeenAt, now)
		}
		for _, a := range []*kefu.Agent{bob, carol} {
			var ok bool
			mustUpdate(t, s, func(tx kefu.Tx) error {
				var err error
				ok, err = tx.SetAbsentOffline(ctx, a.ID, now, now.Add(-time.Minute))
				return err
			})
			if got, _ := s.Agent(ctx, a.ID); ok || got.Status == kefu.StatusOffline {
				t.Errorf("%s, not absent, was set offline (ok %v, status %s)", a.Login, ok, got.Status)
			}
		}
	})
}

func presenceEqual(got, want []kefu.AgentPresence) bool {
	return slices.EqualFunc(got, want, func(a, b kefu.AgentPresence) bool {
		return a.AgentID == b.AgentID && a.NodeID == b.NodeID && a.Connections == b.Connections &&
			a.SeenAt.Equal(b.SeenAt) && a.ExpiresAt.Equal(b.ExpiresAt)
	})
}
