package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// hostileJSON is what each body in testdata/hostile-json must be refused
// with, on every surface: the part of the error message that names what
// is wrong.
var hostileJSON = map[string]string{
	"dup-top-level":           `"kind" is given twice`,
	"dup-nested":              `"content" in text is given twice`,
	"dup-unknown-name":        `"x" is given twice`,
	"dup-deep":                `"c" in a.b is given twice`,
	"dup-in-array":            `"b" in a.1 is given twice`,
	"dup-escaped":             `"kind" is given twice`,
	"dup-empty-name":          `"" is given twice`,
	"dup-in-raw-content":      `"name" in content is given twice`,
	"utf8-bad-byte-in-value":  "not valid UTF-8 (at byte 34)",
	"utf8-bad-byte-in-name":   "not valid UTF-8 (at byte 16)",
	"utf8-overlong-slash":     "not valid UTF-8 (at byte 34)",
	"utf8-encoded-surrogate":  "not valid UTF-8 (at byte 34)",
	"utf8-truncated-sequence": "not valid UTF-8 (at byte 34)",
	"utf8-latin1-body":        "not valid UTF-8 (at byte 37)",
	"escape-lone-surrogate":   "not valid UTF-8 (at byte 34)",
	"escape-unknown":          "not valid JSON (at byte 34: invalid escape sequence",
	"raw-newline-in-string":   "not valid JSON (at byte 35: invalid character",
	"nul-in-string":           "not valid JSON (at byte 35: invalid character",
	"trailing-comma":          "not valid JSON (at byte 38",
	"single-quotes":           "not valid JSON (at byte 1",
	"nan":                     "not valid JSON (at byte 13",
	"infinity":                "not valid JSON (at byte 13",
	"hex-number":              "not valid JSON (at byte 14",
	"leading-zero":            "not valid JSON (at byte 14",
	"plus-sign":               "not valid JSON (at byte 13",
	"comment":                 "not valid JSON (at byte 14",
	"byte-order-mark":         "not valid JSON (at byte 0",
	"two-values":              "must hold a single JSON value",
	"trailing-garbage":        "must hold a single JSON value",
	"unterminated-string":     "ends in the middle of a JSON value",
	"missing-colon":           "not valid JSON (at byte 8",
	"truncated":               "ends in the middle of a JSON value",
	"whitespace-only":         "the body is empty",
	"deep-nesting":            "exceeded max depth",
}

