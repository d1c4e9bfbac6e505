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
)

// TestNewcomerWorkspaceInBrowser walks the workspace as a newcomer did and
// checks what they ran into: starting offline, the queue's order, how
// customers and previews are named, delivery shown on the messages, sends
// through a network drop, being set offline while away, and a phone.
func TestNewcomerWorkspaceInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	browser := kefutest.Browser(t)
	t.Run("offline start and the queue", func(t *testing.T) {
		offlineStartFlow(t, browser)
	})
	t.Run("set offline while away", func(t *testing.T) { awayFlow(t, browser) })
}

func offlineStartFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	alice := s.Agent("alice", kefu.RoleAgent, app.ID) // no auto-accept
	first := s.Customer(app.ID, kefu.ChannelWeb, "first-visitor")
	first.Connect(0)
	m1 := first.Say("I have waited longest")
	s.Clock.Advance(time.Minute)
	second := s.Customer(app.ID, kefu.ChannelWeb, "second-visitor")
	m2 := second.Say("I came second")
	msg1, _ := s.Store.Message(ctx, m1.ID)
	msg2, _ := s.Store.Message(ctx, m2.ID)

	p := newDeskTab(t, browser)
	p.noExceptions()
	p.signIn(s.URL+"/desk", "alice")
	p.recordToasts()

	// Signed in and offline: the page says so, with a one-click way out.
	p.wait("the offline note", `!document.querySelector("kefu-status-note").hidden && !!document.querySelector("#go-online")`)
	if got := p.text("#status-note-text"); !strings.Contains(got, "You are offline") {
		t.Errorf("the status note says %q", got)
	}
	// Mine, empty, says how this agent (no auto-accept) gets sessions.
	p.click("#tab-mine")
	if got := p.text("#list-empty"); !strings.Contains(got, "not given to you automatically") || !strings.Contains(got, "Accept next") {
		t.Errorf("empty Mine for a manual agent says %q", got)
	}
	p.click("#tab-queue")
	p.wait("both customers", `document.querySelectorAll("kefu-lists .conv-item").length === 2`)

	// Unnamed web visitors: one stable display name, never the raw openid.
	names := deskJS[[]string](p, `[...document.querySelectorAll("kefu-lists .conv-name")].map((e) => e.textContent)`)
	visitor := regexp.MustCompile(`^Visitor [0-9a-f]{4}$`)
	for _, n := range names {
		if !visitor.MatchString(n) {
			t.Errorf("a visitor is listed as %q", n)
		}
	}
	if list := p.text("kefu-lists"); strings.Contains(list, first.OpenID) || strings.Contains(list, second.OpenID) {
		t.Errorf("the queue shows a raw openid: %q", list)
	}
	// The queue is served oldest first; taking another is out of turn, and marked.
	order := deskJS[string](p, `[...document.querySelectorAll("kefu-lists .conv-item")].map((e) => e.dataset.id).join(",")`)
	if want := fmt.Sprintf("%d,%d", msg1.ConversationID, msg2.ConversationID); order != want {
		t.Errorf("queue order %s, want the longest waiting first: %s", order, want)
	}
	if !deskJS[bool](p, `document.querySelectorAll("kefu-lists .conv-item")[1].querySelector(".accept").classList.contains("is-out-of-turn")`) {
		t.Error("the second customer's Accept is not marked out of turn")
	}
	p.screenshot("desk-pending")

	// "Accept next" while offline: online first, then the longest waiting customer.
	p.click("#accept-next")
	p.wait("the accepted conversation", `!!document.querySelector("#conv-close")`)
	if a, _ := s.Store.Agent(ctx, alice.ID); a.Status != kefu.StatusOnline {
		t.Errorf("alice is %s after accepting, want online", a.Status)
	}
	if c, _ := s.Store.Conversation(ctx, msg1.ConversationID); c.AgentID != alice.ID {
		t.Errorf("Accept next took conversation %d's customer? it is with %d", msg1.ConversationID, c.AgentID)
	}
	p.wait("the offline note gone", `document.querySelector("kefu-status-note").hidden`)
	p.wait("told online", `window.__toasts.some((s) => s.includes("You are online now."))`)
	header := p.text("#conv-name")
	if header != names[0] {
		t.Errorf("the conversation is titled %q, the list said %q", header, names[0])
	}
	if pane := p.text("kefu-customer-panel"); !strings.Contains(pane, header) || strings.Contains(pane, "Anonymous") {
		t.Errorf("the side pane names the customer differently: %q", pane)
	}

	// A server error is a sentence from the text files, not the server's words.
	sentence, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`import("/static/js/desk/api.js").then((m) => m.api("POST", "/api/desk/conversations/999999/accept", {})).then(() => "", (e) => e.message)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if sentence != "It no longer exists, or you may not see it." {
		t.Errorf("a not-found error reads %q", sentence)
	}

	// Previews say who wrote the last message; a note never reads as the customer's words.
	api := s.SignIn("alice")
	api.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", msg1.ConversationID),
		map[string]any{"client_msg_id": "note-1", "kind": "text", "internal": true, "text": map[string]string{"content": "VIP, be nice"}}, nil)
	p.click("#tab-mine")
	preview := fmt.Sprintf(`(document.querySelector('kefu-lists .conv-item[data-id="%d"] .conv-preview') || {}).textContent`, msg1.ConversationID)
	p.wait("the note's preview", preview+` === "Note: VIP, be nice"`)

	// Sends survive a dropped answer: the retry reuses the client message id,
	// so the customer gets each message once, in order.
	// The page's network, as sends see it: a dropped answer once, then
	// (window.__offline) no network at all.
	deskJS[any](p, `(() => { const real = window.fetch; let drop = true;
		window.fetch = async (url, init) => {
			const send = init && init.method === "POST" && String(url).endsWith("/messages");
			if (send && window.__offline) throw new TypeError("Failed to fetch");
			const res = await real(url, init);
			if (send && drop) { drop = false; throw new TypeError("Failed to fetch"); }
			return res; }; })()`)
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "one\r"))
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "two\r"))
	first.WaitMessage("two", func(m *kefutest.ClientMessage) bool { return m.Text != nil && m.Text.Content == "two" })
	p.wait("both sent", `document.querySelectorAll("kefu-conversation .kefu-msg.is-outbox").length === 0 && document.querySelector("kefu-conversation .timeline").innerText.includes("two")`)
	var got []string
	for _, m := range storedMessages(t, s, msg1.ConversationID) {
		if m.Sender == kefu.SenderAgent && !m.Internal {
			got = append(got, m.Text.Content)
		}
	}
	if strings.Join(got, ",") != "one,two" {
		t.Errorf("the customer's conversation holds %q, want one,two once each and in order", got)
	}
	if v := deskJS[string](p, `document.querySelector("#composer-text").value`); v != "" {
		t.Errorf("after sending, the composer holds %q", v)
	}
	p.wait("the preview is ours", preview+` === "You: two"`)
	if n := deskJS[int](p, `[...document.querySelectorAll("kefu-conversation .kefu-msg")].filter((e) => e.innerText.includes("one")).length`); n != 1 {
		t.Errorf("\"one\" shows %d times", n)
	}

	// The network goes: the message waits, marked, and goes when it is back.
	deskJS[any](p, `window.__offline = true`)
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "three\r"))
	p.wait("retrying shown", `(document.querySelector("kefu-conversation .kefu-msg.is-outbox .msg-state") || {}).textContent?.includes("retrying")`)
	p.screenshot("desk-outbox")
	deskJS[any](p, `window.__offline = false`)
	first.WaitMessage("three", func(m *kefutest.ClientMessage) bool { return m.Text != nil && m.Text.Content == "three" })
	p.wait("three sent", `document.querySelectorAll("kefu-conversation .kefu-msg.is-outbox").length === 0`)

	// Delivery on the messages: "Seen" under the last one the customer read.
	last := storedMessages(t, s, msg1.ConversationID)
	first.Do("POST", "/api/client/read", map[string]int64{"delivered": last[len(last)-1].Seq, "read": last[len(last)-1].Seq}, nil)
	p.wait("Seen", `(() => { const seen = document.querySelectorAll("kefu-conversation .seen");
		return seen.length === 1 && seen[0].closest(".kefu-msg").innerText.includes("three"); })()`)
	if pane := p.text("kefu-customer-panel"); strings.Contains(pane, "Read up to") || strings.Contains(pane, "Received up to") {
		t.Errorf("the side pane still shows sequence numbers: %q", pane)
	}
	deskJS[any](p, `document.activeElement.blur()`)
	p.screenshot("desk-workspace")

	// A phone: one view at a time, nothing wider than the screen, the
	// status and End session in reach.
	p.do(chromedp.EmulateViewport(390, 844))
	defer p.do(chromedp.EmulateViewport(1280, 800))
	fits := `document.documentElement.scrollWidth <= innerWidth`
	visible := func(sel string) string {
		return fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= innerWidth; })()`, sel)
	}
	p.wait("the conversation on a phone", fits+" && "+visible("#conv-close")+" && "+visible("#desk-status"))
	p.screenshot("desk-phone-conversation")
	p.click("#conv-back")
	p.wait("the lists on a phone", fits+" && "+visible("kefu-lists .conv-item")+" && "+visible("#desk-status")+
		` && getComputedStyle(document.querySelector(".col-conversation")).display === "none"`)
	p.screenshot("desk-phone-list")
	p.click(fmt.Sprintf(`kefu-lists .conv-item[data-id="%d"] .conv-open`, msg1.ConversationID))
	p.wait("back in the conversation", fits+" && "+visible("#conv-close"))
	p.click("#conv-details")
	p.wait("the details", fits+` && document.querySelector("kefu-customer-panel").getBoundingClientRect().top < innerHeight`)
	p.screenshot("desk-phone-details")
}

