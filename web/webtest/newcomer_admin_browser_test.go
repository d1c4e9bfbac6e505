package webtest_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// TestNewcomerAdminInBrowser checks what a newcomer ran into in the admin
// pages and the simulator: the push inspector's decrypted bodies and
// "send again", the app table's agent count, cut-off and misleading
// controls, one clock per language, and the simulator's push panel.
func TestNewcomerAdminInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	browser := kefutest.Browser(t)
	t.Run("push inspector", func(t *testing.T) { pushPlaintextFlow(t, browser) })
	t.Run("admin pages", func(t *testing.T) { adminDetailsFlow(t, browser) })
	t.Run("simulator pushes", func(t *testing.T) { simPushPanelFlow(t, browser) })
}

func pushPlaintextFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	msg := s.Customer(app.ID, kefu.ChannelMiniProgram, "plain-user").Say("where is parcel 42?")
	hook.WaitPushes(1)
	kefutest.UntilTrue(t, "the push delivered", func() bool {
		m, _ := s.Store.Message(context.Background(), msg.ID)
		return m.Push == kefu.PushDelivered
	})

	p := newDeskTab(t, browser)
	p.noExceptions()
	p.signIn(s.URL+"/admin#push", "root")
	row := fmt.Sprintf(`#push-table tr[data-message="%d"]`, msg.ID)
	p.click(row + " .actions button") // details
	p.wait("the decrypted body", `(document.querySelector(".attempt-detail:not([hidden]) pre.plaintext") || {}).textContent?.includes("where is parcel 42?")`)
	if req := deskJS[string](p, `document.querySelector(".attempt-detail:not([hidden]) pre").textContent`); strings.Contains(req, "parcel 42") || !strings.Contains(req, "Encrypt") {
		t.Errorf("the request shown is not the encrypted envelope: %q", req)
	}
	p.screenshot("admin-push")

	// Send again asks first, saying what will happen; cancelling sends nothing.
	tries := func() int {
		a, _ := s.Store.PushAttempts(context.Background(), kefu.PushLogFilter{MessageID: msg.ID})
		return len(a)
	}
	p.click(row + " .actions button:last-child")
	p.wait("the question", `!!document.querySelector("dialog[open] #repush-confirm")`)
	if got := p.text("#repush-what"); !strings.Contains(got, "push URL again") {
		t.Errorf("the question says %q", got)
	}
	p.screenshot("admin-push-again")
	deskJS[any](p, `[...document.querySelectorAll("dialog[open] button")].find((b) => b.id !== "repush-confirm").click()`)
	p.wait("the question gone", `!document.querySelector("dialog[open]")`)
	if n := tries(); n != 1 {
		t.Fatalf("%d tries after cancelling, want 1", n)
	}
	p.click(row + " .actions button:last-child")
	p.click("#repush-confirm")
	kefutest.UntilTrue(t, "the push sent again", func() bool { return tries() == 2 })
}

func adminDetailsFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	p := newDeskTab(t, browser)
	p.noExceptions()
	p.signIn(s.URL+"/admin#agents", "root")

	// The filter's placeholder fits its box.
	p.wait("the agents", `!!document.querySelector("#agents-filter")`)
	fits := deskJS[bool](p, `(() => { const e = document.querySelector("#agents-filter"), cs = getComputedStyle(e);
		const c = document.createElement("canvas").getContext("2d"); c.font = cs.font;
		return c.measureText(e.placeholder).width <= e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight); })()`)
	if !fits {
		t.Error("the agents filter's placeholder is cut off")
	}
	p.screenshot("admin-agents")
	p.do(chromedp.EmulateViewport(390, 844))
	p.screenshot("admin-agents-phone")
	p.do(chromedp.EmulateViewport(1280, 800))

	// The app table counts the admin among those who serve the app.
	p.do(chromedp.Navigate(s.URL + "/admin#apps"))
	p.wait("the apps", `!!document.querySelector("table.data tbody tr")`)
	if got := p.text("table.data tbody tr"); !regexp.MustCompile(`\t2\t`).MatchString(got) {
		t.Errorf("the app's row does not count 2 agents: %q", got)
	}

	// Routing without teams: the way to add one is a link, not a dead field.
	p.do(chromedp.Navigate(s.URL + "/admin#routing"))
	p.wait("the routing page", `!!document.querySelector("#rules-need-team")`)
	if tag := deskJS[string](p, `document.querySelector("#rules-need-team").tagName + " " + document.querySelector("#rules-need-team").getAttribute("href")`); tag != "A #teams" {
		t.Errorf("Add a team first is %q, want a link to the teams", tag)
	}

	// One clock per language: 12-hour in English, 24-hour in Chinese,
	// whatever the options asked for.
	at := time.Date(2026, 3, 5, 15, 4, 0, 0, time.Local).Format(time.RFC3339)
	times := func() string {
		v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](fmt.Sprintf(`import("/static/js/i18n.js").then((m) => [m.formatTime(%q), m.formatTime(%[1]q, { hour: "2-digit", minute: "2-digit" }),
			m.formatTime(%[1]q, { dateStyle: "short", timeStyle: "short" })].join(" | "))`, at), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := times(); !regexp.MustCompile(`^3:04\sPM \| 3:04\sPM \| .*3:04\sPM$`).MatchString(got) {
		t.Errorf("English times: %q", got)
	}
	deskJS[any](p, `document.querySelector("#admin-lang").click()`)
	p.wait("Chinese", `document.documentElement.lang === "zh-CN"`)
	if got := times(); !regexp.MustCompile(`^15:04 \| 15:04 \| .*15:04$`).MatchString(got) {
		t.Errorf("Chinese times: %q", got)
	}
	deskJS[any](p, `localStorage.removeItem("kefu.lang")`)
}

func simPushPanelFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	p := newDeskTab(t, browser)
	p.noExceptions()
	p.do(chromedp.Navigate(s.URL + "/sim?appid=" + app.ID))
	p.wait("the simulated user", `(document.querySelector(".sim-openid code") || {}).textContent?.startsWith("o")`)
	deskJS[any](p, `document.querySelector(".mp-contact").click()`)
	waitPush(t, hook, func(m *wechat.Message) bool { return m.Event == wechat.EventUserEnterTempSession })
	// Something was pushed, and this page may not see it: it says so.
	p.wait("the panel's reason", `document.querySelector(".push-empty").dataset.reason === "sim.pushes_signin"`)
	if got := p.text(".push-empty"); strings.Contains(got, "Nothing pushed") || !strings.Contains(got, "Sign in to the desk to see pushes") {
		t.Errorf("the push panel says %q", got)
	}
	p.screenshot("sim-signin")
	p.do(chromedp.EmulateViewport(390, 844))
	p.screenshot("sim-phone")
	p.do(chromedp.EmulateViewport(1280, 800))
}
