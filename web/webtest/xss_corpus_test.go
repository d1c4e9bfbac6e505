package webtest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// The script-injection corpus (testdata/xss.txt, one vector a line) goes
// through every field the pages render. Each vector calls __xss() or
// alert(1)… when it runs. The pages are loaded with their
// Content-Security-Policy bypassed, so that what is proved is that the
// renderers hold on their own: a vector that reached the DOM as markup
// would run and hit a sink.

// xssVectors reads the corpus.
func xssVectors(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v := sc.Text(); strings.TrimSpace(v) != "" {
			vs = append(vs, v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 300 {
		t.Fatalf("the corpus has %d vectors, want at least 300", len(vs))
	}
	return vs
}

// xssSinks runs in every frame before the page's own scripts: what a vector
// calls when it runs is recorded in the top window's __xssHits.
const xssSinks = `(() => {
	const hits = () => { try { return top.__xssHits || (top.__xssHits = []); } catch { return window.__xssHits || (window.__xssHits = []); } };
	const sink = (name) => function (...a) { hits().push(name + "(" + a.map(String).join(",").slice(0, 60) + ") in " + location.pathname); };
	hits();
	window.__xss = sink("__xss");
	for (const f of ["alert", "confirm", "prompt", "print"]) window[f] = sink(f);
	window.MsgBox = sink("MsgBox");
})()`

// xssScan is a JavaScript function of a list of DOM roots: it reports what
// in them could run script (checkNoScript) and whether any vector ran.
const xssScan = `((roots) => {
	const bad = [];
	for (const r of roots) if (r) { const b = ` + checkNoScript + `(r, window); if (b) bad.push(b); }
	if ((window.__xssHits || []).length) bad.push("a vector ran: " + window.__xssHits.slice(0, 10).join("; "));
	return bad.join("\n");
})`

// xssSettle waits until every picture in the document (and its same-origin
// frames) has loaded or failed — when an injected onerror would have run —
// then hovers and focuses every element under the roots, as a person would.
const xssSettle = `(async (roots) => {
	const docs = [document, ...[...document.querySelectorAll("iframe")].map((f) => { try { return f.contentDocument; } catch { return null; } }).filter(Boolean)];
	for (let i = 0; i < 600; i++) {
		if (docs.every((d) => [...d.images].every((im) => im.complete || im.loading === "lazy"))) break;
		await new Promise((r) => requestAnimationFrame(r));
	}
	for (const r of roots) if (r) for (const e of r.querySelectorAll("*")) {
		e.dispatchEvent(new MouseEvent("mouseover", { bubbles: true }));
		e.dispatchEvent(new FocusEvent("focus"));
	}
	await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
	return true;
})`

// xssTab opens a tab whose pages run with the sinks installed and their CSP
// bypassed; it counts the JavaScript dialogs they open.
func xssTab(t *testing.T, browser context.Context) (context.Context, *atomic.Int32) {
	t.Helper()
	ctx := kefutest.Tab(t, browser)
	var n atomic.Int32
	if err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			n.Add(1)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: xssSinks}); err != nil {
		t.Fatal(err)
	}
	return kefutest.Timeout(t, ctx, 5*time.Minute), &n
}

// xssAssert settles the page and fails the test if a vector ran, a dialog
// opened or something that could run script is under the roots (a
// JavaScript expression for an array of nodes).
func xssAssert(t *testing.T, ctx context.Context, dialogs *atomic.Int32, where, roots string) {
	t.Helper()
	do(t, ctx, xssSettle+`(`+roots+`)`)
	if bad := run[string](t, ctx, xssScan+`(`+roots+`)`); bad != "" {
		t.Fatalf("%s: hostile content got through:\n%s", where, bad)
	}
	if n := dialogs.Load(); n != 0 {
		t.Fatalf("%s: %d JavaScript dialogs opened", where, n)
	}
}

