package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/richtext"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	store  kefu.Store
	clock  *kefutest.ManualClock
	bus    *bus.Local
	eng    *engine.Engine
	app    *kefu.App
	events *eventLog
}

// eventLog records what the engine publishes on the app topic.
type eventLog struct {
	mu     sync.Mutex
	events []engine.Event
}

func (l *eventLog) add(data []byte, v any) {
	var ev engine.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		panic(err)
	}
	// Subscribers in the process may use the event value instead of the
	// JSON: the two must say the same.
	if got, err := json.Marshal(v); err != nil || !bytes.Equal(got, data) {
		panic(fmt.Sprintf("the published value encodes as %s (%v), the published JSON is %s", got, err, data))
	}
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

func (l *eventLog) messages() []*kefu.Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*kefu.Message
	for _, ev := range l.events {
		if ev.Type == engine.EventMessage {
			out = append(out, ev.Message)
		}
	}
	return out
}

func newFixture(t *testing.T, engineName string, pushURL string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), store: kefutest.OpenStore(t, engineName), clock: kefutest.NewManualClock(t0),
		bus: bus.NewLocal(), events: &eventLog{}}
	f.eng = engine.New(f.store, f.bus, f.clock, richtext.New(), nil, engine.Config{})
	f.app = &kefu.App{ID: "wx1234567890abcdef", OriginalID: "gh_abcdef123456", Name: "Shop", Secret: "0123456789abcdef0123456789abcdef",
		Push: kefu.PushConfig{URL: pushURL, Token: "token", Mode: kefu.PushPlaintext, Format: kefu.PushJSON}, CreatedAt: t0}
	f.update(func(tx kefu.Tx) error { return tx.CreateApp(f.ctx, f.app) })
	f.bus.Subscribe(engine.AppTopic(f.app.ID), f.events.add)
	return f
}

func (f *fixture) update(fn func(kefu.Tx) error) {
	f.t.Helper()
	if err := f.store.Update(f.ctx, fn); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) agent(login string, max int) *kefu.Agent {
	f.t.Helper()
	a := &kefu.Agent{Login: login, Name: login, Role: kefu.RoleAgent, MaxSessions: max, AutoAccept: false, Status: kefu.StatusOnline,
		Apps: []string{f.app.ID}, CreatedAt: t0}
	f.update(func(tx kefu.Tx) error { return tx.CreateAgent(f.ctx, a) })
	return a
}

func (f *fixture) open(user string) *opened {
	f.t.Helper()
	o, err := f.openSession(openRequest{AppID: f.app.ID, Channel: kefu.ChannelMiniProgram, ExternalID: user, SessionFrom: "from-" + user})
	if err != nil {
		f.t.Fatal(err)
	}
	return o
}

