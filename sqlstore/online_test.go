package sqlstore_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestAnyAgentOnlineAgreesWithServes: the store's one query answers what
// Agent.Serves decides agent by agent, for every app and team asked.
func TestAnyAgentOnlineAgreesWithServes(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		team := &kefu.Team{Name: "VIP", CreatedAt: t0}
		apps := []*kefu.App{{ID: "wxa", OriginalID: "gh_a", Name: "A"}, {ID: "wxb", OriginalID: "gh_b", Name: "B"}, {ID: "wxc", OriginalID: "gh_c", Name: "C"}}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			for _, a := range apps {
				a.Push, a.CreatedAt = kefu.PushConfig{Mode: kefu.PushSafe, Format: kefu.PushJSON}, t0
				if err := tx.CreateApp(ctx, a); err != nil {
					return err
				}
			}
			return tx.CreateTeam(ctx, team)
		})
		add := func(login string, role kefu.Role, st kefu.Status, disabled bool, apps []string, teams []int64) {
			a := &kefu.Agent{Login: login, Name: login, Role: role, MaxSessions: 1, Status: st, Disabled: disabled,
				Apps: apps, Teams: teams, CreatedAt: t0}
			mustUpdate(t, s, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, a) })
		}
		add("away", kefu.RoleAgent, kefu.StatusAway, false, []string{"wxa"}, nil)
		add("gone", kefu.RoleAgent, kefu.StatusOnline, true, []string{"wxa"}, nil)
		add("vip", kefu.RoleAgent, kefu.StatusOnline, false, []string{"wxb"}, []int64{team.ID})
		for _, c := range []struct {
			app  string
			team int64
			want bool
		}{
			{"wxa", 0, false},      // away and disabled agents do not count
			{"wxb", 0, true},       // the VIP agent serves wxb
			{"wxb", team.ID, true}, // and its team
			{"wxc", 0, false},      // nobody serves wxc
		} {
			got, err := s.AnyAgentOnline(ctx, c.app, c.team)
			if err != nil || got != c.want {
				t.Errorf("AnyAgentOnline(%s, %d) = %v, %v; want %v", c.app, c.team, got, err, c.want)
			}
		}
		add("root", kefu.RoleAdmin, kefu.StatusOnline, false, nil, nil)
		if got, err := s.AnyAgentOnline(ctx, "wxc", 0); err != nil || !got {
			t.Errorf("with an admin online: %v, %v; want true (admins serve every app)", got, err)
		}
	})
}
