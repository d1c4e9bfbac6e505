package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/wechat"
)

// pushDeadline is the developer's time to answer in these tests (WeChat: 5 s).
const pushDeadline = 300 * time.Millisecond

// waitAttempts waits until n tries of a message's push are in the push log
// and returns them in try order. Retries are due by the server's manual
// clock, so it moves the clock past the retry delay after each new try.
func waitAttempts(t *testing.T, s *kefutest.Server, f kefu.PushLogFilter, n int) []*kefu.PushAttempt {
	t.Helper()
	seen := 0
	var atts []*kefu.PushAttempt
	kefutest.UntilTrue(t, fmt.Sprintf("%d push tries in the log", n), func() bool {
		var err error
		atts, err = s.Store.PushAttempts(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(atts) >= n {
			return true
		}
		if len(atts) > seen {
			seen = len(atts)
			s.Clock.Advance(time.Second)
		}
		return false
	})
	slices.SortFunc(atts, func(a, b *kefu.PushAttempt) int { return a.Try - b.Try })
	return atts
}

// TestPushFailures: a developer URL that times out, answers 500, answers
// garbage or is down gets exactly 3 tries with the same MsgId; then the
// customer sees WeChat's notice, the message stays in the conversation, and
// every try is in the push log.
func TestPushFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		answer     kefutest.Answer
		down       bool
		wantStatus int
		wantErr    string
		wantBody   string
		wantTries  int // tries without an answer are retried; a wrong answer is final
	}{
		{name: "timeout", answer: kefutest.Answer{Delay: 10 * pushDeadline}, wantErr: "no answer within", wantTries: 3},
		{name: "HTTP 500", answer: kefutest.Answer{Status: http.StatusInternalServerError, Raw: []byte("oops")},
			wantStatus: http.StatusInternalServerError, wantErr: "HTTP 500", wantBody: "oops", wantTries: 1},
		{name: "garbage", answer: kefutest.Answer{Raw: []byte("<html><body>Welcome to nginx!</body></html>")},
			wantStatus: http.StatusOK, wantErr: "not success, empty or transfer_customer_service", wantBody: "Welcome to nginx!", wantTries: 1},
		{name: "down", down: true, wantErr: "connect", wantTries: 3},
	}
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				s := kefutest.NewServer(t, kefutest.Options{Engine: engine, PushDeadline: pushDeadline})
				var hook *kefutest.Hook
				var app *kefu.App
				if tc.down {
					// A developer server that passes the handshake, then goes away.
					dev := httptest.NewServer(wechat.NewHandler(wechat.Endpoint{Token: "testtoken"}, nil))
					app = s.App(dev.URL, kefu.PushSafe, kefu.PushJSON)
					dev.Close()
				} else {
					app, hook = s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
					hook.OnPush(func(p *kefutest.Push) kefutest.Answer { return tc.answer })
				}
				user := s.Customer(app.ID, kefu.ChannelMiniProgram, "push-user")
				user.Connect(0)
				user.Wait("synced", func(c *kefutest.Customer) bool { return c.HasFrame("synced") })
				msg := user.Say("is anyone there?")

				atts := waitAttempts(t, s, kefu.PushLogFilter{MessageID: msg.ID}, tc.wantTries)
				notice := user.WaitMessage("the unavailable notice", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindNotice })
				if n := notice.Notice; n.Code != kefu.NoticeDeveloperUnavailable || n.Text != "该小程序客服暂时无法提供服务，请稍后再试" {
					t.Errorf("notice %+v", n)
				}
				// A wrong fourth try would come before the next message of
				// the conversation is tried (its pushes go out in order):
				// move the clock, then wait for that sentinel's first try.
				s.Clock.Advance(time.Minute)
				sentinel := user.Say("sentinel")
				waitAttempts(t, s, kefu.PushLogFilter{MessageID: sentinel.ID}, 1)
				if atts := waitAttempts(t, s, kefu.PushLogFilter{MessageID: msg.ID}, tc.wantTries); len(atts) != tc.wantTries {
					t.Errorf("%d tries, want exactly %d", len(atts), tc.wantTries)
				}
				for i, a := range atts {
					if a.Try != i+1 || a.Result != kefu.PushFailed || a.URL != app.Push.URL || a.ConversationID != convOf(t, s, user) {
						t.Errorf("try %d: %+v", i+1, a)
					}
					if !strings.Contains(a.RequestQuery, "msg_signature=") || !strings.Contains(a.RequestBody, `"Encrypt"`) {
						t.Errorf("try %d: the request is not logged as sent: %q %q", i+1, a.RequestQuery, a.RequestBody)
					}
					if a.StatusCode != tc.wantStatus || !strings.Contains(a.ResponseBody, tc.wantBody) || !strings.Contains(a.Error, tc.wantErr) {
						t.Errorf("try %d: status %d, body %q, error %q; want %d, %q, %q", i+1, a.StatusCode, a.ResponseBody, a.Error, tc.wantStatus, tc.wantBody, tc.wantErr)
					}
					if a.Latency <= 0 || tc.name == "timeout" && a.Latency < pushDeadline {
						t.Errorf("try %d: latency %s", i+1, a.Latency)
					}
					if strings.Contains(a.RequestQuery+a.RequestBody, app.Push.EncodingAESKey) || strings.Contains(a.RequestQuery+a.RequestBody, app.Secret) {
						t.Errorf("try %d: a secret is in the push log", i+1)
					}
				}
				if hook != nil {
					var pushes []*kefutest.Push // of the message, not the sentinel
					for _, p := range hook.Pushes() {
						if p.Message == nil || p.Message.MsgID != sentinel.ID+kefu.MsgIDBase {
							pushes = append(pushes, p)
						}
					}
					if len(pushes) != tc.wantTries {
						t.Fatalf("the developer got %d pushes, want %d", len(pushes), tc.wantTries)
					}
					for i, p := range pushes {
						if p.Message == nil || p.Message.MsgID != msg.ID+kefu.MsgIDBase || p.Try != i+1 {
							t.Errorf("push %d: %+v (try %d), want MsgId %d every time", i+1, p.Message, p.Try, msg.ID+kefu.MsgIDBase)
						}
					}
				}
				// Nothing is lost: the message is in the conversation, marked failed.
				var found bool
				for _, m := range user.History(0) {
					if m.ID == msg.ID {
						found = m.Push == kefu.PushFailed && m.Text.Content == "is anyone there?"
					}
				}
				if !found {
					t.Errorf("the message is not in the conversation as a failed push: %+v", user.History(0))
				}
			})
		}
	})
}

