package webtest_test

import (
	"fmt"
	"image/color"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// testSimulator uses the mini program simulator as a developer would: sign
// in to see the pushes, set the button's attributes, open the chat (the
// enter event carries session-from), send the offered card, a text and a
// picture, ask for a human, get a mini program card and a path link from
// the agent and tap them (bindcontact with path and query, and the
// simulated mini program navigates) — with each push shown beside the
// conversation, decrypted, and hostile content shown as text only.
func (env *browserEnv) testSimulator(t *testing.T) {
	s := env.s
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	hook.OnPush(kefutest.TransferOn("转人工"))
	bob := env.agent(t, "bob", "Bob Li", app.ID)
	ctx := env.tab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1480, 940)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sim?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, recordViolations+`(document, window)`)
	waitFor(t, ctx, "the simulated user's openid", `document.querySelector(".sim-openid code").textContent.startsWith("o")`)
	openid := run[string](t, ctx, `document.querySelector(".sim-openid code").textContent`)

	// Pushes are for the app's agents: sign in on the spot.
	waitFor(t, ctx, "the sign-in form", `!document.querySelector(".sim-signin").hidden`)
	do(t, ctx, fmt.Sprintf(`(() => { const f = document.querySelector(".sim-signin"); f.login.value = "bob"; f.password.value = %q; f.requestSubmit(); })()`, kefutest.AgentPassword))
	waitFor(t, ctx, "the sign-in form to go", `document.querySelector(".sim-signin").hidden`)

	// The button's attributes.
	thumb := s.URL + "/static/widget/img/kettle.svg"
	do(t, ctx, fmt.Sprintf(`(() => { const f = document.querySelector(".sim-attrs");
		f.sessionFrom.value = "sim-test"; f.title.value = "Kettle K2 (sim)"; f.path.value = "/pages/item/item?id=7"; f.img.value = %q;
		f.showCard.checked = true; f.dispatchEvent(new Event("input")); })()`, thumb))
	if got := run[string](t, ctx, `document.querySelector(".sim-wxml").textContent`); !strings.Contains(got, `session-from="sim-test"`) || !strings.Contains(got, `send-message-path="/pages/item/item?id=7"`) {
		t.Errorf("the WXML does not follow the attributes:\n%s", got)
	}

	// Open the chat: the enter event, and the card offer.
	click(t, ctx, `document.querySelector(".mp-contact")`)
	enter := waitPush(t, hook, func(m *wechat.Message) bool { return m.Event == wechat.EventUserEnterTempSession })
	if enter.SessionFrom != "sim-test" || enter.FromUserName != openid {
		t.Errorf("enter push: session-from %q from %q, want sim-test from %q", enter.SessionFrom, enter.FromUserName, openid)
	}
	waitFor(t, ctx, "the card offer", `!document.querySelector("kefu-card-offer").hidden && document.querySelector(".offer-title").textContent === "Kettle K2 (sim)"`)
	do(t, ctx, `document.querySelector(".offer-send").click()`)
	card := waitPush(t, hook, func(m *wechat.Message) bool { return m.MsgType == wechat.MsgTypeMiniProgramPage })
	if card.Title != "Kettle K2 (sim)" || card.PagePath != "/pages/item/item?id=7" || card.ThumbURL != thumb || card.AppID != app.ID {
		t.Errorf("card push %q %q %q %q", card.Title, card.PagePath, card.ThumbURL, card.AppID)
	}

	// Text and a picture, as WeChat pushes them.
	do(t, ctx, `(() => { const i = document.querySelector(".composer-input"); i.value = "hello from the sim"; i.dispatchEvent(new Event("input")); document.querySelector(".composer-send").click(); })()`)
	waitPush(t, hook, func(m *wechat.Message) bool { return m.Content == "hello from the sim" })
	do(t, ctx, `(async () => {
		const c = document.createElement("canvas"); c.width = 200; c.height = 150;
		const g = c.getContext("2d"); const gr = g.createLinearGradient(0, 0, 200, 150); gr.addColorStop(0, "#ffd39b"); gr.addColorStop(1, "#f08a5d");
		g.fillStyle = gr; g.fillRect(0, 0, 200, 150); g.fillStyle = "#fff8"; g.beginPath(); g.arc(140, 55, 26, 0, 7); g.fill();
		const blob = await new Promise((r) => c.toBlob(r, "image/png"));
		const dt = new DataTransfer(); dt.items.add(new File([blob], "photo.png", { type: "image/png" }));
		const input = document.querySelector("kefu-composer input[type=file]"); input.files = dt.files; input.dispatchEvent(new Event("change"));
	})()`)
	img := waitPush(t, hook, func(m *wechat.Message) bool { return m.MsgType == wechat.MsgTypeImage })
	if !strings.HasPrefix(img.PicURL, s.URL+"/media/") || img.MediaID == "" {
		t.Errorf("image push: PicUrl %q MediaId %q", img.PicURL, img.MediaID)
	}

	// The raw pushes, side by side with the conversation.
	waitFor(t, ctx, "four pushes in the log", `document.querySelectorAll("kefu-push-log .push").length >= 4`)
	kinds := run[string](t, ctx, `[...document.querySelectorAll("kefu-push-log .push-kind")].map((e) => e.textContent).join(" ")`)
	if kinds != "user_enter_tempsession miniprogrampage text image" {
		t.Errorf("push log kinds %q", kinds)
	}
	textPush := `[...document.querySelectorAll("kefu-push-log .push")].find((p) => p.querySelector(".push-kind").textContent === "text")`
	detail := run[string](t, ctx, `(() => { const p = `+textPush+`; p.querySelector("details").open = true; return p.querySelector(".push-detail").textContent; })()`)
	for _, want := range []string{"encrypt_type", "aes", "msg_signature", `"Encrypt"`, `"Content": "hello from the sim"`, `"FromUserName": "` + openid + `"`, "success"} {
		if !strings.Contains(detail, want) {
			t.Errorf("the text push's details lack %q:\n%s", want, detail)
		}
	}
	if got := run[string](t, ctx, textPush+`.querySelector(".push-status").textContent`); got != "HTTP 200" {
		t.Errorf("push status %q", got)
	}
	for _, secret := range []string{app.Push.Token, app.Push.EncodingAESKey, app.Secret} {
		if secret != "" && run[bool](t, ctx, fmt.Sprintf(`document.body.textContent.includes(%q)`, secret)) {
			t.Fatalf("an app secret is on the simulator page")
		}
	}
	waitFor(t, ctx, "the pushed mark beside the text", `[...document.querySelectorAll(".mp-chat .log-row.is-user")].some((r) => r.textContent.includes("hello from the sim") && r.querySelector(".sim-pushed"))`)

	// A human: Bob sends a mini program card and a path link.
	do(t, ctx, `(() => { const i = document.querySelector(".composer-input"); i.value = "转人工"; i.dispatchEvent(new Event("input")); document.querySelector(".composer-send").click(); })()`)
	conv := bob.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	bob.Accept(conv)
	bob.Say(conv, "你好，我是 Bob。这是你问的水壶：")
	media := deskUpload(t, s, bob, app.ID, testPNG(color.RGBA{150, 210, 180, 255}))
	deskSend(t, bob, conv, map[string]any{"kind": "miniprogrampage", "miniprogrampage": map[string]string{
		"title": "Smart Kettle K2 · 白色", "pagepath": "/pages/item/item?id=42&from=kefu", "thumb_media_id": media}})
	bob.Say(conv, `也可以<a href="https://example.com" data-miniprogram-appid="`+app.ID+`" data-miniprogram-path="pages/cart/cart?coupon=K2">打开购物车</a>使用优惠券。`)
	waitFor(t, ctx, "the card", `[...document.querySelectorAll(".mp-chat .kefu-card.is-miniprogram:not(.is-static) .kefu-card-title")].some((e) => e.textContent === "Smart Kettle K2 · 白色")`)
	waitFor(t, ctx, "the link", `document.querySelector(".mp-chat .kefu-mp-link")`)
	do(t, ctx, textPush+`.querySelector("details").open = true`)
	do(t, ctx, `document.activeElement.blur()`)
	waitSettled(t, ctx)
	kefutest.Screenshot(t, ctx, "sim")

	// Tapping the card leaves the chat for that page and fires bindcontact.
	do(t, ctx, `[...document.querySelectorAll(".mp-chat .kefu-card.is-miniprogram:not(.is-static)")].pop().click()`)
	waitFor(t, ctx, "the simulated navigation", `!document.querySelector(".mp-page").hidden && document.querySelector(".mp-path code").textContent === "pages/item/item?id=42&from=kefu"`)
	ev := run[string](t, ctx, `document.querySelector(".sim-events li:last-child").textContent`)
	if !strings.Contains(ev, "bindcontact") || !strings.Contains(ev, `"detail":{"path":"/pages/item/item","query":{"id":"42","from":"kefu"}}`) {
		t.Errorf("the event log says %q", ev)
	}
	click(t, ctx, `document.querySelector(".mp-contact")`)
	waitFor(t, ctx, "the chat again", `!document.querySelector(".mp-chat").hidden`)
	do(t, ctx, `document.querySelector(".mp-chat .kefu-mp-link").click()`)
	waitFor(t, ctx, "the second bindcontact", `document.querySelector(".sim-events li:last-child").textContent.includes('"path":"pages/cart/cart","query":{"coupon":"K2"}')`)

	// Hostile content in every field the simulator shows: the agent's texts,
	// rich text (text on this channel), card titles, the customer's own text
	// (and so the pushes). Nothing runs; nothing becomes markup.
	click(t, ctx, `document.querySelector(".mp-contact")`)
	waitFor(t, ctx, "the chat", `!document.querySelector(".mp-chat").hidden`)
	bob.Say(conv, "Text "+xss)
	deskSend(t, bob, conv, map[string]any{"kind": "rich", "rich": map[string]string{"html": `<p><b>Rich</b> ` + xss + `</p><a href="javascript:window.__pwned=1">x</a>`}})
	deskSend(t, bob, conv, map[string]any{"kind": "miniprogrampage", "miniprogrampage": map[string]string{
		"title": "<img src=x onerror=window.__pwned=1>", "pagepath": "pages/a", "thumb_media_id": media}})
	// A card whose path is not a page path is refused, like every hostile field.
	if st := bob.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), map[string]any{"kind": "miniprogrampage", "miniprogrampage": map[string]string{
		"title": "x", "pagepath": `"><script>window.__pwned=1</script>`, "thumb_media_id": media}}, nil); st != http.StatusBadRequest {
		t.Errorf("a card with a markup pagepath: HTTP %d, want 400", st)
	}
	bob.Close(conv) // the customer's next message goes to the developer again: a push
	do(t, ctx, `(() => { const i = document.querySelector(".composer-input"); i.value = `+jsString("Me "+xss)+`; i.dispatchEvent(new Event("input")); document.querySelector(".composer-send").click(); })()`)
	waitFor(t, ctx, "the hostile card", `[...document.querySelectorAll(".mp-chat .kefu-card-title")].some((e) => e.textContent === "<img src=x onerror=window.__pwned=1>")`)
	waitFor(t, ctx, "the hostile text's push", `[...document.querySelectorAll("kefu-push-log .push-summary")].some((e) => e.textContent.startsWith("Me <img"))`)
	if bad := run[string](t, ctx, `[".phone", "kefu-push-log", ".sim-events"].map((s) => `+checkNoScript+`(document.querySelector(s), window)).join("")`); bad != "" {
		t.Fatalf("hostile content got through in the simulator:\n%s", bad)
	}
}

