package webtest_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestDeskConnectedInBrowser runs the workspace of a Kefu (B) connected to
// a real mini program, played by another Kefu (A) as connector's tests do:
// a customer in A sends text, an image and a mini program card; the agent
// in B sees them in the browser and answers; the answer shows "Delivered to
// WeChat" once A accepted it, and reaches the customer. Two days later (on
// A's clock) A refuses the next answer with 45015, and the agent's message
// shows WeChat's errcode and sentence — live, through the upstream event.
func TestDeskConnectedInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	ctx := context.Background()
	a, b := kefutest.NewServer(t, kefutest.Options{}), kefutest.NewServer(t, kefutest.Options{})
	appID, secret, gh := "wx"+engine.NewAlnum(16), engine.NewSecret(16), "gh_"+engine.NewAlnum(12)
	key := engine.NewAlnum(43)
	// B first: A's handshake runs against it when A saves the push URL. No
	// relay: every customer goes straight to B's agents.
	if err := b.Engine.CreateApp(ctx, &kefu.App{ID: appID, OriginalID: gh, Name: "Real Shop", Secret: secret,
		Push:     kefu.PushConfig{AllowPrivate: true}, // A, the stand-in WeChat, is on loopback
		Upstream: &kefu.Upstream{BaseURL: a.URL, Token: "consoletoken", EncodingAESKey: key, Mode: kefu.PushSafe, Format: kefu.PushXML}}); err != nil {
		t.Fatalf("B: create connected app: %v", err)
	}
	if err := a.Engine.CreateApp(ctx, &kefu.App{ID: appID, OriginalID: gh, Name: "Real Shop", Secret: secret,
		Push: kefu.PushConfig{URL: connector.URL(b.URL, appID), Token: "consoletoken", EncodingAESKey: key, Mode: kefu.PushSafe, Format: kefu.PushXML, AllowPrivate: true}}); err != nil {
		t.Fatalf("A: set B as the push URL (handshake): %v", err)
	}
	b.Agent("ann", kefu.RoleAgent, appID)
	b.SignIn("ann").Status(kefu.StatusOnline)

	// The customer, in WeChat (A): a question, a photo and the product's card.
	user := a.Customer(appID, kefu.ChannelMiniProgram, "wechat-user")
	user.Connect(0)
	user.Say("这个杯子有蓝色的吗？")
	photo := picturePNG(t, 320, 220, color.RGBA{70, 130, 200, 255})
	if st := user.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": "u-img", "kind": "image",
		"image": map[string]string{"media_id": user.Upload("cup.png", photo)}}, nil); st != http.StatusCreated {
		t.Fatalf("the customer's image: HTTP %d", st)
	}
	if st := user.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": "u-card", "kind": "miniprogrampage",
		"miniprogrampage": map[string]string{"title": "陶瓷马克杯 350ml", "pagepath": "pages/item?id=7",
			"thumb_media_id": user.Upload("thumb.png", picturePNG(t, 200, 160, color.RGBA{230, 170, 60, 255}))}}, nil); st != http.StatusCreated {
		t.Fatalf("the customer's card: HTTP %d", st)
	}

	p := newDeskTab(t, kefutest.Browser(t))
	p.noExceptions()
	p.do(chromedp.EmulateViewport(1280, 1000)) // room for the customer's photo and card beside the answers
	p.signIn(b.URL+"/desk", "ann")
	p.wait("the pending session", `(document.querySelector("kefu-lists .conv-list") || {}).innerText?.includes("陶瓷马克杯")`)
	p.click("kefu-lists .conv-item .accept")
	p.wait("the customer's image and card", `!!document.querySelector('kefu-conversation .kefu-msg[data-kind="image"][data-sender="user"] img.kefu-image') &&
		(document.querySelector('kefu-conversation .kefu-msg[data-kind="miniprogrampage"]') || {}).innerText?.includes("陶瓷马克杯 350ml")`)
	p.wait("the image loaded", `document.querySelector('kefu-conversation .kefu-msg[data-kind="image"] img').naturalWidth === 320`)
	if got := p.text("kefu-customer-panel"); !strings.Contains(got, "4 left") && !strings.Contains(got, "5 left") {
		t.Errorf("the reply window should count the shared replies: %q", got)
	}

	// The agent answers: sending, then delivered once A (WeChat) took it.
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "有的，蓝色今天就能发货。\r"))
	user.WaitMessage("the agent's answer", func(m *kefutest.ClientMessage) bool {
		return m.Text != nil && m.Text.Content == "有的，蓝色今天就能发货。"
	})
	p.wait("delivered to WeChat", `[...document.querySelectorAll('kefu-conversation .kefu-msg[data-sender="agent"]')].some((e) => e.innerText.includes("蓝色今天") && e.querySelector('[data-upstream="sent"]'))`)
	if got := p.text("kefu-customer-panel"); !strings.Contains(got, "Agents and the developer share these replies") {
		t.Errorf("the reply window does not say the quota is shared: %q", got)
	}
	p.screenshot("desk-connected")

	// Two days pass in WeChat: A refuses the next answer, for good.
	a.Clock.Advance(49 * time.Hour)
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "还需要别的颜色吗？\r"))
	p.wait("WeChat's refusal", `[...document.querySelectorAll('kefu-conversation .kefu-msg[data-sender="agent"]')].some((e) => e.innerText.includes("别的颜色") && e.querySelector('.upstream-failed'))`)
	failed := deskJS[string](p, `[...document.querySelectorAll('kefu-conversation .kefu-msg[data-sender="agent"]')].find((e) => e.innerText.includes("别的颜色")).querySelector(".upstream-failed").innerText`)
	if !strings.Contains(failed, "45015") || !strings.Contains(failed, "48 hours") {
		t.Errorf("the failed message says %q, want errcode 45015 and WeChat's reason", failed)
	}
	for _, m := range user.Received() {
		if m.Text != nil && strings.Contains(m.Text.Content, "别的颜色") {
			t.Fatal("a refused message reached the customer")
		}
	}
	p.screenshot("desk-upstream-failed")

	// Reloaded, the page shows the same from the server.
	p.do(chromedp.Reload())
	p.click("#tab-mine")
	p.click("kefu-lists .conv-item .conv-open")
	p.wait("the failure after a reload", `[...document.querySelectorAll('kefu-conversation .upstream-failed')].some((e) => e.innerText.includes("45015"))`)
	if n := deskJS[int](p, `document.querySelectorAll('kefu-conversation [data-upstream="sent"]').length`); n != 1 {
		t.Errorf("%d messages show delivered after a reload, want 1", n)
	}
}

// picturePNG is a w×h picture: a colour fading into white, for screenshots
// that show what an image looks like.
func picturePNG(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			f := float64(x+y) / float64(w+h)
			mix := func(v uint8) uint8 { return uint8(float64(v)*(1-f) + 255*f) }
			img.Set(x, y, color.RGBA{mix(c.R), mix(c.G), mix(c.B), 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
