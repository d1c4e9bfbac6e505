package connector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/richtext"
	"github.com/kefuhq/kefu/wechat"
)

// standIn is a stand-in for WeChat's API that answers as scripted: an
// errcode, or a stall until the caller gives up. It counts what it
// accepted and how token refreshes overlapped.
type standIn struct {
	URL string

	mu          sync.Mutex
	script      []reply  // answers to the next sends, in order; then ok
	accepted    []string // contents of the sends it accepted, in order
	tokens      int      // stable_token calls
	tokenInFly  int
	maxInFly    int
	rejectToken string // a token answered 40001
	tokenStall  time.Duration
}

type reply struct {
	code  int
	stall bool
}

func newStandIn(t *testing.T) *standIn {
	s := &standIn{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		var req wechat.StableTokenRequest
		json.NewDecoder(r.Body).Decode(&req)
		if req.ForceRefresh || req.GrantType != wechat.GrantTypeClientCredential {
			http.Error(w, "Kefu must ask for a stable token without force_refresh", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.tokens++
		n := s.tokens
		s.tokenInFly++
		s.maxInFly = max(s.maxInFly, s.tokenInFly)
		stall := s.tokenStall
		s.mu.Unlock()
		if stall > 0 { // a slow WeChat, so that overlapping refreshes would show
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
			}
		}
		s.mu.Lock()
		s.tokenInFly--
		s.mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"T%d","expires_in":7200}`, n)
	})
	mux.HandleFunc("POST /cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
		var m wechat.CustomMessage
		json.NewDecoder(r.Body).Decode(&m)
		s.mu.Lock()
		if tok := r.URL.Query().Get("access_token"); tok == s.rejectToken {
			s.rejectToken = ""
			s.mu.Unlock()
			io.WriteString(w, `{"errcode":40001,"errmsg":"invalid credential"}`)
			return
		}
		var next reply
		if len(s.script) > 0 {
			next, s.script = s.script[0], s.script[1:]
		}
		if next.code == 0 && !next.stall {
			s.accepted = append(s.accepted, m.Text.Content)
		}
		s.mu.Unlock()
		if next.stall {
			<-r.Context().Done() // never answers: the caller times out
			return
		}
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":"scripted"}`, next.code)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *standIn) answer(r ...reply) {
	s.mu.Lock()
	s.script = append(s.script, r...)
	s.mu.Unlock()
}

// scripted is how many scripted answers are still to be given.
func (s *standIn) scripted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.script)
}

func (s *standIn) counts() (accepted []string, tokens, maxInFly int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.accepted...), s.tokens, s.maxInFly
}

// rig is an engine and a running connector over a store, with WeChat
// played by a stand-in.
type rig struct {
	eng   *engine.Engine
	store kefu.Store
	bus   *bus.Local
	clock *kefutest.ManualClock
	app   *kefu.App
}

