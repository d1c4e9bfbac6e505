package webtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestDeskInBrowser drives the workspace and the admin pages in a real
// Chromium, sharing one browser between the flows. Screenshots of the main
// screens go to $KEFU_SCREENSHOTS (docs/screenshots).
func TestDeskInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	browser := kefutest.Browser(t)
	t.Run("workspace", func(t *testing.T) { workspaceFlow(t, browser) })
	t.Run("admin", func(t *testing.T) { adminFlow(t, browser) })
	t.Run("push inspector", func(t *testing.T) { pushInspectorFlow(t, browser) })
	t.Run("hostile content", func(t *testing.T) { hostileContentFlow(t, browser) })
}

// tab is one browser tab of a test, with helpers that fail the test.
type deskTab struct {
	t   *testing.T
	ctx context.Context
}

func newDeskTab(t *testing.T, browser context.Context) *deskTab {
	ctx := kefutest.Tab(t, browser)
	return &deskTab{t: t, ctx: kefutest.Timeout(t, ctx, 90*time.Second)}
}

func (p *deskTab) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// wait polls a JavaScript predicate until it is true.
func (p *deskTab) wait(what, expr string) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		p.t.Fatalf("browser: waiting for %s: %v\npage: %s", what, err, p.text("body"))
	}
}

// js runs JavaScript and returns its value.
func deskJS[T any](p *deskTab, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("browser: %s: %v", expr, err)
	}
	return v
}

func (p *deskTab) text(sel string) string {
	v, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
	return v
}

// click clicks the first element matching a CSS selector, once it exists.
func (p *deskTab) click(sel string) {
	p.t.Helper()
	p.wait(sel, fmt.Sprintf(`!!document.querySelector(%q) && !document.querySelector(%q).disabled`, sel, sel))
	deskJS[any](p, fmt.Sprintf(`document.querySelector(%q).click()`, sel))
}

