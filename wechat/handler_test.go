package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/wechat"
)

// recorder is a developer callback that records what it is given.
type recorder struct {
	mu    sync.Mutex
	got   []*wechat.Message
	reply wechat.ReplyKind
	err   error
}

func (r *recorder) onMessage(_ context.Context, m *wechat.Message) (wechat.ReplyKind, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m)
	return r.reply, r.err
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func newTestHandler(e wechat.Endpoint, r *recorder) *httptest.Server {
	h := wechat.NewHandler(e, r.onMessage)
	h.Logger = slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(h)
	return srv
}

// post delivers a push as WeChat would and returns the answer.
func post(t *testing.T, srvURL string, e wechat.Endpoint, query url.Values, body []byte) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(srvURL+"?"+query.Encode(), e.Format.ContentType(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestHandlerURLVerification(t *testing.T) {
	srv := newTestHandler(testEndpoint(wechat.ModeSafe, wechat.FormatJSON), &recorder{})
	defer srv.Close()
	get := func(q url.Values) (int, string) {
		resp, err := http.Get(srv.URL + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	q := url.Values{"timestamp": {"1714036504"}, "nonce": {"1514711492"}, "echostr": {"7214285337215633932"}}
	q.Set("signature", wechat.Signature("tok", "1714036504", "1514711492"))
	if status, body := get(q); status != 200 || body != "7214285337215633932" {
		t.Errorf("good handshake: %d %q, want 200 and the echostr", status, body)
	}
	q.Set("signature", wechat.Signature("other", "1714036504", "1514711492"))
	if status, _ := get(q); status != http.StatusForbidden {
		t.Errorf("bad signature: %d, want 403", status)
	}
	q.Del("echostr")
	if status, _ := get(q); status != http.StatusBadRequest {
		t.Errorf("no echostr: %d, want 400", status)
	}
	// VerifyURL, the platform's side of the handshake, accepts the handler.
	if err := wechat.VerifyURL(context.Background(), srv.Client(), srv.URL+"/push?app=1", "tok"); err != nil {
		t.Errorf("VerifyURL: %v", err)
	}
}

func TestHandlerEveryModeAndFormat(t *testing.T) {
	for _, mode := range allModes {
		for _, f := range allFormats {
			t.Run(mode.String()+"/"+f.String(), func(t *testing.T) {
				e := testEndpoint(mode, f)
				rec := &recorder{reply: wechat.ReplyTransfer}
				srv := newTestHandler(e, rec)
				defer srv.Close()

				query, body, err := wechat.BuildPush(e, &kindSamples[0], "1714112445", "415670741")
				if err != nil {
					t.Fatal(err)
				}
				resp, reply := post(t, srv.URL, e, query, body)
				if resp.StatusCode != 200 {
					t.Fatalf("status %d: %s", resp.StatusCode, reply)
				}
				if ct := resp.Header.Get("Content-Type"); ct != f.ContentType() {
					t.Errorf("Content-Type = %q, want %q", ct, f.ContentType())
				}
				if rec.calls() != 1 {
					t.Fatalf("callback ran %d times", rec.calls())
				}
				assertMessage(t, rec.got[0], &kindSamples[0])
				checkReplyShape(t, e, wechat.ReplyTransfer, f, mode != wechat.ModePlaintext, reply)
				if kind, err := wechat.ParseReply(e, reply); err != nil || kind != wechat.ReplyTransfer {
					t.Errorf("ParseReply = %v, %v", kind, err)
				}

				// In compatible mode, a push read in the clear is answered in the clear.
				if mode == wechat.ModeCompatible {
					query.Del("encrypt_type")
					query.Del("msg_signature")
					m := kindSamples[1]
					_, body, _ := wechat.BuildPush(e, &m, "1714112445", "415670741")
					_, reply := post(t, srv.URL, e, query, body)
					checkReplyShape(t, e, wechat.ReplyTransfer, f, false, reply)
				}
			})
		}
	}
}

func TestHandlerDedupesRetries(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatXML)
	rec := &recorder{reply: wechat.ReplyTransfer}
	srv := newTestHandler(e, rec)
	defer srv.Close()

	event := kindSamples[3]
	otherEvent := event
	otherEvent.CreateTime++
	for i, m := range []wechat.Message{kindSamples[0], kindSamples[0], kindSamples[0], event, event, otherEvent} {
		// Each retry is a new request: new nonce, new ciphertext.
		query, body, _ := wechat.BuildPush(e, &m, "1714112445", wechat.NewNonce())
		resp, reply := post(t, srv.URL, e, query, body)
		if resp.StatusCode != 200 {
			t.Fatalf("push %d: status %d", i, resp.StatusCode)
		}
		retry := i == 1 || i == 2 || i == 4
		if retry && string(reply) != "success" {
			t.Errorf("push %d is a retry, answered %q, want success", i, reply)
		}
	}
	if rec.calls() != 3 {
		t.Errorf("callback ran %d times, want 3 (one message, two events)", rec.calls())
	}
}

func TestHandlerCallbackFailureAllowsRetry(t *testing.T) {
	e := testEndpoint(wechat.ModePlaintext, wechat.FormatJSON)
	rec := &recorder{err: errors.New("database down")}
	srv := newTestHandler(e, rec)
	defer srv.Close()
	query, body, _ := wechat.BuildPush(e, &kindSamples[0], "1", "2")
	if resp, _ := post(t, srv.URL, e, query, body); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("failed callback: status %d, want 500", resp.StatusCode)
	}
	rec.mu.Lock()
	rec.err = nil
	rec.mu.Unlock()
	resp, reply := post(t, srv.URL, e, query, body)
	if resp.StatusCode != 200 || string(reply) != "success" || rec.calls() != 2 {
		t.Errorf("retry: status %d %q after %d calls, want the callback to run again", resp.StatusCode, reply, rec.calls())
	}
}

func TestHandlerRejects(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	rec := &recorder{}
	srv := newTestHandler(e, rec)
	defer srv.Close()

	query, body, _ := wechat.BuildPush(e, &kindSamples[0], "1", "2")
	badSig := url.Values{}
	for k, v := range query {
		badSig[k] = v
	}
	badSig.Set("msg_signature", strings.Repeat("0", 40))
	if resp, _ := post(t, srv.URL, e, badSig, body); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bad msg_signature: status %d, want 403", resp.StatusCode)
	}
	if resp, _ := post(t, srv.URL, e, query, []byte("nonsense")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("garbage: status %d, want 400", resp.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}

	small := wechat.NewHandler(e, rec.onMessage)
	small.MaxBodyBytes = 64
	w := httptest.NewRecorder()
	small.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+query.Encode(), bytes.NewReader(body)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: status %d, want 413", w.Code)
	}
	if rec.calls() != 0 {
		t.Errorf("callback ran %d times for rejected requests", rec.calls())
	}
}

func TestHandlerWithoutCallbackOrDedupe(t *testing.T) {
	e := testEndpoint(wechat.ModePlaintext, wechat.FormatXML)
	srv := httptest.NewServer(&wechat.Handler{Endpoint: e})
	defer srv.Close()
	query, body, _ := wechat.BuildPush(e, &kindSamples[2], "1", "2")
	for range 2 {
		if resp, reply := post(t, srv.URL, e, query, body); resp.StatusCode != 200 || string(reply) != "success" {
			t.Errorf("status %d %q, want 200 success", resp.StatusCode, reply)
		}
	}
}

func TestVerifyURLFailures(t *testing.T) {
	ctx := context.Background()
	serve := func(h http.HandlerFunc) *httptest.Server { return httptest.NewServer(h) }

	wrongEcho := serve(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Query().Get("echostr")+"\n") })
	defer wrongEcho.Close()
	notFound := serve(http.NotFound)
	defer notFound.Close()
	slow := serve(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	defer slow.Close()
	closed := serve(http.NotFound)
	closed.Close()

	timeoutCtx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	tests := []struct {
		name string
		ctx  context.Context
		url  string
		want string
	}{
		{"echo with a newline", ctx, wrongEcho.URL, "want exactly the echostr"},
		{"404", ctx, notFound.URL, "answered HTTP 404"},
		{"timeout", timeoutCtx, slow.URL, "did not answer in time"},
		{"unreachable", ctx, closed.URL, "unreachable"},
		{"not a URL", ctx, "ftp://x", "not an http(s) URL"},
	}
	for _, tt := range tests {
		err := wechat.VerifyURL(tt.ctx, nil, tt.url, "tok")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to say %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "signature=") {
			t.Errorf("%s: err = %v shows the query", tt.name, err)
		}
	}
}