// parallel runs f(i) for i in [0, n) on a few goroutines.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 4 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// TestXssCorpus sends every vector of the corpus through every field the
// workspace, the admin pages, the widget and the simulator render, and
// checks that none ran.
func TestXssCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("the script-injection corpus is not short")
	}
	vs := xssVectors(t)
	switch env := os.Getenv("KEFU_XSS_CORPUS"); {
	case env == "all":
		// every vector: about 13 minutes on two cores
	case env != "":
		if n, err := strconv.Atoi(env); err == nil && n > 1 && n < len(vs) {
			vs = vs[:n] // a quicker look at the first n vectors
		}
	default:
		// Every fourth vector, so the suite stays minutes long; each
		// kind of vector (the file groups them) is still represented.
		var some []string
		for i := 0; i < len(vs); i += 4 {
			some = append(some, vs[i])
		}
		vs = some
	}
	browser := kefutest.Browser(t)
	t.Run("workspace", func(t *testing.T) { xssWorkspace(t, browser, vs) })
	t.Run("widget", func(t *testing.T) { xssWidget(t, browser, vs) })
	t.Run("simulator", func(t *testing.T) { xssSimulator(t, browser, vs) })
	t.Run("admin", func(t *testing.T) { xssAdmin(t, browser, vs) })
}

// xssBatch is how many vectors share one conversation: each brings nine
// messages, and the workspace shows the last 100 of a conversation.
const xssBatch = 10

// xssOpenAll is a JavaScript function that opens conversations from the
// workspace's list one after the other — waiting for the customer panel to
// show the customer and, when a marker is given, for the conversation to
// show it (the last message) — and scans the page after each.
const xssOpenAll = `(async (items, roots) => {
	const until = async (f) => { for (let i = 0; i < 3000; i++) { if (f()) return true; await new Promise((r) => setTimeout(r, 10)); } return false; };
	const bad = [];
	for (const it of items) {
		const b = document.querySelector('kefu-lists .conv-item[data-id="' + it.id + '"] .conv-open');
		if (!b) { bad.push("conversation " + it.id + " is not listed"); break; }
		b.click();
		const shown = await until(() => [...document.querySelectorAll("kefu-customer-panel code")].some((c) => c.textContent === it.openid) &&
			(!it.marker || (document.querySelector("kefu-conversation")?.textContent || "").includes(it.marker)));
		if (!shown) { bad.push("conversation " + it.id + " did not open"); break; }
		// Injected onerror handlers run once the pictures fail.
		await until(() => roots().every((r) => !r || [...r.querySelectorAll("img")].every((im) => im.complete || im.loading === "lazy")));
		const s = ` + xssScan + `(roots());
		if (s) { bad.push("conversation " + it.id + ": " + s); break; }
	}
	return bad.join("\n");
})`

// xssConvRoots are the parts of the workspace that show a conversation.
const xssConvRoots = `() => [document.querySelector("kefu-conversation"), document.querySelector("kefu-customer-panel")]`