func (f *fixture) say(convID int64, s string) *kefu.Message {
	f.t.Helper()
	m, _, err := f.eng.Receive(f.ctx, convID, &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: s}})
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *fixture) conv(id int64) *kefu.Conversation {
	f.t.Helper()
	c, err := f.store.Conversation(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// pushResult finishes outbox jobs as the push worker would — earlier jobs
// of the conversation delivered, m's with result — until m's is done.
func (f *fixture) pushResult(m *kefu.Message, result kefu.PushStatus) {
	f.t.Helper()
	for range 10 {
		jobs, err := f.eng.ClaimPushJobs(f.ctx, 100, time.Minute)
		if err != nil {
			f.t.Fatal(err)
		}
		done := false
		for _, j := range jobs {
			r := kefu.PushStatus(kefu.PushDelivered)
			if j.MessageID == m.ID {
				r, done = result, true
			}
			f.record(j, r)
		}
		if done {
			return
		}
	}
	f.t.Fatalf("message %d was never pushed", m.ID)
}

func (f *fixture) record(j *kefu.PushJob, r kefu.PushStatus) {
	f.t.Helper()
	_, err := f.eng.RecordPushAndClaim(f.ctx, engine.PushRecord{Job: j, Attempt: &kefu.PushAttempt{AppID: j.AppID, MessageID: j.MessageID,
		ConversationID: j.ConversationID, Try: j.Tries, Result: r, CreatedAt: f.clock.Now()}, RetryAt: f.clock.Now()}, 0, 0)
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) agentSees(convID int64) []*kefu.Message {
	var out []*kefu.Message
	for _, m := range f.events.messages() {
		if m.ConversationID == convID && m.VisibleToAgents() {
			out = append(out, m)
		}
	}
	return out
}

// TestSessionStory walks WeChat's session rules through the engine.
func TestSessionStory(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "http://developer.example/push")
		alice := f.agent("alice", 3)
		o := f.open("u1")
		c := o.Conversation
		if o.Event.Kind != kefu.KindEvent || o.Event.Push != kefu.PushPending || o.Event.Event.SessionFrom != "from-u1" {
			t.Fatalf("open: event %+v", o.Event)
		}
		for _, m := range f.events.messages() {
			if m.Kind == kefu.KindEvent {
				t.Fatal("the enter event was published to the desk")
			}
		}
		f.pushResult(o.Event, kefu.PushTransferred) // a transfer reply to an event is ignored
		if got := f.conv(c.ID); got.State != kefu.StateDeveloper {
			t.Fatalf("after transfer reply to an event: state %s, want developer", got.State)
		}
		attempts, _ := f.store.PushAttempts(f.ctx, kefu.PushLogFilter{MessageID: o.Event.ID})
		if len(attempts) != 1 || attempts[0].Warning == "" {
			t.Errorf("the ignored transfer left no warning in the push log: %+v", attempts)
		}

		m1 := f.say(c.ID, "hello")
		if m1.Push != kefu.PushPending || m1.Phase != kefu.StateDeveloper {
			t.Fatalf("message in developer state: push %q phase %q", m1.Push, m1.Phase)
		}
		f.pushResult(m1, kefu.PushDelivered)
		m2 := f.say(c.ID, "I want a human")
		f.pushResult(m2, kefu.PushTransferred)
		if got := f.conv(c.ID); got.State != kefu.StateQueued || got.SessionID == 0 {
			t.Fatalf("after transfer: %+v", got)
		}
		m3 := f.say(c.ID, "still there?")
		if m3.Push != kefu.PushPending || m3.Phase != kefu.StateQueued {
			t.Fatalf("message while queued must still go to the developer: push %q phase %q", m3.Push, m3.Phase)
		}
		f.pushResult(m3, kefu.PushTransferred) // adds it to what customer service sees

		if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		m4 := f.say(c.ID, "thanks for picking up")
		if m4.Push != kefu.PushNone || m4.Phase != kefu.StateActive {
			t.Fatalf("message while active must go to the agent only: push %q phase %q", m4.Push, m4.Phase)
		}
		if jobs, _ := f.store.DuePushJobs(f.ctx, f.clock.Now().Add(time.Hour), 10); len(jobs) != 0 {
			t.Fatalf("%d push jobs for an active session", len(jobs))
		}
		reply, err := f.eng.Send(f.ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: alice, Source: "desk",
			Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "How can I help?"}}})
		if err != nil || reply.Sender != kefu.SenderAgent || reply.AgentID != alice.ID {
			t.Fatalf("agent reply: %+v %v", reply, err)
		}
		if _, err := f.eng.Close(f.ctx, c.ID, alice); err != nil {
			t.Fatal(err)
		}
		if got := f.conv(c.ID); got.State != kefu.StateDeveloper || got.AgentID != 0 {
			t.Fatalf("after close: %+v", got)
		}
		if a, _ := f.store.Agent(f.ctx, alice.ID); a.ActiveCount != 0 {
			t.Errorf("alice still has %d active sessions after close", a.ActiveCount)
		}
		m5 := f.say(c.ID, "one more thing")
		if m5.Push != kefu.PushPending || m5.Phase != kefu.StateDeveloper {
			t.Fatalf("after close the developer gets messages again: push %q phase %q", m5.Push, m5.Phase)
		}
		sessions, _ := f.store.Sessions(f.ctx, c.ID)
		if len(sessions) != 1 || sessions[0].State != kefu.StateClosed || sessions[0].CloseReason != kefu.CloseByAgent || sessions[0].AgentID != alice.ID {
			t.Errorf("sessions: %+v", sessions)
		}
		msgs, _ := f.store.Messages(f.ctx, c.ID, 0, 0, 0)
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("seq gap at %d", i)
			}
		}
	})
}