// awayFlow: an agent leaves the workspace for longer than the presence
// grace; on return the page says what happened.
func awayFlow(t *testing.T, browser context.Context) {
	const grace = 3 * time.Minute
	s := kefutest.NewServer(t, kefutest.Options{PresenceGrace: grace})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	alice := s.Agent("alice", kefu.RoleAgent, app.ID)
	// A tab of its own, closed when alice leaves (the browser keeps the cookie).
	tab, closeTab := chromedp.NewContext(browser)
	defer closeTab()
	p := &deskTab{t: t, ctx: kefutest.Timeout(t, tab, 90*time.Second)}
	p.signIn(s.URL+"/desk", "alice")
	p.click("#go-online")
	kefutest.UntilTrue(t, "alice online with a workspace", func() bool {
		a, _ := s.Store.Agent(ctx, alice.ID)
		return a.Status == kefu.StatusOnline && s.HTTP.AgentConnections(alice.ID) == 1
	})
	startAwayConversation(t, s, s.SignIn("alice"))
	// From now on the router gives her sessions without a click.
	if err := s.Store.Update(ctx, func(tx kefu.Tx) error {
		a, err := tx.Agent(ctx, alice.ID)
		if err != nil {
			return err
		}
		a.AutoAccept = true
		return tx.SaveAgent(ctx, a)
	}); err != nil {
		t.Fatal(err)
	}

	closeTab()
	kefutest.UntilTrue(t, "the workspace closed", func() bool { return s.HTTP.AgentConnections(alice.ID) == 0 })
	kefutest.UntilTrue(t, "alice set offline", func() bool {
		s.Clock.Advance(grace / 4)
		a, _ := s.Store.Agent(ctx, alice.ID)
		return a.Status == kefu.StatusOffline
	})
	p = newDeskTab(t, browser)
	p.noExceptions()
	p.do(chromedp.Navigate(s.URL + "/desk"))
	p.wait("the away note", `(document.querySelector("#status-note-text") || {}).textContent?.includes("set offline after 3 min away")`)
	if got := p.text("#status-note-text"); !strings.Contains(got, "your session went back to the queue") {
		t.Errorf("the away note says %q", got)
	}
	p.screenshot("desk-away")
	// Mine, empty, tells an auto-accepting agent what going online does — and then that it did.
	p.click("#tab-mine")
	if got := p.text("#list-empty"); !strings.Contains(got, "Go online and new sessions come to you automatically") {
		t.Errorf("empty Mine for an offline auto-accepting agent says %q", got)
	}
	p.click("#go-online")
	p.wait("the note gone", `document.querySelector("kefu-status-note").hidden`)
	// As the text said: the waiting session comes to her without a click.
	p.wait("the session given to alice", `document.querySelectorAll("kefu-lists .conv-item").length === 1 && document.querySelector("#tab-mine").getAttribute("aria-selected") === "true"`)
}

func storedMessages(t *testing.T, s *kefutest.Server, conv int64) []*kefu.Message {
	t.Helper()
	msgs, err := s.Store.Messages(context.Background(), conv, 0, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// startAwayConversation gives the desk's agent a conversation to serve.
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
