package webtest_test

import (
	"context"
	"fmt"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"image/color"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// testDemo is the widget on the sample shop page, as a customer uses it:
// the floating button stays put while the page scrolls; opening the chat
// pushes user_enter_tempsession with the button's sessionFrom; the message
// card offer sends the default (page) card from the floating button and the
// configured one from the inline button; a chat with an agent works both
// ways with text and pictures, typing and the agent's name; taps on mini
// program pages fire the contact event on the page; the unread badge
// counts; a reload shows the history; and a connection cut while the agent
// writes loses nothing and duplicates nothing.
func (env *browserEnv) testDemo(t *testing.T) {
	s := env.s
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	hook.OnPush(kefutest.TransferOn("human please"))
	alice := env.agent(t, "alice", "Alice Wong", app.ID)
	ctx := env.tab(t)
	page := s.URL + "/demo?appid=" + app.ID
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatal(err)
	}
	ready := func(el string) string { return el + `?.shadowRoot.querySelector(".root.is-ready") != null` }
	waitFor(t, ctx, "the floating button", ready(floating))
	waitFor(t, ctx, "the inline button", ready(inline))

	// The floating button sits at the bottom right and stays there.
	vw, vh := run[float64](t, ctx, `innerWidth`), run[float64](t, ctx, `innerHeight`)
	button := floating + `.shadowRoot.querySelector(".button")`
	before := rectOf(t, ctx, button)
	if right, bottom := vw-(before.X+before.W), vh-(before.Y+before.H); right < 8 || right > 48 || bottom < 8 || bottom > 48 {
		t.Fatalf("floating button at %+v in a %.0fx%.0f viewport: not at the bottom right", before, vw, vh)
	}
	inlineBefore := rectOf(t, ctx, inline)
	do(t, ctx, `window.scrollTo(0, 1600)`)
	waitFor(t, ctx, "the page to scroll", `scrollY > 1000`)
	if after := rectOf(t, ctx, button); after != before {
		t.Fatalf("the floating button moved from %+v to %+v when the page scrolled", before, after)
	}
	if got := rectOf(t, ctx, inline); got.Y >= inlineBefore.Y-500 {
		t.Fatalf("the inline button did not scroll with the page: %+v then %+v", inlineBefore, got)
	}
	if hit := run[string](t, ctx, fmt.Sprintf(`document.elementFromPoint(%f, %f)?.tagName`, before.X+before.W/2, before.Y+before.H/2)); hit != "KEFU-CUSTOMER-SERVICE" {
		t.Fatalf("the middle of the floating button is covered by %s", hit)
	}
	do(t, ctx, `window.scrollTo(0, 0)`)

	// Opening the chat from the floating button: the enter event, and the
	// page's own card (title, path, og:image) offered.
	click(t, ctx, button)
	enter := waitPush(t, hook, func(m *wechat.Message) bool { return m.Event == wechat.EventUserEnterTempSession })
	if enter.SessionFrom != "demo-page" {
		t.Errorf("sessionFrom %q, want demo-page", enter.SessionFrom)
	}
	waitFor(t, ctx, "the card offer", inChat(`!d.querySelector("kefu-card-offer").hidden`))
	title := run[string](t, ctx, `document.title`)
	if got := run[string](t, ctx, inChat(`d.querySelector(".offer-title").textContent`)); got != title {
		t.Errorf("offered card title %q, want the page title %q", got, title)
	}
	do(t, ctx, inChat(`d.querySelector(".offer-send").click()`))
	card := waitPush(t, hook, func(m *wechat.Message) bool { return m.MsgType == wechat.MsgTypeMiniProgramPage })
	u, _ := url.Parse(page)
	if card.Title != title || card.PagePath != u.RequestURI() || card.ThumbURL != s.URL+"/static/widget/img/kettle.png" {
		t.Errorf("default card pushed as %q %q %q; want the page's title, path and og:image", card.Title, card.PagePath, card.ThumbURL)
	}
	// As from WeChat, the push carries a ThumbMediaId the developer can fetch.
	wantThumbMedia(t, s, app, card.ThumbMediaID)
	waitFor(t, ctx, "the card in the log", inChat(`d.querySelector('.log-list [data-kind="miniprogrampage"]')`))

	// The inline button opens the same chat with its own settings.
	click(t, ctx, inline+`.shadowRoot.querySelector(".button")`)
	enter2 := waitPush(t, hook, func(m *wechat.Message) bool {
		return m.Event == wechat.EventUserEnterTempSession && m.SessionFrom == "product-k2"
	})
	_ = enter2
	waitFor(t, ctx, "the configured card offer", inChat(`d.querySelector(".offer-title").textContent === "Smart Kettle K2 · 1.7 L" && !d.querySelector("kefu-card-offer").hidden`))
	do(t, ctx, inChat(`d.querySelector(".offer-send").click()`))
	card2 := waitPush(t, hook, func(m *wechat.Message) bool {
		return m.MsgType == wechat.MsgTypeMiniProgramPage && m.PagePath == "/pages/item?id=42"
	})
	if card2.Title != "Smart Kettle K2 · 1.7 L" || card2.ThumbURL != s.URL+"/static/widget/img/kettle.png" {
		t.Errorf("configured card pushed as %q %q", card2.Title, card2.ThumbURL)
	}
	wantThumbMedia(t, s, app, card2.ThumbMediaID)

	// Asking for a human with the keyboard: queued, then served by Alice.
	waitFor(t, ctx, "the composer to have focus", inChat(`d.activeElement && d.activeElement.classList.contains("composer-input")`))
	if err := chromedp.Do(ctx, chromedp.KeyEvent("human please\r")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the queue banner", inChat(`!d.querySelector(".chat-banner").hidden && /1/.test(d.querySelector(".chat-banner").textContent)`))
	conv := alice.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	alice.Accept(conv)
	waitFor(t, ctx, "Alice in the header", inChat(`d.querySelector(".header-title").textContent === "Alice Wong" && d.querySelector(".header-avatar").textContent === "AW"`))
	waitFor(t, ctx, "the banner to go", inChat(`d.querySelector(".chat-banner").hidden`))

	// Both ways, with typing.
	alice.Say(conv, "Hello! I'm Alice. How can I help with the kettle?")
	waitFor(t, ctx, "Alice's message", inChat(`[...d.querySelectorAll(".log-row.is-agent")].some((r) => r.textContent.includes("I'm Alice"))`))
	do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = "Does it"; i.dispatchEvent(new Event("input")); })()`))
	alice.WaitEvent("the customer typing", func(ev *engine.Event) bool {
		return ev.Type == engine.EventTyping && ev.Typing != nil && ev.Typing.Who == kefu.SenderUser && ev.Typing.On
	})
	if st := alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/typing", conv), map[string]bool{"on": true}, nil); st >= 300 {
		t.Fatalf("desk typing: HTTP %d", st)
	}
	waitFor(t, ctx, "Alice typing", inChat(`!d.querySelector(".log-typing").hidden && d.querySelector(".log-typing").textContent.includes("Alice Wong")`))
	do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = "Does it come in white?"; i.dispatchEvent(new Event("input")); d.querySelector(".composer-send").click(); })()`))
	alice.WaitEvent("the question", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message.Text != nil && ev.Message.Text.Content == "Does it come in white?"
	})

	// Pictures both ways.
	do(t, ctx, inChat(`(async () => {
		const c = d.createElement("canvas"); c.width = 160; c.height = 120;
		const g = c.getContext("2d"); const gr = g.createLinearGradient(0, 0, 160, 120); gr.addColorStop(0, "#f6e3c6"); gr.addColorStop(1, "#d9a66b");
		g.fillStyle = gr; g.fillRect(0, 0, 160, 120); g.fillStyle = "#8a5a2b"; g.fillRect(0, 88, 160, 32); g.fillStyle = "#fafafa"; g.fillRect(58, 38, 44, 52);
		const blob = await new Promise((r) => c.toBlob(r, "image/png"));
		const dt = new w.DataTransfer(); dt.items.add(new w.File([blob], "my-kitchen.png", { type: "image/png" }));
		const input = d.querySelector("kefu-composer input[type=file]"); input.files = dt.files; input.dispatchEvent(new Event("change"));
	})()`))
	alice.WaitEvent("the customer's picture", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message.Kind == kefu.KindImage && ev.Message.Sender == kefu.SenderUser
	})
	media := deskUpload(t, s, alice, app.ID, testPNG(color.RGBA{120, 190, 230, 255}))
	deskSend(t, alice, conv, map[string]any{"kind": "image", "image": map[string]string{"media_id": media}})
	waitFor(t, ctx, "Alice's picture, loaded", inChat(`[...d.querySelectorAll('.log-row.is-agent img.kefu-image')].some((i) => i.complete && i.naturalWidth === 120)`))
	waitFor(t, ctx, "the customer's picture, stored and loaded", inChat(`[...d.querySelectorAll('.log-row.is-user img.kefu-image')].some((i) => i.src.includes("/media/") && i.complete && i.naturalWidth === 160)`))
	do(t, ctx, inChat(`d.querySelector('.log-row.is-agent img.kefu-image').click()`))
	waitFor(t, ctx, "the picture viewer", inChat(`d.querySelector("dialog.viewer").open`))
	do(t, ctx, inChat(`d.querySelector("dialog.viewer").close()`))

	// Mini program pages in the chat fire the page's contact event.
	deskSend(t, alice, conv, map[string]any{"kind": "product", "product": map[string]any{
		"name": "Smart Kettle K2 · white", "url": "/pages/item?id=43&from=chat", "imgUrl": s.URL + "/static/widget/img/kettle.svg",
		"params": []map[string]any{{"text": "¥299.00", "color": "#C62828", "size": 16}, {"text": "In stock", "break": true}}}})
	alice.Say(conv, `Or see <a href="" data-miniprogram-path="/pages/compare?a=42&b=43">the comparison</a>.`)
	waitFor(t, ctx, "the product card", inChat(`d.querySelector(".kefu-product")`))
	waitFor(t, ctx, "the mini program link", inChat(`d.querySelector(".kefu-mp-link")`))
	env.screenshots(t, ctx)
	do(t, ctx, inChat(`d.querySelector(".kefu-product").click()`))
	waitFor(t, ctx, "the contact event", `document.querySelector("#contact-log").textContent.includes('path /pages/item · query {"id":"43","from":"chat"}')`)
	do(t, ctx, inChat(`d.querySelector(".kefu-mp-link").click()`))
	waitFor(t, ctx, "the second contact event", `document.querySelectorAll("#contact-log li").length === 2`)
	if got := run[string](t, ctx, `document.querySelectorAll("#contact-log li")[1].textContent`); got != `path /pages/compare · query {"a":"42","b":"43"}` {
		t.Errorf("contact from a text link: %s", got)
	}

	// Closed, the button counts what Alice writes; opening reads it.
	do(t, ctx, inChat(`d.querySelector(".header-close").click()`))
	waitFor(t, ctx, "the chat to close", floating+`.shadowRoot.querySelector(".button").getAttribute("aria-expanded") === "false" && !document.querySelector("kefu-chat-window").shadowRoot.querySelector(".window").classList.contains("is-open")`)
	alice.Say(conv, "It does come in white.")
	alice.Say(conv, "Anything else?")
	badge := floating + `.shadowRoot.querySelector(".badge")`
	waitFor(t, ctx, "the unread badge", `!`+badge+`.hidden && `+badge+`.textContent === "2"`)
	if label := run[string](t, ctx, button+`.getAttribute("aria-label")`); !strings.Contains(label, "2") {
		t.Errorf("the button's label does not say how many are unread: %q", label)
	}
	click(t, ctx, button)
	waitFor(t, ctx, "the badge to clear", badge+`.hidden`)

	// A reload shows the history.
	seen := run[int](t, ctx, inChat(`d.querySelectorAll(".log-list [data-seq]").length`))
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the button after the reload", ready(floating))
	click(t, ctx, button)
	waitFor(t, ctx, "the history", inChat(`d.querySelector(".log-list").textContent.includes("Anything else?") && d.querySelector(".log-list").textContent.includes("I'm Alice")`))
	if n := run[int](t, ctx, inChat(`d.querySelectorAll(".log-list .log-row[data-seq], .log-list .kefu-notice").length`)); n < seen/2 {
		t.Errorf("after the reload the log shows %d messages; before, %d nodes", n, seen)
	}

	// The connection drops while Alice writes and the customer sends:
	// nothing is lost and nothing arrives twice.
	do(t, ctx, inChat(`w.__kefuChat.offline()`))
	for i := range 4 {
		alice.Say(conv, fmt.Sprintf("While you were away %d", i))
	}
	deskSend(t, alice, conv, map[string]any{"kind": "image", "image": map[string]string{"media_id": media}})
	do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = "Sent while offline"; i.dispatchEvent(new Event("input")); d.querySelector(".composer-send").click(); })()`))
	waitFor(t, ctx, "the pending message", inChat(`d.querySelector(".log-pending").textContent.includes("Sent while offline")`))
	time.Sleep(300 * time.Millisecond)
	do(t, ctx, inChat(`w.__kefuChat.online()`))
	waitFor(t, ctx, "the messages written meanwhile", inChat(`d.querySelector(".log-list").textContent.includes("While you were away 3")`))
	waitFor(t, ctx, "the offline message, delivered", inChat(`d.querySelector(".log-pending").children.length === 0 && d.querySelector(".log-list").textContent.includes("Sent while offline")`))
	// The same connection is cut again and resumes from where it was.
	do(t, ctx, inChat(`w.__kefuChat.offline()`))
	alice.Say(conv, "One more while away")
	do(t, ctx, inChat(`w.__kefuChat.online()`))
	waitFor(t, ctx, "the last message", inChat(`d.querySelector(".log-list").textContent.includes("One more while away")`))

	seqs := run[[]int](t, ctx, inChat(`[...d.querySelectorAll(".log-list > [data-seq]")].map((e) => +e.dataset.seq)`))
	dup := map[int]bool{}
	for i, q := range seqs {
		if dup[q] || i > 0 && q < seqs[i-1] {
			t.Fatalf("message %d shown twice or out of order: %v", q, seqs)
		}
		dup[q] = true
	}
	for _, text := range []string{"While you were away 0", "While you were away 1", "While you were away 2", "While you were away 3", "One more while away", "Sent while offline"} {
		if n := run[int](t, ctx, inChat(fmt.Sprintf(`[...d.querySelectorAll(".log-list .kefu-bubble")].filter((b) => b.textContent === %q).length`, text))); n != 1 {
			t.Errorf("%q is shown %d times", text, n)
		}
	}
	stored := 0
	for _, m := range alice.Messages(conv, 0) {
		if m.Text != nil && m.Text.Content == "Sent while offline" {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("the message sent while offline is stored %d times", stored)
	}
	images := run[int](t, ctx, inChat(`d.querySelectorAll('.log-row.is-agent img.kefu-image').length`))
	if images != 2 {
		t.Errorf("%d agent pictures shown, want 2", images)
	}

}

// screenshots saves the open chat at desktop and phone size (for the docs).
func (env *browserEnv) screenshots(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, `document.activeElement.blur()`)
	do(t, ctx, inChat(`d.activeElement.blur()`))
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", 5, 5)); err != nil {
		t.Fatal(err)
	}
	waitSettled(t, ctx)
	kefutest.Screenshot(t, ctx, "widget-desktop")
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	win := `document.querySelector("kefu-chat-window").shadowRoot.querySelector(".window")`
	waitFor(t, ctx, "the full-screen chat", win+`.getBoundingClientRect().width === 390`)
	waitSettled(t, ctx)
	kefutest.Screenshot(t, ctx, "widget-phone")
	if err := chromedp.Do(ctx, chromedp.EmulateReset()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the desktop window", win+`.getBoundingClientRect().width < 500`)
}

// waitPush waits for a verified push matching pred.
func waitPush(t *testing.T, h *kefutest.Hook, pred func(m *wechat.Message) bool) *wechat.Message {
	t.Helper()
	var got *wechat.Message
	kefutest.UntilTrue(t, "a push of the kind wanted", func() bool {
		for _, p := range h.Pushes() {
			if p.Message != nil && pred(p.Message) {
				got = p.Message
				return true
			}
		}
		return false
	})
	return got
}

// testWebView opens the demo page as a mini program's web-view does (the
// JS-SDK's wx.miniProgram present): the root gets the mini program class,
// and a tap on a product card with a path navigates the mini program
// instead of the browser.
func (env *browserEnv) testWebView(t *testing.T) {
	s := env.s
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	dan := env.agent(t, "dan", "Dan", app.ID)
	ctx := env.tab(t)
	stub := `window.__wxjs_environment = "miniprogram"; window.wx = { miniProgram: { navigateTo(o) { (window.__navigated ||= []).push(o.url); } } };`
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: stub})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/demo?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the button", floating+`?.shadowRoot.querySelector(".root.is-ready") != null`)
	if cls := run[string](t, ctx, floating+`.className`); cls != "wd-customer-service wd-mp-customer-service" {
		t.Errorf("root classes %q in a web-view", cls)
	}
	click(t, ctx, floating+`.shadowRoot.querySelector(".button")`)
	waitFor(t, ctx, "the chat", inChat(`d.querySelector(".composer-input")`))
	do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = "hi"; i.dispatchEvent(new Event("input")); d.querySelector(".composer-send").click(); })()`))
	conv := dan.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	dan.Accept(conv)
	deskSend(t, dan, conv, map[string]any{"kind": "product", "product": map[string]any{"name": "Kettle", "url": "/pages/product/detail?id=9"}})
	waitFor(t, ctx, "the product", inChat(`d.querySelector(".kefu-product")`))
	start := run[string](t, ctx, `location.href`)
	do(t, ctx, inChat(`d.querySelector(".kefu-product").click()`))
	waitFor(t, ctx, "wx.miniProgram.navigateTo", `(window.__navigated || []).length === 1`)
	if got := run[string](t, ctx, `window.__navigated[0]`); got != "/pages/product/detail?id=9" {
		t.Errorf("navigateTo(%q)", got)
	}
	if got := run[string](t, ctx, `location.href`); got != start {
		t.Errorf("the browser navigated to %s", got)
	}
}

// wantThumbMedia checks that a card's ThumbMediaId is a PNG the developer
// can fetch through /cgi-bin/media/get, as a developer would.
func wantThumbMedia(t *testing.T, s *kefutest.Server, app *kefu.App, mediaID string) {
	t.Helper()
	if mediaID == "" {
		t.Error("the card was pushed without a ThumbMediaId; WeChat always sends one")
		return
	}
	c := wechat.NewClient(app.ID, app.Secret, wechat.WithBaseURL(s.URL))
	data, ct, err := c.GetTempMedia(context.Background(), mediaID)
	if err != nil || ct != "image/png" || len(data) == 0 {
		t.Errorf("media/get of the card's ThumbMediaId %q: %d bytes of %q, %v", mediaID, len(data), ct, err)
	}
}