// newRig starts a connector whose calls to WeChat time out after 10 s (a
// loaded machine must not turn a slow answer into a retry the test's
// clock never makes due), or callTimeout when given.
func newRig(t *testing.T, store kefu.Store, clock *kefutest.ManualClock, app *kefu.App, b *bus.Local, callTimeout ...time.Duration) *rig {
	t.Helper()
	timeout := 10 * time.Second
	if len(callTimeout) > 0 {
		timeout = callTimeout[0]
	}
	if b == nil {
		b = bus.NewLocal()
	}
	eng := engine.New(store, b, clock, richtext.New(), nil, engine.Config{})
	c := connector.New(eng, store, connector.Config{CallTimeout: timeout, RetryDelay: time.Second, PollInterval: 20 * time.Millisecond}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &rig{eng: eng, store: store, bus: b, clock: clock, app: app}
}

func connectedApp(t *testing.T, store kefu.Store, base string) *kefu.App {
	t.Helper()
	b := bus.NewLocal()
	eng := engine.New(store, b, kefu.SystemClock{}, richtext.New(), nil, engine.Config{})
	// The stand-in WeChat is on loopback: the app allows it, as an admin would.
	app := &kefu.App{ID: "wx" + engine.NewAlnum(16), OriginalID: "gh_" + engine.NewAlnum(12), Secret: engine.NewSecret(16),
		Push:     kefu.PushConfig{AllowPrivate: true},
		Upstream: &kefu.Upstream{BaseURL: base, Token: "consoletoken", Mode: kefu.PushPlaintext, Format: kefu.PushXML}}
	if err := eng.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	return app
}

// customer is a connected customer who has just written, so the reply
// window is open.
func (r *rig) customer(t *testing.T, openID string) *kefu.Conversation {
	t.Helper()
	ctx := context.Background()
	_, c, err := r.eng.Identify(ctx, engine.IdentifyRequest{AppID: r.app.ID, Channel: kefu.ChannelMiniProgram, ExternalID: openID, OpenID: openID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.eng.Receive(ctx, c.ID, &kefu.Message{ClientMsgID: "wx:" + openID, Kind: kefu.KindText, Text: &kefu.Text{Content: "hello"}}); err != nil {
		t.Fatal(err)
	}
	return c
}

func (r *rig) send(t *testing.T, convID int64, text string) *kefu.Message {
	t.Helper()
	m, err := r.eng.Send(context.Background(), engine.SendRequest{ConversationID: convID, Sender: kefu.SenderDeveloper, Source: "api",
		Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: text}}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wait waits until cond holds, looking again at every upstream event.
func (r *rig) wait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	changed := make(chan struct{}, 1)
	cancel, _ := r.bus.Subscribe(engine.AppTopic(r.app.ID), func([]byte, any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer cancel()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// status reads a message's delivery status.
func (r *rig) status(id int64) kefu.UpstreamStatus {
	m, err := r.store.Message(context.Background(), id)
	if err != nil || m.Upstream == nil {
		return kefu.UpstreamStatus{}
	}
	return *m.Upstream
}

func (r *rig) waitStatus(t *testing.T, id int64, want kefu.UpstreamState) kefu.UpstreamStatus {
	t.Helper()
	r.wait(t, fmt.Sprintf("message %d %s", id, want), func() bool { return r.status(id).State == want })
	return r.status(id)
}

// TestWeChatRefusalsShowAndAreNotRetried: 45015 and 45047 are WeChat's
// verdict: the message is marked failed with the errcode and a sentence,
// the agent's workspace is told, and nothing is tried again; the next
// message of the conversation goes out.
func TestWeChatRefusalsShowAndAreNotRetried(t *testing.T) {
	wx := newStandIn(t)
	store := kefutest.OpenStore(t, "sqlite")
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), connectedApp(t, store, wx.URL), nil)
	var events []*engine.UpstreamUpdate
	var mu sync.Mutex
	cancel, _ := r.bus.Subscribe(engine.AppTopic(r.app.ID), func(_ []byte, v any) {
		if ev, ok := v.(*engine.Event); ok && ev.Type == engine.EventUpstream {
			mu.Lock()
			events = append(events, ev.Upstream)
			mu.Unlock()
		}
	})
	defer cancel()
	c := r.customer(t, "oREFUSED")
	wx.answer(reply{code: wechat.CodeResponseOutOfTime}, reply{code: wechat.CodeOutOfResponseCount})
	m1, m2, m3 := r.send(t, c.ID, "one"), r.send(t, c.ID, "two"), r.send(t, c.ID, "three")
	st1, st2 := r.waitStatus(t, m1.ID, kefu.UpstreamFailed), r.waitStatus(t, m2.ID, kefu.UpstreamFailed)
	r.waitStatus(t, m3.ID, kefu.UpstreamSent)
	if st1.ErrCode != 45015 || st1.Error != "WeChat refused: more than 48 hours since the customer's last message" {
		t.Errorf("45015 shows as %+v", st1)
	}
	if st2.ErrCode != 45047 || st2.Error == "" {
		t.Errorf("45047 shows as %+v", st2)
	}
	r.clock.Advance(time.Hour) // any retry would now be due
	accepted, _, _ := wx.counts()
	if len(accepted) != 1 || accepted[0] != "three" {
		t.Errorf("WeChat accepted %q, want only three", accepted)
	}
	mu.Lock()
	defer mu.Unlock()
	failed := 0
	for _, u := range events {
		if u.Status.State == kefu.UpstreamFailed {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d failure events published, want 2 (%+v)", failed, events)
	}
}

// TestBusyAndTimeoutsAreRetriedInOrderOnce: errcode -1 and a WeChat that
// does not answer are tried again, later, and the conversation's next
// messages wait their turn: WeChat gets each message once, in order.
func TestBusyAndTimeoutsAreRetriedInOrderOnce(t *testing.T) {
	wx := newStandIn(t)
	store := kefutest.OpenStore(t, "sqlite")
	// A short call timeout: the stand-in's stall must end in a timeout.
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), connectedApp(t, store, wx.URL), nil, 2*time.Second)
	c := r.customer(t, "oRETRY")
	wx.answer(reply{code: wechat.CodeSystemBusy}, reply{stall: true})
	m1, m2, m3 := r.send(t, c.ID, "one"), r.send(t, c.ID, "two"), r.send(t, c.ID, "three")
	r.wait(t, "the busy answer", func() bool { st := r.status(m1.ID); return st.State == kefu.UpstreamPending && st.ErrCode == -1 })
	if st := r.status(m2.ID); st.State != kefu.UpstreamPending {
		t.Fatalf("the second message went ahead of the first: %+v", st)
	}
	// The retry falls due and stalls. The clock moves until the stand-in has
	// taken it, so a worker that had not yet begun its wait when the clock
	// first moved still gets there; once taken, the clock stays (a try is
	// in flight).
	r.wait(t, "the retry, which stalls", func() bool {
		if wx.scripted() == 0 {
			return true
		}
		r.clock.Advance(time.Minute)
		return false
	})
	r.wait(t, "the timed-out try", func() bool { st := r.status(m1.ID); return st.State == kefu.UpstreamPending && st.ErrCode == 0 })
	// From here every try should succeed; should a loaded machine make one
	// slow, the retry it schedules is made due too — only then, never
	// while a try is in flight (that would run its lease out).
	retries, changed := make(chan struct{}, 16), make(chan struct{}, 1)
	cancel, _ := r.bus.Subscribe(engine.AppTopic(r.app.ID), func(_ []byte, v any) {
		if ev, ok := v.(*engine.Event); ok && ev.Type == engine.EventUpstream && ev.Upstream.Status.State == kefu.UpstreamPending {
			select {
			case retries <- struct{}{}:
			default:
			}
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	defer cancel()
	r.clock.Advance(time.Minute)
	deadline := time.After(30 * time.Second)
	for _, m := range []*kefu.Message{m1, m2, m3} {
		for r.status(m.ID).State != kefu.UpstreamSent {
			select {
			case <-retries:
				r.clock.Advance(time.Minute)
			case <-deadline:
				t.Fatalf("message %q not sent: %+v", m.Text.Content, r.status(m.ID))
			case <-changed:
			}
		}
	}
	if accepted, _, _ := wx.counts(); fmt.Sprint(accepted) != "[one two three]" {
		t.Errorf("WeChat accepted %q, want one, two, three once each", accepted)
	}
}

// TestRejectedTokenIsRefreshedOnce: 40001 on a send refreshes the token
// once and tries the send once more.
func TestRejectedTokenIsRefreshedOnce(t *testing.T) {
	wx := newStandIn(t)
	wx.rejectToken = "T1"
	store := kefutest.OpenStore(t, "sqlite")
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), connectedApp(t, store, wx.URL), nil)
	c := r.customer(t, "oTOKEN")
	m := r.send(t, c.ID, "one")
	r.waitStatus(t, m.ID, kefu.UpstreamSent)
	accepted, tokens, _ := wx.counts()
	if tokens != 2 || fmt.Sprint(accepted) != "[one]" {
		t.Errorf("%d token calls and %q accepted, want 2 and one", tokens, accepted)
	}
	tok, err := store.UpstreamToken(context.Background(), r.app.ID)
	if err != nil || tok.Token != "T2" {
		t.Errorf("stored token %+v (%v), want T2", tok, err)
	}
}

// TestNodesShareOneToken: two nodes (engines and connectors over one
// store) sending at once fetch one token between them, and refresh it
// before it expires once, never both at the same time.
func TestNodesShareOneToken(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, eng string) {
		wx := newStandIn(t)
		wx.tokenStall = 100 * time.Millisecond
		store := kefutest.OpenStore(t, eng)
		app := connectedApp(t, store, wx.URL)
		clock := kefutest.NewManualClock(time.Now())
		shared := bus.NewLocal() // as NATS is between nodes
		n1, n2 := newRig(t, store, clock, app, shared), newRig(t, store, clock, app, shared)
		var msgs []*kefu.Message
		for i := range 6 {
			n := n1
			if i%2 == 1 {
				n = n2
			}
			c := n.customer(t, fmt.Sprintf("oNODE%d", i))
			msgs = append(msgs, n.send(t, c.ID, fmt.Sprintf("m%d", i)))
		}
		for _, m := range msgs {
			n1.waitStatus(t, m.ID, kefu.UpstreamSent)
		}
		if _, tokens, inFly := wx.counts(); tokens != 1 || inFly != 1 {
			t.Fatalf("%d token fetches, %d at once; want 1", tokens, inFly)
		}
		clock.Advance(2*time.Hour - 4*time.Minute) // within the refresh margin
		msgs = msgs[:0]
		for i := range 6 {
			n := n1
			if i%2 == 1 {
				n = n2
			}
			c := n.customer(t, fmt.Sprintf("oLATER%d", i))
			msgs = append(msgs, n.send(t, c.ID, fmt.Sprintf("later%d", i)))
		}
		for _, m := range msgs {
			n1.waitStatus(t, m.ID, kefu.UpstreamSent)
		}
		accepted, tokens, inFly := wx.counts()
		if tokens != 2 || inFly != 1 || len(accepted) != 12 {
			t.Fatalf("%d token fetches (%d at once), %d sends accepted; want 2, 1, 12", tokens, inFly, len(accepted))
		}
	})
}

// TestAgentsSpendTheReplyQuota: for a connected app, agents' replies count
// against the quota WeChat enforces (5 per user message), so the desk
// refuses the sixth instead of WeChat.
func TestAgentsSpendTheReplyQuota(t *testing.T) {
	wx := newStandIn(t)
	store := kefutest.OpenStore(t, "sqlite")
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), connectedApp(t, store, wx.URL), nil)
	ctx := context.Background()
	agent := &kefu.Agent{Login: "ann", Name: "Ann", Role: kefu.RoleAgent, MaxSessions: 5, Status: kefu.StatusOnline,
		Apps: []string{r.app.ID}, CreatedAt: time.Now()}
	if err := store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, agent) }); err != nil {
		t.Fatal(err)
	}
	c := r.customer(t, "oQUOTA") // no relay: straight to the queue
	if _, err := r.eng.Accept(ctx, c.ID, agent.ID); err != nil {
		t.Fatal(err)
	}
	say := func(text string) error {
		_, err := r.eng.Send(ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: agent, Source: "desk",
			Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: text}}})
		return err
	}
	for i := range kefu.MessageQuota {
		if err := say(fmt.Sprint("reply ", i)); err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
	}
	if err := say("one too many"); kefu.ErrorCode(err) != kefu.EQUOTA {
		t.Fatalf("the sixth reply: %v, want the quota refusal", err)
	}
	internal := &kefu.Message{Kind: kefu.KindText, Internal: true, Text: &kefu.Text{Content: "note"}}
	if _, err := r.eng.Send(ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: agent, Source: "desk", Message: internal}); err != nil {
		t.Errorf("an internal note was refused: %v", err)
	}
}