func TestThirtyMinuteRule(t *testing.T) {
	f := newFixture(t, "sqlite", "http://developer.example/push")
	alice := f.agent("alice", 3)
	c := f.open("u1").Conversation
	f.pushResult(f.say(c.ID, "human please"), kefu.PushTransferred)
	if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(29 * time.Minute)
	f.say(c.ID, "still here") // activity: the 30 minutes start again
	f.clock.Advance(29 * time.Minute)
	if n, _ := f.eng.Sweep(f.ctx); n != 0 {
		t.Fatalf("swept %d sessions 29 minutes after the last message", n)
	}
	f.clock.Advance(time.Minute)
	if n, _ := f.eng.Sweep(f.ctx); n != 1 {
		t.Fatalf("swept %d sessions 30 minutes after the last message, want 1", n)
	}
	got := f.conv(c.ID)
	if got.State != kefu.StateDeveloper {
		t.Fatalf("state %s after timeout", got.State)
	}
	if a, _ := f.store.Agent(f.ctx, alice.ID); a.ActiveCount != 0 {
		t.Errorf("alice still has %d sessions", a.ActiveCount)
	}
	sessions, _ := f.store.Sessions(f.ctx, c.ID)
	if sessions[0].CloseReason != kefu.CloseByTimeout || !sessions[0].ClosedAt.Equal(t0.Add(59*time.Minute)) {
		t.Errorf("session %+v, want closed by timeout at the moment the 30 minutes ran out", sessions[0])
	}
	m := f.say(c.ID, "hello again")
	if m.Push != kefu.PushPending {
		t.Errorf("after the timeout the message must go to the developer, push %q", m.Push)
	}
}

// The rule holds even if no sweep ran: the next message sees the expiry.
func TestThirtyMinuteRuleWithoutSweep(t *testing.T) {
	f := newFixture(t, "sqlite", "http://developer.example/push")
	alice := f.agent("alice", 3)
	c := f.open("u1").Conversation
	f.pushResult(f.say(c.ID, "human please"), kefu.PushTransferred)
	f.eng.Accept(f.ctx, c.ID, alice.ID)
	f.clock.Advance(30 * time.Minute)
	m := f.say(c.ID, "anyone?")
	if m.Push != kefu.PushPending || m.Phase != kefu.StateDeveloper {
		t.Fatalf("message after 30 idle minutes: push %q phase %q, want it pushed to the developer", m.Push, m.Phase)
	}
	_, err := f.eng.Send(f.ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: alice,
		Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "late"}}})
	if kefu.ErrorCode(err) != kefu.ECONFLICT {
		t.Errorf("agent reply after expiry: %v, want a conflict", err)
	}
}

func TestFailedPushShowsNoticeAndKeepsMessage(t *testing.T) {
	f := newFixture(t, "sqlite", "http://developer.example/push")
	c := f.open("u1").Conversation
	m := f.say(c.ID, "hello")
	tries := 0
	for range 10 {
		jobs, _ := f.eng.ClaimPushJobs(f.ctx, 10, time.Minute)
		for _, j := range jobs {
			if j.MessageID != m.ID {
				f.record(j, kefu.PushDelivered)
				continue
			}
			tries++
			if j.Tries != tries {
				t.Fatalf("job try %d, want %d", j.Tries, tries)
			}
			f.record(j, kefu.PushFailed)
		}
	}
	if tries != engine.MaxPushTries {
		t.Fatalf("%d tries, want %d", tries, engine.MaxPushTries)
	}
	if jobs, _ := f.store.DuePushJobs(f.ctx, f.clock.Now().Add(time.Hour), 10); len(jobs) != 0 {
		t.Fatalf("a 4th try is scheduled")
	}
	msgs, _ := f.store.Messages(f.ctx, c.ID, 0, 0, 0)
	last := msgs[len(msgs)-1]
	if last.Kind != kefu.KindNotice || last.Notice.Code != kefu.NoticeDeveloperUnavailable || last.Notice.Text != "该小程序客服暂时无法提供服务，请稍后再试" || !last.VisibleToUser() {
		t.Fatalf("last message %+v, want WeChat's notice", last)
	}
	stored, _ := f.store.Message(f.ctx, m.ID)
	if stored.Push != kefu.PushFailed || stored.Text.Content != "hello" {
		t.Errorf("the failed message: %+v", stored)
	}
	attempts, _ := f.store.PushAttempts(f.ctx, kefu.PushLogFilter{MessageID: m.ID})
	if len(attempts) != 3 {
		t.Errorf("%d attempts logged, want 3", len(attempts))
	}
}