// fill sets an input's value as a person typing would.
func (p *deskTab) fill(sel, value string) {
	p.t.Helper()
	p.wait(sel, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
	b, _ := json.Marshal(value)
	deskJS[any](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %s; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`, sel, b))
}

func (p *deskTab) screenshot(name string) {
	p.t.Helper()
	waitSettled(p.t, p.ctx)
	kefutest.Screenshot(p.t, p.ctx, name)
}

// signIn opens a page and signs in with the test password.
func (p *deskTab) signIn(url, login string) {
	p.t.Helper()
	p.do(chromedp.Navigate(url))
	p.wait("the sign-in form", `!!document.querySelector("#login-name")`)
	p.fill("#login-name", login)
	p.fill("#login-password", kefutest.AgentPassword)
	deskJS[any](p, `document.querySelector("form.login-card").requestSubmit()`)
	p.wait("signed in", `document.querySelector("#login-view").hidden`)
}

func workspaceFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON) // no push URL: every session goes straight to the queue
	alice := s.Agent("alice", kefu.RoleAgent, app.ID)
	s.Agent("bob", kefu.RoleAgent, app.ID)
	bob := s.SignIn("bob")
	bob.Status(kefu.StatusOnline)

	p := newDeskTab(t, browser)
	p.do(chromedp.Navigate(s.URL + "/desk"))
	p.wait("the sign-in form", `!!document.querySelector("#login-name")`)
	p.screenshot("desk-login")
	p.signIn(s.URL+"/desk", "alice")
	p.wait("the workspace", `!!document.querySelector("#desk-status")`)

	// Go online from the status menu.
	deskJS[any](p, `(() => { const s = document.querySelector("#desk-status"); s.value = "online"; s.dispatchEvent(new Event("change")); })()`)
	kefutest.UntilTrue(t, "alice online", func() bool {
		a, _ := s.Store.Agent(context.Background(), alice.ID)
		return a.Status == kefu.StatusOnline
	})
	p.wait("the connection", `document.querySelector(".conn").classList.contains("is-online")`)

	// A customer arrives from a product page and asks for help: live in the pending list.
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "browser-user")
	user.Connect(0)
	user.Enter("product-42", &kefu.MessageCard{Title: "Phone X", Path: "/pages/item?id=42"})
	user.Say("Hello, is the phone in stock?")
	p.wait("the pending session", `(document.querySelector("kefu-lists .conv-list") || {}).innerText?.includes("Hello, is the phone in stock?")`)
	if got := p.text("kefu-lists .conv-item"); !strings.Contains(got, "#1 in queue") || !strings.Contains(got, "waiting") {
		t.Errorf("the pending row should show the queue position and waiting time: %q", got)
	}
	p.screenshot("desk-pending")

	// Accept, and reply with Enter.
	p.click("kefu-lists .conv-item .accept")
	p.wait("the accepted conversation", `!!document.querySelector("#conv-close") && document.querySelector("kefu-conversation .timeline").innerText.includes("in stock")`)
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "Yes, we have it. Which colour would you like?\r"))
	user.WaitMessage("the agent's reply", func(m *kefutest.ClientMessage) bool {
		return m.Sender == kefu.SenderAgent && m.Text != nil && m.Text.Content == "Yes, we have it. Which colour would you like?"
	})
	p.wait("the reply in the timeline", `document.querySelector("kefu-conversation .timeline").innerText.includes("Which colour")`)

	// The customer types and answers: both show up live.
	user.SendWS(map[string]any{"type": "typing", "on": true})
	p.wait("the customer typing", `document.querySelector(".typing-line").innerText !== ""`)
	user.Say("Blue, please 💙")
	p.wait("the customer's answer", `document.querySelector("kefu-conversation .timeline").innerText.includes("Blue, please")`)
	p.wait("the typing indicator gone", `document.querySelector(".typing-line").innerText === ""`)
	if !strings.Contains(p.text("kefu-customer-panel"), "product-42") || !strings.Contains(p.text("kefu-customer-panel"), "Phone X") {
		t.Errorf("the customer panel should show sessionFrom and the card: %q", p.text("kefu-customer-panel"))
	}
	p.screenshot("desk-workspace")

	// The elements ask the page for what other elements do: the photo opens
	// in the lightbox, the topbar's button lists the shortcuts, Alt+/ focuses
	// the composer.
	photo := user.Upload("photo.png", tinyPNG())
	if st := user.Do("POST", "/api/client/messages", map[string]any{"kind": "image", "image": map[string]string{"media_id": photo}}, nil); st != http.StatusCreated {
		t.Fatalf("send image: HTTP %d", st)
	}
	p.click("kefu-conversation .kefu-image")
	p.wait("the lightbox", `!!document.querySelector("kefu-lightbox dialog[open] img[src^='/media/']")`)
	deskJS[any](p, `document.querySelector("kefu-lightbox dialog").close()`)
	p.click("#desk-shortcuts")
	p.wait("the shortcuts", `!!document.querySelector("kefu-shortcuts dialog[open] .keys")`)
	deskJS[any](p, `document.querySelector("kefu-shortcuts dialog").close()`)
	deskJS[any](p, `document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "/", code: "Slash", altKey: true, bubbles: true }))`)
	p.wait("the composer focused", `document.activeElement && document.activeElement.id === "composer-text"`)

	// An internal note: agents see it, the customer never does.
	p.click("#composer-note")
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "VIP customer, offer free shipping\r"))
	p.wait("the note", `!!document.querySelector("kefu-conversation .kefu-msg.is-note")`)

	// Transfer to bob with a note.
	p.click("#conv-transfer")
	p.wait("the transfer dialog", `!!document.querySelector("input[name=target]")`)
	p.screenshot("desk-transfer")
	deskJS[any](p, fmt.Sprintf(`document.querySelector('input[value="agent:%d"]').click()`, bob.Agent.ID))
	p.fill("#transfer-note", "Wants the blue one")
	p.click("#transfer-submit")
	user.Wait("served by bob", func(c *kefutest.Customer) bool {
		return c.State().State == kefu.StateActive && c.State().Agent != nil && c.State().Agent.Name == "bob"
	})
	p.wait("the conversation read-only", `document.querySelector(".conv-banner").innerText.includes("bob")`)
	for _, m := range user.Received() {
		if m.Text != nil && strings.Contains(m.Text.Content, "VIP") {
			t.Fatalf("the customer received an internal note: %+v", m)
		}
	}

	// A second customer: alice accepts and closes the session from the page.
	user2 := s.Customer(app.ID, kefu.ChannelWeb, "browser-user-2")
	user2.Connect(0)
	user2.Say("Where is my order?")
	p.click("#tab-queue")
	p.wait("the second session", `(document.querySelector("kefu-lists .conv-list") || {}).innerText?.includes("Where is my order?")`)
	p.click("kefu-lists .conv-item .accept")
	p.wait("accepted", `!!document.querySelector("#conv-close")`)
	deskJS[any](p, `window.confirm = () => true`)
	p.click("#conv-close")
	user2.Wait("closed", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateDeveloper })
	p.wait("the read-only history", `document.querySelector(".conv-banner").innerText.includes("ended")`)

	// History search finds the closed session.
	p.click("#tab-history")
	p.fill("#search-q", "order")
	deskJS[any](p, `document.querySelector(".search-form").requestSubmit()`)
	p.wait("the search result", fmt.Sprintf(`document.querySelector(".search-results").innerText.includes(%q)`, user2.OpenID))
	p.screenshot("desk-history")

	// Reconnect: the page resumes without a reload, missing nothing and doubling nothing.
	p.click("#tab-mine")
	s.HTTP.CloseConnections()
	p.wait("reconnected", `document.querySelector(".conn").classList.contains("is-online")`)
	user3 := s.Customer(app.ID, kefu.ChannelWeb, "browser-user-3")
	user3.Say("Anyone there?")
	p.click("#tab-queue")
	p.wait("a session that arrived after the reconnect", `(document.querySelector("kefu-lists .conv-list") || {}).innerText?.includes("Anyone there?")`)
	// Alt+J steps through the list shown: here, to the only pending session.
	deskJS[any](p, `document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "j", code: "KeyJ", altKey: true, bubbles: true }))`)
	p.wait("the next conversation open", `document.querySelector("kefu-conversation .timeline").innerText.includes("Anyone there?")`)

	// Narrow screens: the columns stack.
	p.do(chromedp.EmulateViewport(420, 860))
	p.wait("the narrow layout", `getComputedStyle(document.querySelector(".desk-columns")).display === "flex"`)
	p.screenshot("desk-narrow")
	p.do(chromedp.EmulateViewport(1280, 800))
}

// dialogs counts JavaScript dialogs (alert, confirm…) a tab opens, and
// dismisses them.
func countDialogs(t *testing.T, p *deskTab) *atomic.Int32 {
	var n atomic.Int32
	if err := chromedp.Listen(p.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			n.Add(1)
			go chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}); err != nil {
		t.Fatal(err)
	}
	return &n
}

func adminFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	hook := kefutest.NewHook(t)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not today", http.StatusInternalServerError)
	}))
	defer broken.Close()

	p := newDeskTab(t, browser)
	p.signIn(s.URL+"/admin", "root")
	p.wait("the agents table", `!!document.querySelector("#agents-table")`)

	// Add an agent who serves the app.
	p.click("#agent-add")
	p.fill("#agent-name", "Carol Chen")
	p.fill("#agent-login", "carol")
	p.fill("#agent-password", "correct horse battery")
	p.fill("#agent-max", "3")
	deskJS[any](p, fmt.Sprintf(`document.querySelector('input[name=apps][value=%q]').click()`, app.ID))
	p.click("#dialog-save")
	p.wait("carol in the table", `document.querySelector("#agents-table").innerText.includes("carol")`)
	carol, err := s.Store.AgentByLogin(context.Background(), "carol")
	if err != nil || carol.Name != "Carol Chen" || carol.MaxSessions != 3 || len(carol.Apps) != 1 || carol.Apps[0] != app.ID {
		t.Fatalf("created agent: %+v %v", carol, err)
	}
	p.screenshot("admin-agents")

	// Add an app whose push URL passes WeChat's handshake…
	p.do(chromedp.Navigate(s.URL + "/admin#apps"))
	p.click("#app-add")
	p.fill("#app-appid", "wxbrowser12345678")
	p.fill("#app-original", "gh_browser1234")
	p.fill("#app-name", "Browser Shop")
	p.fill("#app-url", hook.URL)
	p.fill("#app-token", "testtoken")
	p.click("#app-aes + button") // generate an EncodingAESKey
	p.click("#app-private")      // the hook listens on 127.0.0.1
	p.click("#dialog-save")
	p.wait("the handshake result", `document.querySelector("#dialog-result").classList.contains("is-ok")`)
	if got := p.text("#dialog-result"); !strings.Contains(got, "passed the verification handshake") {
		t.Errorf("result: %q", got)
	}
	p.screenshot("admin-app-verified")
	created, err := s.Store.App(context.Background(), "wxbrowser12345678")
	if err != nil || created.Push.URL != hook.URL || len(created.Push.EncodingAESKey) != 43 || created.Push.Mode != kefu.PushSafe {
		t.Fatalf("created app: %+v %v", created, err)
	}
	deskJS[any](p, `document.querySelector("dialog").close()`)

	// …and one whose URL fails it: refused, with the reason shown.
	p.click("#app-add")
	p.fill("#app-appid", "wxbrokenhook12345")
	p.fill("#app-original", "gh_broken12345")
	p.fill("#app-url", broken.URL)
	p.fill("#app-token", "testtoken")
	p.click("#app-aes + button")
	p.click("#app-private")
	p.click("#dialog-save")
	p.wait("the handshake failure", `document.querySelector("#dialog-result").classList.contains("is-error")`)
	if got := p.text("#dialog-result"); !strings.Contains(got, "verification handshake") || !strings.Contains(got, "500") {
		t.Errorf("the failure should say why: %q", got)
	}
	p.screenshot("admin-app-failed")
	if _, err := s.Store.App(context.Background(), "wxbrokenhook12345"); err == nil {
		t.Fatal("an app with a failing push URL was saved")
	}
	deskJS[any](p, `document.querySelector("dialog").close()`)

	// Secrets only on explicit reveal.
	p.wait("the apps table", `document.querySelector("#apps-table").innerText.includes("wxbrowser12345678")`)
	if strings.Contains(deskJS[string](p, `document.body.innerHTML`), created.Push.EncodingAESKey) {
		t.Fatal("the EncodingAESKey is on the page before reveal")
	}
	p.click(`#apps-table tr[data-appid="wxbrowser12345678"] button`)
	p.click("#app-reveal")
	p.wait("the secrets", fmt.Sprintf(`document.querySelector("#app-secrets").innerText.includes(%q)`, created.Push.EncodingAESKey))
	deskJS[any](p, `document.querySelector("dialog").close()`)
}