// testSDKDemo: the SDK demo page identifies on the sdk channel with its
// sdk_version, talks over a bare WebSocket, and receives a product card
// (SDK 5.1), listing every frame.
func (env *browserEnv) testSDKDemo(t *testing.T) {
	s := env.s
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	carol := env.agent(t, "carol", "Carol", app.ID)
	ctx := env.tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/sdk-demo?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the form", `document.querySelector(".sdk-identify [name=appid]").value !== ""`)
	do(t, ctx, `document.querySelector(".sdk-identify").requestSubmit()`)
	waitFor(t, ctx, "the connection", `[...document.querySelectorAll(".sdk-frames li")].some((l) => l.textContent.includes("ws synced"))`)
	do(t, ctx, `(() => { const f = document.querySelector(".sdk-send"); f.text.value = "hi from the app"; f.requestSubmit(); })()`)
	conv := carol.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	carol.Accept(conv)
	deskSend(t, carol, conv, map[string]any{"kind": "product", "product": map[string]any{"name": "Kettle K2", "url": "https://shop.example/k2",
		"params": []map[string]any{{"text": "¥299"}}}})
	waitFor(t, ctx, "the product", `document.querySelector(".sdk-log .kefu-product-name")?.textContent === "Kettle K2"`)
	cust := waitCustomer(t, s, app.ID, kefu.ChannelSDK, "visitor:"+run[string](t, ctx, `document.querySelector(".sdk-identify [name=visitor]").value`))
	if cust.SDKVersion != "5.1" {
		t.Errorf("sdk_version %q, want 5.1", cust.SDKVersion)
	}
	waitMessage(t, s, cust, "hi from the app")
}
