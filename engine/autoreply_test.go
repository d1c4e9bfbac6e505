package engine_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// closedAlways are hours under which the desk is never open.
func closedAlways() kefu.Hours {
	return kefu.Hours{Enabled: true, TimeZone: "Asia/Shanghai"}
}

func replies(kinds ...kefu.AutoReplyKind) kefu.AutoReplies {
	r := kefu.AutoReplies{Lang: kefu.LangEN, Texts: map[kefu.AutoReplyKind]kefu.AutoReplyText{}}
	for _, k := range kinds {
		r.Texts[k] = kefu.AutoReplyText{On: true}
	}
	return r
}

// connectedApp adds an app that is connected to a real mini program:
// messages to its mini program customers go through WeChat's send API.
func (f *fixture) connectedApp() *kefu.App {
	f.t.Helper()
	a := &kefu.App{ID: "wxconnected000000", OriginalID: "gh_connected0000", Name: "Real", Secret: "0123456789abcdef0123456789abcdef",
		Upstream: &kefu.Upstream{BaseURL: "http://127.0.0.1:9", Token: "t", Mode: kefu.PushPlaintext, Format: kefu.PushJSON}, CreatedAt: t0}
	f.update(func(tx kefu.Tx) error { return tx.CreateApp(f.ctx, a) })
	return a
}

func (f *fixture) setHours(s *kefu.HoursSettings) {
	f.t.Helper()
	if err := f.eng.SetHoursSettings(f.ctx, s); err != nil {
		f.t.Fatal(err)
	}
}