func pushInspectorFlow(t *testing.T, browser context.Context) {
	// A developer's server that does not answer: the only failure that is
	// tried three times (an answer, even a wrong one, is final).
	const deadline = 300 * time.Millisecond
	s := kefutest.NewServer(t, kefutest.Options{PushDeadline: deadline})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushXML)
	var failing atomic.Bool
	failing.Store(true)
	hook.OnPush(func(p *kefutest.Push) kefutest.Answer {
		if failing.Load() && p.Message != nil && p.Message.MsgType == "text" {
			return kefutest.Answer{Delay: 10 * deadline}
		}
		return kefutest.Answer{}
	})
	s.Agent("root", kefu.RoleAdmin)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "push-user")
	msg := user.Say("my order never arrived")
	recorded := 0
	kefutest.UntilTrue(t, "three failed tries", func() bool {
		a, _ := s.Store.PushAttempts(context.Background(), kefu.PushLogFilter{MessageID: msg.ID})
		if len(a) > recorded {
			// Retries wait on the server's (manual) clock: move it once a
			// try is recorded, never while one is in flight (its lease
			// would run out and the job be claimed again).
			recorded = len(a)
			s.Clock.Advance(time.Second)
		}
		return len(a) == 3
	})

	p := newDeskTab(t, browser)
	p.signIn(s.URL+"/admin#push", "root")
	p.wait("the failed tries", fmt.Sprintf(`document.querySelectorAll('#push-table tr[data-message="%d"][data-result="failed"]').length === 3`, msg.ID))
	tries := deskJS[string](p, fmt.Sprintf(`[...document.querySelectorAll('#push-table tr[data-message="%d"]')].map(r => r.dataset.try).join(",")`, msg.ID))
	if tries != "3,2,1" {
		t.Errorf("tries shown newest first: %q, want 3,2,1", tries)
	}
	p.click(fmt.Sprintf(`#push-table tr[data-message="%d"] .actions button`, msg.ID)) // details
	p.wait("the error", `document.querySelector(".attempt-detail:not([hidden])").innerText.includes("no answer within")`)
	detail := p.text(".attempt-detail:not([hidden])")
	for _, secret := range []string{app.Push.Token, app.Push.EncodingAESKey, app.Secret} {
		if strings.Contains(detail, secret) {
			t.Fatalf("a secret is shown in the push log: %q", detail)
		}
	}
	deskJS[any](p, `document.querySelector("#push-failed").click()`)
	p.wait("failures only", `document.querySelectorAll('#push-table tbody tr[data-result]').length === 3`)
	p.screenshot("admin-push")

	// Send again: the developer is back, the push succeeds on its first try.
	failing.Store(false)
	deskJS[any](p, `document.querySelector("#push-failed").click()`)
	p.click(fmt.Sprintf(`#push-table tr[data-message="%d"] .actions button:last-child`, msg.ID))
	p.click("#repush-confirm") // send again asks first
	kefutest.UntilTrue(t, "the push sent again", func() bool {
		m, _ := s.Store.Message(context.Background(), msg.ID)
		return m.Push == kefu.PushDelivered
	})
	p.click("#push-refresh")
	p.wait("the new delivered try", fmt.Sprintf(`!!document.querySelector('#push-table tr[data-message="%d"][data-result="delivered"]')`, msg.ID))
}