// xssWorkspace: one customer per vector, named with it, opening the chat
// with it as sessionFrom and card, and saying it (the lists and the
// customer panel); then, in every tenth conversation, accepted, a batch of
// vectors as every kind of message, from the customer and the agent
// through the APIs and written straight into the store; canned replies,
// teams and agents (the transfer dialog) and assistant components (the
// side pane's tabs) named with them.
func xssWorkspace(t *testing.T, browser context.Context, vs []string) {
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	a := s.Agent("alice", kefu.RoleAgent, app.ID)
	a.MaxSessions = len(vs)/xssBatch + 5
	mustStore(t, s, func(tx kefu.Tx) error { return tx.SaveAgent(ctx, a) })
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	s.Agent("root", kefu.RoleAdmin)
	root := s.SignIn("root")

	seeding := time.Now()
	// Customers: name, sessionFrom, card and a text, through the client
	// API, or past it where it refuses them.
	custs := make([]*kefutest.Customer, len(vs))
	for i := range vs {
		custs[i] = s.Customer(app.ID, kefu.ChannelWeb, fmt.Sprintf("xss-visitor-%d", i))
	}
	var refused atomic.Int32
	parallel(len(vs), func(i int) {
		v, c := vs[i], custs[i]
		var out struct {
			Token string `json:"token"`
		}
		token := c.Token
		c.Token = ""
		if st := c.Do("POST", "/api/client/sessions", map[string]any{"appid": app.ID, "channel": "web",
			"visitor_id": fmt.Sprintf("%-16s", fmt.Sprintf("xss-visitor-%d", i)), "name": v}, &out); st == http.StatusOK {
			token = out.Token
		} else {
			refused.Add(1)
		}
		c.Token = token
		if st := c.Do("POST", "/api/client/enter", map[string]any{"session_from": v, "card": map[string]string{"title": v, "path": v, "img": v}}, nil); st != http.StatusOK {
			refused.Add(1)
			c.Do("POST", "/api/client/enter", map[string]any{"session_from": v, "card": map[string]string{"title": v, "path": "/pages/item/item?id=1", "img": "https://img.invalid/x.png"}}, nil)
		}
		if st := c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("xss-say-%d", i), "kind": "text",
			"text": map[string]string{"content": v}}, nil); st != http.StatusCreated {
			refused.Add(1)
		}
	})
	t.Logf("the client API refused %d of the customers' fields; they are written straight into the store", refused.Load())
	convs := make([]*kefu.Conversation, len(vs))
	for i, v := range vs {
		cust, err := s.Store.CustomerByOpenID(ctx, app.ID, custs[i].OpenID)
		if err != nil {
			t.Fatalf("customer %d: %v", i, err)
		}
		if cust.Name != v {
			cust.Name = v
			mustStore(t, s, func(tx kefu.Tx) error { return tx.SaveCustomer(ctx, cust) })
		}
		var conv *kefu.Conversation
		kefutest.UntilTrue(t, "the conversation", func() bool { conv, err = s.Store.ConversationByCustomer(ctx, cust.ID); return err == nil })
		if conv.SessionFrom != v || conv.Card == nil || conv.Card.Title != v || conv.Card.Path != v || conv.Card.Img != v {
			mustStore(t, s, func(tx kefu.Tx) error {
				c, err := tx.LockConversation(ctx, conv.ID)
				if err != nil {
					return err
				}
				c.SessionFrom, c.Card = v, &kefu.MessageCard{Title: v, Path: v, Img: v}
				return tx.SaveConversation(ctx, c)
			})
		}
		convs[i] = conv
	}

	// The batches: every kind of message in an accepted conversation.
	var batches []int
	for b := 0; b < len(vs); b += xssBatch {
		batches = append(batches, b)
		alice.Accept(convs[b].ID)
	}
	parallel(len(vs), func(i int) {
		v, b := vs[i], i-i%xssBatch
		c, conv := custs[b], convs[b].ID
		if i != b {
			c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("xss-text-%d", i), "kind": "text", "text": map[string]string{"content": v}}, nil)
		}
		if media, ok := xssUpload(s, c, v); ok {
			c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("xss-image-%d", i), "kind": "image", "image": map[string]string{"media_id": media}}, nil)
		}
		if st := c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("xss-card-%d", i), "kind": "miniprogrampage",
			"miniprogrampage": map[string]string{"title": v, "pagepath": v, "thumb_url": v}}, nil); st != http.StatusCreated {
			c.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": fmt.Sprintf("xss-card-%d", i), "kind": "miniprogrampage",
				"miniprogrampage": map[string]string{"title": v, "pagepath": "/pages/item/item?id=1"}}, nil)
		}
		path := fmt.Sprintf("/api/desk/conversations/%d/messages", conv)
		alice.Do("POST", path, map[string]any{"kind": "rich", "rich": map[string]string{"html": "<p>" + v + "</p>" + v}}, nil)
		if st := alice.Do("POST", path, map[string]any{"kind": "product", "product": map[string]any{"name": v, "url": v, "imgUrl": v,
			"params": []map[string]any{{"text": v, "color": v}}}}, nil); st != http.StatusCreated {
			alice.Do("POST", path, map[string]any{"kind": "product", "product": map[string]any{"name": v, "url": "/pages/item/item?id=1",
				"params": []map[string]any{{"text": v}}}}, nil)
		}
	})
	now := time.Now()
	for i, v := range vs {
		conv := convs[i-i%xssBatch].ID
		mustStore(t, s, func(tx kefu.Tx) error {
			c, err := tx.LockConversation(ctx, conv)
			if err != nil {
				return err
			}
			for _, m := range []*kefu.Message{
				{Sender: kefu.SenderAgent, AgentID: a.ID, Kind: kefu.KindRich, Phase: kefu.StateActive, CreatedAt: now, Rich: &kefu.Rich{HTML: v}},
				{Sender: kefu.SenderAgent, AgentID: a.ID, Kind: kefu.KindProduct, Phase: kefu.StateActive, CreatedAt: now, Product: &kefu.Product{Name: v,
					URL: v, ImgURL: v, Params: []kefu.ProductParam{{Text: v, Color: v}}}},
				{Sender: kefu.SenderUser, Kind: kefu.KindMiniProgramPage, Phase: kefu.StateActive, CreatedAt: now, MiniProgramPage: &kefu.MiniProgramPage{
					Title: v, PagePath: v, ThumbURL: v}},
				// A transfer's note, as the engine writes it.
				{Sender: kefu.SenderAgent, AgentID: a.ID, Kind: kefu.KindText, Internal: true, Source: "transfer", Phase: kefu.StateActive, CreatedAt: now, Text: &kefu.Text{Content: v}},
			} {
				if _, _, err := tx.AppendMessage(ctx, c, m); err != nil {
					return err
				}
			}
			return tx.SaveConversation(ctx, c)
		})
	}
	for _, b := range batches {
		alice.Say(convs[b].ID, fmt.Sprintf("xss-end-%d", b))
	}

	// Canned replies, teams, agents and components named with the vectors.
	xssNamed(t, s, root, alice, app, vs)

	// The conversations the customers' first messages queued (those the
	// client API refused stay new, out of the queue).
	queuedN := 0
	for i, c := range convs {
		if i%xssBatch == 0 {
			continue
		}
		if cur, err := s.Store.Conversation(ctx, c.ID); err == nil && cur.State == kefu.StateQueued {
			queuedN++
		}
	}
	t.Logf("seeded in %s; %d conversations queued", time.Since(seeding).Round(time.Second), queuedN)
	tab, dialogs := xssTab(t, browser)
	p := &deskTab{t: t, ctx: tab}
	p.signIn(s.URL+"/desk", "alice")
	p.click("#tab-queue")
	p.wait("the queue", fmt.Sprintf(`document.querySelectorAll("kefu-lists .conv-item").length >= %d`, queuedN))
	xssAssert(t, tab, dialogs, "the queue", `[...document.querySelectorAll("kefu-lists .conv-list")]`)
	type item struct {
		ID     int64  `json:"id"`
		OpenID string `json:"openid"`
		Marker string `json:"marker,omitempty"`
	}
	var queued, mine []item
	for i, c := range convs {
		if i%xssBatch != 0 {
			queued = append(queued, item{ID: c.ID, OpenID: custs[i].OpenID})
		} else {
			mine = append(mine, item{ID: c.ID, OpenID: custs[i].OpenID, Marker: fmt.Sprintf("xss-end-%d", i)})
		}
	}
	openAll := func(what string, items []item) {
		t.Helper()
		start := time.Now()
		js, _ := json.Marshal(items)
		bad, err := chromedp.Run(tab, chromedp.Evaluate[string](xssOpenAll+`(`+string(js)+`, `+xssConvRoots+`)`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if bad != "" {
			t.Fatalf("%s: %s", what, bad)
		}
		t.Logf("%s: %d opened and scanned (%s)", what, len(items), time.Since(start).Round(time.Second))
		if n := dialogs.Load(); n != 0 {
			t.Fatalf("%s: %d JavaScript dialogs opened", what, n)
		}
	}
	_ = queued // (opening each of them is too slow: the batches show their fields in the panel)
	p.click("#tab-mine")
	p.wait("mine", fmt.Sprintf(`document.querySelectorAll("kefu-lists .conv-item").length >= %d`, len(batches)))
	openAll("the conversations with every kind of message", mine)

	// The canned replies, in the composer's list and in the Manage dialog.
	p.click("#composer-canned")
	p.wait("the canned replies", fmt.Sprintf(`document.querySelectorAll("kefu-canned .canned-item").length >= %d`, min(len(vs), 20)))
	xssAssert(t, tab, dialogs, "the canned replies", `[document.querySelector("kefu-canned")]`)
	p.click("#canned-manage")
	p.wait("the canned replies to manage", fmt.Sprintf(`document.querySelectorAll("dialog .canned-row").length >= %d`, len(vs)))
	xssAssert(t, tab, dialogs, "managing canned replies", `[...document.querySelectorAll("dialog[open] .canned-row")]`)
	deskJS[any](p, `document.querySelector("dialog[open]").close()`)

	// The transfer dialog lists the teams and agents.
	p.click("#conv-transfer")
	p.wait("the transfer targets", fmt.Sprintf(`document.querySelectorAll("kefu-transfer .target").length >= %d`, len(vs)+min(len(vs), 100)))
	xssAssert(t, tab, dialogs, "the transfer dialog", `[...document.querySelectorAll("kefu-transfer fieldset")]`)
}

// xssUpload uploads a picture under a hostile file name as a customer.
func xssUpload(s *kefutest.Server, c *kefutest.Customer, name string) (string, bool) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", name+".png")
	fw.Write(tinyPNG())
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/client/media", &buf)
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.MediaID, resp.StatusCode == http.StatusCreated
}