// autoReplies lists a conversation's automatic replies and skip notes.
func (f *fixture) autoReplies(convID int64) (sent []*kefu.Message, skipped []*kefu.Message) {
	f.t.Helper()
	ms, err := f.store.Messages(f.ctx, convID, 0, 0, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range ms {
		switch {
		case strings.HasPrefix(m.Source, "auto:"):
			sent = append(sent, m)
		case m.Kind == kefu.KindNotice && m.Notice.Code == kefu.NoticeAutoReplySkipped:
			skipped = append(skipped, m)
		}
	}
	return sent, skipped
}

func (f *fixture) upstreamJobs() int {
	f.t.Helper()
	jobs, err := f.store.DueUpstreamSends(f.ctx, f.clock.Now().Add(time.Hour), 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(jobs)
}

// Each automatic reply of a session that opens reaches the customer on
// every channel as an agent's text would, once per session; on a connected
// app it goes to WeChat's send queue and spends one of the customer's
// replies, as an agent's would.
func TestOpenedRepliesOnEachChannel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		channel   kefu.Channel
		connected bool
	}{
		{"web widget", kefu.ChannelWeb, false},
		{"sdk", kefu.ChannelSDK, false},
		{"mini program simulator", kefu.ChannelMiniProgram, false},
		{"real WeChat", kefu.ChannelMiniProgram, true},
	} {
		for _, want := range []kefu.AutoReplyKind{kefu.AutoOutOfHours, kefu.AutoNobodyOnline, kefu.AutoWelcome} {
			t.Run(tc.name+"/"+string(want), func(t *testing.T) {
				f := newFixture(t, "sqlite", "")
				app := f.app
				if tc.connected {
					app = f.connectedApp()
				}
				s := &kefu.HoursSettings{AppID: app.ID, Replies: replies(kefu.AutoWelcome, kefu.AutoOutOfHours, kefu.AutoNobodyOnline)}
				s.Replies.Texts[kefu.AutoWelcome] = kefu.AutoReplyText{On: true, EN: "Welcome!"}
				switch want {
				case kefu.AutoOutOfHours:
					s.Hours = closedAlways()
				case kefu.AutoWelcome:
					a := f.agent("alice", 3)
					a.Apps = []string{app.ID}
					f.update(func(tx kefu.Tx) error { return tx.SaveAgent(f.ctx, a) })
				}
				f.setHours(s)
				o, err := f.openSession(openRequest{AppID: app.ID, Channel: tc.channel, ExternalID: "u1", SDKVersion: "1.0.0", Verified: tc.connected, OpenID: openIDIf(tc.connected)})
				if err != nil {
					t.Fatal(err)
				}
				first, _, err := f.eng.Receive(f.ctx, o.Conversation.ID, &kefu.Message{ClientMsgID: "m1", Kind: kefu.KindText, Text: &kefu.Text{Content: "hi"}})
				if err != nil {
					t.Fatal(err)
				}
				// What the reply spent, before the customer's next message
				// renews the quota.
				spent := f.conv(o.Conversation.ID).Quota
				// The same message again (a retry) and a second one: still one reply.
				if _, dup, err := f.eng.Receive(f.ctx, o.Conversation.ID, &kefu.Message{ClientMsgID: "m1", Kind: kefu.KindText, Text: &kefu.Text{Content: "hi"}}); err != nil || !dup {
					t.Fatalf("retry: dup %v, %v", dup, err)
				}
				f.say(o.Conversation.ID, "hello?")
				sent, skipped := f.autoReplies(o.Conversation.ID)
				if len(sent) != 1 || len(skipped) != 0 {
					t.Fatalf("sent %d replies, skipped %d; want one", len(sent), len(skipped))
				}
				m := sent[0]
				if m.Source != "auto:"+string(want) || m.Kind != kefu.KindText || !m.VisibleToUser() || m.Seq != first.Seq+1 {
					t.Fatalf("reply %+v, want a customer-visible %s text right after the message", m, want)
				}
				if want == kefu.AutoWelcome && m.Text.Content != "Welcome!" {
					t.Errorf("welcome says %q, want the admin's text", m.Text.Content)
				}
				if want == kefu.AutoOutOfHours && m.Text.Content != kefu.DefaultAutoReply(want, kefu.LangEN) {
					t.Errorf("out of hours says %q, want the English default", m.Text.Content)
				}
				c := f.conv(o.Conversation.ID)
				if tc.connected {
					if m.Upstream == nil || f.upstreamJobs() != 1 || spent.Remaining != kefu.MessageQuota-1 {
						t.Errorf("connected: upstream %+v, %d jobs, quota %+v; want one queued send and one reply spent", m.Upstream, f.upstreamJobs(), spent)
					}
				} else if m.Upstream != nil || f.upstreamJobs() != 0 || c.Quota.Remaining != kefu.MessageQuota || spent.Remaining != kefu.MessageQuota {
					t.Errorf("not connected: upstream %+v, %d jobs, quota %+v; want nothing sent to WeChat and the quota untouched", m.Upstream, f.upstreamJobs(), c.Quota)
				}
			})
		}
	}
}

// On a connected app an automatic reply never spends the customer's last
// reply: the developer used four of five, the session opens, the reply is
// skipped with a note saying why, and the agent still has the fifth.
func TestAutoReplyKeepsTheLastReplyForAgents(t *testing.T) {
	f := newFixture(t, "sqlite", "http://127.0.0.1:9/push")
	app := f.connectedApp()
	app.Push = f.app.Push
	f.update(func(tx kefu.Tx) error { return tx.SaveApp(f.ctx, app) })
	f.setHours(&kefu.HoursSettings{AppID: app.ID, Hours: closedAlways(), Replies: replies(kefu.AutoOutOfHours)})
	o, err := f.openSession(openRequest{AppID: app.ID, Channel: kefu.ChannelMiniProgram, ExternalID: "oREALUSER0000001", OpenID: "oREALUSER0000001", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := f.eng.Receive(f.ctx, o.Conversation.ID, &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "人工"}})
	if err != nil {
		t.Fatal(err)
	}
	for range kefu.MessageQuota - 1 {
		if _, err := f.eng.Send(f.ctx, engine.SendRequest{ConversationID: o.Conversation.ID, Sender: kefu.SenderDeveloper, Source: "api", Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "bot answer"}}}); err != nil {
			t.Fatal(err)
		}
	}
	f.pushResult(m, kefu.PushTransferred)
	c := f.conv(o.Conversation.ID)
	if c.State != kefu.StateQueued {
		t.Fatalf("state %s, want queued", c.State)
	}
	sent, skipped := f.autoReplies(c.ID)
	if len(sent) != 0 || len(skipped) != 1 || skipped[0].VisibleToUser() || skipped[0].Notice.Params["reply"] != string(kefu.AutoOutOfHours) ||
		!strings.Contains(skipped[0].Notice.Params["reason"], "last reply") {
		t.Fatalf("sent %+v, skipped %+v; want no reply and an agents' note about the last reply", sent, skipped)
	}
	if c.Quota.Remaining != 1 {
		t.Errorf("quota %+v, want the last reply left", c.Quota)
	}
}

