package webtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestComponentsInBrowser drives assistant components in a real
// Chromium, sharing one browser: a component on another site and Kefu's own
// product picker send every type of message to customers, who receive them;
// every rule the server enforces comes back to the frame with its reason and
// is shown to the agent; frames that are not a registered component at its
// registered origin send nothing; insertText fills the composer; the context
// follows the agent from conversation to conversation and across a
// reconnect; hostile payloads run nowhere — not in the workspace, the widget
// or the simulator. The screenshot of docs/assistant-components.md is taken
// here ($KEFU_SCREENSHOTS).
func TestComponentsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	browser := kefutest.Browser(t)
	t.Run("messages, rules and origins", func(t *testing.T) { componentRulesFlow(t, browser) })
	t.Run("product picker", func(t *testing.T) { productPickerFlow(t, browser) })
	t.Run("hostile payloads", func(t *testing.T) { componentHostileFlow(t, browser) })
	t.Run("admin", func(t *testing.T) { componentAdminFlow(t, browser) })
}

// componentSite is a business's own web site on another origin
// ("localhost", while Kefu is at 127.0.0.1) serving a test component that
// uses Kefu's helper, and a page that forges messages.
type componentSite struct {
	origin string

	mu      sync.Mutex
	reports []string
}

// componentToolHTML is the test component: it writes every answer it gets
// into its own page, where the test reads it.
const componentToolHTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test tool</title>
<script type="module" src="/tool.js"></script></head>
<body><h1>Test tool</h1><ol id="results"></ol><pre id="context"></pre></body></html>`

const componentToolJS = `import { KefuComponent } from "KEFU/static/components/kefu-component.js";
window.contexts = [];
window.answers = [];
window.addEventListener("message", (e) => { window.answers.push({ origin: e.origin, data: e.data }); });
const kefu = new KefuComponent();
kefu.onContext((ctx) => { window.contexts.push(ctx); document.getElementById("context").textContent = JSON.stringify(ctx, null, 2); });
function record(label, ok, code, message) {
  const li = document.createElement("li");
  li.dataset.label = label;
  li.dataset.ok = String(ok);
  li.dataset.code = code;
  li.textContent = message;
  document.getElementById("results").append(li);
}
// send(label, type, content) sends with the helper and writes the answer into the page.
window.send = (label, type, content) => kefu.send(type, content).then(
  (m) => record(label, true, "", String(m.seq)), (e) => record(label, false, e.code, e.message));
// plainSend posts exactly as the protocol does: a JSON string, to "*", with no id.
window.plainSend = (type, content) => window.parent.postMessage(JSON.stringify({ method: "sendMsg", type, content }), "*");
window.insertText = (text) => kefu.insertText(text);
window.toolReady = true;
`

// componentForgerJS runs in a frame that has navigated away from its
// registered origin: it tries to send, to fill the composer and to get the
// context, and reports anything the workspace posts to it.
const componentForgerJS = `window.addEventListener("message", (e) => { fetch("/report", { method: "POST", body: "forger got " + JSON.stringify(e.data) }); });
window.parent.postMessage(JSON.stringify({ method: "ready" }), "*");
window.parent.postMessage(JSON.stringify({ method: "sendMsg", type: "text", content: "forged by a navigated frame" }), "*");
window.parent.postMessage({ method: "sendMsg", type: "text", content: "forged by a navigated frame (object)" }, "*");
window.parent.postMessage(JSON.stringify({ method: "insertText", text: "forged insert" }), "*");
fetch("/report", { method: "POST", body: "forger ran" });
`

func newComponentSite(t *testing.T, kefuURL string) *componentSite {
	t.Helper()
	site := &componentSite{}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	site.origin = "http://localhost:" + port
	serve := func(path, ctype, body string) {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Write([]byte(body))
		})
	}
	serve("/tool", "text/html; charset=utf-8", componentToolHTML)
	serve("/tool.js", "text/javascript", strings.ReplaceAll(componentToolJS, "KEFU", kefuURL))
	serve("/forger", "text/html; charset=utf-8", `<!doctype html><meta charset="utf-8"><title>Forger</title><script src="/forger.js"></script>`)
	serve("/forger.js", "text/javascript", componentForgerJS)
	mux.HandleFunc("POST /report", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		site.mu.Lock()
		site.reports = append(site.reports, string(b))
		site.mu.Unlock()
	})
	return site
}

// waitReport waits until the site's pages reported text.
func (site *componentSite) waitReport(t *testing.T, text string) {
	t.Helper()
	kefutest.UntilTrue(t, "the report "+text, func() bool {
		site.mu.Lock()
		defer site.mu.Unlock()
		for _, r := range site.reports {
			if r == text {
				return true
			}
		}
		return false
	})
}

// identifyCustomer identifies (again) a customer with an SDK version and a
// name, and takes the new token.
func identifyCustomer(t *testing.T, c *kefutest.Customer, ch kefu.Channel, visitor, sdkVersion, name string) {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	body := map[string]any{"appid": c.AppID, "channel": ch, "visitor_id": fmt.Sprintf("%-16s", visitor), "sdk_version": sdkVersion, "name": name}
	if st := c.Do("POST", "/api/client/sessions", body, &out); st != http.StatusOK {
		t.Fatalf("identify %s: HTTP %d", visitor, st)
	}
	c.Token = out.Token
}

// startConversation has the customer write and the agent accept; it returns the conversation.
func startConversation(t *testing.T, s *kefutest.Server, agent *kefutest.Desk, c *kefutest.Customer, text string) int64 {
	t.Helper()
	c.Say(text)
	cust, err := s.Store.CustomerByOpenID(context.Background(), c.AppID, c.OpenID)
	if err != nil {
		t.Fatalf("customer %s: %v", c.OpenID, err)
	}
	return acceptConversationOf(t, s, agent, cust)
}

// jsValue is a JavaScript literal of any JSON-able value.
func jsValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// --- the workspace ----------------------------------------------------------------

// recordToasts keeps every toast the workspace shows (they disappear after a few seconds).
func (p *deskTab) recordToasts() {
	deskJS[any](p, `(() => { window.__toasts = []; new MutationObserver((ms) => ms.forEach((m) => m.addedNodes.forEach((n) => {
		if (n.classList && n.classList.contains("toast")) window.__toasts.push(n.textContent); }))).observe(document.body, { childList: true, subtree: true }); })()`)
}

// toasts counts the toasts shown so far that contain text.
func (p *deskTab) toasts(text string) int {
	p.t.Helper()
	return deskJS[int](p, fmt.Sprintf(`window.__toasts.filter((s) => s.includes(%s)).length`, jsValue(text)))
}

// noExceptions fails the test when the page throws (the workspace's own
// code: an uncaught error there is a bug).
func (p *deskTab) noExceptions() {
	t := p.t
	chromedp.Listen(p.ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			t.Errorf("the page threw: %s (%s:%d)", desc, d.URL, d.LineNumber)
		}
	})
}

// workOn signs login in to the workspace of the Kefu at baseURL, keeps its
// toasts and opens conversation conv.
func (p *deskTab) workOn(baseURL, login string, conv int64) {
	p.t.Helper()
	p.signIn(baseURL+"/desk", login)
	p.recordToasts()
	p.openConversation(conv)
}

func (p *deskTab) openConversation(id int64) {
	p.t.Helper()
	p.click("#tab-mine")
	p.click(fmt.Sprintf(`kefu-lists .conv-item[data-id="%d"] .conv-open`, id))
	p.wait("the conversation open", fmt.Sprintf(`!!document.querySelector('kefu-lists .conv-item.is-open[data-id="%d"]') && !!document.querySelector("#conv-name")`, id))
}

// --- a component's frame ------------------------------------------------------------

// componentFrame attaches to the frame of a component on another site:
// Chrome runs it in a process of its own, as a target of its own.
func componentFrame(t *testing.T, tab context.Context, urlPrefix string) context.Context {
	t.Helper()
	var id target.ID
	kefutest.UntilTrue(t, "the component's frame", func() bool {
		infos, err := chromedp.Targets(tab)
		if err != nil {
			return false
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, urlPrefix) {
				id = info.TargetID
				return true
			}
		}
		return false
	})
	ctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(id), chromedp.WithDetachOnCancel())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("attach to the component's frame: %v", err)
	}
	frameWait(t, ctx, "the test tool", `window.toolReady === true`)
	return ctx
}

func frameJS[T any](t *testing.T, frame context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(frame, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("in the component: %s: %v", expr, err)
	}
	return v
}

func frameWait(t *testing.T, frame context.Context, what, expr string) {
	t.Helper()
	_, err := chromedp.Run(frame, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(15*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("in the component: waiting for %s: %v", what, err)
	}
}

// toolAnswer is what the test component wrote into its page about a message.
type toolAnswer struct {
	OK      bool   `json:"ok"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// toolContext is the context the component received (version 1).
