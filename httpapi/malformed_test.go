package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// apiError is the error shape of the client and desk APIs.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// rawCall sends body as is and decodes the JSON API error shape.
func rawCall(t *testing.T, hc *http.Client, method, u string, header http.Header, body []byte) (int, *apiError) {
	t.Helper()
	req, _ := http.NewRequest(method, u, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var e apiError
	if resp.StatusCode >= 400 {
		if err := json.Unmarshal(data, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
			t.Errorf("%s %s: HTTP %d answered %q, not the API's error shape", method, u, resp.StatusCode, data)
		}
	}
	return resp.StatusCode, &e
}

// malformedCase is one bad request and the answer it must get.
type malformedCase struct {
	name       string
	header     http.Header // added to the surface's usual headers; nil values remove them
	body       []byte
	wantStatus int
	wantCode   string
}

var (
	oversized = []byte(`{"kind":"text","text":{"content":"` + strings.Repeat("x", 70<<10) + `"}}`)
	// bodyCases are the malformed bodies every JSON endpoint must refuse.
	bodyCases = []malformedCase{
		{name: "empty body", body: nil, wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "not JSON", body: []byte("kind=text&content=hi"), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "truncated JSON", body: []byte(`{"kind":"text","text":{"content":"hi"`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "kind a number", body: []byte(`{"kind":5,"text":{"content":"hi"}}`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "text a string", body: []byte(`{"kind":"text","text":"hi"}`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "an array", body: []byte(`[{"kind":"text"}]`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "two values", body: []byte(`{"kind":"text","text":{"content":"a"}}{"kind":"text"}`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "unknown kind", body: []byte(`{"kind":"voice","text":{"content":"hi"}}`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "kind and body disagree", body: []byte(`{"kind":"image","text":{"content":"hi"}}`), wantStatus: 400, wantCode: kefu.EINVALID},
		{name: "oversized body", body: oversized, wantStatus: 413, wantCode: kefu.ETOOLARGE},
	}
)

func TestMalformedClientAPI(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	user := s.Customer(app.ID, kefu.ChannelWeb, "malformed-user")
	user.Say("before")
	conv := convOf(t, s, user)
	before := messageCount(t, s, conv)

	auth := http.Header{"Authorization": {"Bearer " + user.Token}, "Content-Type": {"application/json"}}
	payload, mac, _ := strings.Cut(user.Token, ".")
	forged := strings.Replace(payload, payload[:4], "AAAA", 1) + "." + mac
	cases := append(append([]malformedCase{}, bodyCases...),
		malformedCase{name: "no token", header: http.Header{"Authorization": nil}, body: []byte(`{"kind":"text","text":{"content":"hi"}}`), wantStatus: 401, wantCode: kefu.EUNAUTHORIZED},
		malformedCase{name: "garbage token", header: http.Header{"Authorization": {"Bearer garbage"}}, body: []byte(`{"kind":"text","text":{"content":"hi"}}`), wantStatus: 401, wantCode: kefu.EUNAUTHORIZED},
		malformedCase{name: "forged token", header: http.Header{"Authorization": {"Bearer " + forged}}, body: []byte(`{"kind":"text","text":{"content":"hi"}}`), wantStatus: 401, wantCode: kefu.EUNAUTHORIZED},
		malformedCase{name: "multipart to a JSON endpoint", header: http.Header{"Content-Type": {"multipart/form-data; boundary=x"}}, body: []byte("--x--"), wantStatus: 400, wantCode: kefu.EINVALID},
	)
	for _, tc := range cases {
		st, e := rawCall(t, http.DefaultClient, "POST", s.URL+"/api/client/messages", merge(auth, tc.header), tc.body)
		if st != tc.wantStatus || e.Error.Code != tc.wantCode {
			t.Errorf("client send, %s: HTTP %d %q (%s), want %d %q", tc.name, st, e.Error.Code, e.Error.Message, tc.wantStatus, tc.wantCode)
		}
	}
	// Identify, typing and read markers refuse bad bodies the same way.
	for _, path := range []string{"/api/client/sessions", "/api/client/enter", "/api/client/typing", "/api/client/read"} {
		for _, body := range [][]byte{[]byte("{"), []byte(`{"appid":5,"on":"yes","delivered":"x","session_from":7}`), oversized} {
			st, e := rawCall(t, http.DefaultClient, "POST", s.URL+path, auth, body)
			if st != 400 && st != 413 || e.Error.Code != kefu.EINVALID && e.Error.Code != kefu.ETOOLARGE {
				t.Errorf("%s with %.20q: HTTP %d %q", path, body, st, e.Error.Code)
			}
		}
	}
	// An upload that is not an image, or not multipart.
	st, e := rawCall(t, http.DefaultClient, "POST", s.URL+"/api/client/media", auth, []byte(`{"media":"x"}`))
	if st != 400 || e.Error.Code != kefu.EINVALID {
		t.Errorf("upload as JSON: HTTP %d %q", st, e.Error.Code)
	}

	if after := messageCount(t, s, conv); after != before {
		t.Errorf("malformed requests stored %d messages", after-before)
	}
	user.Say("the server still works")
}

// merge returns h with extra's values set (nil values delete the header).
func merge(h, extra http.Header) http.Header {
	out := h.Clone()
	for k, v := range extra {
		if v == nil {
			out.Del(k)
		} else {
			out[k] = v
		}
	}
	return out
}

func TestMalformedDeskAPI(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "") // no push URL: the first message queues the conversation
	s.Agent("alice", kefu.RoleAgent, app.ID)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusAway) // may accept, is not auto-assigned
	user := s.Customer(app.ID, kefu.ChannelWeb, "desk-malformed-user")
	user.Say("help")
	conv := convOf(t, s, user)
	alice.Accept(conv)
	before := messageCount(t, s, conv)

	u := s.URL + "/api/desk/conversations/" + itoa(conv) + "/messages"
	withCSRF := http.Header{"X-Csrf-Token": {alice.CSRF}, "Content-Type": {"application/json"}}
	good := []byte(`{"kind":"text","text":{"content":"hi"}}`)
	cases := append(append([]malformedCase{}, bodyCases...),
		malformedCase{name: "no CSRF token", header: http.Header{"X-Csrf-Token": nil}, body: good, wantStatus: 403, wantCode: kefu.EFORBIDDEN},
		malformedCase{name: "wrong CSRF token", header: http.Header{"X-Csrf-Token": {"x" + alice.CSRF}}, body: good, wantStatus: 403, wantCode: kefu.EFORBIDDEN},
	)
	for _, tc := range cases {
		st, e := rawCall(t, alice.HTTP, "POST", u, merge(withCSRF, tc.header), tc.body)
		if st != tc.wantStatus || e.Error.Code != tc.wantCode {
			t.Errorf("desk send, %s: HTTP %d %q (%s), want %d %q", tc.name, st, e.Error.Code, e.Error.Message, tc.wantStatus, tc.wantCode)
		}
	}
	// Without the session cookie, or with a forged one: 401.
	var cookie string
	for _, c := range alice.HTTP.Jar.Cookies(mustURL(s.URL)) {
		cookie = c.Value
	}
	payload, mac, _ := strings.Cut(cookie, ".")
	for name, ck := range map[string]string{"no cookie": "", "garbage cookie": "kefu_desk=garbage",
		"forged cookie": "kefu_desk=" + strings.Replace(payload, payload[:4], "AAAA", 1) + "." + mac} {
		h := merge(withCSRF, http.Header{"Cookie": {ck}})
		if ck == "" {
			h.Del("Cookie")
		}
		st, e := rawCall(t, http.DefaultClient, "POST", u, h, good)
		if st != 401 || e.Error.Code != kefu.EUNAUTHORIZED {
			t.Errorf("desk send, %s: HTTP %d %q", name, st, e.Error.Code)
		}
	}
	// Sign-in and other JSON endpoints.
	for _, path := range []string{"/api/desk/login", "/api/desk/status", "/api/desk/conversations/" + itoa(conv) + "/transfer"} {
		for _, body := range [][]byte{[]byte("{"), []byte(`{"login":1,"status":2,"agent_id":"x"}`), oversized} {
			st, e := rawCall(t, alice.HTTP, "POST", s.URL+path, withCSRF, body)
			if st != 400 && st != 413 || e.Error.Code != kefu.EINVALID && e.Error.Code != kefu.ETOOLARGE {
				t.Errorf("%s with %.20q: HTTP %d %q", path, body, st, e.Error.Code)
			}
		}
	}
	if st, e := rawCall(t, alice.HTTP, "GET", s.URL+"/api/desk/conversations/not-a-number/messages", nil, nil); st != 404 || e.Error.Code != kefu.ENOTFOUND {
		t.Errorf("a conversation id that is not a number: HTTP %d %q", st, e.Error.Code)
	}

	if after := messageCount(t, s, conv); after != before {
		t.Errorf("malformed requests stored %d messages", after-before)
	}
	alice.Say(conv, "the server still works")
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestMalformedCGI covers what TestCGISendErrors does not: bodies in the
// wrong encoding for each /cgi-bin call, and odd access tokens. Every
// answer is WeChat's shape, and nothing is stored.
func TestMalformedCGI(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	tok := mustToken(t, s, app)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "cgi-malformed-user")
	user.Say("hello")
	conv := convOf(t, s, user)
	before := messageCount(t, s, conv)

	xml := []byte("<xml><ToUser>" + user.OpenID + "</ToUser><MsgType>text</MsgType></xml>")
	for _, c := range []struct {
		path                 string
		emptyCode, largeCode int
	}{
		// send checks touser first and counts a large body as content too long;
		// typing checks the command first.
		{"/cgi-bin/message/custom/send", wechat.CodeInvalidOpenID, 45002},
		{"/cgi-bin/message/custom/typing", wechat.CodeInvalidTypingCommand, wechat.CodeDataFormatError},
	} {
		wantCode(t, c.path+" XML", post(t, s, tok, c.path, xml), wechat.CodeDataFormatError)
		wantCode(t, c.path+" JSON string", post(t, s, tok, c.path, []byte(`"touser"`)), wechat.CodeDataFormatError)
		wantCode(t, c.path+" JSON array", post(t, s, tok, c.path, []byte(`[]`)), wechat.CodeDataFormatError)
		wantCode(t, c.path+" oversized", post(t, s, tok, c.path, oversized), c.largeCode)
		wantCode(t, c.path+" null", post(t, s, tok, c.path, []byte(`null`)), c.emptyCode)
		wantCode(t, c.path+" empty object", post(t, s, tok, c.path, []byte(`{}`)), c.emptyCode)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", "a.png")
	fw.Write(pngImage(1))
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/cgi-bin/message/custom/send?access_token="+url.QueryEscape(tok), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var a wxAnswer
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	wantCode(t, "multipart to send", &a, wechat.CodeDataFormatError)

	for name, bad := range map[string]string{"long": strings.Repeat("A", 10000), "unicode": "令牌令牌", "spaces": "   ", "token of another kind": user.Token} {
		q := url.Values{"access_token": {bad}}
		wantCode(t, "access_token "+name, cgi(t, s, "POST", "/cgi-bin/message/custom/send", q,
			wechat.CustomMessage{ToUser: user.OpenID, MsgType: "text", Text: &wechat.TextContent{Content: "hi"}}), wechat.CodeInvalidCredential)
	}
	q := url.Values{"grant_type": {"client_credential"}, "appid": {strings.Repeat("wx", 5000)}, "secret": {"\x00"}}
	wantCode(t, "token with a silly appid", cgi(t, s, "GET", "/cgi-bin/token", q, nil), wechat.CodeInvalidAppID)

	if after := messageCount(t, s, conv); after != before {
		t.Errorf("malformed /cgi-bin calls stored %d messages", after-before)
	}
	wantCode(t, "the server still works", post(t, s, tok, "/cgi-bin/message/custom/send",
		wechat.CustomMessage{ToUser: user.OpenID, MsgType: "text", Text: &wechat.TextContent{Content: "fine"}}), 0)
}

// TestMalformedClientWebSocket: frames that are not JSON, not objects, of an
// unknown type or with a bad message get an error frame; the connection
// stays usable and nothing is stored.
func TestMalformedClientWebSocket(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	user := s.Customer(app.ID, kefu.ChannelWeb, "ws-malformed-user")
	user.Say("hello")
	conv := convOf(t, s, user)
	before := messageCount(t, s, conv)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := strings.Replace(s.URL, "http", "ws", 1) + "/api/client/ws?after=0&token=" + url.QueryEscape(user.Token)
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	// next reads frames until one of type typ arrives; a sent frame fails.
	next := func(typ string) map[string]json.RawMessage {
		t.Helper()
		return nextFrame(t, ctx, ws, typ, "sent")
	}
	next("synced")
	for _, frame := range []struct {
		name string
		typ  websocket.MessageType
		data string
	}{
		{"not JSON", websocket.MessageText, "hello there"},
		{"binary garbage", websocket.MessageBinary, "\x00\x01\xff"},
		{"a JSON array", websocket.MessageText, `[1,2,3]`},
		{"a JSON string", websocket.MessageText, `"send"`},
		{"unknown type", websocket.MessageText, `{"type":"dance"}`},
		{"no type", websocket.MessageText, `{"message":{"kind":"text","text":{"content":"hi"}}}`},
		{"send without a message", websocket.MessageText, `{"type":"send"}`},
		{"send with wrong types", websocket.MessageText, `{"type":"send","message":{"kind":"text","text":"hi"}}`},
		{"send with an unknown kind", websocket.MessageText, `{"type":"send","message":{"kind":"voice","text":{"content":"hi"}}}`},
		{"send with empty text", websocket.MessageText, `{"type":"send","message":{"client_msg_id":"m1","kind":"text","text":{"content":""}}}`},
		{"read with wrong types", websocket.MessageText, `{"type":"read","delivered":"all"}`},
	} {
		if err := ws.Write(ctx, frame.typ, []byte(frame.data)); err != nil {
			t.Fatalf("%s: write: %v", frame.name, err)
		}
		f := next("error")
		var e struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(f["error"], &e); e.Code != kefu.EINVALID || e.Message == "" {
			t.Errorf("%s: error frame %s", frame.name, f["error"])
		}
	}
	if after := messageCount(t, s, conv); after != before {
		t.Errorf("malformed frames stored %d messages", after-before)
	}
	// The same connection still works.
	ws.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`))
	next("pong")
	ws.Write(ctx, websocket.MessageText, []byte(`{"type":"send","message":{"client_msg_id":"ok-1","kind":"text","text":{"content":"still here"}}}`))
	next("sent")
	if after := messageCount(t, s, conv); after != before+1 {
		t.Errorf("a good frame after the bad ones: %d messages stored, want 1", after-before)
	}
}