// TestPushDedupe: a developer behind wechat.Handler whose first answer is
// late sees the retry with the same MsgId, and its OnMessage runs once.
func TestPushDedupe(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{PushDeadline: pushDeadline})
	var mu sync.Mutex
	handled := map[int64]int{} // MsgId → OnMessage calls
	var msgIDs []int64         // MsgId of every push that arrived
	onMessage := func(ctx context.Context, m *wechat.Message) (wechat.ReplyKind, error) {
		mu.Lock()
		handled[m.MsgID]++
		mu.Unlock()
		return wechat.ReplySuccess, nil
	}
	var dev atomic.Pointer[wechat.Handler]
	dev.Store(wechat.NewHandler(wechat.Endpoint{Token: "testtoken"}, onMessage))
	var stalled atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := dev.Load()
		if r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if m, _, err := wechat.ParsePush(h.Endpoint, r.URL.Query(), body); err == nil {
			mu.Lock()
			msgIDs = append(msgIDs, m.MsgID)
			mu.Unlock()
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if stalled.CompareAndSwap(false, true) {
			// The developer handles the first push, but answers after
			// Kefu has given up on it.
			h.ServeHTTP(httptest.NewRecorder(), r)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	app := s.App(srv.URL, kefu.PushCompatible, kefu.PushXML)
	ep, err := push.Endpoint(app)
	if err != nil {
		t.Fatal(err)
	}
	dev.Store(wechat.NewHandler(ep, onMessage))

	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "dedupe-user")
	msg := user.Say("hello once")
	atts := waitAttempts(t, s, kefu.PushLogFilter{MessageID: msg.ID}, 2)
	if atts[0].Result != kefu.PushFailed || atts[1].Result != kefu.PushDelivered {
		t.Errorf("tries: %s then %s, want failed then delivered", atts[0].Result, atts[1].Result)
	}
	want := msg.ID + kefu.MsgIDBase
	mu.Lock()
	defer mu.Unlock()
	if len(msgIDs) != 2 || msgIDs[0] != want || msgIDs[1] != want {
		t.Errorf("pushes carried MsgIds %v, want %d twice", msgIDs, want)
	}
	if handled[want] != 1 || len(handled) != 1 {
		t.Errorf("OnMessage calls by MsgId: %v, want exactly one for %d", handled, want)
	}
	for _, m := range user.History(0) {
		if m.Kind == kefu.KindNotice {
			t.Errorf("a delivered retry must not show the unavailable notice")
		}
	}
}

// TestPushTransferOfEventIgnored: transfer_customer_service in reply to the
// enter event is ignored with a warning in the push log; the conversation
// stays with the developer.
func TestPushTransferOfEventIgnored(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine, PushDeadline: pushDeadline})
		app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
		hook.OnPush(func(p *kefutest.Push) kefutest.Answer {
			if p.Message != nil && p.Message.IsEvent() {
				return kefutest.Answer{Kind: wechat.ReplyTransfer}
			}
			return kefutest.Answer{}
		})
		s.Agent("alice", kefu.RoleAgent, app.ID)
		alice := s.SignIn("alice")
		user := s.Customer(app.ID, kefu.ChannelMiniProgram, "event-user")
		user.Enter("from-the-product-page", nil)
		conv := convOf(t, s, user)

		atts := waitAttempts(t, s, kefu.PushLogFilter{ConversationID: conv}, 1)
		a := atts[0]
		if a.Result != kefu.PushDelivered || !strings.Contains(a.Warning, "transfer_customer_service") || !strings.Contains(a.ResponseBody, "Encrypt") {
			t.Errorf("push log of the event: result %s, warning %q, response %q", a.Result, a.Warning, a.ResponseBody)
		}
		user.Say("a message after the event")
		hook.WaitPushes(2)
		waitAttempts(t, s, kefu.PushLogFilter{ConversationID: conv}, 2)
		c, err := s.Store.Conversation(context.Background(), conv)
		if err != nil {
			t.Fatal(err)
		}
		if c.State != kefu.StateDeveloper {
			t.Errorf("conversation %s, want developer", c.State)
		}
		if q := alice.Queue(); len(q) != 0 {
			t.Errorf("the queue has %d conversations, want none", len(q))
		}
	})
}
