package wechat_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// fakeWeChat is a small stand-in for api.weixin.qq.com.
type fakeWeChat struct {
	t         *testing.T
	expiresIn int64
	gate      chan struct{} // if set, token requests wait for it to close
	started   chan struct{} // if set, receives once per token request

	mu         sync.Mutex
	tokenCalls int
	sendCalls  int
	valid      map[string]bool
	sent       []wechat.CustomMessage
	sentBodies []string
	typing     []wechat.TypingRequest
	stableReqs []wechat.StableTokenRequest
	upload     struct{ contentType, field, filename, partType, mediaType, data string }
}

func newFakeWeChat(t *testing.T) (*fakeWeChat, *httptest.Server) {
	f := &fakeWeChat{t: t, expiresIn: 7200, valid: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("grant_type") != "client_credential" {
			f.writeJSON(w, wechat.NewAPIError(wechat.CodeInvalidGrantType).Response())
			return
		}
		f.issueToken(w, q.Get("appid"), q.Get("secret"))
	})
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		var req wechat.StableTokenRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.stableReqs = append(f.stableReqs, req)
		f.mu.Unlock()
		f.issueToken(w, req.AppID, req.Secret)
	})
	mux.HandleFunc("POST /cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.sendCalls++
		f.mu.Unlock()
		if !f.authorized(w, r) {
			return
		}
		body, _ := io.ReadAll(r.Body)
		var m wechat.CustomMessage
		if err := json.Unmarshal(body, &m); err != nil {
			f.writeJSON(w, wechat.NewAPIError(wechat.CodeDataFormatError).Response())
			return
		}
		if err := m.Validate(); err != nil {
			var apiErr *wechat.APIError
			errors.As(err, &apiErr)
			f.writeJSON(w, apiErr.Response())
			return
		}
		f.mu.Lock()
		f.sent = append(f.sent, m)
		f.sentBodies = append(f.sentBodies, string(body))
		f.mu.Unlock()
		f.writeJSON(w, wechat.ErrorResponse{ErrCode: 0, ErrMsg: "ok"})
	})
	mux.HandleFunc("POST /cgi-bin/message/custom/typing", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		var req wechat.TypingRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.typing = append(f.typing, req)
		f.mu.Unlock()
		f.writeJSON(w, wechat.ErrorResponse{ErrMsg: "ok"})
	})
	mux.HandleFunc("POST /cgi-bin/media/upload", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.upload.contentType = r.Header.Get("Content-Type")
		f.upload.mediaType = r.URL.Query().Get("type")
		mr, err := r.MultipartReader()
		if err != nil {
			f.writeJSON(w, wechat.NewAPIError(wechat.CodeDataFormatError).Response())
			return
		}
		part, err := mr.NextPart()
		if err != nil {
			f.writeJSON(w, wechat.NewAPIError(wechat.CodeDataFormatError).Response())
			return
		}
		data, _ := io.ReadAll(part)
		f.upload.field, f.upload.filename, f.upload.partType, f.upload.data = part.FormName(), part.FileName(), part.Header.Get("Content-Type"), string(data)
		f.writeJSON(w, wechat.MediaInfo{Type: "image", MediaID: "media-42", CreatedAt: 1714112445})
	})
	mux.HandleFunc("GET /cgi-bin/media/get", func(w http.ResponseWriter, r *http.Request) {
		if !f.authorized(w, r) {
			return
		}
		id := r.URL.Query().Get("media_id")
		if id != "media-42" {
			w.Header().Set("Content-Type", "text/plain") // WeChat is not consistent here
			fmt.Fprintf(w, `{"errcode":40007,"errmsg":"invalid media_id rid: 1"}`)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Content-Disposition", `attachment; filename="media-42.jpg"`)
		w.Write([]byte("\xff\xd8\xff\xe0 jpeg bytes"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeWeChat) issueToken(w http.ResponseWriter, appID, secret string) {
	if f.started != nil {
		f.started <- struct{}{}
	}
	if f.gate != nil {
		<-f.gate
	}
	if appID != "wxapp" {
		f.writeJSON(w, wechat.NewAPIError(wechat.CodeInvalidAppID).Response())
		return
	}
	if secret != "s3cret" {
		f.writeJSON(w, wechat.NewAPIError(wechat.CodeInvalidCredential).Response())
		return
	}
	f.mu.Lock()
	f.tokenCalls++
	token := fmt.Sprintf("token-%d", f.tokenCalls)
	f.valid[token] = true
	f.mu.Unlock()
	f.writeJSON(w, wechat.TokenResponse{AccessToken: token, ExpiresIn: f.expiresIn})
}

func (f *fakeWeChat) authorized(w http.ResponseWriter, r *http.Request) bool {
	token := r.URL.Query().Get("access_token")
	f.mu.Lock()
	ok := f.valid[token]
	f.mu.Unlock()
	switch {
	case token == "":
		f.writeJSON(w, wechat.NewAPIError(wechat.CodeAccessTokenMissing).Response())
	case !ok:
		f.writeJSON(w, wechat.NewAPIError(wechat.CodeInvalidCredential).Response())
	}
	return ok
}

func (f *fakeWeChat) revoke(token string) {
	f.mu.Lock()
	delete(f.valid, token)
	f.mu.Unlock()
}

func (f *fakeWeChat) counts() (tokens, sends int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenCalls, f.sendCalls
}

func (f *fakeWeChat) writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	json.NewEncoder(w).Encode(v)
}

func TestClientTokenRefreshBeforeExpiry(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	now := time.Unix(1714112445, 0)
	var clockMu sync.Mutex
	clock := func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }
	advance := func(d time.Duration) { clockMu.Lock(); now = now.Add(d); clockMu.Unlock() }
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL+"/"), wechat.WithHTTPClient(srv.Client()), wechat.WithClock(clock))
	ctx := context.Background()

	for range 3 {
		if err := c.SendText(ctx, "openid-1", "hi"); err != nil {
			t.Fatal(err)
		}
	}
	if tokens, _ := fake.counts(); tokens != 1 {
		t.Fatalf("%d token requests for 3 sends, want 1", tokens)
	}
	advance(7200*time.Second - 5*time.Minute - time.Second)
	if tok, _ := c.AccessToken(ctx); tok != "token-1" {
		t.Errorf("5 minutes and 1 second before expiry: token %q, want the cached token-1", tok)
	}
	advance(2 * time.Second)
	if tok, _ := c.AccessToken(ctx); tok != "token-2" {
		t.Errorf("within 5 minutes of expiry: token %q, want a fresh token-2", tok)
	}
	if tokens, _ := fake.counts(); tokens != 2 {
		t.Errorf("%d token requests, want 2", tokens)
	}
}

