package webtest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// The corpus through the customer's side (the widget's chat, the
// simulator) and the admin pages: every vector written into one
// conversation as every kind of message a customer sees, sent by agents
// named with the vectors, and into every name and log the admin lists —
// then one page load per surface and width, scanned.

// xssAgents creates one agent per vector, named with it, serving app.
func xssAgents(t *testing.T, s *kefutest.Server, app *kefu.App, vs []string) []*kefu.Agent {
	ctx := context.Background()
	now := s.Clock.Now()
	agents := make([]*kefu.Agent, len(vs))
	mustStore(t, s, func(tx kefu.Tx) error {
		for i, v := range vs {
			agents[i] = &kefu.Agent{Login: fmt.Sprintf("xss-named-%d", i), Name: v, Role: kefu.RoleAgent,
				MaxSessions: kefu.DefaultMaxSessions, Status: kefu.StatusOnline, CreatedAt: now}
			if i < 100 { // an app has at most 200 agents
				agents[i].Apps = []string{app.ID}
			}
			if err := tx.CreateAgent(ctx, agents[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return agents
}

// xssFill writes every vector into the conversation as what a customer
// sees: the agents' texts, rich texts, product cards, links and mini
// program cards (each from the agent named with a vector), and the
// customer's own texts and cards — straight into the store, past the
// validation the APIs would apply, as if an older version had stored them.
// It returns the ids of the messages written.
func xssFill(t *testing.T, s *kefutest.Server, conv int64, agents []*kefu.Agent, vs []string) []int64 {
	ctx := context.Background()
	now := s.Clock.Now()
	var ids []int64
	for k := 0; k < len(vs); k += 50 {
		mustStore(t, s, func(tx kefu.Tx) error {
			c, err := tx.LockConversation(ctx, conv)
			if err != nil {
				return err
			}
			for i := k; i < min(k+50, len(vs)); i++ {
				v, a := vs[i], agents[i].ID
				for _, m := range []*kefu.Message{
					{Sender: kefu.SenderAgent, AgentID: a, Kind: kefu.KindText, Text: &kefu.Text{Content: v}},
					{Sender: kefu.SenderAgent, AgentID: a, Kind: kefu.KindRich, Rich: &kefu.Rich{HTML: "<p>" + v + "</p>" + v}},
					{Sender: kefu.SenderAgent, AgentID: a, Kind: kefu.KindProduct, Product: &kefu.Product{Name: v, URL: v, ImgURL: v,
						Params: []kefu.ProductParam{{Text: v, Color: v}}}},
					{Sender: kefu.SenderAgent, AgentID: a, Kind: kefu.KindLink, Link: &kefu.Link{Title: v, Description: v, URL: v, ThumbURL: v}},
					{Sender: kefu.SenderAgent, AgentID: a, Kind: kefu.KindMiniProgramPage, MiniProgramPage: &kefu.MiniProgramPage{Title: v, PagePath: v, ThumbURL: v}},
					{Sender: kefu.SenderUser, Kind: kefu.KindText, Text: &kefu.Text{Content: v}},
					{Sender: kefu.SenderUser, Kind: kefu.KindMiniProgramPage, MiniProgramPage: &kefu.MiniProgramPage{Title: v, PagePath: v, ThumbURL: v}},
				} {
					m.Phase, m.CreatedAt = kefu.StateActive, now
					stored, _, err := tx.AppendMessage(ctx, c, m)
					if err != nil {
						return err
					}
					ids = append(ids, stored.ID)
				}
			}
			return tx.SaveConversation(ctx, c)
		})
	}
	return ids
}

// xssPushes logs a push try per vector for the conversation's messages,
// the vector in every field the push inspectors show.
func xssPushes(t *testing.T, s *kefutest.Server, app *kefu.App, conv int64, ids []int64, vs []string) {
	ctx := context.Background()
	now := s.Clock.Now()
	mustStore(t, s, func(tx kefu.Tx) error {
		for i, v := range vs {
			if err := tx.AddPushAttempt(ctx, &kefu.PushAttempt{AppID: app.ID, MessageID: ids[(i*7)%len(ids)], ConversationID: conv, Try: 1,
				URL: v, RequestQuery: v, RequestBody: v, StatusCode: 500, ResponseBody: v, Error: v, Warning: v,
				Result: kefu.PushFailed, Latency: time.Millisecond, CreatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
}

// xssMarker is the last message of a filled conversation: when it is on
// screen, everything before it has been rendered.
const xssMarker = "xss-corpus-end"

// xssWidget: the web chat, opened on its own as the visitor whose
// conversation holds the corpus, at desktop width and at 390 px.
func xssWidget(t *testing.T, browser context.Context, vs []string) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	agents := xssAgents(t, s, app, vs)
	eve := (&browserEnv{s: s, browser: browser}).agent(t, "eve", vs[0], app.ID)
	const visitor = "xss-widget-visitor-0001"
	c := s.Customer(app.ID, kefu.ChannelWeb, visitor)
	c.Say("hello")
	conv := eve.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	eve.Accept(conv)
	xssFill(t, s, conv, agents, vs)
	eve.Say(conv, xssMarker)

	for _, width := range []int64{1280, 390} {
		t.Run(fmt.Sprintf("%dpx", width), func(t *testing.T) {
			tab, dialogs := xssTab(t, browser)
			// The visitor's id, in the storage of Kefu's origin.
			if err := chromedp.Do(tab, chromedp.EmulateViewport(width, 844), chromedp.Navigate(s.URL+"/healthz")); err != nil {
				t.Fatal(err)
			}
			do(t, tab, `localStorage.setItem("kefu.visitor", `+jsString(visitor)+`)`)
			start := time.Now()
			if err := chromedp.Do(tab, chromedp.Navigate(s.URL+"/widget/chat?appid="+app.ID)); err != nil {
				t.Fatal(err)
			}
			xssWaitText(t, tab, "the corpus in the chat", `document.querySelector(".log-list")`)
			n := run[int](t, tab, xssEarlier)
			t.Logf("the log holds %d messages", n)
			xssAssert(t, tab, dialogs, "the widget", `[document.body]`)
			t.Logf("%d messages rendered and scanned in %s", len(vs)*7, time.Since(start).Round(time.Second))
			xssShot(t, tab, fmt.Sprintf("xss-widget-%d", width))
		})
	}
}

// xssEarlier is a JavaScript function that presses the chat log's "load
// earlier" button until the whole conversation is loaded, and returns how
// many messages the log then holds.
const xssEarlier = `(async () => {
	const b = document.querySelector(".log-earlier");
	for (let i = 0; i < 1000 && b && !b.hidden; i++) {
		b.click();
		for (let k = 0; k < 3000 && (b.disabled || !b.hidden && i === -1); k++) await new Promise((r) => setTimeout(r, 10));
		while (b.disabled) await new Promise((r) => setTimeout(r, 10));
	}
	return document.querySelectorAll(".log-list [data-seq]").length;
})()`

// xssWaitText waits (generously: thousands of messages) until the marker
// is in the text of root (a JavaScript expression).
func xssWaitText(t *testing.T, ctx context.Context, what, root string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`((r) => r && r.textContent.includes(`+jsString(xssMarker)+`))(`+root+`)`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(3*time.Minute)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// xssShot saves a screenshot of the tab (to $KEFU_SCREENSHOTS, when set).
func xssShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	kefutest.Screenshot(t, ctx, name)
}

// xssSimulator: the mini program simulator as the simulated user whose
// conversation holds the corpus, signed in to see the pushes — a try per
// vector, the vector in every field.
func xssSimulator(t *testing.T, browser context.Context, vs []string) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	hook.OnPush(kefutest.TransferOn("转人工"))
	agents := xssAgents(t, s, app, vs)
	bob := (&browserEnv{s: s, browser: browser}).agent(t, "bob", vs[1], app.ID)
	tab, dialogs := xssTab(t, browser)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1480, 940), chromedp.Navigate(s.URL+"/sim?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the sign-in form", `!document.querySelector(".sim-signin").hidden`)
	do(t, tab, fmt.Sprintf(`(() => { const f = document.querySelector(".sim-signin"); f.login.value = "bob"; f.password.value = %q; f.requestSubmit(); })()`, kefutest.AgentPassword))
	waitFor(t, tab, "the sign-in form to go", `document.querySelector(".sim-signin").hidden`)
	waitFor(t, tab, "the simulated user's openid", `document.querySelector(".sim-openid code").textContent.startsWith("o")`)
	openid := run[string](t, tab, `document.querySelector(".sim-openid code").textContent`)
	click(t, tab, `document.querySelector(".mp-contact")`)
	do(t, tab, `(() => { const i = document.querySelector(".composer-input"); i.value = "转人工"; i.dispatchEvent(new Event("input")); document.querySelector(".composer-send").click(); })()`)
	ctx := context.Background()
	var conv *kefu.Conversation
	kefutest.UntilTrue(t, "the simulated user's conversation", func() bool {
		cust, err := s.Store.CustomerByOpenID(ctx, app.ID, openid)
		if err != nil {
			return false
		}
		conv, err = s.Store.ConversationByCustomer(ctx, cust.ID)
		return err == nil && conv.State == kefu.StateQueued
	})
	bob.Accept(conv.ID)
	ids := xssFill(t, s, conv.ID, agents, vs)
	xssPushes(t, s, app, conv.ID, ids, vs)
	bob.Say(conv.ID, xssMarker)

	// Loaded again, the simulator shows the conversation from the start,
	// and the pushes.
	start := time.Now()
	if err := chromedp.Do(tab, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the simulated user", `document.querySelector(".sim-openid code").textContent === `+jsString(openid))
	click(t, tab, `document.querySelector(".mp-contact")`)
	xssWaitText(t, tab, "the corpus in the simulator", `document.querySelector("kefu-chat-log")`)
	t.Logf("the log holds %d messages", run[int](t, tab, xssEarlier))
	_, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll("kefu-push-log .push-list > *").length > 0 && document.querySelector("kefu-push-log").textContent.includes(%s)`, jsString(vs[len(vs)-1])),
		chromedp.WithPollingInterval(200*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
	if err != nil {
		t.Fatalf("waiting for the pushes: %v", err)
	}
	// (The simulator's own forms — sign-in, the button's attributes — are
	// not scanned: what shows stored text is.)
	xssAssert(t, tab, dialogs, "the simulator", `[document.querySelector("kefu-chat-log"), document.querySelector("kefu-push-log"), document.querySelector(".phone-title"), document.querySelector(".sim-openid")]`)
	t.Logf("%d messages and %d push tries rendered and scanned in %s", len(ids)+1, len(vs), time.Since(start).Round(time.Second))
	xssShot(t, tab, "xss-sim")
}

// xssAdmin: every admin section listing stored text — agents, teams,
// apps, assistant components, routing and the push inspector — with
// every name, address and log field a vector, at desktop width and 390 px.
func xssAdmin(t *testing.T, browser context.Context, vs []string) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	root := s.SignIn("root")
	alice := s.SignIn(s.Agent("alice", kefu.RoleAgent, app.ID).Login)
	xssNamed(t, s, root, alice, app, vs)
	ctx := context.Background()
	// Apps named with the vectors, their push URLs too.
	mustStore(t, s, func(tx kefu.Tx) error {
		for i, v := range vs {
			a := &kefu.App{ID: fmt.Sprintf("wxxss%012d", i), OriginalID: fmt.Sprintf("gh_xss%06d", i), Name: v, Secret: engine.NewSecret(16),
				Push: kefu.PushConfig{URL: v, Token: "testtoken", Mode: kefu.PushPlaintext, Format: kefu.PushJSON}}
			if err := tx.CreateApp(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	c := s.Customer(app.ID, kefu.ChannelWeb, "xss-admin-visitor-0001")
	c.Say("hello")
	var conv *kefu.Conversation
	kefutest.UntilTrue(t, "the conversation", func() bool {
		cust, err := s.Store.CustomerByOpenID(ctx, app.ID, c.OpenID)
		if err != nil {
			return false
		}
		conv, err = s.Store.ConversationByCustomer(ctx, cust.ID)
		return err == nil
	})
	msgs, err := s.Store.Messages(ctx, conv.ID, 0, 0, 10)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("the customer's message: %v", err)
	}
	xssPushes(t, s, app, conv.ID, []int64{msgs[0].ID}, vs)

	sections := []struct{ name, ready string }{
		{"agents", fmt.Sprintf(`document.querySelectorAll("#admin-body tbody tr").length >= %d`, len(vs))},
		{"teams", fmt.Sprintf(`document.querySelectorAll("#admin-body tbody tr").length >= %d`, len(vs))},
		{"apps", fmt.Sprintf(`document.querySelectorAll("#admin-body tbody tr").length >= %d`, len(vs))},
		{"components", fmt.Sprintf(`document.querySelectorAll("#admin-body tbody tr, #admin-body li").length >= %d`, len(vs))},
		{"routing", `document.querySelector("#admin-body").textContent.length > 200`},
		{"push", `document.querySelectorAll("#admin-body tbody tr").length >= 20`},
	}
	for _, width := range []int64{1280, 390} {
		t.Run(fmt.Sprintf("%dpx", width), func(t *testing.T) {
			tab, dialogs := xssTab(t, browser)
			p := &deskTab{t: t, ctx: tab}
			p.do(chromedp.EmulateViewport(width, 844))
			if width == 1280 {
				p.signIn(s.URL+"/admin#agents", "root")
			}
			for _, sec := range sections {
				start := time.Now()
				p.do(chromedp.Navigate(s.URL + "/admin#" + sec.name))
				if _, err := chromedp.Run(tab, chromedp.Poll[chromedp.Void](sec.ready, chromedp.WithPollingInterval(100*time.Millisecond),
					chromedp.WithPollingTimeout(2*time.Minute))); err != nil {
					t.Fatalf("waiting for the %s section: %v\npage: %.2000s", sec.name, err, p.text("#admin-body"))
				}
				roots := `[document.querySelector("#admin-body"), document.querySelector("#admin-top")]`
				if sec.name == "push" {
					// Every try (50 a page), each with its details open; the
					// inspector's own filter form is not scanned.
					do(t, tab, `(async () => {
						const more = () => document.querySelector("kefu-admin-push .dialog-actions .btn");
						for (let i = 0; i < 100 && more() && !more().hidden; i++) {
							const n = document.querySelectorAll("#push-table tbody tr").length;
							more().click();
							for (let k = 0; k < 3000 && document.querySelectorAll("#push-table tbody tr").length === n; k++) await new Promise((r) => setTimeout(r, 10));
						}
						for (const b of document.querySelectorAll("#push-table [aria-expanded=false]")) b.click();
					})()`)
					if n := run[int](t, tab, `document.querySelectorAll("#push-table tr.attempt-detail:not([hidden])").length`); n < len(vs) {
						t.Fatalf("the push inspector shows %d tries in detail, want %d", n, len(vs))
					}
					roots = `[document.querySelector("#push-table"), document.querySelector("#admin-top")]`
				}
				xssAssert(t, tab, dialogs, "admin "+sec.name, roots)
				t.Logf("%s: rendered and scanned in %s", sec.name, time.Since(start).Round(time.Second))
				if sec.name == "push" || sec.name == "apps" {
					xssShot(t, tab, fmt.Sprintf("xss-admin-%s-%d", sec.name, width))
				}
			}
		})
	}
}
