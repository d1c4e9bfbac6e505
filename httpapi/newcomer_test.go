package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

type awayAnswer struct {
	Agent *kefu.Agent `json:"agent"`
	Away  *struct {
		At           time.Time `json:"at"`
		GraceSeconds int       `json:"grace_seconds"`
		Requeued     int       `json:"requeued"`
	} `json:"away"`
}

// TestAwayNoticeAfterPresenceExpiry checks that an agent whom presence set
// offline (their workspace was gone for the grace) learns it on return from
// /api/desk/me — how long the grace was and how many sessions went back to
// the queue — and that the notice ends once they choose a status.
func TestAwayNoticeAfterPresenceExpiry(t *testing.T) {
	const grace = 3 * time.Minute
	s := kefutest.NewServer(t, kefutest.Options{PresenceGrace: grace})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	alice := s.OnlineAgent("alice", app.ID)
	kefutest.UntilTrue(t, "alice's workspace", func() bool { return s.HTTP.AgentConnections(alice.Agent.ID) == 1 })
	conv := startAwayConversation(t, s, alice)

	var me awayAnswer
	alice.Do("GET", "/api/desk/me", nil, &me)
	if me.Away != nil {
		t.Fatalf("a notice while present: %+v", me.Away)
	}
	alice.Disconnect()
	kefutest.UntilTrue(t, "alice gone", func() bool { return s.HTTP.AgentConnections(alice.Agent.ID) == 0 })
	kefutest.UntilTrue(t, "alice set offline", func() bool {
		s.Clock.Advance(grace / 4)
		a, _ := s.Store.Agent(context.Background(), alice.Agent.ID)
		return a.Status == kefu.StatusOffline
	})
	if c, _ := s.Store.Conversation(context.Background(), conv); c.State != kefu.StateQueued {
		t.Fatalf("alice's session is %s, want queued", c.State)
	}
	kefutest.UntilTrue(t, "the notice", func() bool {
		me = awayAnswer{}
		return alice.Do("GET", "/api/desk/me", nil, &me) == http.StatusOK && me.Away != nil
	})
	if me.Away.GraceSeconds != int(grace/time.Second) || me.Away.Requeued != 1 || !me.Away.At.Equal(me.Agent.LastSeenAt) {
		t.Errorf("notice %+v (agent last seen %v), want grace 180 s, 1 session requeued, at the status change", me.Away, me.Agent.LastSeenAt)
	}

	s.Clock.Advance(time.Second) // status changes are told apart by their time
	alice.Status(kefu.StatusOnline)
	alice.Status(kefu.StatusOffline) // chosen, not set by presence
	me = awayAnswer{}
	alice.Do("GET", "/api/desk/me", nil, &me)
	if me.Away != nil {
		t.Errorf("the notice outlived the agent's own status change: %+v", me.Away)
	}
}

func startAwayConversation(t *testing.T, s *kefutest.Server, d *kefutest.Desk) int64 {
	t.Helper()
	m := s.Customer(d.Agent.Apps[0], kefu.ChannelWeb, "away-user").Say("hello?")
	msg, err := s.Store.Message(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	d.Accept(msg.ConversationID)
	return msg.ConversationID
}

// TestFaviconServed: browsers ask every page's origin for /favicon.ico.
func TestFaviconServed(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	res, err := http.Get(s.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("/favicon.ico: HTTP %d, %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestAppAgentsCountAdmins: the admin's app table counts who serves each
// app, and admins serve every app.
func TestAppAgentsCountAdmins(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	s.Agent("bob", kefu.RoleAgent) // serves nothing
	var out struct {
		Apps []struct {
			AppID  string `json:"appid"`
			Agents int    `json:"agents"`
		} `json:"apps"`
	}
	s.SignIn("root").Do("GET", "/api/admin/apps", nil, &out)
	if len(out.Apps) != 1 || out.Apps[0].Agents != 2 {
		t.Errorf("apps %+v, want one app served by 2 (alice and the admin)", out.Apps)
	}
}
