package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestGoneAgentGoesOffline: when an agent's last workspace connection has
// been gone for the grace period, they are set offline and their sessions
// return to the queue, where a teammate gets them — no session stays stuck
// on someone who closed the laptop. A reconnect within the grace keeps them.
// The grace runs on the server's (manual) clock.
func TestGoneAgentGoesOffline(t *testing.T) {
	const grace = time.Minute
	s := kefutest.NewServer(t, kefutest.Options{PresenceGrace: grace})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("bob", kefu.RoleAgent, app.ID)
	alice, bob := s.OnlineAgent("alice", app.ID), s.SignIn("bob")
	waitConnections(t, s, alice, 1)
	user := s.Customer(app.ID, kefu.ChannelWeb, "presence-user")
	m := user.Say("hi")
	msg, _ := s.Store.Message(ctx, m.ID)
	alice.Accept(msg.ConversationID)

	// A reload: gone and back within the grace.
	alice.Disconnect()
	waitConnections(t, s, alice, 0)
	alice.Connect()
	waitConnections(t, s, alice, 1)
	s.Clock.Advance(2 * grace) // the grace would have run out by now
	if a, _ := s.Store.Agent(ctx, alice.Agent.ID); a.Status != kefu.StatusOnline {
		t.Fatalf("a quick reconnect set alice %s", a.Status)
	}

	// Gone for good: offline, and the session goes to bob.
	bob.Status(kefu.StatusOnline)
	bob.Connect()
	alice.Disconnect()
	waitConnections(t, s, alice, 0)
	s.Clock.Advance(grace + grace/2)
	bob.WaitEvent("alice offline", func(ev *engine.Event) bool {
		return ev.Type == engine.EventAgent && ev.Agent.ID == alice.Agent.ID && ev.Agent.Status == kefu.StatusOffline
	})
	bob.WaitEvent("the session back in the queue", func(ev *engine.Event) bool {
		return ev.ConversationID == msg.ConversationID && ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	})
	bob.Accept(msg.ConversationID)
	if c, _ := s.Store.Conversation(ctx, msg.ConversationID); c.AgentID != bob.Agent.ID {
		t.Fatalf("the session is with %d, want bob", c.AgentID)
	}
}

// TestRestartSetsAbsentAgentsOffline: agents online when Kefu stopped are
// not left online for ever by the restarted node. Whoever reconnects within
// the grace keeps working; whoever does not is set offline after it, and
// their sessions return to the queue.
func TestRestartSetsAbsentAgentsOffline(t *testing.T) {
	const grace = time.Minute
	first := kefutest.NewServer(t, kefutest.Options{PresenceGrace: grace})
	ctx := context.Background()
	app := first.App("", kefu.PushSafe, kefu.PushJSON)
	serving := map[string]int64{} // login → conversation
	for _, login := range []string{"alice", "bob"} {
		d := first.OnlineAgent(login, app.ID)
		waitConnections(t, first, d, 1)
		m := first.Customer(app.ID, kefu.ChannelWeb, "restart-"+login).Say("hi")
		msg, _ := first.Store.Message(ctx, m.ID)
		d.Accept(msg.ConversationID)
		serving[login] = msg.ConversationID
	}
	first.Stop()

	again := kefutest.NewServer(t, kefutest.Options{DSN: first.DSN, Clock: first.Clock, PresenceGrace: grace})
	bob := again.SignIn("bob")
	bob.Connect()
	waitConnections(t, again, bob, 1)
	again.Clock.Advance(grace / 2)
	if a, _ := again.Store.AgentByLogin(ctx, "alice"); a.Status != kefu.StatusOnline {
		t.Fatalf("alice set %s before the grace ran out", a.Status)
	}
	again.Clock.Advance(grace)
	alice, _ := again.Store.AgentByLogin(ctx, "alice")
	if alice.Status != kefu.StatusOffline {
		t.Errorf("alice, who never came back, is %s", alice.Status)
	}
	if c, _ := again.Store.Conversation(ctx, serving["alice"]); c.State != kefu.StateQueued {
		t.Errorf("alice's session is %s, want it back in the queue", c.State)
	}
	if a, _ := again.Store.Agent(ctx, bob.Agent.ID); a.Status != kefu.StatusOnline {
		t.Errorf("bob, who reconnected, is %s", a.Status)
	}
	if c, _ := again.Store.Conversation(ctx, serving["bob"]); c.State != kefu.StateActive || c.AgentID != bob.Agent.ID {
		t.Errorf("bob's session is %s with %d", c.State, c.AgentID)
	}
}

// TestDisablingAnAgent signs them out everywhere (cookie and socket) and
// returns their sessions to the queue.
func TestDisablingAnAgent(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	admin, alice := s.SignIn("root"), s.OnlineAgent("alice", app.ID)
	user := s.Customer(app.ID, kefu.ChannelWeb, "disable-user")
	m := user.Say("hi")
	msg, _ := s.Store.Message(ctx, m.ID)
	alice.Accept(msg.ConversationID)

	if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", alice.Agent.ID), map[string]any{"disabled": true}, nil); st != http.StatusOK {
		t.Fatalf("disable: HTTP %d", st)
	}
	if st := alice.Do("GET", "/api/desk/queue", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("a disabled agent's cookie still works: HTTP %d", st)
	}
	if c, _ := s.Store.Conversation(ctx, msg.ConversationID); c.State != kefu.StateQueued || c.AgentID != 0 {
		t.Fatalf("the session stayed with the disabled agent: %s %d", c.State, c.AgentID)
	}
	// A password reset also signs out, and the new password works.
	if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", alice.Agent.ID), map[string]any{"disabled": false, "password": "a brand new password"}, nil); st != http.StatusOK {
		t.Fatalf("enable: HTTP %d", st)
	}
	if st := alice.Do("POST", "/api/desk/login", map[string]string{"login": "alice", "password": "a brand new password"}, nil); st != http.StatusOK {
		t.Fatalf("sign in with the new password: HTTP %d", st)
	}
}