func TestNoPushURLGoesStraightToQueue(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	c := f.open("u1").Conversation
	m := f.say(c.ID, "hi")
	if m.Push != kefu.PushNone {
		t.Errorf("push %q without a push URL", m.Push)
	}
	if got := f.conv(c.ID); got.State != kefu.StateQueued {
		t.Errorf("state %s, want queued", got.State)
	}
}

func TestDeveloperQuota(t *testing.T) {
	f := newFixture(t, "sqlite", "http://developer.example/push")
	c := f.open("u1").Conversation
	send := func() error {
		_, err := f.eng.Send(f.ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderDeveloper, Source: "api",
			Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "hi"}}})
		return err
	}
	// Entering gives 2 messages within a minute.
	for i := range 2 {
		if err := send(); err != nil {
			t.Fatalf("send %d after enter: %v", i+1, err)
		}
	}
	if err := send(); kefu.ErrorCode(err) != kefu.EQUOTA {
		t.Fatalf("3rd send after enter: %v, want quota (45047)", err)
	}
	// A user message resets to 5 within 48 hours — not 5 plus what was left.
	f.say(c.ID, "hello")
	for i := range 5 {
		if err := send(); err != nil {
			t.Fatalf("send %d after message: %v", i+1, err)
		}
	}
	if err := send(); kefu.ErrorCode(err) != kefu.EQUOTA {
		t.Fatalf("6th send: %v, want quota", err)
	}
	f.say(c.ID, "again")
	f.clock.Advance(48 * time.Hour)
	if err := send(); kefu.ErrorCode(err) != kefu.EWINDOW {
		t.Fatalf("send after 48 h: %v, want window (45015)", err)
	}
	// Entering after a message: 2 messages, but within the longer window.
	f.say(c.ID, "back")
	f.clock.Advance(time.Hour)
	f.open("u1")
	f.clock.Advance(10 * time.Minute)
	for i := range 2 {
		if err := send(); err != nil {
			t.Fatalf("send %d after re-entering: %v", i+1, err)
		}
	}
	if err := send(); kefu.ErrorCode(err) != kefu.EQUOTA {
		t.Fatalf("3rd send after re-entering: %v, want quota", err)
	}
}

func TestOnlyOneOfManyAcceptsWins(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		var agents []*kefu.Agent
		for i := range 20 {
			agents = append(agents, f.agent(fmt.Sprint("agent", i), 3))
		}
		c := f.open("u1").Conversation
		f.say(c.ID, "help")
		var wg sync.WaitGroup
		var wins atomic.Int32
		start := make(chan struct{})
		for _, a := range agents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.eng.Accept(f.ctx, c.ID, a.ID)
				if err == nil {
					wins.Add(1)
				} else if kefu.ErrorCode(err) != kefu.ECONFLICT {
					t.Errorf("losing accept: %v, want conflict", err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d accepts won, want exactly 1", wins.Load())
		}
		total := 0
		for _, a := range agents {
			got, _ := f.store.Agent(f.ctx, a.ID)
			total += got.ActiveCount
		}
		if total != 1 {
			t.Errorf("agents hold %d sessions in total, want 1", total)
		}
	})
}