// hostileBodies reads testdata/hostile-json, checking that every file has
// its expected error and every expected error its file.
func hostileBodies(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/hostile-json/*.json")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		if _, ok := hostileJSON[name]; !ok {
			t.Errorf("%s has no expected error in hostileJSON", f)
		}
		if out[name], err = os.ReadFile(f); err != nil {
			t.Fatal(err)
		}
	}
	for name := range hostileJSON {
		if _, ok := out[name]; !ok {
			t.Errorf("hostileJSON names %s, which testdata/hostile-json lacks", name)
		}
	}
	if len(out) < 30 {
		t.Errorf("%d hostile bodies; keep at least 30", len(out))
	}
	return out
}

// TestHostileJSONRefusedEverywhere sends every hostile body to each JSON
// surface — the client, desk, admin and components APIs, /cgi-bin and
// both WebSockets — and checks each is refused in the surface's own shape
// with the error that names the problem, nothing is stored, and good
// bodies are still accepted.
func TestHostileJSONRefusedEverywhere(t *testing.T) {
	t.Parallel()
	bodies := hostileBodies(t)
	f := newJSONSurfaces(t, "hostile-json-user")
	s, user, root, conv, comp, tok, before := f.s, f.user, f.root, f.conv, f.comp, f.tok, f.before
	client, desk, convPath := f.client, f.desk, f.convPath
	apis := []struct {
		surface, path string
		hc            *http.Client
		header        http.Header
	}{
		{"client send", "/api/client/messages", http.DefaultClient, client},
		{"client identify", "/api/client/sessions", http.DefaultClient, client},
		{"client read", "/api/client/read", http.DefaultClient, client},
		{"desk send", convPath + "/messages", root.HTTP, desk},
		{"desk sign-in", "/api/desk/login", root.HTTP, desk},
		{"admin teams", "/api/admin/teams", root.HTTP, desk},
		{"component message", convPath + "/component-messages", root.HTTP, desk},
		{"component token check", "/api/components/verify", http.DefaultClient, client},
	}
	for name, body := range bodies {
		want := hostileJSON[name]
		for _, api := range apis {
			st, e := rawCall(t, api.hc, "POST", s.URL+api.path, api.header, body)
			if st != http.StatusBadRequest || e.Error.Code != kefu.EINVALID || !strings.Contains(e.Error.Message, want) {
				t.Errorf("%s, %s: HTTP %d %q %q; want 400 %q naming %q", api.surface, name, st, e.Error.Code, e.Error.Message, kefu.EINVALID, want)
			}
		}
		a := cgi(t, s, "POST", "/cgi-bin/message/custom/send", url.Values{"access_token": {tok}}, body)
		if name == "whitespace-only" {
			wantCode(t, "cgi-bin send, "+name, a, wechat.CodeEmptyPostData) // WeChat's own code for an empty body
		} else if wantCode(t, "cgi-bin send, "+name, a, wechat.CodeDataFormatError); !strings.Contains(a.ErrMsg, want) {
			t.Errorf("cgi-bin send, %s: errmsg %q, want it to name %q", name, a.ErrMsg, want)
		}
	}

	// Each WebSocket answers a hostile frame with an error frame and stays open.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	wsBase := strings.Replace(s.URL, "http", "ws", 1)
	customerWS, _, err := websocket.Dial(ctx, wsBase+"/api/client/ws?after=0&token="+url.QueryEscape(user.Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer customerWS.CloseNow()
	deskWS, _, err := websocket.Dial(ctx, wsBase+"/api/desk/ws", &websocket.DialOptions{HTTPClient: root.HTTP, HTTPHeader: http.Header{"Origin": {s.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer deskWS.CloseNow()
	deskWS.SetReadLimit(1 << 20)
	for surface, ws := range map[string]*websocket.Conn{"customer websocket": customerWS, "desk websocket": deskWS} {
		for name, body := range bodies {
			if err := ws.Write(ctx, websocket.MessageText, body); err != nil {
				t.Fatalf("%s, %s: write: %v", surface, name, err)
			}
			f := nextFrame(t, ctx, ws, "error")
			var e struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			json.Unmarshal(f["error"], &e)
			if want := hostileJSON[name]; e.Code != kefu.EINVALID || !strings.Contains(e.Message, want) {
				t.Errorf("%s, %s: error frame %s; want %q naming %q", surface, name, f["error"], kefu.EINVALID, want)
			}
		}
		ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`))
		nextFrame(t, ctx, ws, "pong")
	}
	if after := messageCount(t, s, conv); after != before {
		t.Errorf("hostile bodies stored %d messages", after-before)
	}

	// A case variant of a name is not that name: it is refused (more in
	// strict_names_test.go).
	st, e := rawCall(t, http.DefaultClient, "POST", s.URL+"/api/client/messages", client, []byte(`{"KIND":"text","Text":{"content":"hi"}}`))
	if st != http.StatusBadRequest || e.Error.Code != kefu.EINVALID {
		t.Errorf("client send with case-variant names: HTTP %d %q %q, want 400 %q", st, e.Error.Code, e.Error.Message, kefu.EINVALID)
	}
	st, e = rawCall(t, http.DefaultClient, "POST", s.URL+"/api/client/messages", client,
		[]byte(`{"kind":"text","text":{"content":"the real one"},"Text":{"content":"a shadow"},"KIND":"image"}`))
	if st != http.StatusBadRequest || !strings.Contains(e.Error.Message, "only by case") {
		t.Errorf("client send beside case-variant names: HTTP %d %q, want 400 naming the case variant", st, e.Error.Message)
	}

	// Good bodies still pass on each surface.
	good := map[string]struct {
		path string
		hc   *http.Client
		h    http.Header
		body string
		want int
	}{
		"client send":       {"/api/client/messages", http.DefaultClient, client, `{"client_msg_id":"good-1","kind":"text","text":{"content":"早上好 👋"}}`, http.StatusCreated},
		"client read":       {"/api/client/read", http.DefaultClient, client, `{"delivered":1,"read":1}`, http.StatusNoContent},
		"desk send":         {convPath + "/messages", root.HTTP, desk, `{"kind":"text","text":{"content":"hello"}}`, http.StatusCreated},
		"admin teams":       {"/api/admin/teams", root.HTTP, desk, `{"name":"Night shift"}`, http.StatusCreated},
		"component message": {convPath + "/component-messages", root.HTTP, desk, `{"component_id":` + itoa(comp.ID) + `,"method":"sendMsg","type":"text","content":"from the picker"}`, http.StatusCreated},
	}
	for surface, g := range good {
		if st, e := rawCall(t, g.hc, "POST", s.URL+g.path, g.h, []byte(g.body)); st != g.want {
			t.Errorf("%s with a good body: HTTP %d %q, want %d", surface, st, e.Error.Message, g.want)
		}
	}
	wantCode(t, "cgi-bin send with a good body", post(t, s, tok, "/cgi-bin/message/custom/send",
		map[string]any{"touser": user.OpenID, "msgtype": "text", "text": map[string]string{"content": "from the developer"}}), 0)
}

// nextFrame reads frames until one of type typ arrives; an error frame, or
// one of the types in unwanted, fails the test.
func nextFrame(t *testing.T, ctx context.Context, ws *websocket.Conn, typ string, unwanted ...string) map[string]json.RawMessage {
	t.Helper()
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for a %s frame: %v", typ, err)
		}
		var f map[string]json.RawMessage
		if err := json.Unmarshal(data, &f); err != nil {
			t.Fatalf("the server sent a frame that is not JSON: %q", data)
		}
		var got string
		json.Unmarshal(f["type"], &got)
		if got == typ {
			return f
		}
		if got == "error" || slices.Contains(unwanted, got) {
			t.Fatalf("got %s frame %s while waiting for %s", got, data, typ)
		}
	}
}

// jsonSurfaces is a conversation an admin has accepted, with a component
// and an access token: every JSON surface a body can be posted to.
type jsonSurfaces struct {
	s            *kefutest.Server
	user         *kefutest.Customer
	root         *kefutest.Desk
	conv         int64
	comp         *kefu.Component
	tok          string
	before       int // the conversation's messages
	client, desk http.Header
	convPath     string
}

func newJSONSurfaces(t *testing.T, visitor string) *jsonSurfaces {
	t.Helper()
	f := &jsonSurfaces{s: kefutest.NewServer(t, kefutest.Options{})}
	app := f.s.App("", "", "") // no push URL: the first message queues the conversation
	f.s.Agent("root", kefu.RoleAdmin, app.ID)
	f.root = f.s.SignIn("root")
	f.root.Status(kefu.StatusAway)
	f.user = f.s.Customer(app.ID, kefu.ChannelMiniProgram, visitor)
	f.user.Say("help")
	f.conv = convOf(t, f.s, f.user)
	f.root.Accept(f.conv)
	f.comp = f.root.RegisterComponent(map[string]any{"name": "Picker", "url": "/components/product-picker", "apps": []string{app.ID}, "enabled": true})
	f.tok = mustToken(t, f.s, app)
	f.before = messageCount(t, f.s, f.conv)
	f.client = http.Header{"Authorization": {"Bearer " + f.user.Token}, "Content-Type": {"application/json"}}
	f.desk = http.Header{"X-Csrf-Token": {f.root.CSRF}, "Content-Type": {"application/json"}}
	f.convPath = "/api/desk/conversations/" + itoa(f.conv)
	return f
}