// TestAdminAPI covers teams, routing rules, apps (with secrets hidden until
// revealed), canned replies and the push inspector's paging and redaction.
func TestAdminAPI(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	admin := s.SignIn("root")

	var team struct {
		ID int64 `json:"id"`
	}
	if st := admin.Do("POST", "/api/admin/teams", map[string]string{"name": "VIP"}, &team); st != http.StatusCreated {
		t.Fatalf("create team: %d", st)
	}
	if st := admin.Do("POST", "/api/admin/teams", map[string]string{"name": "VIP"}, nil); st != http.StatusConflict {
		t.Errorf("duplicate team: %d", st)
	}
	rules := map[string]any{"rules": []map[string]any{{"session_from_prefix": "vip", "channel": "web", "team_id": team.ID}}}
	if st := admin.Do("PUT", "/api/admin/apps/"+app.ID+"/routing", rules, nil); st != http.StatusOK {
		t.Fatalf("routing: %d", st)
	}
	if st := admin.Do("PUT", "/api/admin/apps/"+app.ID+"/routing", map[string]any{"rules": []map[string]any{{"team_id": 999}}}, nil); st != http.StatusBadRequest {
		t.Errorf("a rule for a missing team: %d", st)
	}

	// An agent in the team, via the API, with a bad password refused first.
	body := map[string]any{"login": "vera", "name": "Vera", "password": "short", "apps": []string{app.ID}, "teams": []int64{team.ID}}
	if st := admin.Do("POST", "/api/admin/agents", body, nil); st != http.StatusBadRequest {
		t.Errorf("short password: %d", st)
	}
	body["password"] = kefutest.AgentPassword
	var vera kefu.Agent
	if st := admin.Do("POST", "/api/admin/agents", body, &vera); st != http.StatusCreated || len(vera.Teams) != 1 || !vera.AutoAccept {
		t.Fatalf("create agent: %d %+v", st, vera)
	}

	// Apps: no secret in the listing; all of them on reveal.
	var apps struct {
		Apps []map[string]any `json:"apps"`
	}
	raw := deskRawGet(t, admin, s.URL+"/api/admin/apps")
	for _, secret := range []string{app.Secret, app.Push.Token, app.Push.EncodingAESKey} {
		if deskContains(raw, secret) {
			t.Fatalf("a secret is in the app listing")
		}
	}
	json.Unmarshal([]byte(raw), &apps)
	var secrets map[string]string
	if st := admin.Do("POST", "/api/admin/apps/"+app.ID+"/reveal", struct{}{}, &secrets); st != http.StatusOK || secrets["encoding_aes_key"] != app.Push.EncodingAESKey {
		t.Fatalf("reveal: %d %v", st, secrets)
	}
	if st := admin.Do("PATCH", "/api/admin/apps/"+app.ID, map[string]any{"push_url": "http://127.0.0.1:1/nothing"}, nil); st != http.StatusBadRequest {
		t.Errorf("a dead push URL was accepted: %d", st)
	}

	// Canned replies: personal and team, and a team one only for members.
	vdesk := s.SignIn("vera")
	for _, c := range []map[string]any{{"shortcut": "hi", "text": "Hello!"}, {"shortcut": "ship", "text": "Shipped today", "team_id": team.ID}} {
		if st := vdesk.Do("POST", "/api/desk/canned", c, nil); st != http.StatusCreated {
			t.Fatalf("canned %v: %d", c, st)
		}
	}
	var canned struct {
		Replies []kefu.CannedReply `json:"replies"`
	}
	admin.Do("GET", "/api/desk/canned", nil, &canned)
	if len(canned.Replies) != 1 || canned.Replies[0].Shortcut != "ship" {
		t.Errorf("the admin should see the team's reply, not vera's own: %+v", canned.Replies)
	}

	// The push log, redacted and paged.
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "admin-user")
	user.Say("one")
	user.Say("two")
	hook.WaitPushes(2)
	var page struct {
		Attempts []kefu.PushAttempt `json:"attempts"`
		More     bool               `json:"more"`
	}
	kefutest.UntilTrue(t, "two attempts", func() bool {
		admin.Do("GET", "/api/admin/push-attempts?appid="+app.ID, nil, &page)
		return len(page.Attempts) == 2
	})
	admin.Do("GET", "/api/admin/push-attempts?limit=1&appid="+app.ID, nil, &page)
	if len(page.Attempts) != 1 || !page.More {
		t.Fatalf("paging: %d more=%v", len(page.Attempts), page.More)
	}
	admin.Do("GET", fmt.Sprintf("/api/admin/push-attempts?limit=1&before=%d", page.Attempts[0].ID), nil, &page)
	if len(page.Attempts) != 1 || page.More {
		t.Fatalf("second page: %d more=%v", len(page.Attempts), page.More)
	}
}

func deskRawGet(t *testing.T, d *kefutest.Desk, url string) string {
	t.Helper()
	resp, err := d.HTTP.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func deskContains(s, sub string) bool { return sub != "" && strings.Contains(s, sub) }
