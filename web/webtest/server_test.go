package webtest_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// The browser tests set up servers as the API tests do; these few helpers
// are theirs.

// agentIn creates an agent in teams, serving apps.
func agentIn(t *testing.T, s *kefutest.Server, login string, role kefu.Role, teams []int64, apps ...string) *kefu.Agent {
	t.Helper()
	a := s.Agent(login, role, apps...)
	if len(teams) > 0 {
		a.Teams = teams
		mustStore(t, s, func(tx kefu.Tx) error { return tx.SaveAgent(context.Background(), a) })
	}
	return a
}

func mustStore(t *testing.T, s *kefutest.Server, fn func(kefu.Tx) error) {
	t.Helper()
	if err := s.Store.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// sdk is the developer's real WeChat client, pointed at Kefu and its clock.
func sdk(s *kefutest.Server, app *kefu.App, opts ...wechat.ClientOption) *wechat.Client {
	opts = append([]wechat.ClientOption{wechat.WithBaseURL(s.URL), wechat.WithClock(s.Clock.Now)}, opts...)
	return wechat.NewClient(app.ID, app.Secret, opts...)
}

// adminAndAgent starts a server with a mini program without a push URL
// (sessions go straight to the queue), an admin "root" and an agent "alice"
// of the app, online; both signed in.
func adminAndAgent(t *testing.T) (s *kefutest.Server, app *kefu.App, root, alice *kefutest.Desk) {
	t.Helper()
	s = kefutest.NewServer(t, kefutest.Options{})
	app = s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	root, alice = s.SignIn("root"), s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	return s, app, root, alice
}