func TestClientRefreshesOnInvalidCredential(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL), wechat.WithHTTPClient(srv.Client()))
	ctx := context.Background()
	if err := c.SendText(ctx, "openid-1", "one"); err != nil {
		t.Fatal(err)
	}
	fake.revoke("token-1") // as when another program fetched a new token
	if err := c.SendText(ctx, "openid-1", "two"); err != nil {
		t.Fatalf("send after the token was revoked: %v", err)
	}
	tokens, sends := fake.counts()
	if tokens != 2 || sends != 3 {
		t.Errorf("%d token requests and %d send attempts, want 2 and 3 (one retry)", tokens, sends)
	}

	// A token that keeps failing is retried once, not forever.
	var attempts atomic.Int32
	alwaysRefuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/token" {
			fake.writeJSON(w, wechat.TokenResponse{AccessToken: "doomed", ExpiresIn: 7200})
			return
		}
		attempts.Add(1)
		fake.writeJSON(w, wechat.NewAPIError(wechat.CodeInvalidCredential).Response())
	}))
	defer alwaysRefuse.Close()
	doomed := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(alwaysRefuse.URL))
	err := doomed.SendText(ctx, "openid-1", "three")
	if !errors.Is(err, &wechat.APIError{Code: wechat.CodeInvalidCredential}) {
		t.Errorf("err = %v, want errcode 40001", err)
	}
	if n := attempts.Load(); n != 2 {
		t.Errorf("%d send attempts, want 2", n)
	}
}

