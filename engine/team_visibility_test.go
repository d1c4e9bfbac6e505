package engine_test

import (
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// TestClosedConversationStaysWithItsTeam: a session routed to a team and
// ended — by its agent or by the 30-minute rule — leaves the conversation
// with that team, so its history and what the customer tells the developer
// afterwards reach only that team's agents. The next session is routed by
// the app's rules alone: no matching rule means no team, not the old one.
func TestClosedConversationStaysWithItsTeam(t *testing.T) {
	for _, ending := range []string{"closed", "timed out"} {
		t.Run(ending, func(t *testing.T) {
			f := newFixture(t, "sqlite", "http://developer.example/push")
			teamA, teamB := &kefu.Team{Name: "A", CreatedAt: t0}, &kefu.Team{Name: "B", CreatedAt: t0}
			f.update(func(tx kefu.Tx) error {
				if err := tx.CreateTeam(f.ctx, teamA); err != nil {
					return err
				}
				if err := tx.CreateTeam(f.ctx, teamB); err != nil {
					return err
				}
				return tx.SetRoutingRules(f.ctx, f.app.ID, []kefu.RoutingRule{{SessionFromPrefix: "from-", TeamID: teamA.ID}})
			})
			ann := f.agent("ann", 3)
			ann.Teams = []int64{teamA.ID}
			f.update(func(tx kefu.Tx) error { return tx.SaveAgent(f.ctx, ann) })

			c := f.open("u1").Conversation
			f.pushResult(f.say(c.ID, "human please"), kefu.PushTransferred)
			if got := f.conv(c.ID); got.State != kefu.StateQueued || got.TeamID != teamA.ID {
				t.Fatalf("after the transfer: state %s team %d, want queued for team A (%d)", got.State, got.TeamID, teamA.ID)
			}
			if _, err := f.eng.Accept(f.ctx, c.ID, ann.ID); err != nil {
				t.Fatal(err)
			}
			f.say(c.ID, "my order number is 42")
			switch ending {
			case "closed":
				if _, err := f.eng.Close(f.ctx, c.ID, ann); err != nil {
					t.Fatal(err)
				}
			case "timed out":
				f.clock.Advance(kefu.SessionTimeout)
				if n, err := f.eng.Sweep(f.ctx); err != nil || n != 1 {
					t.Fatalf("sweep: %d ended, %v", n, err)
				}
			}
			if got := f.conv(c.ID); got.State != kefu.StateDeveloper || got.TeamID != teamA.ID {
				t.Fatalf("after the session %s: state %s team %d, want developer and still team A (%d)", ending, got.State, got.TeamID, teamA.ID)
			}

			// What the customer tells the developer now is published for team A only.
			later := f.say(c.ID, "one more thing")
			if later.Phase != kefu.StateDeveloper {
				t.Fatalf("phase %s, want developer", later.Phase)
			}
			if ev := f.messageEvent(later.ID); ev.TeamID != teamA.ID {
				t.Errorf("the developer-phase message was published for team %d, want team A (%d)", ev.TeamID, teamA.ID)
			}

			// A new session with no matching rule goes to any agent of the app.
			f.update(func(tx kefu.Tx) error { return tx.SetRoutingRules(f.ctx, f.app.ID, nil) })
			f.pushResult(later, kefu.PushTransferred)
			got := f.conv(c.ID)
			if got.State != kefu.StateQueued || got.TeamID != 0 {
				t.Fatalf("a new session without a matching rule: state %s team %d, want queued for no team", got.State, got.TeamID)
			}
			if s, _ := f.store.Session(f.ctx, got.SessionID); s.TeamID != 0 {
				t.Errorf("the new session has team %d, want none", s.TeamID)
			}
			root := &kefu.Agent{Login: "root", Name: "root", Role: kefu.RoleAdmin, MaxSessions: 1, Status: kefu.StatusOnline, CreatedAt: t0}
			f.update(func(tx kefu.Tx) error { return tx.CreateAgent(f.ctx, root) })
			if _, err := f.eng.Close(f.ctx, c.ID, root); err != nil {
				t.Fatal(err)
			}

			// And one that matches a rule for team B goes to team B.
			f.update(func(tx kefu.Tx) error {
				return tx.SetRoutingRules(f.ctx, f.app.ID, []kefu.RoutingRule{{SessionFromPrefix: "from-", TeamID: teamB.ID}})
			})
			f.pushResult(f.say(c.ID, "human again"), kefu.PushTransferred)
			if got := f.conv(c.ID); got.State != kefu.StateQueued || got.TeamID != teamB.ID {
				t.Fatalf("a new session routed to team B: state %s team %d, want queued for team B (%d)", got.State, got.TeamID, teamB.ID)
			}
		})
	}
}

// messageEvent returns the message event published for message id.
func (f *fixture) messageEvent(id int64) engine.Event {
	f.t.Helper()
	f.events.mu.Lock()
	defer f.events.mu.Unlock()
	for _, ev := range f.events.events {
		if ev.Type == engine.EventMessage && ev.Message.ID == id {
			return ev
		}
	}
	f.t.Fatalf("no event published for message %d", id)
	return engine.Event{}
}
