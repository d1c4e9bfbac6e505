package webtest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/kefutest"
)

// hostileCSS is a host page's stylesheet written to break an embedded widget.
const hostileCSS = `
* { all: unset !important; }
html, body { display: block !important; min-height: 3000px !important; }
body { transform: translateZ(0) !important; overflow: hidden !important; }
.cover { display: block !important; position: fixed !important; inset: 0 !important; z-index: 2147483647 !important;
  background: rgba(220, 0, 0, .18) !important; }
div, main, section { position: relative !important; z-index: 2147483647 !important; }
iframe, button, svg, slot, span, [popover], dialog { display: none !important; visibility: hidden !important; }
kefu-customer-service, kefu-chat-window { display: none !important; visibility: hidden !important; opacity: 0 !important;
  pointer-events: none !important; transform: scale(0) !important; position: absolute !important; left: -9999px !important;
  width: 0 !important; height: 0 !important; overflow: hidden !important; clip-path: inset(50%) !important; }
`

// hostJS records the widget's events on the host page (inline scripts are
// not allowed by the host's own CSP either).
const hostJS = `
document.addEventListener("error", (e) => {
  if (e instanceof CustomEvent) document.documentElement.dataset.kefuError = e.detail.code + ": " + e.detail.message;
}, true);
document.addEventListener("open", () => { document.documentElement.dataset.kefuOpened = "1"; });
`

// testHostileHost embeds the widget in a page on another site whose CSS is
// designed to break it, under a strict CSP of its own: the button is still
// at the bottom right and on top, the chat opens on top and works, with the
// signed identity the page passed. A forged signature is refused (and the
// page hears why); a site the app does not list cannot embed the chat.
func (env *browserEnv) testHostileHost(t *testing.T) {
	s := env.s
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	host := newHostSite(t)
	ctx := context.Background()
	stored, err := s.Store.App(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored.WidgetOrigins = []string{host.origin}
	if err := s.Engine.SaveApp(ctx, stored); err != nil {
		t.Fatal(err)
	}
	ts := s.Clock.Now().Unix()
	sig := edge.IdentitySignature(stored.IdentitySecret, app.ID, "host-user-7", ts)
	host.page("/shop", s.URL, fmt.Sprintf(`data-appid="%s" data-session-from="hostile" data-user-id="host-user-7" data-user-ts="%d" data-user-sig="%s"`, app.ID, ts, sig))
	host.page("/forged", s.URL, fmt.Sprintf(`data-appid="%s" data-user-id="host-user-7" data-user-ts="%d" data-user-sig="%s"`, app.ID, ts, strings.Repeat("0", 64)))

	tab := env.tab(t)
	if err := chromedp.Do(tab, chromedp.Navigate(host.origin+"/shop")); err != nil {
		t.Fatal(err)
	}
	el := `document.querySelector("kefu-customer-service")`
	button := el + `.shadowRoot.querySelector(".button")`
	waitFor(t, tab, "the button", el+`?.shadowRoot.querySelector(".root.is-ready") != null`)
	vw, vh := run[float64](t, tab, `innerWidth`), run[float64](t, tab, `innerHeight`)
	b := rectOf(t, tab, button)
	if b.W < 40 || b.H < 40 || vw-(b.X+b.W) > 48 || vh-(b.Y+b.H) > 48 {
		t.Fatalf("the button is at %+v in a %.0fx%.0f viewport, not a 56px button at the bottom right", b, vw, vh)
	}
	if hit := run[string](t, tab, fmt.Sprintf(`document.elementFromPoint(%f, %f)?.tagName`, b.X+b.W/2, b.Y+b.H/2)); hit != "KEFU-CUSTOMER-SERVICE" {
		t.Fatalf("the button is covered by %s", hit)
	}
	click(t, tab, button)
	waitFor(t, tab, "the open event", `document.documentElement.dataset.kefuOpened === "1"`)
	frame := `document.querySelector("kefu-chat-window").shadowRoot.querySelector("iframe")`
	f := rectOf(t, tab, frame)
	if f.W < 300 || f.H < 300 {
		t.Fatalf("the chat is %+v: squashed", f)
	}
	if hit := run[string](t, tab, fmt.Sprintf(`document.elementFromPoint(%f, %f)?.tagName`, f.X+f.W/2, f.Y+f.H/2)); hit != "KEFU-CHAT-WINDOW" {
		t.Fatalf("the chat is covered by %s", hit)
	}
	waitSettled(t, tab) // the window's opening animation
	kefutest.Screenshot(t, tab, "widget-hostile-host")

	// The chat works: the customer types (the chat focuses its text box when
	// it opens) and the message reaches Kefu as the signed-in user.
	time.Sleep(500 * time.Millisecond) // the chat identifies and connects
	if err := chromedp.Do(tab, chromedp.KeyEvent("hello from a hostile page\r")); err != nil {
		t.Fatal(err)
	}
	cust := waitCustomer(t, s, app.ID, kefu.ChannelWeb, "user:host-user-7")
	if !cust.Verified {
		t.Errorf("the customer is not marked verified")
	}
	waitMessage(t, s, cust, "hello from a hostile page")

	// A forged signature is refused, and the page is told.
	if err := chromedp.Do(tab, chromedp.Navigate(host.origin+"/forged")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, "the error event", `(document.documentElement.dataset.kefuError || "").startsWith("unauthorized: the identity signature is not valid")`)

	// A site the app does not list cannot embed the chat (frame-ancestors):
	// its button never appears.
	other := newHostSite(t)
	other.page("/shop", s.URL, fmt.Sprintf(`data-appid="%s"`, app.ID))
	if err := chromedp.Do(tab, chromedp.Navigate(other.origin+"/shop")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if run[bool](t, tab, el+`.shadowRoot.querySelector(".root.is-ready") != null`) {
		t.Fatalf("a site that the app does not list embedded the chat")
	}
}

// hostSite is a third-party web site on another origin ("localhost", while
// Kefu is at 127.0.0.1), serving pages with the hostile stylesheet.
type hostSite struct {
	origin string
	mux    *http.ServeMux
}

func newHostSite(t *testing.T) *hostSite {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	h := &hostSite{origin: "http://localhost:" + port, mux: mux}
	mux.HandleFunc("/hostile.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(hostileCSS))
	})
	mux.HandleFunc("/host.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte(hostJS))
	})
	return h
}

