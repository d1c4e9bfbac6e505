package webtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestCustomerPages runs the customer-side pages in one real Chromium against one
// Kefu: the widget on the demo page, on a hostile host page and with
// hostile content, and the mini program simulator. Each part has its own
// app, so their customers never meet.
func TestCustomerPages(t *testing.T) {
	env := &browserEnv{s: kefutest.NewServer(t, kefutest.Options{}), browser: kefutest.Browser(t)}
	t.Run("demo page", env.testDemo)
	t.Run("mini program web-view", env.testWebView)
	t.Run("hostile host page", env.testHostileHost)
	t.Run("hostile content", env.testHostileContent)
	t.Run("simulator", env.testSimulator)
	t.Run("sdk demo", env.testSDKDemo)
}

// browserEnv is what the browser tests share.
type browserEnv struct {
	s       *kefutest.Server
	browser context.Context
}

// tab opens a tab that logs the page's console errors and exceptions.
func (env *browserEnv) tab(t *testing.T) context.Context {
	t.Helper()
	ctx := kefutest.Tab(t, env.browser)
	var mu sync.Mutex
	chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			t.Logf("page exception: %s (%s:%d)", desc, d.URL, d.LineNumber)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				t.Logf("console %s: %s", e.Type, strings.Join(parts, " "))
			}
		}
	})
	return kefutest.Timeout(t, ctx, 90*time.Second)
}

// agent adds an agent with a display name, signs them in, online, with the
// desk WebSocket open.
func (env *browserEnv) agent(t *testing.T, login, name string, apps ...string) *kefutest.Desk {
	t.Helper()
	a := env.s.Agent(login, kefu.RoleAgent, apps...)
	if name != "" {
		a.Name = name
		ctx := context.Background()
		if err := env.s.Store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveAgent(ctx, a) }); err != nil {
			t.Fatal(err)
		}
	}
	d := env.s.SignIn(login)
	d.Status(kefu.StatusOnline)
	d.Connect()
	return d
}

// --- running JavaScript -----------------------------------------------------------

// run evaluates a JavaScript expression and decodes its value.
func run[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// do evaluates JavaScript for its effect.
func do(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](js, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
}

// waitFor waits until a JavaScript expression is truthy.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, js, err)
	}
}

// inChat wraps an expression so it runs with `d` (the document) and `w`
// (the window) of the chat iframe of a Kefu-origin host page.
func inChat(js string) string {
	return `(() => { const f = document.querySelector("kefu-chat-window")?.shadowRoot.querySelector("iframe");
		const w = f && f.contentWindow; const d = w && w.document; if (!d || !d.body) return null; return (` + js + `); })()`
}

// floating and inline select the two buttons of the demo page.
const (
	floating = `document.querySelector("kefu-customer-service:not(#inline-cs)")`
	inline   = `document.querySelector("#inline-cs")`
)

// rect returns an element's box in the viewport.
type box struct{ X, Y, W, H float64 }

func rectOf(t *testing.T, ctx context.Context, js string) box {
	t.Helper()
	var b box
	s := run[string](t, ctx, `(() => { const r = (`+js+`).getBoundingClientRect(); return JSON.stringify({X: r.x, Y: r.y, W: r.width, H: r.height}) })()`)
	json.Unmarshal([]byte(s), &b)
	return b
}

// click clicks the middle of an element with the mouse, as a person does.
func click(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	b := rectOf(t, ctx, js)
	if b.W == 0 || b.H == 0 {
		t.Fatalf("click %s: the element has no box", js)
	}
	if err := chromedp.Do(ctx, chromedp.MouseClickXY(b.X+b.W/2, b.Y+b.H/2)); err != nil {
		t.Fatalf("click %s: %v", js, err)
	}
}

// --- fixtures ---------------------------------------------------------------------

// testPNG is a 120×90 picture: a soft gradient from c with a pale disc.
func testPNG(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for y := range 90 {
		for x := range 120 {
			f := float64(x+y) / 210
			px := color.RGBA{uint8(float64(c.R) * (1 - f*.35)), uint8(float64(c.G) * (1 - f*.2)), uint8(float64(c.B) * (1 - f*.1)), 255}
			if dx, dy := x-78, y-34; dx*dx+dy*dy < 18*18 {
				px = color.RGBA{255, 246, 214, 255}
			}
			img.Set(x, y, px)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// deskUpload uploads an image as an agent and returns its media id.
func deskUpload(t *testing.T, s *kefutest.Server, d *kefutest.Desk, appID string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", "agent.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/desk/media?appid="+appID, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", d.CSRF)
	resp, err := d.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out struct {
		MediaID string `json:"media_id"`
	}
	json.Unmarshal(body, &out)
	if resp.StatusCode != http.StatusCreated || out.MediaID == "" {
		t.Fatalf("desk upload: HTTP %d %s", resp.StatusCode, body)
	}
	return out.MediaID
}

// deskSend sends any message as an agent.
func deskSend(t *testing.T, d *kefutest.Desk, conv int64, msg map[string]any) {
	t.Helper()
	var out json.RawMessage
	if st := d.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), msg, &out); st != http.StatusCreated {
		t.Fatalf("desk send %v: HTTP %d %s", msg, st, out)
	}
}
