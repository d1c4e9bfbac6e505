package kefutest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/wechat"
)

// Hook is a scriptable developer push server: it verifies and decodes every
// push as a developer's server would (with the wechat package), records it,
// and answers as Answer says.
type Hook struct {
	URL string
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	endpoint wechat.Endpoint
	pushes   []*Push
	answer   func(p *Push) Answer
	changed  chan struct{}
}

// Push is one request the hook received.
type Push struct {
	Query   url.Values
	Body    []byte
	Message *wechat.Message // nil if it could not be verified or decoded
	Format  wechat.Format
	Err     error // why it could not
	Try     int   // 1 for the first push of this MsgId / event, 2 for its retry…
	At      time.Time
}

// Answer is what the hook does with a push.
type Answer struct {
	Kind   wechat.ReplyKind // success (default), empty or transfer
	Status int              // HTTP status (default 200)
	Raw    []byte           // a body to send as is, instead of Kind
	Delay  time.Duration    // wait before answering (past the deadline: a timeout)
}

// NewHook starts a hook that knows the push token "testtoken"; call
// Configure once the app exists so it can decrypt.
func NewHook(t testing.TB) *Hook {
	h := &Hook{t: t, endpoint: wechat.Endpoint{Token: "testtoken"}, changed: make(chan struct{}, 1)}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	h.URL = h.srv.URL + "/push"
	t.Cleanup(h.srv.Close)
	return h
}

// AppWithHook adds a mini program that pushes to a new hook, configured to
// decrypt what it receives. Like the server, the hook belongs to the test
// that started the server and is closed when that test ends.
func (s *Server) AppWithHook(mode kefu.PushMode, format kefu.PushFormat) (*kefu.App, *Hook) {
	s.t.Helper()
	h := NewHook(s.t)
	app := s.App(h.URL, mode, format)
	h.Configure(app)
	return app, h
}

// TransferOn is an OnPush answer: transfer_customer_service when the user
// writes text, success to everything else — the developer handing the
// customer to a human.
func TransferOn(text string) func(p *Push) Answer {
	return func(p *Push) Answer {
		if p.Message != nil && p.Message.MsgType == wechat.MsgTypeText && p.Message.Content == text {
			return Answer{Kind: wechat.ReplyTransfer}
		}
		return Answer{}
	}
}

// Configure gives the hook the app's push settings.
func (h *Hook) Configure(app *kefu.App) {
	ep, err := push.Endpoint(app)
	if err != nil {
		h.t.Fatal(err)
	}
	h.mu.Lock()
	h.endpoint = ep
	h.mu.Unlock()
}

// OnPush sets how the hook answers (default: success).
func (h *Hook) OnPush(f func(p *Push) Answer) {
	h.mu.Lock()
	h.answer = f
	h.mu.Unlock()
}

// Pushes returns what the hook has received so far.
func (h *Hook) Pushes() []*Push {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Push(nil), h.pushes...)
}

// WaitPushes waits until at least n pushes arrived and returns them.
func (h *Hook) WaitPushes(n int) []*Push {
	h.t.Helper()
	deadline := time.After(waitBound)
	for {
		if p := h.Pushes(); len(p) >= n {
			return p
		}
		select {
		case <-h.changed:
		case <-deadline:
			h.t.Fatalf("waited for %d pushes, got %d", n, len(h.Pushes()))
		}
	}
}

func (h *Hook) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodGet {
		h.mu.Lock()
		token := h.endpoint.Token
		h.mu.Unlock()
		if !wechat.VerifySignature(token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			http.Error(w, "bad signature", http.StatusForbidden)
			return
		}
		io.WriteString(w, q.Get("echostr"))
		return
	}
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	ep := h.endpoint
	p := &Push{Query: q, Body: body, At: time.Now()}
	p.Message, p.Format, p.Err = wechat.ParsePush(ep, q, body)
	if p.Message != nil {
		key := p.Message.DedupeKey()
		for _, prev := range h.pushes {
			if prev.Message != nil && prev.Message.DedupeKey() == key {
				p.Try++
			}
		}
	}
	p.Try++
	h.pushes = append(h.pushes, p)
	answer := h.answer
	h.mu.Unlock()
	select {
	case h.changed <- struct{}{}:
	default:
	}
	a := Answer{}
	if answer != nil {
		a = answer(p)
	}
	if a.Delay > 0 {
		select {
		case <-time.After(a.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if a.Status != 0 && a.Status != http.StatusOK {
		w.WriteHeader(a.Status)
		w.Write(a.Raw)
		return
	}
	if a.Raw != nil {
		w.Write(a.Raw)
		return
	}
	if p.Message == nil {
		http.Error(w, "could not verify the push: "+p.Err.Error(), http.StatusBadRequest)
		return
	}
	reply, err := wechat.EncodeReply(ep, a.Kind, p.Message, p.Format, wechat.IsEncrypted(q))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(reply)
}