// TestRouterIsFIFOAndCapacityAware: 1,000 sessions arrive at once for 50
// agents of capacity 3.
func TestRouterIsFIFOAndCapacityAware(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		var agents []*kefu.Agent
		for i := range 50 {
			a := f.agent(fmt.Sprint("agent", i), 3)
			a.AutoAccept = true
			f.update(func(tx kefu.Tx) error { return tx.SaveAgent(f.ctx, a) })
			agents = append(agents, a)
		}
		const n = 1000
		convs := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := f.openSession(openRequest{AppID: f.app.ID, Channel: kefu.ChannelWeb, ExternalID: fmt.Sprint("v", i)})
				if err != nil {
					t.Error(err)
					return
				}
				convs[i] = o.Conversation.ID
			}()
		}
		wg.Wait()
		// Queue them in a known order, a millisecond apart.
		for i := range n {
			f.clock.Advance(time.Millisecond)
			f.say(convs[i], "help")
		}
		// Watch capacity while two routers race each other and the
		// agents' own accepts.
		var over atomic.Int32
		stop := make(chan struct{})
		watch := make(chan struct{})
		go func() {
			defer close(watch)
			for {
				select {
				case <-stop:
					return
				default:
				}
				list, _ := f.store.Agents(f.ctx)
				for _, a := range list {
					if a.ActiveCount > a.MaxSessions {
						over.Add(1)
					}
				}
			}
		}()
		var rw sync.WaitGroup
		for range 2 {
			rw.Add(1)
			go func() {
				defer rw.Done()
				if _, err := f.eng.Route(f.ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		rw.Wait()
		close(stop)
		<-watch
		if over.Load() > 0 {
			t.Fatalf("an agent exceeded capacity %d times", over.Load())
		}
		assigned := map[int64]int{}
		for i, id := range convs {
			c := f.conv(id)
			if i < 150 && c.State != kefu.StateActive {
				t.Fatalf("session %d (queued %dth) is %s: FIFO broken", id, i+1, c.State)
			}
			if i >= 150 && c.State != kefu.StateQueued {
				t.Fatalf("session queued %dth is %s; only the first 150 fit", i+1, c.State)
			}
			if c.State == kefu.StateActive {
				assigned[c.AgentID]++
			}
		}
		for _, a := range agents {
			got, _ := f.store.Agent(f.ctx, a.ID)
			if assigned[a.ID] != 3 || got.ActiveCount != 3 {
				t.Errorf("agent %s has %d sessions (count %d), want 3", a.Login, assigned[a.ID], got.ActiveCount)
			}
		}
	})
}

func TestChannelRulesAndRichText(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	alice := f.agent("alice", 3)
	web, err := f.openSession(openRequest{AppID: f.app.ID, Channel: kefu.ChannelWeb, ExternalID: "w"})
	if err != nil {
		t.Fatal(err)
	}
	mp := f.open("m")
	for _, c := range []int64{web.Conversation.ID, mp.Conversation.ID} {
		f.say(c, "hi")
		if _, err := f.eng.Accept(f.ctx, c, alice.ID); err != nil {
			t.Fatal(err)
		}
	}
	send := func(conv int64, m *kefu.Message) (*kefu.Message, error) {
		return f.eng.Send(f.ctx, engine.SendRequest{ConversationID: conv, Sender: kefu.SenderAgent, Agent: alice, Source: "desk", Message: m})
	}
	card := &kefu.Message{Kind: kefu.KindMiniProgramPage, MiniProgramPage: &kefu.MiniProgramPage{Title: "t", PagePath: "/p", ThumbURL: "https://x.example/a.png"}}
	if _, err := send(web.Conversation.ID, card); kefu.ErrorCode(err) != kefu.ECHANNEL {
		t.Errorf("mini program card to web: %v, want channel error", err)
	}
	if _, err := send(mp.Conversation.ID, card); err != nil {
		t.Errorf("mini program card to mini program: %v", err)
	}
	product := &kefu.Message{Kind: kefu.KindProduct, Product: &kefu.Product{Name: "Phone", URL: "/pages/item?id=1"}}
	if _, err := send(mp.Conversation.ID, product); kefu.ErrorCode(err) != kefu.ECHANNEL {
		t.Errorf("product to mini program: %v, want channel error", err)
	}
	if _, err := send(web.Conversation.ID, product); err != nil {
		t.Errorf("product to web: %v", err)
	}
	rich := &kefu.Message{Kind: kefu.KindRich, Rich: &kefu.Rich{HTML: `<p onclick="x()">Go <a data-miniprogram-path="/pages/a">there</a></p><script>alert(1)</script>`}}
	got, err := send(web.Conversation.ID, rich)
	if err != nil || got.Rich.HTML != `<p>Go <a data-miniprogram-path="/pages/a">there</a></p>` {
		t.Errorf("rich to web: %+v %v", got, err)
	}
	got, err = send(mp.Conversation.ID, rich)
	if err != nil || got.Kind != kefu.KindText || got.Text.Content != `Go <a href="" data-miniprogram-path="/pages/a">there</a>` {
		t.Errorf("rich to mini program: %+v %v", got, err)
	}
	note, err := send(mp.Conversation.ID, &kefu.Message{Kind: kefu.KindText, Internal: true, Text: &kefu.Text{Content: "VIP"}})
	if err != nil || !note.Internal || note.VisibleToUser() {
		t.Errorf("note: %+v %v", note, err)
	}
}