// xssNamed names canned replies (alice's), teams, agents of the app
// (online, so the transfer dialog offers them) and components after the
// vectors: through the APIs, or straight into the store where they refuse.
func xssNamed(t *testing.T, s *kefutest.Server, root, alice *kefutest.Desk, app *kefu.App, vs []string) {
	ctx := context.Background()
	teams := make([]*kefu.Team, len(vs))
	agents := make([]*kefu.Agent, len(vs))
	comps := make([]*kefu.Component, len(vs))
	now := s.Clock.Now()
	mustStore(t, s, func(tx kefu.Tx) error {
		for i := range vs {
			teams[i] = &kefu.Team{Name: fmt.Sprintf("team %d", i), CreatedAt: now}
			if err := tx.CreateTeam(ctx, teams[i]); err != nil {
				return err
			}
			agents[i] = &kefu.Agent{Login: fmt.Sprintf("xss-agent-%d", i), Name: fmt.Sprintf("agent %d", i), Role: kefu.RoleAgent,
				MaxSessions: kefu.DefaultMaxSessions, Status: kefu.StatusOnline, CreatedAt: now}
			if i < 100 { // an app has at most 200 agents
				agents[i].Apps = []string{app.ID}
			}
			if err := tx.CreateAgent(ctx, agents[i]); err != nil {
				return err
			}
			comps[i] = &kefu.Component{Name: fmt.Sprintf("component %d", i), URL: "/components/product-picker", Enabled: true,
				AppIDs: []string{app.ID}, Position: i, CreatedAt: now}
			if err := tx.CreateComponent(ctx, comps[i]); err != nil {
				return err
			}
		}
		return nil
	})
	var refused [4]atomic.Int32
	parallel(len(vs), func(i int) {
		v := vs[i]
		if st := alice.Do("POST", "/api/desk/canned", map[string]any{"shortcut": fmt.Sprintf("x%d", i), "text": v}, nil); st != http.StatusCreated {
			refused[0].Add(1)
			s.Store.Update(ctx, func(tx kefu.Tx) error {
				return tx.CreateCannedReply(ctx, &kefu.CannedReply{AgentID: alice.Agent.ID, Shortcut: fmt.Sprintf("x%d", i), Text: v, UpdatedAt: now})
			})
		}
		if st := root.Do("PATCH", fmt.Sprintf("/api/admin/teams/%d", teams[i].ID), map[string]any{"name": v}, nil); st != http.StatusOK {
			refused[1].Add(1)
			teams[i].Name = v
			s.Store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveTeam(ctx, teams[i]) })
		}
		var out json.RawMessage
		if st := root.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", agents[i].ID), map[string]any{"name": v}, &out); st != http.StatusOK {
			if refused[2].Add(1) == 1 {
				t.Logf("agent %d: %s", st, out)
			}
			s.Store.Update(ctx, func(tx kefu.Tx) error {
				a, err := tx.Agent(ctx, agents[i].ID)
				if err != nil {
					return err
				}
				a.Name = v
				return tx.SaveAgent(ctx, a)
			})
		}
		comps[i].Name = v
		if st := root.Do("PUT", fmt.Sprintf("/api/admin/components/%d", comps[i].ID), comps[i], nil); st != http.StatusOK {
			refused[3].Add(1)
			s.Store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveComponent(ctx, comps[i]) })
		}
	})
	t.Logf("refused by the APIs, written straight into the store: %d canned replies, %d team names, %d agent names, %d component names",
		refused[0].Load(), refused[1].Load(), refused[2].Load(), refused[3].Load())
}