type toolContext struct {
	Version   int `json:"version"`
	Component struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"component"`
	Conversation struct {
		ID          int64             `json:"id"`
		State       kefu.State        `json:"state"`
		SessionFrom string            `json:"session_from"`
		Card        *kefu.MessageCard `json:"card"`
	} `json:"conversation"`
	Customer struct {
		OpenID     string       `json:"openid"`
		Channel    kefu.Channel `json:"channel"`
		SDKVersion string       `json:"sdk_version"`
	} `json:"customer"`
	Agent struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"agent"`
	AppID     string    `json:"appid"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// waitContext waits until the component's latest context is about a conversation.
func waitContext(t *testing.T, frame context.Context, conv int64) toolContext {
	t.Helper()
	frameWait(t, frame, fmt.Sprintf("the context of conversation %d", conv),
		fmt.Sprintf(`window.contexts.length > 0 && window.contexts.at(-1).conversation.id === %d`, conv))
	var c toolContext
	if err := json.Unmarshal([]byte(frameJS[string](t, frame, `JSON.stringify(window.contexts.at(-1))`)), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// verifyToken asks Kefu, as the component's back end would, what a token stands for.
func verifyToken(t *testing.T, s *kefutest.Server, token string) (int, toolContext) {
	t.Helper()
	resp, err := http.Post(s.URL+"/api/components/verify", "application/json", strings.NewReader(jsValue(map[string]string{"token": token})))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c toolContext
	json.NewDecoder(resp.Body).Decode(&c)
	return resp.StatusCode, c
}

// toolSender sends messages from the test component and checks what the
// component and the agent are told.
type toolSender struct {
	t     *testing.T
	s     *kefutest.Server
	p     *deskTab
	frame context.Context
	name  string // the component's name, in the agent's toasts
	n     int
}

// send sends a message from inside the component and returns the answer
// the component wrote into its page.
func (ts *toolSender) send(typ string, content any) toolAnswer {
	ts.t.Helper()
	ts.n++
	label := fmt.Sprintf("m%d", ts.n)
	frameJS[any](ts.t, ts.frame, fmt.Sprintf(`send(%q, %s, %s), null`, label, jsValue(typ), jsValue(content)))
	li := fmt.Sprintf(`document.querySelector('#results li[data-label=%q]')`, label)
	frameWait(ts.t, ts.frame, "the answer to "+label, "!!"+li)
	var a toolAnswer
	json.Unmarshal([]byte(frameJS[string](ts.t, ts.frame, fmt.Sprintf(`(e => JSON.stringify({ok: e.dataset.ok === "true", code: e.dataset.code, message: e.textContent}))(%s)`, li))), &a)
	return a
}

// ok sends a message a second after the last one and expects it sent, and
// the agent told.
func (ts *toolSender) ok(what, typ string, content any, toast string) {
	ts.t.Helper()
	ts.s.Clock.Advance(kefu.ComponentRate)
	before := ts.p.toasts(toast)
	if a := ts.send(typ, content); !a.OK {
		ts.t.Fatalf("%s: refused: %s %s", what, a.Code, a.Message)
	}
	ts.p.wait("the agent told "+toast, fmt.Sprintf(`window.__toasts.filter((s) => s.includes(%s)).length > %d`, jsValue(toast), before))
}

// refused sends a message and expects the reason in the component and in a
// toast. now=false sends it a second after the last one.
func (ts *toolSender) refused(what, typ string, content any, code, reason string, now bool) {
	ts.t.Helper()
	if !now {
		ts.s.Clock.Advance(kefu.ComponentRate)
	}
	want := fmt.Sprintf("%s: not sent — %s", ts.name, reason)
	before := ts.p.toasts(want)
	a := ts.send(typ, content)
	if a.OK || a.Code != code || !strings.Contains(a.Message, reason) {
		ts.t.Errorf("%s: the component was told ok=%v %q %q, want %q %q", what, a.OK, a.Code, a.Message, code, reason)
		return
	}
	ts.p.wait("the agent told why ("+what+")", fmt.Sprintf(`window.__toasts.filter((s) => s.includes(%s)).length > %d`, jsValue(want), before))
}

// componentRulesFlow: a component on another site sends every type; every
// rule refuses with its reason, told to the frame and to the agent; the
// context follows the agent; only registered frames at their origin count.
func componentRulesFlow(t *testing.T, browser context.Context) {
	s, app, root, alice := adminAndAgent(t)
	elsewhere := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	site, forger := newComponentSite(t, s.URL), newComponentSite(t, s.URL)
	tool := root.RegisterComponent(map[string]any{"name": "Test tool", "url": site.origin + "/tool", "icon": "🧪", "apps": []string{app.ID}, "enabled": true})
	// Registered (so the workspace may frame it) but for another app: no tab here.
	root.RegisterComponent(map[string]any{"name": "Elsewhere", "url": forger.origin + "/tool", "apps": []string{elsewhere.ID}, "enabled": true})

	web := s.Customer(app.ID, kefu.ChannelWeb, "tool-web")
	mp := s.Customer(app.ID, kefu.ChannelMiniProgram, "tool-mp")
	sdk := s.Customer(app.ID, kefu.ChannelSDK, "tool-sdk")
	identifyCustomer(t, sdk, kefu.ChannelSDK, "tool-sdk", "5.0", "")
	for _, c := range []*kefutest.Customer{web, mp, sdk} {
		c.Connect(0)
	}
	webConv := startConversation(t, s, alice, web, "Hi from the web")
	mpConv := startConversation(t, s, alice, mp, "Hi from the mini program")
	sdkConv := startConversation(t, s, alice, sdk, "Hi from the app")

	p := newDeskTab(t, browser)
	p.noExceptions()
	dialogs := countDialogs(t, p)
	p.workOn(s.URL, "alice", webConv)

	// The component is a tab beside the conversation; it gets context v1.
	p.click(fmt.Sprintf("#pane-tab-%d", tool.ID))
	p.wait("the component's frame", fmt.Sprintf(`!!document.querySelector('iframe.kc-frame[data-component="%d"]') && !document.querySelector("#pane-tools").hidden`, tool.ID))
	frame := componentFrame(t, p.ctx, site.origin+"/tool")
	ctx := waitContext(t, frame, webConv)
	if ctx.Version != 1 || ctx.Component.ID != tool.ID || ctx.Conversation.State != kefu.StateActive || ctx.Customer.OpenID != web.OpenID ||
		ctx.Customer.Channel != kefu.ChannelWeb || ctx.Agent.ID != alice.Agent.ID || ctx.Agent.Name != "alice" || ctx.AppID != app.ID || ctx.Token == "" {
		t.Fatalf("context: %+v", ctx)
	}
	// Its back end verifies the token with Kefu.
	if st, v := verifyToken(t, s, ctx.Token); st != http.StatusOK || v.Customer.OpenID != web.OpenID || v.Conversation.ID != webConv || v.Token != "" {
		t.Fatalf("verify the context's token: HTTP %d %+v", st, v)
	}
	if st, _ := verifyToken(t, s, ctx.Token[:len(ctx.Token)-2]+"xx"); st != http.StatusUnauthorized {
		t.Errorf("verify a forged token: HTTP %d", st)
	}

	// The four types, each on a channel that takes it; the customers receive them.
	ts := &toolSender{t: t, s: s, p: p, frame: frame, name: "Test tool"}
	ts.ok("text", "text", "Hello from the test tool", "Test tool sent a text message.")
	web.WaitMessage("the text", func(m *kefutest.ClientMessage) bool {
		return m.Text != nil && m.Text.Content == "Hello from the test tool"
	})
	ts.ok("rich", "rich", `<p>Rich <b>bold</b> <a data-miniprogram-path="/pages/item?id=1">see it</a></p>`, "Test tool sent a rich text message.")
	rich := web.WaitMessage("the rich message", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindRich })
	if !strings.Contains(rich.Rich.HTML, "<b>bold</b>") || !strings.Contains(rich.Rich.HTML, `data-miniprogram-path="/pages/item?id=1"`) {
		t.Errorf("rich html: %q", rich.Rich.HTML)
	}
	product := map[string]any{"name": "Kefu Phone X", "url": "/pages/product/detail?id=1", "imgUrl": "https://img.example/phone.png",
		"params": []map[string]any{{"text": "¥6999.00", "color": "#FF0000", "size": 16}, {"text": "Free shipping", "break": true}, {"text": "SKU 1001", "fold": true}}}
	ts.ok("product on the web", "product", product, "Test tool sent a product card.")
	got := web.WaitMessage("the product", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindProduct })
	if got.Product.Name != "Kefu Phone X" || len(got.Product.Params) != 3 || got.Product.Params[0].Color != "#FF0000" || !got.Product.Params[2].Fold {
		t.Errorf("product: %+v", got.Product)
	}
	// Exactly as the protocol writes it: a JSON string posted to "*", no id — sent, and answered.
	s.Clock.Advance(kefu.ComponentRate)
	frameJS[any](t, frame, `plainSend("text", "Sent the protocol's way"), null`)
	web.WaitMessage("the protocol-style text", func(m *kefutest.ClientMessage) bool {
		return m.Text != nil && m.Text.Content == "Sent the protocol's way"
	})
	frameWait(t, frame, "the answer without id", `window.answers.some((a) => a.data && a.data.type === "result" && a.data.ok && a.data.message.text && a.data.message.text.content === "Sent the protocol's way")`)

	// Every refusal: the reason reaches the component and the agent.
	card := map[string]any{"title": "Order 1234", "pagepath": "pages/order/detail?id=1234", "pic_url": "https://img.example/o.png"}
	ts.refused("card on the web", "miniprogrampage", card, kefu.ECHANNEL, "mini program cards can only be sent on the mini program channel, not web", false)
	ts.ok("a text", "text", "One a second", "Test tool sent a text message.")
	ts.refused("a second text within the second", "text", "Two a second", kefu.ERATE, "at most one message every 1s from here", true)
	ts.refused("card without title", "miniprogrampage", map[string]any{"pagepath": "pages/a", "pic_url": "https://img.example/a.png"}, kefu.EINVALID, "mini program card title is required", false)
	ts.refused("card without pagepath", "miniprogrampage", map[string]any{"title": "A", "pic_url": "https://img.example/a.png"}, kefu.EINVALID, "mini program card pagepath is required", false)
	ts.refused("card without image", "miniprogrampage", map[string]any{"title": "A", "pagepath": "pages/a"}, kefu.EINVALID, "mini program card needs a picture: one of thumb_media_id and pic_url is required", false)
	ts.refused("product with a bad colour", "product", map[string]any{"name": "X", "params": []map[string]any{{"text": "a", "color": "red;background:url(x)"}}},
		kefu.EINVALID, "product param 1: color must be a hex colour like #FF0000", false)
	ts.refused("product with a bad size", "product", map[string]any{"name": "X", "params": []map[string]any{{"text": "a", "size": 99}}},
		kefu.EINVALID, "product param 1: size must be between 8 and 48", false)
	ts.refused("product with a bad url", "product", map[string]any{"name": "X", "url": "javascript:alert(1)"},
		kefu.EINVALID, "product url must be an http(s) URL or a mini program path", false)
	ts.refused("product with a bad image", "product", map[string]any{"name": "X", "imgUrl": "ftp://img.example/x.png"},
		kefu.EINVALID, "product imgUrl must be an http(s) URL", false)
	ts.refused("text that is not a string", "text", 42, kefu.EINVALID, "content of a text message must be a string", false)
	ts.refused("an unknown type", "video", "x", kefu.EINVALID, `type must be text, rich, product or miniprogrampage, not "video"`, false)
	for _, m := range web.History(0) {
		if m.Text != nil && m.Text.Content == "Two a second" || m.Kind == kefu.KindMiniProgramPage {
			t.Fatalf("a refused message reached the customer: %+v", m)
		}
	}

	// insertText fills the composer at the caret, and focuses it.
	deskJS[any](p, `(() => { const ta = document.querySelector("#composer-text"); ta.value = "Hello , thanks!"; ta.setSelectionRange(6, 6); ta.blur(); })()`)
	frameJS[any](t, frame, `insertText("Your order ships today"), null`)
	p.wait("the composer filled", `document.querySelector("#composer-text").value === "Hello Your order ships today, thanks!" && document.activeElement.id === "composer-text"`)
	deskJS[any](p, `document.querySelector("#composer-text").value = ""`)

	// Switching conversation posts the new context to the same frame (not reloaded).
	frameJS[any](t, frame, `window.kept = true`)
	p.openConversation(mpConv)
	ctx = waitContext(t, frame, mpConv)
	if ctx.Customer.OpenID != mp.OpenID || ctx.Customer.Channel != kefu.ChannelMiniProgram || ctx.Token == "" || !frameJS[bool](t, frame, `window.kept === true`) {
		t.Fatalf("context after the switch: %+v (frame kept: %v)", ctx, frameJS[bool](t, frame, `window.kept === true`))
	}
	ts.ok("card on the mini program", "miniprogrampage", card, "Test tool sent a mini program card.")
	mpCard := mp.WaitMessage("the card", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindMiniProgramPage })
	if mpCard.MiniProgramPage.Title != "Order 1234" || mpCard.MiniProgramPage.PagePath != "pages/order/detail?id=1234" {
		t.Errorf("card: %+v", mpCard.MiniProgramPage)
	}
	ts.refused("product on the mini program", "product", product, kefu.ECHANNEL, "product messages can only be sent on the web and SDK channels, not miniprogram", false)
	p.openConversation(sdkConv)
	waitContext(t, frame, sdkConv)
	ts.refused("product to SDK 5.0", "product", product, kefu.ECHANNEL, `product messages need SDK version 5.1 or later (the customer has "5.0")`, false)

	// After a reconnect the component gets a fresh context and still sends.
	contexts := frameJS[int](t, frame, `window.contexts.length`)
	s.HTTP.CloseConnections()
	p.wait("reconnected", `document.querySelector(".conn").classList.contains("is-online")`)
	frameWait(t, frame, "a fresh context after the reconnect", fmt.Sprintf(`window.contexts.length > %d`, contexts))
	ts.ok("text after the reconnect", "text", "Still here after a reconnect", "Test tool sent a text message.")
	kefutest.UntilTrue(t, "the text after the reconnect", func() bool {
		for _, m := range sdk.History(0) {
			if m.Text != nil && m.Text.Content == "Still here after a reconnect" {
				return true
			}
		}
		return false
	})

	// Frames that are not a registered component at its registered origin
	// are ignored: the top page itself, a frame injected into the page
	// (Kefu's own picker, not registered here), and the component's frame
	// once it has navigated to another (registered) site.
	// Each forgery gets a second of its own, so the rate limit cannot hide it.
	toasts := deskJS[int](p, `window.__toasts.length`)
	s.Clock.Advance(kefu.ComponentRate)
	deskJS[any](p, `window.postMessage(JSON.stringify({ method: "sendMsg", type: "text", content: "forged by the top page" }), "*")`)
	deskJS[any](p, `window.postMessage({ method: "insertText", text: "forged insert" }, "*")`)
	time.Sleep(300 * time.Millisecond)
	s.Clock.Advance(kefu.ComponentRate)
	deskJS[any](p, `(() => { const f = document.createElement("iframe"); f.id = "injected"; f.src = "/components/product-picker?kefu_origin=" + encodeURIComponent(location.origin);
		document.body.append(f); })()`)
	p.wait("the injected picker", `!!document.querySelector("#injected").contentDocument?.querySelector(".pp-send-product")`)
	deskJS[any](p, `(() => { const d = document.querySelector("#injected").contentDocument; d.querySelector(".pp-send-product").click(); d.querySelector(".pp-insert").click(); })()`)
	time.Sleep(300 * time.Millisecond)
	s.Clock.Advance(kefu.ComponentRate)
	frameJS[any](t, frame, fmt.Sprintf(`location.href = %q`, forger.origin+"/forger"))
	forger.waitReport(t, "forger ran")
	// The agent switches conversation: the context is posted at the
	// component's registered origin, which the frame no longer has.
	p.openConversation(webConv)
	time.Sleep(time.Second) // what would be sent is sent by now
	for _, conv := range []int64{webConv, mpConv, sdkConv} {
		for _, m := range alice.Messages(conv, 0) {
			if m.Kind == kefu.KindProduct && m.Product.Name == "Kefu Phone X 64GB" || m.Text != nil && strings.Contains(m.Text.Content, "forged") {
				t.Errorf("a forged message was sent to conversation %d: %s", conv, jsValue(m))
			}
		}
	}
	forger.mu.Lock()
	if len(forger.reports) != 1 {
		t.Errorf("the workspace posted to a frame at an origin not its component's: %q", forger.reports)
	}
	forger.mu.Unlock()
	if n := deskJS[int](p, `window.__toasts.length`); n != toasts {
		t.Errorf("the agent was told of forged messages: %q", deskJS[string](p, fmt.Sprintf(`window.__toasts.slice(%d).join(" | ")`, toasts)))
	}
	if v := deskJS[string](p, `document.querySelector("#composer-text").value`); v != "" {
		t.Errorf("a forged insertText filled the composer: %q", v)
	}
	if c := deskJS[string](p, `document.querySelector("#injected").contentDocument.querySelector("#context").textContent`); c != "" {
		t.Errorf("an unregistered frame was given a context: %q", c)
	}
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d dialogs opened", n)
	}
}

// productPickerFlow: the demo's own product picker, registered for the demo
// app on first start, sends a product card to a web customer and a mini
// program card to a mini program customer; a product to the mini program is
// refused in the picker and told to the agent. The screenshot for the docs.
func productPickerFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{Demo: true})
	app := s.Demo.AppID
	s.Agent("alice", kefu.RoleAgent, app)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	var picker kefu.Component
	comps, err := s.Store.Components(context.Background())
	if err != nil || len(comps) != 1 || comps[0].URL != "/components/product-picker" || !comps[0].Enabled || len(comps[0].AppIDs) != 1 || comps[0].AppIDs[0] != app {
		t.Fatalf("the demo's picker: %+v %v", comps, err)
	}
	picker = *comps[0]

	// Two customers ask the demo bot for a person.
	web := s.Customer(app, kefu.ChannelWeb, "picker-web")
	identifyCustomer(t, web, kefu.ChannelWeb, "picker-web", "", "Lin Wei")
	web.Connect(0)
	web.Enter("product-1", nil)
	mp := s.Customer(app, kefu.ChannelMiniProgram, "picker-mp")
	identifyCustomer(t, mp, kefu.ChannelMiniProgram, "picker-mp", "", "Chen Jie")
	mp.Connect(0)
	mpConv := startConversation(t, s, alice, mp, "human")
	webConv := startConversation(t, s, alice, web, "human")
	web.Say("Hi! Is the Kefu Phone X still available in 64GB?")

	p := newDeskTab(t, browser)
	p.noExceptions()
	p.workOn(s.URL, "alice", webConv)
	p.wait("the customer's question", `document.querySelector("kefu-conversation .timeline").innerText.includes("still available")`)
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "Yes, it is in stock. Here it is:\r"))
	web.WaitMessage("the agent's answer", func(m *kefutest.ClientMessage) bool {
		return m.Text != nil && strings.HasPrefix(m.Text.Content, "Yes, it is in stock")
	})

	p.click(fmt.Sprintf("#pane-tab-%d", picker.ID))
	inPicker := fmt.Sprintf(`document.querySelector('iframe.kc-frame[data-component="%d"]').contentDocument`, picker.ID)
	p.wait("the picker", inPicker+`?.querySelector(".pp-send-product") && `+inPicker+`.querySelector("#context").textContent.includes("Lin Wei · Web")`)
	s.Clock.Advance(kefu.ComponentRate)
	deskJS[any](p, inPicker+`.querySelector(".pp-send-product").click()`)
	got := web.WaitMessage("the product card", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindProduct })
	if got.Product.Name != "Kefu Phone X 64GB" || got.Product.URL != "/pages/product/detail?id=1" || !strings.HasSuffix(got.Product.ImgURL, "/static/components/img/phone.svg") ||
		len(got.Product.Params) != 3 || got.Product.Params[0].Text != "¥6999.00" || got.Product.Params[0].Size != 16 {
		t.Errorf("product: %+v", got.Product)
	}
	p.wait("the product card in the timeline", `!!document.querySelector("kefu-conversation .kefu-product")`)
	p.wait("the picker says sent", inPicker+`.querySelector("#status").textContent === "Sent."`)
	p.wait("the agent told", `window.__toasts.includes("Product picker sent a product card.")`)
	deskJS[any](p, `document.activeElement.blur()`)
	p.screenshot("desk-components")

	// The tabs work from the keyboard too.
	deskJS[any](p, fmt.Sprintf(`document.querySelector("#pane-tab-%d").focus()`, picker.ID))
	p.do(chromedp.KeyEvent(kb.ArrowLeft))
	p.wait("the customer's tab", `!document.querySelector("#pane-customer").hidden && document.activeElement.id === "pane-tab-customer"`)
	p.do(chromedp.KeyEvent(kb.End))
	p.wait("the picker's tab again", fmt.Sprintf(`document.querySelector("#pane-tools").hidden === false && document.activeElement.id === "pane-tab-%d"`, picker.ID))
	// Insert text: the picker fills the composer.
	deskJS[any](p, inPicker+`.querySelectorAll(".pp-insert")[1].click()`)
	p.wait("the composer filled", `document.querySelector("#composer-text").value === "Noise-cancelling Headphones ¥1299.00"`)

	// The mini program customer: a card goes, a product card is refused.
	p.openConversation(mpConv)
	p.wait("the picker's new context", inPicker+`.querySelector("#context").textContent.includes("Chen Jie · Mini Program")`)
	s.Clock.Advance(kefu.ComponentRate)
	deskJS[any](p, inPicker+`.querySelector(".pp-send-mp").click()`)
	card := mp.WaitMessage("the mini program card", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindMiniProgramPage })
	if card.MiniProgramPage.Title != "Kefu Phone X 64GB" || card.MiniProgramPage.PagePath != "pages/product/detail?id=1" {
		t.Errorf("card: %+v", card.MiniProgramPage)
	}
	s.Clock.Advance(kefu.ComponentRate)
	deskJS[any](p, inPicker+`.querySelector(".pp-send-product").click()`)
	reason := "product messages can only be sent on the web and SDK channels, not miniprogram"
	p.wait("the refusal in the picker", inPicker+fmt.Sprintf(`.querySelector("#status").textContent === %s`, jsValue("Not sent: "+reason)))
	p.wait("the refusal told to the agent", fmt.Sprintf(`window.__toasts.includes(%s)`, jsValue("Product picker: not sent — "+reason)))
	p.screenshot("desk-components-refused")

	// Narrow screens: the tool sits under the conversation, tall enough to use.
	p.do(chromedp.EmulateViewport(1100, 800))
	p.wait("three columns", `getComputedStyle(document.querySelector(".desk-columns")).gridTemplateColumns.split(" ").length === 3`)
	p.do(chromedp.EmulateViewport(900, 860))
	p.wait("the medium layout", fmt.Sprintf(`document.querySelector('iframe.kc-frame[data-component="%d"]').getBoundingClientRect().height > 300`, picker.ID))
	p.do(chromedp.EmulateViewport(420, 860))
	p.wait("the narrow layout", `getComputedStyle(document.querySelector(".desk-columns")).display === "flex"`)
	deskJS[any](p, fmt.Sprintf(`document.querySelector('iframe.kc-frame[data-component="%d"]').scrollIntoView()`, picker.ID))
	deskJS[any](p, `document.querySelectorAll(".toast").forEach((e) => e.remove())`)
	p.screenshot("desk-components-narrow")
	if h := deskJS[float64](p, fmt.Sprintf(`document.querySelector('iframe.kc-frame[data-component="%d"]').getBoundingClientRect().height`, picker.ID)); h < 400 {
		t.Errorf("on a phone the tool is %.0fpx high", h)
	}
	p.do(chromedp.EmulateViewport(1280, 800))
}

// componentHostileFlow sends script-laden payloads through every field a
// component can fill — text; rich with <script>, onerror and javascript:;
// product name, params, url and imgUrl; card title, pagepath and pic_url —
// to a customer in the real widget and one in the simulator, and checks that
// nothing ran in the workspace, the widget or the simulator.
func componentHostileFlow(t *testing.T, browser context.Context) {
	s, app, root, alice := adminAndAgent(t)
	site := newComponentSite(t, s.URL)
	tool := root.RegisterComponent(map[string]any{"name": "Test tool", "url": site.origin + "/tool", "apps": []string{app.ID}, "enabled": true})

	// The customers: the widget's chat page, and the mini program simulator.
	widget := newDeskTab(t, browser)
	widgetDialogs := countDialogs(t, widget)
	widget.do(chromedp.Navigate(s.URL + "/widget/chat?appid=" + app.ID))
	widget.wait("the widget", `!!document.querySelector("kefu-composer .composer-input")`)
	widget.wait("the widget identified", `!!localStorage.getItem("kefu.visitor")`)
	widget.fill("kefu-composer .composer-input", "Hello from the widget")
	widget.click("kefu-composer .composer-send")
	webCust := waitCustomerOf(t, s, app.ID, kefu.ChannelWeb, "visitor:"+deskJS[string](widget, `localStorage.getItem("kefu.visitor")`))
	webConv := acceptConversationOf(t, s, alice, webCust)

	sim := newDeskTab(t, browser)
	simDialogs := countDialogs(t, sim)
	sim.do(chromedp.Navigate(s.URL + "/sim?appid=" + app.ID))
	sim.wait("the simulated user", `(document.querySelector(".sim-openid code")?.textContent || "").startsWith("o")`)
	simOpenID := deskJS[string](sim, `document.querySelector(".sim-openid code").textContent`)
	sim.click(".mp-contact")
	sim.wait("the simulated chat", `!document.querySelector(".mp-chat").hidden`)
	sim.fill(".mp-chat .composer-input", "Hello from the simulator")
	sim.click(".mp-chat .composer-send")
	mpCust, err := s.Store.CustomerByOpenID(context.Background(), app.ID, simOpenID)
	if err != nil {
		t.Fatalf("the simulated customer: %v", err)
	}
	mpConv := acceptConversationOf(t, s, alice, mpCust)

	p := newDeskTab(t, browser)
	p.noExceptions()
	dialogs := countDialogs(t, p)
	p.workOn(s.URL, "alice", webConv)
	p.click(fmt.Sprintf("#pane-tab-%d", tool.ID))
	frame := componentFrame(t, p.ctx, site.origin+"/tool")
	waitContext(t, frame, webConv)
	ts := &toolSender{t: t, s: s, p: p, frame: frame, name: "Test tool"}

	const xss = `<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2;alert(2)</script><svg onload="window.__pwned=3"></svg>`
	// Each payload is sent (and must be inert) or refused by the server's validation.
	send := func(typ string, content any, sent bool) {
		t.Helper()
		s.Clock.Advance(kefu.ComponentRate)
		if a := ts.send(typ, content); a.OK != sent {
			t.Errorf("%s %v: sent=%v (%s %s), want %v", typ, content, a.OK, a.Code, a.Message, sent)
		}
	}
	send("text", "Text "+xss+`<a href="javascript:window.__pwned=4">x</a>`, true)
	send("rich", `<p>Rich</p>`+xss+`<a href="javascript:window.__pwned=5">x</a><a data-miniprogram-path="javascript:window.__pwned=6">y</a>`+
		`<iframe src="javascript:window.__pwned=7"></iframe><div style="background:url(javascript:window.__pwned=8)" onclick="window.__pwned=9">z</div>`+
		`<form action="javascript:window.__pwned=10"><button>go</button></form><a href="https://example.com/" onmouseover="window.__pwned=11">ok link</a>`, true)
	send("product", map[string]any{"name": "Product " + xss, "url": "https://example.com/p?q=%22%3E%3Cscript%3Ewindow.__pwned=12%3C/script%3E",
		"imgUrl": "https://img.invalid/p.png", "params": []map[string]any{{"text": xss, "color": "#F00"}, {"text": "<b onclick=window.__pwned=13>b</b>", "fold": true}}}, true)
	send("product", map[string]any{"name": "Quote in the url", "url": `https://example.com/p?q="><script>window.__pwned=14</script>`}, false)
	send("product", map[string]any{"name": "Quote in the image", "imgUrl": `https://img.invalid/p.png" onerror="window.__pwned=15`}, false)
	send("product", map[string]any{"name": "Style in the colour", "params": []map[string]any{{"text": "safe", "color": `#fff" onmouseover="window.__pwned=16`}}}, false)
	send("product", map[string]any{"name": "Script urls", "url": "javascript:window.__pwned=17"}, false)
	send("product", map[string]any{"name": "Script image", "imgUrl": "javascript:window.__pwned=18"}, false)
	send("product", map[string]any{"name": "Product with a path", "url": "/pages/item?id=1", "imgUrl": "https://img.invalid/p.png",
		"params": []map[string]any{{"text": xss, "size": 14}}}, true)
	p.openConversation(mpConv)
	waitContext(t, frame, mpConv)
	send("rich", `<p>Rich on the mini program</p>`+xss+`<a data-miniprogram-path="pages/cart/cart?x=1" onclick="window.__pwned=19">cart</a>`, true)
	send("miniprogrampage", map[string]any{"title": "Card <img src=x onerror=window.__pwned=1>", "pagepath": "pages/item/item?id=7", "pic_url": "https://img.invalid/c.png"}, true)
	send("miniprogrampage", map[string]any{"title": "Card", "pagepath": `pages/x"><script>window.__pwned=20</script>`, "pic_url": "https://img.invalid/c.png"}, false)
	send("miniprogrampage", map[string]any{"title": "Card", "pagepath": "javascript:window.__pwned=21", "pic_url": "https://img.invalid/c.png"}, false)
	send("miniprogrampage", map[string]any{"title": "Card", "pagepath": "pages/x", "pic_url": `javascript:window.__pwned=22`}, false)
	send("text", "Text on the mini program "+xss, true)

	// What passed arrives in the widget and the simulator, as text and
	// sanitised markup; then everyone hovers and clicks everything.
	widget.wait("the product card in the widget", `[...document.querySelectorAll(".kefu-product-name")].some((e) => e.textContent.startsWith("Product <img"))`)
	widget.wait("the rich message in the widget", `[...document.querySelectorAll(".kefu-rich")].some((e) => e.textContent.includes("ok link"))`)
	widget.wait("the text in the widget", `[...document.querySelectorAll(".kefu-bubble")].some((e) => e.textContent.includes("window.__pwned=2"))`)
	sim.wait("the card in the simulator", `[...document.querySelectorAll(".mp-chat .kefu-card-title")].some((e) => e.textContent.startsWith("Card <img"))`)
	sim.wait("the text in the simulator", `[...document.querySelectorAll(".mp-chat .kefu-bubble")].some((e) => e.textContent.includes("Text on the mini program"))`)
	p.wait("the hostile text in the workspace", `document.querySelector("kefu-conversation .timeline").innerText.includes("Text on the mini program")`)
	const poke = `document.querySelectorAll("%s a, %s button, %s .kefu-card, %s [onclick], %s .kefu-mp-link").forEach((e) => {
		if (e.closest("kefu-composer, form.sim-signin, .sim-attrs")) return;
		e.dispatchEvent(new MouseEvent("mouseover", { bubbles: true })); e.click(); })`
	deskJS[any](p, strings.ReplaceAll(poke, "%s", "kefu-conversation .timeline"))
	p.openConversation(webConv)
	p.wait("the web conversation", `document.querySelectorAll("kefu-conversation .kefu-product").length >= 2`)
	deskJS[any](p, strings.ReplaceAll(poke, "%s", "kefu-conversation .timeline"))
	for _, tab := range []*deskTab{p, widget, sim} {
		deskJS[any](tab, `window.open = () => null`) // a card's web page would open: not what is tested here
	}
	deskJS[any](widget, strings.ReplaceAll(poke, "%s", "kefu-chat-log"))
	deskJS[any](sim, strings.ReplaceAll(poke, "%s", ".mp-chat kefu-chat-log"))
	for _, tab := range []*deskTab{p, widget, sim} {
		waitQuiet(t, tab.ctx) // any injected handler would have run by now
	}
	for _, tab := range []struct {
		name    string
		p       *deskTab
		root    string
		dialogs interface{ Load() int32 }
	}{{"workspace", p, "kefu-conversation .timeline", dialogs}, {"widget", widget, "kefu-chat-log", widgetDialogs}, {"simulator", sim, ".mp-chat kefu-chat-log", simDialogs}} {
		if v := deskJS[any](tab.p, `window.__pwned === undefined ? null : window.__pwned`); v != nil {
			t.Errorf("%s: injected script ran: window.__pwned = %v", tab.name, v)
		}
		if n := tab.dialogs.Load(); n != 0 {
			t.Errorf("%s: injected script opened %d dialogs", tab.name, n)
		}
		bad := deskJS[string](tab.p, fmt.Sprintf(`[...document.querySelectorAll(%s)].flatMap((r) => [...r.querySelectorAll(%s)]).map((e) => e.outerHTML.slice(0, 200)).join("\n")`,
			jsValue(tab.root), jsValue(dangerous)))
		if bad != "" {
			t.Errorf("%s: dangerous elements or attributes made it into the page:\n%s", tab.name, bad)
		}
	}
	if !strings.Contains(p.text("kefu-conversation .timeline"), "window.__pwned=2") {
		t.Error("script text should be shown as text in the workspace")
	}
}