func TestClientConcurrentCallersShareOneRefresh(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	fake.gate = make(chan struct{})
	fake.started = make(chan struct{}, 100)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL), wechat.WithHTTPClient(srv.Client()))

	const callers = 20
	var wg sync.WaitGroup
	tokens := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tokens[i], errs[i] = c.AccessToken(context.Background())
		}()
	}
	<-fake.started // one fetch is under way and held; the others queue behind it
	kefutest.UntilTrue(t, "the other callers to queue behind the first", func() bool { return wechat.Waiting(c) == callers-1 })
	close(fake.gate)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil || tokens[i] != "token-1" {
			t.Errorf("caller %d: %q, %v", i, tokens[i], errs[i])
		}
	}
	if n, _ := fake.counts(); n != 1 {
		t.Errorf("%d token requests for %d concurrent callers, want 1", n, callers)
	}
}

func TestClientCallerGivingUpDoesNotFailOthers(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	fake.gate = make(chan struct{})
	fake.started = make(chan struct{}, 10)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL), wechat.WithHTTPClient(srv.Client()))

	leaderCtx, cancel := context.WithCancel(context.Background())
	leaderErr := make(chan error, 1)
	go func() { _, err := c.AccessToken(leaderCtx); leaderErr <- err }()
	<-fake.started
	follower := make(chan string, 1)
	go func() { tok, _ := c.AccessToken(context.Background()); follower <- tok }()
	kefutest.UntilTrue(t, "the follower to queue behind the leader", func() bool { return wechat.Waiting(c) == 1 })
	cancel()
	if err := <-leaderErr; !errors.Is(err, context.Canceled) {
		t.Errorf("leader: err = %v, want context.Canceled", err)
	}
	close(fake.gate)
	if tok := <-follower; tok == "" {
		t.Error("the follower failed with the leader's cancellation")
	}
}

func TestClientStableToken(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL), wechat.WithStableToken())
	tok, err := c.AccessToken(context.Background())
	if err != nil || tok != "token-1" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	want := wechat.StableTokenRequest{GrantType: "client_credential", AppID: "wxapp", Secret: "s3cret"}
	if len(fake.stableReqs) != 1 || fake.stableReqs[0] != want {
		t.Errorf("stable_token requests = %+v, want [%+v]", fake.stableReqs, want)
	}
}

func TestClientTokenErrors(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "wrong", wechat.WithBaseURL(srv.URL))
	_, err := c.AccessToken(context.Background())
	if wechat.ErrorCode(err) != wechat.CodeInvalidCredential {
		t.Errorf("bad secret: err = %v, want errcode 40001", err)
	}
	err = c.SendText(context.Background(), "openid-1", "hi")
	if wechat.ErrorCode(err) != wechat.CodeInvalidCredential || !strings.Contains(err.Error(), "access token") {
		t.Errorf("send with a bad secret: err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the secret: %v", err)
	}
	if n, _ := fake.counts(); n != 0 {
		t.Errorf("%d tokens issued", n)
	}
	c = wechat.NewClient("wxother", "s3cret", wechat.WithBaseURL(srv.URL))
	if _, err := c.AccessToken(context.Background()); wechat.ErrorCode(err) != wechat.CodeInvalidAppID {
		t.Errorf("bad appid: err = %v, want 40013", err)
	}

	// Transport errors name the call, not the URL with its secrets.
	srv.Close()
	c = wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL))
	_, err = c.AccessToken(context.Background())
	if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "/cgi-bin/token") {
		t.Errorf("unreachable server: err = %v", err)
	}
}