// A mini program customer whose last message is older than 48 hours gets no
// automatic reply (an agent could not write either); a note says why.
func TestAutoReplyHonoursTheMiniProgramWindow(t *testing.T) {
	f := newFixture(t, "sqlite", "http://127.0.0.1:9/push")
	f.setHours(&kefu.HoursSettings{AppID: f.app.ID, Hours: closedAlways(), Replies: replies(kefu.AutoOutOfHours)})
	o := f.open("u1")
	m := f.say(o.Conversation.ID, "人工")
	f.clock.Advance(49 * time.Hour)
	f.pushResult(m, kefu.PushTransferred)
	sent, skipped := f.autoReplies(o.Conversation.ID)
	if len(sent) != 0 || len(skipped) != 1 || !strings.Contains(skipped[0].Notice.Params["reason"], "48 hours") {
		t.Fatalf("sent %+v, skipped %+v; want the reply skipped for the 48-hour window", sent, skipped)
	}
}

// A team with its own settings follows them; the app's language holds.
func TestTeamHoursOverrideTheApp(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	team := &kefu.Team{Name: "VIP", CreatedAt: t0}
	f.update(func(tx kefu.Tx) error {
		if err := tx.CreateTeam(f.ctx, team); err != nil {
			return err
		}
		return tx.SetRoutingRules(f.ctx, f.app.ID, []kefu.RoutingRule{{AppID: f.app.ID, SessionFromPrefix: "vip", TeamID: team.ID}})
	})
	f.setHours(&kefu.HoursSettings{AppID: f.app.ID, Replies: kefu.AutoReplies{Lang: kefu.LangZH, Texts: map[kefu.AutoReplyKind]kefu.AutoReplyText{kefu.AutoNobodyOnline: {On: true}}}})
	f.setHours(&kefu.HoursSettings{TeamID: team.ID, Hours: closedAlways(), Replies: replies(kefu.AutoOutOfHours)})
	vip, err := f.openSession(openRequest{AppID: f.app.ID, Channel: kefu.ChannelWeb, ExternalID: "v", SessionFrom: "vip"})
	if err != nil {
		t.Fatal(err)
	}
	f.say(vip.Conversation.ID, "hi")
	plain, err := f.openSession(openRequest{AppID: f.app.ID, Channel: kefu.ChannelWeb, ExternalID: "p"})
	if err != nil {
		t.Fatal(err)
	}
	f.say(plain.Conversation.ID, "hi")
	if sent, _ := f.autoReplies(vip.Conversation.ID); len(sent) != 1 || sent[0].Text.Content != kefu.DefaultAutoReply(kefu.AutoOutOfHours, kefu.LangZH) {
		t.Errorf("the team's customer got %+v, want the team's out-of-hours reply in the app's Chinese", sent)
	}
	if sent, _ := f.autoReplies(plain.Conversation.ID); len(sent) != 1 || sent[0].Source != "auto:nobody_online" {
		t.Errorf("the app's customer got %+v, want the app's nobody-online reply", sent)
	}
}

// openIDIf is the openid a connected app's customer has (the connector
// identifies WeChat users by it), or none.
func openIDIf(connected bool) string {
	if connected {
		return "oREALUSER0000001"
	}
	return ""
}
