package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestEndedSessionStaysWithItsTeam: what a customer told team A's agents
// stays with team A after the session ends — closed by the agent or by the
// 30-minute rule. An agent of team B of the same app can neither open it,
// nor find it in a search, nor receive the customer's later messages to the
// developer live; team A, admins and the agent who served it still can.
// Once the customer is routed to team B, team B sees it.
func TestEndedSessionStaysWithItsTeam(t *testing.T) {
	kefutest.ForEachEngine(t, testEndedSessionStaysWithItsTeam)
}

func testEndedSessionStaysWithItsTeam(t *testing.T, engineName string) {
	s := kefutest.NewServer(t, kefutest.Options{Engine: engineName})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	hook.OnPush(kefutest.TransferOn("human"))
	teamA, teamB := &kefu.Team{Name: "A", CreatedAt: s.Clock.Now()}, &kefu.Team{Name: "B", CreatedAt: s.Clock.Now()}
	mustStore(t, s, func(tx kefu.Tx) error {
		if err := tx.CreateTeam(t.Context(), teamA); err != nil {
			return err
		}
		if err := tx.CreateTeam(t.Context(), teamB); err != nil {
			return err
		}
		return tx.SetRoutingRules(t.Context(), app.ID, []kefu.RoutingRule{
			{SessionFromPrefix: "a-", TeamID: teamA.ID}, {SessionFromPrefix: "b-", TeamID: teamB.ID}})
	})
	dora := agentIn(t, s, "dora", kefu.RoleAgent, []int64{teamA.ID}, app.ID) // serves team A's sessions
	agentIn(t, s, "ann", kefu.RoleAgent, []int64{teamA.ID}, app.ID)
	agentIn(t, s, "bob", kefu.RoleAgent, []int64{teamB.ID}, app.ID)
	s.Agent("root", kefu.RoleAdmin)
	desks := map[string]*kefutest.Desk{}
	for _, login := range []string{"dora", "ann", "bob", "root"} {
		desks[login] = s.SignIn(login)
		desks[login].Connect()
	}
	desks["dora"].Status(kefu.StatusOnline)

	for _, ending := range []string{"closed", "timed out"} {
		t.Run(ending, func(t *testing.T) {
			secret := "order-" + strings.ReplaceAll(ending, " ", "-")
			user := s.Customer(app.ID, kefu.ChannelMiniProgram, "team-"+secret)
			user.Enter("a-shop", nil)
			user.Say("human")
			conv := waitTeamQueued(t, desks["dora"], user.OpenID)
			// Until it was routed to team A, the conversation was every agent's.
			seenBefore := len(flushed(t, s, desks["bob"], app.ID, secret+"-before"))
			desks["dora"].Accept(conv)
			user.Say("my secret is " + secret)
			desks["dora"].Say(conv, "noted")
			switch ending {
			case "closed":
				desks["dora"].Close(conv)
			case "timed out":
				s.Clock.Advance(kefu.SessionTimeout)
			}
			kefutest.UntilTrue(t, "the session to end", func() bool {
				c, err := s.Store.Conversation(t.Context(), conv)
				return err == nil && c.State == kefu.StateDeveloper
			})

			for who, want := range map[string]bool{"ann": true, "dora": true, "root": true, "bob": false} {
				if got := canOpen(t, desks[who], conv); got != want {
					t.Errorf("%s may open the conversation after the session %s: %v, want %v", who, ending, got, want)
				}
			}
			for who, want := range map[string]bool{"ann": true, "root": true, "bob": false} {
				for _, query := range []string{"q=" + secret, "state=closed", "state=developer", "customer=" + fmt.Sprint(customerOf(t, s, conv))} {
					if got := searchFinds(t, desks[who], query, conv); got != want {
						t.Errorf("%s's search ?%s finds the conversation: %v, want %v", who, query, got, want)
					}
				}
			}

			// The agent who served it keeps it after leaving team A.
			setTeams(t, desks["root"], dora.ID, nil)
			if !canOpen(t, desks["dora"], conv) {
				t.Errorf("dora cannot open a conversation she served after leaving its team")
			}
			setTeams(t, desks["root"], dora.ID, []int64{teamA.ID})

			// What the customer now says to the developer reaches team A live, not team B.
			later := user.Say("a word for the developer " + secret)
			isLater := func(ev *engine.Event) bool {
				return ev.Type == engine.EventMessage && ev.Message != nil && ev.Message.Seq == later.Seq && ev.ConversationID == conv
			}
			desks["ann"].WaitEvent("the developer-phase message", isLater)
			for _, ev := range flushed(t, s, desks["bob"], app.ID, secret+"-after")[seenBefore:] {
				if ev.ConversationID == conv {
					t.Errorf("bob received an event of team A's conversation (session %s): %s %+v", ending, ev.Type, ev.Message)
				}
			}

			// Routed to team B by the rules, the next session is team B's.
			user.Enter("b-shop", nil)
			user.Say("human")
			kefutest.UntilTrue(t, "queued for team B", func() bool {
				c, err := s.Store.Conversation(t.Context(), conv)
				return err == nil && c.State == kefu.StateQueued && c.TeamID == teamB.ID
			})
			if !canOpen(t, desks["bob"], conv) {
				t.Errorf("team B cannot open the conversation routed to it")
			}
			if !searchFinds(t, desks["bob"], "q="+secret, conv) {
				t.Errorf("team B cannot find the conversation routed to it")
			}
			desks["root"].Close(conv)
		})
	}
}

