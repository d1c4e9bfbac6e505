package demohook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/node/demohook"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/wechat"
)

// TestDevHookAgainstKefu runs the example developer server against a real
// Kefu: it greets a customer who enters and answers their messages through
// /cgi-bin/message/custom/send, and transfers them when they ask for a human.
func TestDevHookAgainstKefu(t *testing.T) {
	for _, mode := range []kefu.PushMode{kefu.PushPlaintext, kefu.PushSafe} {
		t.Run(string(mode), func(t *testing.T) {
			s := kefutest.NewServer(t, kefutest.Options{})
			// The hook must answer the handshake before the app exists, so
			// it starts with the token and learns the rest after.
			hook := newHook(t)
			app := s.App(hook.URL(), mode, kefu.PushJSON)
			ep, err := push.Endpoint(app)
			if err != nil {
				t.Fatal(err)
			}
			hook.set(demohook.New(demohook.Config{Endpoint: ep, Client: wechat.NewClient(app.ID, app.Secret, wechat.WithBaseURL(s.URL))}))

			user := s.Customer(app.ID, kefu.ChannelMiniProgram, "devhook-user")
			user.Connect(0)
			user.Enter("demo", nil)
			user.WaitMessage("the bot's greeting", func(m *kefutest.ClientMessage) bool {
				return m.Sender == kefu.SenderDeveloper && m.Text != nil && strings.Contains(m.Text.Content, "human")
			})
			user.Say("where is my order?")
			user.WaitMessage("the bot's answer", func(m *kefutest.ClientMessage) bool {
				return m.Sender == kefu.SenderDeveloper && m.Text != nil && strings.Contains(m.Text.Content, "where is my order?")
			})
			user.Say("转人工")
			user.Wait("the queue", func(c *kefutest.Customer) bool { return c.State().State == kefu.StateQueued })
		})
	}
}

// httptestHook serves a handler that can be set after the server starts,
// answering the URL handshake with the test token meanwhile.
type httptestHook struct {
	srv *httptest.Server
	mu  sync.Mutex
	h   *wechat.Handler
}

func newHook(t *testing.T) *httptestHook {
	h := &httptestHook{h: wechat.NewHandler(wechat.Endpoint{Token: "testtoken"}, nil)}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *httptestHook) URL() string { return h.srv.URL + "/push" }

func (h *httptestHook) set(x *wechat.Handler) {
	h.mu.Lock()
	h.h = x
	h.mu.Unlock()
}

func (h *httptestHook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	x := h.h
	h.mu.Unlock()
	x.ServeHTTP(w, r)
}