// dangerous selects what hostile content must never become: elements that
// run or load code, event handler attributes, script URLs, styles with URLs.
const dangerous = "script, iframe, frame, object, embed, form, base, meta, link, style, [onerror], [onclick], [onload], [onmouseover], [onfocus], " +
	"[style*=url], a[href^='javascript'], [src^='javascript'], [data-miniprogram-path^='javascript']"

// waitCustomerOf waits until a customer exists.
func waitCustomerOf(t *testing.T, s *kefutest.Server, appID string, ch kefu.Channel, externalID string) *kefu.Customer {
	t.Helper()
	var c *kefu.Customer
	kefutest.UntilTrue(t, "the customer "+externalID, func() bool {
		var err error
		c, err = s.Store.CustomerByExternalID(context.Background(), appID, ch, externalID)
		return err == nil
	})
	return c
}

// acceptConversationOf waits for the customer's queued conversation and accepts it.
func acceptConversationOf(t *testing.T, s *kefutest.Server, agent *kefutest.Desk, cust *kefu.Customer) int64 {
	t.Helper()
	var id int64
	kefutest.UntilTrue(t, "the queued conversation of "+cust.OpenID, func() bool {
		c, err := s.Store.ConversationByCustomer(context.Background(), cust.ID)
		if err != nil || c.State != kefu.StateQueued {
			return false
		}
		id = c.ID
		return true
	})
	agent.Accept(id)
	return id
}

