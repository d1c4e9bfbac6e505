package webtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// xss is hostile text that runs script if it ever reaches the DOM as HTML
// or as an attribute.
const xss = `<img src=x onerror="window.__pwned=1;parent.__pwned=1"><script>window.__pwned=1</script>" onmouseover="window.__pwned=1`

// checkNoScript is a JavaScript function of a DOM subtree and its window
// that reports anything in it that could run script, and anything that did.
const checkNoScript = `((root, w) => {
	const bad = [];
	if (w.__pwned || window.__pwned) bad.push("a hostile script ran");
	// (Parsing rich text that has style attributes is reported as a blocked
	// inline style: render.js applies the allowed ones through the CSSOM.)
	for (const v of w.__violations || []) if (!v.startsWith("style-src-attr")) bad.push("CSP violation: " + v);
	for (const e of root.querySelectorAll("*")) {
		const tag = e.tagName.toLowerCase();
		if (["script", "iframe", "object", "embed", "frame", "form", "style", "base", "meta", "link"].includes(tag)) bad.push("element " + tag);
		for (const a of e.attributes) {
			if (/^on/i.test(a.name)) bad.push(tag + " has " + a.name);
			if (/^\s*(javascript|data|vbscript):/i.test(a.value) && ["href", "src", "action", "formaction", "xlink:href"].includes(a.name)) bad.push(tag + " " + a.name + "=" + a.value);
		}
		if (e.getAttribute("style") && /url\(|expression|javascript/i.test(e.getAttribute("style"))) bad.push(tag + " style " + e.getAttribute("style"));
	}
	return bad.join("\n");
})`

// recordViolations is a JavaScript function that makes a document remember
// CSP violations.
const recordViolations = `((d, w) => { w.__violations = []; d.addEventListener("securitypolicyviolation", (e) => w.__violations.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber + " " + e.sample)); })`