// TestOnlyWeChatUsersGoUpstream: a connected app's mini program users come
// from WeChat only (a simulated one would have a made-up openid), while its
// web visitors are served by Kefu as before, nothing sent to WeChat.
func TestOnlyWeChatUsersGoUpstream(t *testing.T) {
	wx := newStandIn(t)
	store := kefutest.OpenStore(t, "sqlite")
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), connectedApp(t, store, wx.URL), nil)
	ctx := context.Background()
	if _, _, err := r.eng.Identify(ctx, engine.IdentifyRequest{AppID: r.app.ID, Channel: kefu.ChannelMiniProgram, ExternalID: "simulated-user"}); kefu.ErrorCode(err) != kefu.EINVALID {
		t.Errorf("a simulated mini program user of a connected app: %v, want refused", err)
	}
	_, c, err := r.eng.Identify(ctx, engine.IdentifyRequest{AppID: r.app.ID, Channel: kefu.ChannelWeb, ExternalID: "visitor-0000000001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.eng.Receive(ctx, c.ID, &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	m := r.send(t, c.ID, "hello visitor")
	if m.Upstream != nil {
		t.Errorf("a web visitor's message was queued for WeChat: %+v", m.Upstream)
	}
	if due, err := store.DueUpstreamSends(ctx, time.Now().Add(time.Hour), 10); err != nil || len(due) != 0 {
		t.Errorf("outbound queue: %d jobs (%v), want none", len(due), err)
	}
}