// flushed returns the events d has received once a message of a new,
// unrouted conversation — which every agent of the app gets — has reached
// it: by then d has every event published before.
func flushed(t *testing.T, s *kefutest.Server, d *kefutest.Desk, appID, name string) []engine.Event {
	t.Helper()
	marker := s.Customer(appID, kefu.ChannelMiniProgram, "bystander-"+name).Say("marker")
	d.WaitEvent("the marker", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message != nil && ev.Message.ID == marker.ID
	})
	return d.Events()
}

// waitTeamQueued waits until the customer with openid is in d's queue.
func waitTeamQueued(t *testing.T, d *kefutest.Desk, openID string) int64 {
	t.Helper()
	var id int64
	kefutest.UntilTrue(t, "the customer in the queue", func() bool {
		var out struct {
			Conversations []struct {
				ID       int64          `json:"id"`
				Customer *kefu.Customer `json:"customer"`
			} `json:"conversations"`
		}
		d.Do("GET", "/api/desk/queue", nil, &out)
		for _, c := range out.Conversations {
			if c.Customer != nil && c.Customer.OpenID == openID {
				id = c.ID
				return true
			}
		}
		return false
	})
	return id
}

// canOpen reports whether the desk may read a conversation and its messages.
func canOpen(t *testing.T, d *kefutest.Desk, conv int64) bool {
	t.Helper()
	view := d.Do("GET", fmt.Sprintf("/api/desk/conversations/%d", conv), nil, nil)
	msgs := d.Do("GET", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), nil, nil)
	if (view == http.StatusOK) != (msgs == http.StatusOK) || view != http.StatusOK && view != http.StatusNotFound {
		t.Fatalf("%s: conversation HTTP %d, messages HTTP %d", d.Agent.Login, view, msgs)
	}
	return view == http.StatusOK
}

// searchFinds reports whether a desk search (query string) lists conv.
func searchFinds(t *testing.T, d *kefutest.Desk, query string, conv int64) bool {
	t.Helper()
	var out struct {
		Conversations []*kefu.Conversation `json:"conversations"`
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	if st := d.Do("GET", "/api/desk/conversations?"+q.Encode(), nil, &out); st != http.StatusOK {
		t.Fatalf("search ?%s as %s: HTTP %d", query, d.Agent.Login, st)
	}
	for _, c := range out.Conversations {
		if c.ID == conv {
			return true
		}
	}
	return false
}

func customerOf(t *testing.T, s *kefutest.Server, conv int64) int64 {
	t.Helper()
	c, err := s.Store.Conversation(t.Context(), conv)
	if err != nil {
		t.Fatal(err)
	}
	return c.CustomerID
}

// setTeams sets an agent's teams through the admin API.
func setTeams(t *testing.T, admin *kefutest.Desk, agentID int64, teams []int64) {
	t.Helper()
	if teams == nil {
		teams = []int64{}
	}
	if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", agentID), map[string]any{"teams": teams}, nil); st != http.StatusOK {
		t.Fatalf("set teams: HTTP %d", st)
	}
}
