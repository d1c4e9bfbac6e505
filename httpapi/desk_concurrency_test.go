package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// agentClient is an agent signed in over HTTP from its own loopback
// address, so that many agents can sign in at once without tripping the
// per-address sign-in limit.
type agentClient struct {
	hc   *http.Client
	csrf string
	url  string
}

func signInFrom(t *testing.T, s *kefutest.Server, login string, n int) *agentClient {
	t.Helper()
	local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(n/250+1), byte(n%250+2))}
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{DialContext: (&net.Dialer{LocalAddr: local}).DialContext, MaxIdleConnsPerHost: 4}
	c := &agentClient{hc: &http.Client{Jar: jar, Transport: tr}, url: s.URL}
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if st := c.call("POST", "/api/desk/login", map[string]string{"login": login, "password": kefutest.AgentPassword}, &out); st != http.StatusOK {
		t.Fatalf("sign in %s: HTTP %d", login, st)
	}
	c.csrf = out.CSRF
	return c
}

func (c *agentClient) call(method, path string, body, out any) int {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.url+path, strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestTwentyAgentsAcceptOneSession: twenty agents click "accept" on the same
// waiting customer at the same moment; exactly one gets the session.
func TestTwentyAgentsAcceptOneSession(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	var agents []*agentClient
	for i := range 20 {
		login := fmt.Sprintf("agent%02d", i)
		s.Agent(login, kefu.RoleAgent, app.ID)
		a := signInFrom(t, s, login, i)
		if st := a.call("POST", "/api/desk/status", map[string]any{"status": "away"}, nil); st != http.StatusOK {
			t.Fatalf("status: %d", st)
		}
		agents = append(agents, a)
	}
	user := s.Customer(app.ID, kefu.ChannelWeb, "contended")
	m := user.Say("whoever is first")
	msg, _ := s.Store.Message(context.Background(), m.ID)
	conv := msg.ConversationID
	start := make(chan struct{})
	var wg sync.WaitGroup
	codes := make([]int, len(agents))
	for i, a := range agents {
		wg.Go(func() {
			<-start
			codes[i] = a.call("POST", fmt.Sprintf("/api/desk/conversations/%d/accept", conv), struct{}{}, nil)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, c := range codes {
		switch c {
		case http.StatusOK:
			won++
		case http.StatusConflict:
		default:
			t.Errorf("agent %d: HTTP %d", i, c)
		}
	}
	if won != 1 {
		t.Fatalf("%d agents won the session: %v", won, codes)
	}
	c, _ := s.Store.Conversation(context.Background(), conv)
	all, _ := s.Store.Agents(context.Background())
	load := 0
	for _, a := range all {
		load += a.ActiveCount
	}
	if c.State != kefu.StateActive || load != 1 {
		t.Fatalf("state %s, total load %d", c.State, load)
	}
}

// TestThousandSessionsFiftyAgents: 1,000 customers arrive at once over HTTP
// for 50 auto-accepting agents of capacity 3, while five more agents grab
// sessions by hand. No agent ever serves more than 3; the router serves the
// queue oldest first.
func TestThousandSessionsFiftyAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const customers, autoAgents, manualAgents, capacity = 1000, 50, 5, 3
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	var manual []*agentClient
	for i := range autoAgents + manualAgents {
		login := fmt.Sprintf("a%02d", i)
		a := s.Agent(login, kefu.RoleAgent, app.ID)
		a.MaxSessions, a.AutoAccept = capacity, i < autoAgents
		mustStore(t, s, func(tx kefu.Tx) error { return tx.SaveAgent(ctx, a) })
		if i >= autoAgents {
			manual = append(manual, signInFrom(t, s, login, i))
		}
	}
	changed := watchChanges(t, s, engine.AppTopic(app.ID), engine.AgentsTopic)
	// Watch every agent's load while everything happens: after each change.
	var over atomic.Int32
	var overMsg atomic.Value
	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	loads := changed.listen()
	go func() {
		defer close(watched)
		for {
			select {
			case <-stopWatch:
				return
			case <-loads:
			}
			agents, err := s.Store.Agents(ctx)
			if err != nil {
				continue
			}
			for _, a := range agents {
				if a.ActiveCount > capacity || a.ActiveCount < 0 {
					over.Add(1)
					overMsg.Store(fmt.Sprintf("%s has %d sessions", a.Login, a.ActiveCount))
				}
			}
		}
	}()
	for i := range autoAgents {
		if err := s.Engine.SetStatus(ctx, int64(i+1), kefu.StatusOnline, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range manual {
		m.call("POST", "/api/desk/status", map[string]any{"status": "online"}, nil)
	}

	// 1,000 customers at once, while the manual agents keep accepting.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for i := range customers {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c := s.Customer(app.ID, kefu.ChannelWeb, fmt.Sprintf("load-%04d", i))
			c.Say("hello")
		})
	}
	// The manual agents look at the queue after each change (a customer
	// arriving, a session taken): an accept lost to another agent is
	// someone's win, which is a change too.
	stopManual := make(chan struct{})
	var manualWG sync.WaitGroup
	for _, m := range manual {
		tick := changed.listen()
		manualWG.Go(func() {
			for {
				select {
				case <-stopManual:
					return
				case <-tick:
				}
				var q struct {
					Conversations []*kefu.Conversation `json:"conversations"`
				}
				m.call("GET", "/api/desk/queue", nil, &q)
				for _, c := range q.Conversations[:min(3, len(q.Conversations))] {
					m.call("POST", fmt.Sprintf("/api/desk/conversations/%d/accept", c.ID), struct{}{}, nil)
				}
			}
		})
	}
	wg.Wait()
	full := (autoAgents + manualAgents) * capacity
	everyone := changed.listen()
	untilChanged(t, "every agent full", everyone, func() bool {
		n := 0
		agents, _ := s.Store.Agents(ctx)
		for _, a := range agents {
			n += a.ActiveCount
		}
		return n == full
	})
	close(stopManual)
	manualWG.Wait()
	checkLoads(t, s, capacity)

	// FIFO: free the auto agents; the router refills them from the oldest waiting.
	queue, _ := s.Store.Queue(ctx, kefu.QueueFilter{Limit: customers})
	if len(queue) != customers-full {
		t.Fatalf("%d waiting, want %d", len(queue), customers-full)
	}
	oldest := map[int64]bool{}
	for _, c := range queue[:autoAgents*capacity] {
		oldest[c.ID] = true
	}
	for i := range autoAgents {
		a, _ := s.Store.Agent(ctx, int64(i+1))
		convs, _ := s.Store.AgentConversations(ctx, a.ID)
		for _, c := range convs {
			if _, err := s.Engine.Close(ctx, c.ID, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	untilChanged(t, "the auto agents refilled", everyone, func() bool {
		n := 0
		for i := range autoAgents {
			convs, _ := s.Store.AgentConversations(ctx, int64(i+1))
			n += len(convs)
		}
		return n == autoAgents*capacity
	})
	var got []int64
	for i := range autoAgents {
		convs, _ := s.Store.AgentConversations(ctx, int64(i+1))
		for _, c := range convs {
			if !oldest[c.ID] {
				got = append(got, c.ID)
			}
		}
	}
	if len(got) > 0 {
		slices.Sort(got)
		t.Errorf("the router skipped older waiting customers for %v", got)
	}
	close(stopWatch)
	<-watched
	if n := over.Load(); n > 0 {
		t.Fatalf("capacity exceeded %d times: %v", n, overMsg.Load())
	}
	checkLoads(t, s, capacity)
}

// checkLoads compares each agent's load with the sessions they really serve.
func checkLoads(t *testing.T, s *kefutest.Server, capacity int) {
	t.Helper()
	ctx := context.Background()
	agents, _ := s.Store.Agents(ctx)
	owners := map[int64]int64{}
	for _, a := range agents {
		convs, _ := s.Store.AgentConversations(ctx, a.ID)
		if len(convs) > capacity || len(convs) != a.ActiveCount {
			t.Errorf("%s serves %d sessions, load %d, capacity %d", a.Login, len(convs), a.ActiveCount, capacity)
		}
		for _, c := range convs {
			if prev, ok := owners[c.ID]; ok {
				t.Errorf("conversation %d is owned by agents %d and %d", c.ID, prev, a.ID)
			}
			owners[c.ID] = a.ID
		}
	}
}

// loadBound is how long a load test waits for the router to settle: long,
// because the test shares loaded cores; a wait that ends early is the
// common case, and only a router that stopped fails it.
const loadBound = 5 * time.Minute

// changes fans a node's bus events on some topics out to listeners: each
// gets a signal (coalesced) after every event, so a wait looks again only
// when something changed.
type changes struct {
	mu  sync.Mutex
	out []chan struct{}
}

func watchChanges(t *testing.T, s *kefutest.Server, topics ...string) *changes {
	t.Helper()
	c := &changes{}
	for _, topic := range topics {
		cancel, err := s.Bus.Subscribe(topic, func([]byte, any) { c.fire() })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cancel)
	}
	return c
}

// listen returns a channel that is signalled after each event from now on.
func (c *changes) listen() <-chan struct{} {
	ch := make(chan struct{}, 1)
	c.mu.Lock()
	c.out = append(c.out, ch)
	c.mu.Unlock()
	return ch
}

func (c *changes) fire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range c.out {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// untilChanged checks cond now and after each change signalled on ch,
// failing the test if it does not hold within loadBound.
func untilChanged(t *testing.T, what string, ch <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(loadBound)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no %s within %s", what, loadBound)
		}
	}
}