// page serves a host page that loads the widget from kefu with attrs.
func (h *hostSite) page(path, kefuURL, attrs string) {
	body := `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>A hostile shop</title>
<link rel="stylesheet" href="/hostile.css"><script src="/host.js"></script>
<script src="` + kefuURL + `/widget.js" ` + attrs + `></script></head>
<body><div class="cover"></div><main><section><h1>Shop</h1><p>` + strings.Repeat("Lorem ipsum dolor sit amet. ", 200) + `</p></section></main></body></html>`
	h.mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self' "+kefuURL+"; style-src 'self'; frame-src "+kefuURL+
			"; img-src 'self' data:; connect-src 'self'")
		w.Write([]byte(body))
	})
}

// waitCustomer waits until a customer exists.
func waitCustomer(t *testing.T, s *kefutest.Server, appID string, ch kefu.Channel, externalID string) *kefu.Customer {
	t.Helper()
	var c *kefu.Customer
	kefutest.UntilTrue(t, "the customer "+externalID, func() bool {
		var err error
		c, err = s.Store.CustomerByExternalID(context.Background(), appID, ch, externalID)
		return err == nil
	})
	return c
}

// waitMessage waits until the customer's conversation has a text.
func waitMessage(t *testing.T, s *kefutest.Server, cust *kefu.Customer, text string) {
	t.Helper()
	ctx := context.Background()
	kefutest.UntilTrue(t, fmt.Sprintf("%q in the customer's conversation", text), func() bool {
		c, err := s.Store.ConversationByCustomer(ctx, cust.ID)
		if err != nil {
			return false
		}
		msgs, _ := s.Store.Messages(ctx, c.ID, 0, 0, 500)
		for _, m := range msgs {
			if m.Text != nil && m.Text.Content == text {
				return true
			}
		}
		return false
	})
}
