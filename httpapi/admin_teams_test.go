package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestDeletingATeam: a team that still has a session waiting or being
// served cannot be deleted — nobody could take the session afterwards —
// and the admin is told why. Once its sessions have ended it can; its
// members' open workspaces hear of it at once.
func TestDeletingATeam(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	team := &kefu.Team{Name: "VIP", CreatedAt: s.Clock.Now()}
	mustStore(t, s, func(tx kefu.Tx) error {
		if err := tx.CreateTeam(t.Context(), team); err != nil {
			return err
		}
		return tx.SetRoutingRules(t.Context(), app.ID, []kefu.RoutingRule{{SessionFromPrefix: "vip-", TeamID: team.ID}})
	})
	agentIn(t, s, "alice", kefu.RoleAgent, []int64{team.ID}, app.ID)
	s.Agent("root", kefu.RoleAdmin)
	admin, alice := s.SignIn("root"), s.SignIn("alice")
	alice.Connect()

	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "vip-customer")
	user.Enter("vip-gold", nil)
	user.Say("hello")
	conv := waitTeamQueued(t, alice, user.OpenID)

	del := func() (int, string) {
		var out struct {
			Error struct{ Message string } `json:"error"`
		}
		code := admin.Do(http.MethodDelete, fmt.Sprintf("/api/admin/teams/%d", team.ID), nil, &out)
		return code, out.Error.Message
	}
	for _, stage := range []string{"queued", "active"} {
		if stage == "active" {
			alice.Status(kefu.StatusOnline)
			alice.Accept(conv)
		}
		if code, msg := del(); code != http.StatusConflict || !strings.Contains(msg, "1 open sessions") {
			t.Fatalf("deleting a team with a %s session: %d %q, want 409 and the reason", stage, code, msg)
		}
		if _, err := s.Store.Team(t.Context(), team.ID); err != nil {
			t.Fatalf("the refused deletion removed the team: %v", err)
		}
		if rules, _ := s.Store.RoutingRules(t.Context(), app.ID); len(rules) != 1 {
			t.Fatalf("the refused deletion removed routing rules: %v", rules)
		}
	}

	alice.Close(conv)
	if code, msg := del(); code != http.StatusNoContent {
		t.Fatalf("deleting a team whose sessions ended: %d %q", code, msg)
	}
	alice.WaitEvent("alice's account without the team", func(ev *engine.Event) bool {
		return ev.Type == engine.EventAgent && ev.Agent != nil && ev.Agent.Login == "alice" && !slices.Contains(ev.Agent.Teams, team.ID)
	})
	if code, _ := del(); code != http.StatusNotFound {
		t.Errorf("deleting it again: %d, want 404", code)
	}
}