// componentAdminFlow registers, edits and deletes a component on the admin
// page, with the server's reasons shown when it refuses.
func componentAdminFlow(t *testing.T, browser context.Context) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	root := s.SignIn("root")
	var team struct {
		ID int64 `json:"id"`
	}
	if st := root.Do("POST", "/api/admin/teams", map[string]string{"name": "Sales"}, &team); st != http.StatusCreated && st != http.StatusOK {
		t.Fatalf("team: HTTP %d", st)
	}

	p := newDeskTab(t, browser)
	p.noExceptions()
	p.signIn(s.URL+"/admin#components", "root")
	p.wait("the components section", `document.querySelector("#nav-components").getAttribute("aria-selected") === "true" && !!document.querySelector("#component-add")`)
	p.click("#component-add")
	p.fill("#component-name", "Order lookup")
	p.fill("#component-url", "https://tools.shop.example/kefu/orders")
	p.fill("#component-origin", "https://other.example")
	p.fill("#component-icon", "📦")
	p.fill("#component-position", "3")
	deskJS[any](p, fmt.Sprintf(`document.querySelector('input[name=apps][value=%q]').click()`, app.ID))
	deskJS[any](p, fmt.Sprintf(`document.querySelector('input[name=teams][value="%d"]').click()`, team.ID))
	p.click("#dialog-save")
	p.wait("the server's reason", `document.querySelector("#dialog-result").classList.contains("is-error")`)
	if got := p.text("#dialog-result"); got != "That was not accepted. The allowed origin https://other.example is not the origin of the url." {
		t.Errorf("the refusal says %q", got)
	}
	p.fill("#component-origin", "")
	p.fill("#component-url", "javascript:alert(1)")
	p.click("#dialog-save")
	p.wait("the server's reason", `document.querySelector("#dialog-result").innerText.includes("URL must be an http(s) URL")`)
	p.fill("#component-url", "https://tools.shop.example/kefu/orders")
	p.click("#dialog-save")
	p.wait("the component in the table", `(document.querySelector("#components-table") || {}).innerText?.includes("Order lookup")`)
	p.screenshot("desk-components-admin")
	comps, _ := s.Store.Components(context.Background())
	if len(comps) != 1 {
		t.Fatalf("%d components", len(comps))
	}
	c := comps[0]
	if c.Name != "Order lookup" || c.URL != "https://tools.shop.example/kefu/orders" || c.Origin != "https://tools.shop.example" || c.Icon != "📦" ||
		c.Position != 3 || !c.Enabled || len(c.AppIDs) != 1 || c.AppIDs[0] != app.ID || len(c.TeamIDs) != 1 || c.TeamIDs[0] != team.ID {
		t.Fatalf("saved: %+v", c)
	}

	// Edit: rename, disable, every app and team.
	p.click(fmt.Sprintf(`#components-table tr[data-component="%d"] .actions button`, c.ID))
	p.wait("the edit form", `document.querySelector("#component-name").value === "Order lookup"`)
	p.fill("#component-name", "Orders")
	deskJS[any](p, `document.querySelector("#component-enabled").click()`)
	deskJS[any](p, `document.querySelectorAll("input[name=apps]:checked, input[name=teams]:checked").forEach((e) => e.click())`)
	p.click("#dialog-save")
	p.wait("the change in the table", fmt.Sprintf(`document.querySelector('#components-table tr[data-component="%d"]')?.classList.contains("is-disabled")`, c.ID))
	got, _ := s.Store.Component(context.Background(), c.ID)
	if got.Name != "Orders" || got.Enabled || len(got.AppIDs) != 0 || len(got.TeamIDs) != 0 || got.Position != 3 {
		t.Fatalf("edited: %+v", got)
	}

	// Delete.
	deskJS[any](p, `window.confirm = () => true`)
	p.click(fmt.Sprintf(`#components-table tr[data-component="%d"] .actions .btn-danger`, c.ID))
	p.wait("the table empty", `!document.querySelector("#components-table")`)
	if comps, _ := s.Store.Components(context.Background()); len(comps) != 0 {
		t.Fatalf("%d components after delete", len(comps))
	}
}