func TestClientSendKinds(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL))
	ctx := context.Background()
	link := wechat.MiniProgramLink("点击跳小程序", "http://www.qq.com", "wxapp", "pages/index/index")
	steps := []func() error{
		func() error { return c.SendText(ctx, "o1", "hello "+link) },
		func() error { return c.SendImage(ctx, "o1", "media-42") },
		func() error {
			return c.SendLink(ctx, "o1", wechat.LinkContent{Title: "t", Description: "d", URL: "https://example.com", ThumbURL: "https://example.com/t.png"})
		},
		func() error {
			return c.SendMiniProgramPage(ctx, "o1", wechat.MiniProgramPageContent{Title: "t", PagePath: "pages/a", ThumbMediaID: "media-42"})
		},
		func() error { return c.Typing(ctx, "o1", true) },
		func() error { return c.Typing(ctx, "o1", false) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := []string{
		`{"touser":"o1","msgtype":"text","text":{"content":"hello <a href=\"http://www.qq.com\" data-miniprogram-appid=\"wxapp\" data-miniprogram-path=\"pages/index/index\">点击跳小程序</a>"}}`,
		`{"touser":"o1","msgtype":"image","image":{"media_id":"media-42"}}`,
		`{"touser":"o1","msgtype":"link","link":{"title":"t","description":"d","url":"https://example.com","thumb_url":"https://example.com/t.png"}}`,
		`{"touser":"o1","msgtype":"miniprogrampage","miniprogrampage":{"title":"t","pagepath":"pages/a","thumb_media_id":"media-42"}}`,
	}
	for i, w := range want {
		if got := strings.TrimSpace(fake.sentBodies[i]); got != w {
			t.Errorf("body %d =\n%s\nwant\n%s", i, got, w)
		}
	}
	wantTyping := []wechat.TypingRequest{{ToUser: "o1", Command: "Typing"}, {ToUser: "o1", Command: "CancelTyping"}}
	if fmt.Sprint(fake.typing) != fmt.Sprint(wantTyping) {
		t.Errorf("typing = %v, want %v", fake.typing, wantTyping)
	}
	err := c.Send(ctx, &wechat.CustomMessage{ToUser: "o1", MsgType: "voice"})
	if wechat.ErrorCode(err) != wechat.CodeInvalidMessageType || !strings.Contains(err.Error(), "send voice") {
		t.Errorf("unknown msgtype: err = %v", err)
	}
}

func TestClientUploadTempMedia(t *testing.T) {
	fake, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL))
	png := "\x89PNG\r\n\x1a\n fake png"
	info, err := c.UploadTempMedia(context.Background(), wechat.MediaTypeImage, "cat.png", strings.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	if *info != (wechat.MediaInfo{Type: "image", MediaID: "media-42", CreatedAt: 1714112445}) {
		t.Errorf("MediaInfo = %+v", info)
	}
	up := fake.upload
	if mt, _, _ := mime.ParseMediaType(up.contentType); mt != "multipart/form-data" {
		t.Errorf("Content-Type = %q, want multipart/form-data", up.contentType)
	}
	if up.field != "media" || up.filename != "cat.png" || up.partType != "image/png" || up.data != png || up.mediaType != "image" {
		t.Errorf("server saw field %q, filename %q, part type %q, type %q, %d bytes", up.field, up.filename, up.partType, up.mediaType, len(up.data))
	}
}

func TestClientGetTempMedia(t *testing.T) {
	_, srv := newFakeWeChat(t)
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL))
	data, ct, err := c.GetTempMedia(context.Background(), "media-42")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "\xff\xd8\xff\xe0 jpeg bytes" || ct != "image/jpeg" {
		t.Errorf("GetTempMedia = %q, %q", data, ct)
	}
	_, _, err = c.GetTempMedia(context.Background(), "nope")
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != wechat.CodeInvalidMediaID || apiErr.Msg != "invalid media_id rid: 1" {
		t.Errorf("unknown media: err = %v, want errcode 40007", err)
	}
}

func TestClientHTTPErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/token" {
			io.WriteString(w, `{"access_token":"t","expires_in":7200}`)
			return
		}
		if r.URL.Path == "/cgi-bin/message/custom/typing" {
			io.WriteString(w, `<html>proxy error</html>`)
			return
		}
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	defer srv.Close()
	c := wechat.NewClient("wxapp", "s3cret", wechat.WithBaseURL(srv.URL))
	if err := c.SendText(context.Background(), "o", "x"); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("502: err = %v", err)
	}
	if err := c.Typing(context.Background(), "o", true); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("HTML answer: err = %v", err)
	}
	if _, _, err := c.GetTempMedia(context.Background(), "m"); err == nil || !strings.Contains(err.Error(), "HTTP 502") {
		t.Errorf("media 502: err = %v", err)
	}
}

func TestCustomMessageValidate(t *testing.T) {
	tests := []struct {
		m    wechat.CustomMessage
		want int
	}{
		{wechat.CustomMessage{ToUser: "o", MsgType: "text", Text: &wechat.TextContent{Content: "x"}}, 0},
		{wechat.CustomMessage{MsgType: "text", Text: &wechat.TextContent{Content: "x"}}, wechat.CodeInvalidOpenID},
		{wechat.CustomMessage{ToUser: "o", MsgType: "text"}, wechat.CodeDataFormatError},
		{wechat.CustomMessage{ToUser: "o", MsgType: "image", Image: &wechat.MediaContent{}}, wechat.CodeDataFormatError},
		{wechat.CustomMessage{ToUser: "o", MsgType: "link", Link: &wechat.LinkContent{Title: "t"}}, wechat.CodeDataFormatError},
		{wechat.CustomMessage{ToUser: "o", MsgType: "miniprogrampage", MiniProgramPage: &wechat.MiniProgramPageContent{PagePath: "p"}}, wechat.CodeDataFormatError},
		{wechat.CustomMessage{ToUser: "o", MsgType: "miniprogrampage", MiniProgramPage: &wechat.MiniProgramPageContent{PagePath: "p", ThumbMediaID: "m"}}, 0},
		{wechat.CustomMessage{ToUser: "o", MsgType: "news"}, wechat.CodeInvalidMessageType},
	}
	for _, tt := range tests {
		if got := wechat.ErrorCode(tt.m.Validate()); got != tt.want {
			t.Errorf("Validate(%+v) = %d, want %d", tt.m, got, tt.want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	codes := []int{wechat.CodeSystemBusy, wechat.CodeInvalidCredential, wechat.CodeInvalidGrantType, wechat.CodeInvalidOpenID,
		wechat.CodeInvalidMediaType, wechat.CodeInvalidMediaID, wechat.CodeInvalidMessageType, wechat.CodeInvalidAppID,
		wechat.CodeInvalidAccessToken, wechat.CodeInvalidAppSecret, wechat.CodeAccessTokenMissing, wechat.CodeAccessTokenExpired,
		wechat.CodeRequireSubscribe, wechat.CodeEmptyPostData, wechat.CodeResponseOutOfTime, wechat.CodeOutOfResponseCount,
		wechat.CodeInvalidTypingCommand, wechat.CodeTypingNoExchange, wechat.CodeTypingAlready, wechat.CodeInvalidSendType,
		wechat.CodeDataFormatError, wechat.CodeAPIUnauthorized}
	for _, code := range codes {
		if wechat.ErrorMessage(code) == "" {
			t.Errorf("no message for %d", code)
		}
	}
	err := fmt.Errorf("send: %w", wechat.NewAPIError(wechat.CodeResponseOutOfTime))
	if got := err.Error(); got != "send: wechat: errcode 45015: response out of time limit or subscription is canceled" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, &wechat.APIError{Code: 45015}) || errors.Is(err, &wechat.APIError{Code: 45047}) {
		t.Error("errors.Is does not match by code")
	}
	if wechat.ErrorCode(errors.New("x")) != 0 || wechat.ErrorMessage(12345) != "" {
		t.Error("unknown codes")
	}
	b, _ := json.Marshal(wechat.NewAPIError(wechat.CodeOutOfResponseCount).Response())
	if string(b) != `{"errcode":45047,"errmsg":"out of response count limit"}` {
		t.Errorf("Response() JSON = %s", b)
	}
}