// hostileContentFlow sends script-laden content through every way content
// reaches the workspace — the customer's name, sessionFrom, card, text and
// file name; an agent's rich and product messages; and rich and product
// messages written straight into the store, past the server's sanitiser —
// and checks that none of it ran.
func hostileContentFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	const xss = `<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script>`

	user := s.Customer(app.ID, kefu.ChannelWeb, "hostile-user")
	user.Token = ""
	var out struct {
		Token string `json:"token"`
	}
	if st := user.Do("POST", "/api/client/sessions", map[string]any{"appid": app.ID, "channel": "web",
		"visitor_id": fmt.Sprintf("%-16s", "hostile-user"), "name": `"><svg onload="window.__pwned=3">` + xss[:40]}, &out); st != http.StatusOK {
		t.Fatalf("identify: %d", st)
	}
	user.Token = out.Token
	user.Enter(`<script>window.__pwned=4</script>"onmouseover="window.__pwned=5`, &kefu.MessageCard{Title: xss[:60], Path: `javascript:window.__pwned=6`, Img: `https://img.invalid/card.png`})
	user.Say(xss + ` <a href="javascript:window.__pwned=8">click</a>`)
	media := user.Upload(`"><img src=x onerror="window.__pwned=9">.png`, tinyPNG())
	if st := user.Do("POST", "/api/client/messages", map[string]any{"kind": "image", "image": map[string]string{"media_id": media}}, nil); st != http.StatusCreated {
		t.Fatalf("send image: HTTP %d", st)
	}
	conv := waitQueuedConversation(t, alice)
	alice.Accept(conv)
	alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), map[string]any{"kind": "rich",
		"rich": map[string]string{"html": `<p>ok</p>` + xss + `<a href="javascript:window.__pwned=10">x</a><iframe src="javascript:window.__pwned=11"></iframe>`}}, nil)
	alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), map[string]any{"kind": "product",
		"product": map[string]any{"name": xss, "url": "javascript:window.__pwned=12", "imgUrl": "javascript:window.__pwned=13",
			"params": []map[string]any{{"text": xss, "color": `red;background:url(javascript:window.__pwned=14)`}}}}, nil)
	// Past the sanitiser: what a bug or a tampered database could hold.
	ctx := context.Background()
	err := s.Store.Update(ctx, func(tx kefu.Tx) error {
		c, err := tx.LockConversation(ctx, conv)
		if err != nil {
			return err
		}
		for _, m := range []*kefu.Message{
			{Sender: kefu.SenderAgent, Kind: kefu.KindRich, Phase: kefu.StateActive, CreatedAt: time.Now(), Rich: &kefu.Rich{HTML: xss +
				`<a href="javascript:window.__pwned=15">x</a><div style="background:url(javascript:window.__pwned=16)" onclick="window.__pwned=17">y</div><object data="javascript:window.__pwned=18"></object>`}},
			{Sender: kefu.SenderAgent, Kind: kefu.KindProduct, Phase: kefu.StateActive, CreatedAt: time.Now(), Product: &kefu.Product{Name: xss,
				URL: "javascript:window.__pwned=19", ImgURL: `x" onerror="window.__pwned=20`, Params: []kefu.ProductParam{{Text: xss, Color: `#fff" onmouseover="x`}}}},
			{Sender: kefu.SenderUser, Kind: kefu.KindMiniProgramPage, Phase: kefu.StateActive, CreatedAt: time.Now(), MiniProgramPage: &kefu.MiniProgramPage{
				Title: xss, PagePath: `javascript:window.__pwned=21`, ThumbURL: `javascript:window.__pwned=22`}},
		} {
			if _, _, err := tx.AppendMessage(ctx, c, m); err != nil {
				return err
			}
		}
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		t.Fatal(err)
	}

	p := newDeskTab(t, browser)
	opened := countDialogs(t, p)
	p.signIn(s.URL+"/desk", "alice")
	p.click("#tab-mine")
	p.click("kefu-lists .conv-item .conv-open")
	p.wait("the whole conversation", `document.querySelectorAll("kefu-conversation .kefu-msg").length >= 6`)
	p.click("#tab-history")
	p.fill("#search-q", "click")
	deskJS[any](p, `document.querySelector(".search-form").requestSubmit()`)
	p.wait("search results", `document.querySelectorAll(".search-results .conv-item").length > 0`)
	// Hover and click what an attacker would want clicked.
	deskJS[any](p, `document.querySelectorAll("kefu-conversation .kefu-card, kefu-conversation a, kefu-conversation [onclick]").forEach(e => { e.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); e.click(); })`)
	waitQuiet(p.t, p.ctx) // any injected handler would have run by now
	p.screenshot("desk-hostile")
	if v := deskJS[any](p, `window.__pwned === undefined ? null : window.__pwned`); v != nil {
		t.Fatalf("injected script ran: window.__pwned = %v", v)
	}
	if n := opened.Load(); n != 0 {
		t.Fatalf("injected script opened %d dialogs", n)
	}
	if n := deskJS[int](p, `document.querySelectorAll("kefu-conversation script, kefu-conversation iframe, kefu-conversation object, kefu-conversation [onerror], kefu-conversation [onclick], kefu-conversation [onload]").length`); n != 0 {
		t.Fatalf("%d dangerous elements or attributes made it into the page", n)
	}
	if !strings.Contains(p.text("kefu-conversation .timeline"), "window.__pwned=2") {
		t.Error("script text should be shown as text")
	}
}

// waitQueuedConversation waits for a queued conversation on a desk's socket or queue.
func waitQueuedConversation(t *testing.T, d *kefutest.Desk) int64 {
	t.Helper()
	var id int64
	kefutest.UntilTrue(t, "a queued conversation", func() bool {
		if q := d.Queue(); len(q) > 0 {
			id = q[0].ID
			return true
		}
		return false
	})
	return id
}

// pngBytes is a 1×1 PNG.
func tinyPNG() []byte {
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	png.Encode(&buf, img)
	return buf.Bytes()
}