// testHostileContent sends hostile content in every field a customer sees —
// texts, links, rich text, product cards, the customer's own card, agent
// names and the notices that carry them — and checks that the widget shows
// it as text and runs none of it.
func (env *browserEnv) testHostileContent(t *testing.T) {
	s := env.s
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON) // straight to the queue
	eve := env.agent(t, "eve", "Eve "+xss, app.ID)
	ctx := env.tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/demo?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the inline button", inline+`?.shadowRoot.querySelector(".root.is-ready") != null`)
	// The customer's own card, from the button's attributes.
	do(t, ctx, fmt.Sprintf(`(() => { const e = %s; e.setAttribute("send-message-title", %q); e.setAttribute("send-message-path", "javascript:window.__pwned=1//"); e.setAttribute("send-message-img", "javascript:window.__pwned=1"); })()`, inline, "Card "+xss))
	click(t, ctx, inline+`.shadowRoot.querySelector(".button")`)
	waitFor(t, ctx, "the chat", inChat(`!d.querySelector("kefu-card-offer").hidden`))
	do(t, ctx, inChat(recordViolations+`(d, w)`))
	do(t, ctx, recordViolations+`(document, window)`)
	do(t, ctx, inChat(`d.querySelector(".offer-send").click()`))
	do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = `+jsString("Me "+xss)+`; i.dispatchEvent(new Event("input")); d.querySelector(".composer-send").click(); })()`))
	conv := eve.WaitEvent("the queued conversation", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	eve.Accept(conv)

	say := func(msg map[string]any) { deskSend(t, eve, conv, msg) }
	say(map[string]any{"kind": "text", "text": map[string]string{"content": "Text " + xss + ` <a href="javascript:window.__pwned=1">js link</a> <a href="x" data-miniprogram-path='"><img src=x onerror=window.__pwned=1>'>mp</a> https://example.com/"onmouseover="window.__pwned=1`}})
	say(map[string]any{"kind": "rich", "rich": map[string]string{"html": `<p style="color:#f00;background:url(javascript:window.__pwned=1)" onclick="window.__pwned=1">Rich</p>` + xss +
		`<a href="javascript:window.__pwned=1">a</a><iframe src="javascript:window.__pwned=1"></iframe><svg onload="window.__pwned=1"><circle/></svg>` +
		`<form action="javascript:window.__pwned=1"><button>go</button></form><span data-miniprogram-path="javascript:window.__pwned=1">mp</span><style>*{display:none}</style>`}})
	say(map[string]any{"kind": "product", "product": map[string]any{"name": "Product " + xss, "url": "/pages/item?id=1",
		"params": []map[string]any{{"text": "Param " + xss, "color": "#123456"}, {"text": `</span><script>window.__pwned=1</script>`, "fold": true}}}})
	say(map[string]any{"kind": "link", "link": map[string]string{"title": "Link <img src=x onerror=window.__pwned=1>", "description": "Desc " + xss, "url": "https://example.com/?q=%22%3E%3Cscript%3E"}})
	eve.Say(conv, "last")
	waitFor(t, ctx, "the last message", inChat(`d.querySelector(".log-list").textContent.includes("last")`))

	// Everything is on screen as text. (The customer's card, with its
	// javascript: path and picture, is refused by the domain: not in the log.)
	logText := run[string](t, ctx, inChat(`d.querySelector(".log-list").textContent`))
	for _, want := range []string{"Text <img src=x onerror=", "Product <img src=x", "Param <img src=x", "Link <img src=x", "Me <img src=x", "Eve <img src=x"} {
		if !strings.Contains(logText, want) {
			t.Errorf("the log does not show %q as text", want)
		}
	}
	// The allowed style survives, applied from the server's allowlist (rich-policy.js).
	if got := run[string](t, ctx, inChat(`(() => { const p = [...d.querySelectorAll(".kefu-rich p")].find((e) => e.textContent === "Rich"); return p ? getComputedStyle(p).color : "no paragraph"; })()`)); got != "rgb(255, 0, 0)" {
		t.Errorf("the rich paragraph's colour is %q, want the allowed #f00", got)
	}
	// A text link whose href is not a web URL is its label, as text.
	if n := run[int](t, ctx, inChat(`[...d.querySelectorAll(".log-list a")].filter((a) => a.textContent === "js link").length`)); n != 0 {
		t.Errorf("the javascript: anchor became %d links", n)
	}
	if got := run[string](t, ctx, inChat(`d.querySelector(".header-title").textContent`)); got != "Eve "+xss {
		t.Errorf("header title %q, want the agent's name as text", got)
	}
	// Hover and click everything that can be clicked (cards would fire contact: fine).
	do(t, ctx, inChat(`(() => { for (const e of d.querySelectorAll(".log-list *")) { e.dispatchEvent(new MouseEvent("mouseover", { bubbles: true })); } for (const a of d.querySelectorAll(".log-list a, .log-list [role=link]")) { a.target = "_self"; a.addEventListener("click", (e) => e.preventDefault()); a.click(); } })()`))
	if bad := run[string](t, ctx, inChat(checkNoScript+`(d.body, w)`)); bad != "" {
		t.Fatalf("hostile content got through:\n%s", bad)
	}
	hostParts := `[document.querySelector("#contact-log"), ...[...document.querySelectorAll("kefu-customer-service")].map((e) => e.shadowRoot)]`
	if bad := run[string](t, ctx, hostParts+`.map((r) => `+checkNoScript+`(r, window)).join("")`); bad != "" {
		t.Fatalf("hostile content got through on the host page:\n%s", bad)
	}
	// A card whose path is not a mini program path is not a link.
	if n := run[int](t, ctx, `document.querySelectorAll("#contact-log li").length`); n != 0 {
		if got := run[string](t, ctx, `document.querySelector("#contact-log").textContent`); strings.Contains(got, "javascript") {
			t.Fatalf("a javascript: path reached the contact event: %s", got)
		}
	}
}

// jsString quotes s for JavaScript.
func jsString(s string) string { return fmt.Sprintf("%q", s) }