func TestAgentOfflineRequeuesInOldPlace(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	alice := f.agent("alice", 3)
	first := f.open("u1").Conversation
	f.say(first.ID, "hi")
	f.clock.Advance(time.Second)
	second := f.open("u2").Conversation
	f.say(second.ID, "hi")
	f.eng.Accept(f.ctx, first.ID, alice.ID)
	if err := f.eng.SetStatus(f.ctx, alice.ID, kefu.StatusOffline, false); err != nil {
		t.Fatal(err)
	}
	q, _ := f.store.Queue(f.ctx, kefu.QueueFilter{})
	if len(q) != 2 || q[0].ID != first.ID {
		t.Fatalf("queue after alice left: %v, want %d first (it waited longest)", q, first.ID)
	}
	if a, _ := f.store.Agent(f.ctx, alice.ID); a.ActiveCount != 0 || a.Status != kefu.StatusOffline {
		t.Errorf("alice: %+v", a)
	}
}

func TestTransferToAgentAndTeam(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	alice, bob := f.agent("alice", 3), f.agent("bob", 1)
	team := &kefu.Team{Name: "VIP", CreatedAt: t0}
	f.update(func(tx kefu.Tx) error { return tx.CreateTeam(f.ctx, team) })
	c := f.open("u1").Conversation
	f.say(c.ID, "hi")
	f.eng.Accept(f.ctx, c.ID, alice.ID)
	if _, err := f.eng.TransferTo(f.ctx, c.ID, alice, engine.TransferTarget{AgentID: bob.ID, Note: "wants a refund"}); err != nil {
		t.Fatal(err)
	}
	got := f.conv(c.ID)
	if got.AgentID != bob.ID || got.State != kefu.StateActive {
		t.Fatalf("after transfer to bob: %+v", got)
	}
	msgs, _ := f.store.Messages(f.ctx, c.ID, 0, 0, 0)
	last := msgs[len(msgs)-1]
	if !last.Internal || last.Text.Content != "wants a refund" {
		t.Errorf("transfer note: %+v", last)
	}
	// bob is full: a second transfer to him is refused.
	c2 := f.open("u2").Conversation
	f.say(c2.ID, "hi")
	f.eng.Accept(f.ctx, c2.ID, alice.ID)
	if _, err := f.eng.TransferTo(f.ctx, c2.ID, alice, engine.TransferTarget{AgentID: bob.ID}); kefu.ErrorCode(err) != kefu.ECAPACITY {
		t.Errorf("transfer to a full agent: %v, want capacity", err)
	}
	if _, err := f.eng.TransferTo(f.ctx, c.ID, bob, engine.TransferTarget{TeamID: team.ID}); err != nil {
		t.Fatal(err)
	}
	got = f.conv(c.ID)
	if got.State != kefu.StateQueued || got.TeamID != team.ID || got.AgentID != 0 {
		t.Errorf("after transfer to team: %+v", got)
	}
	// Only team members (and admins) may take it now.
	if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); kefu.ErrorCode(err) != kefu.EFORBIDDEN {
		t.Errorf("non-member accepting a team session: %v, want forbidden", err)
	}
	sessions, _ := f.store.Sessions(f.ctx, c.ID)
	if len(sessions) != 3 {
		t.Errorf("%d sessions, want 3 (alice, bob, team queue)", len(sessions))
	}
}
