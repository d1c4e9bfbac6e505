package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/kefutest"
)

// statusCounter counts the HTTP statuses a client received.
type statusCounter struct {
	next     http.RoundTripper
	internal atomic.Int64 // 500: the server called the failure a bug
	outage   atomic.Int64 // 503: unavailable, retryable
}

func (s *statusCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := s.next.RoundTrip(r)
	if err == nil {
		switch resp.StatusCode {
		case http.StatusInternalServerError:
			s.internal.Add(1)
		case http.StatusServiceUnavailable:
			s.outage.Add(1)
		}
	}
	return resp, err
}

// TestStoreOutageIsRetryableAndLosesNothing cuts the database off under
// load (a proxy in front of PostgreSQL drops every connection and refuses
// new ones) and restores it. Every send made meanwhile, over HTTP and over
// the WebSocket, is answered either with its stored message or with a
// retryable "unavailable" — never "internal", which clients are told not
// to retry — and once the clients have retried with the same client
// message ids, every message is stored exactly once and has reached the
// customer's live connection.
func TestStoreOutageIsRetryableAndLosesNothing(t *testing.T) {
	dsn, proxy := kefutest.PostgresBehindProxy(t)
	s := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", DSN: dsn, Limits: loadLimits})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)

	const perSender = 30
	var acked, outages atomic.Int64
	outageSeen := make(chan struct{})
	var once sync.Once
	noteOutage := func() {
		outages.Add(1)
		once.Do(func() { close(outageSeen) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	var internal atomic.Int64

	// Over HTTP, with Kefu's Go client.
	counter := &statusCounter{next: http.DefaultTransport}
	httpSenders := make([]*client.Client, 2)
	for i := range httpSenders {
		c := client.New(s.URL, app.ID, client.WithChannel(kefu.ChannelSDK), client.WithSDK("5.1"),
			client.WithHTTPClient(&http.Client{Transport: counter, Timeout: 30 * time.Second}))
		if _, err := c.Identify(ctx, client.Visitor(fmt.Sprintf("http-visitor-%04d", i))); err != nil {
			t.Fatal(err)
		}
		httpSenders[i] = c
		wg.Go(func() {
			for n := range perSender {
				m := &client.Outgoing{ClientMsgID: fmt.Sprintf("h%d-%d", i, n), Kind: kefu.KindText, Text: &kefu.Text{Content: fmt.Sprintf("http %d/%d", i, n)}}
				for {
					_, err := c.Send(ctx, m)
					if err == nil {
						acked.Add(1)
						break
					}
					if client.ErrorCode(err) != kefu.EUNAVAILABLE || ctx.Err() != nil {
						t.Errorf("send %s: %v (want success or a retryable unavailable)", m.ClientMsgID, err)
						return
					}
					noteOutage()
					retryPause(ctx)
				}
			}
		})
	}

	// Over the WebSocket, as the widget sends.
	wsCust := s.Customer(app.ID, kefu.ChannelWeb, "ws-visitor")
	wsURL := strings.Replace(s.URL, "http", "ws", 1) + "/api/client/ws?token=" + wsCust.Token + "&after=0"
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	answers := make(chan wsAnswer, 16)
	synced := make(chan struct{})
	var syncOnce sync.Once
	delivered := map[string]bool{}
	var deliveredMu sync.Mutex
	go func() {
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				t.Logf("websocket: %v", err)
				close(answers)
				return
			}
			var f struct {
				Type        string `json:"type"`
				ClientMsgID string `json:"client_msg_id"`
				Message     struct {
					ClientMsgID string `json:"client_msg_id"`
				} `json:"message"`
				Error struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			json.Unmarshal(data, &f)
			switch f.Type {
			case "synced":
				syncOnce.Do(func() { close(synced) })
			case "sent":
				answers <- wsAnswer{id: f.ClientMsgID}
			case "error":
				answers <- wsAnswer{id: f.ClientMsgID, code: f.Error.Code}
			case "message":
				deliveredMu.Lock()
				delivered[f.Message.ClientMsgID] = true
				deliveredMu.Unlock()
			}
		}
	}()
	<-synced // a connection that is still syncing when the store goes is closed; the widget reconnects
	wg.Go(func() {
		for n := range perSender {
			id := fmt.Sprintf("w-%d", n)
			frame, _ := json.Marshal(map[string]any{"type": "send", "message": map[string]any{
				"client_msg_id": id, "kind": "text", "text": map[string]string{"content": fmt.Sprintf("ws %d", n)}}})
			for {
				if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
					t.Errorf("write %s: %v", id, err)
					return
				}
				a, ok := <-answers
				if !ok {
					t.Errorf("the WebSocket closed while %s was unanswered", id)
					return
				}
				if a.id != id {
					t.Errorf("answer for %q while waiting for %q", a.id, id)
					return
				}
				if a.code == "" {
					acked.Add(1)
					break
				}
				if a.code != kefu.EUNAVAILABLE {
					if a.code == kefu.EINTERNAL {
						internal.Add(1)
					}
					t.Errorf("send %s answered %q (want success or a retryable unavailable)", id, a.code)
					return
				}
				noteOutage()
				retryPause(ctx)
			}
		}
	})

	// The outage: once some messages are in, cut the database off; once
	// the clients have been told it is unavailable, bring it back.
	for acked.Load() < 10 && ctx.Err() == nil {
		retryPause(ctx)
	}
	proxy.Cut()
	select {
	case <-outageSeen:
	case <-ctx.Done():
		t.Fatal("no client was told of the outage")
	}
	for outages.Load() < 6 && ctx.Err() == nil {
		retryPause(ctx)
	}
	proxy.Restore()
	wg.Wait()
	if t.Failed() {
		return
	}
	if n := counter.internal.Load() + internal.Load(); n != 0 {
		t.Errorf("%d answers called the outage an internal error", n)
	}
	t.Logf("%d sends answered unavailable during the outage (%d of them HTTP 503)", outages.Load(), counter.outage.Load())
	if counter.outage.Load() == 0 && outages.Load() == 0 {
		t.Error("the outage was never reported as unavailable")
	}

	// Every message stored once, in each conversation.
	check := func(who string, convID int64, prefix string) {
		msgs, err := s.Store.Messages(ctx, convID, 0, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, m := range msgs {
			if m.Kind == kefu.KindText {
				seen[m.ClientMsgID]++
			}
		}
		for n := range perSender {
			id := fmt.Sprintf("%s%d", prefix, n)
			if seen[id] != 1 {
				t.Errorf("%s: message %s stored %d times, want once", who, id, seen[id])
			}
		}
	}
	convOf := func(openID string) int64 {
		cust, err := s.Store.CustomerByOpenID(ctx, app.ID, openID)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := s.Store.ConversationByCustomer(ctx, cust.ID)
		if err != nil {
			t.Fatal(err)
		}
		return conv.ID
	}
	for i, c := range httpSenders {
		check(fmt.Sprintf("http sender %d", i), convOf(c.Session().OpenID), fmt.Sprintf("h%d-", i))
	}
	check("ws sender", convOf(wsCust.OpenID), "w-")
	// And every one of them reached the customer's live connection.
	deadline := time.After(30 * time.Second)
	for {
		deliveredMu.Lock()
		missing := 0
		for n := range perSender {
			if !delivered[fmt.Sprintf("w-%d", n)] {
				missing++
			}
		}
		deliveredMu.Unlock()
		if missing == 0 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("%d acknowledged messages never reached the customer's connection", missing)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

type wsAnswer struct{ id, code string }

// retryPause is a client's pause before trying again.
func retryPause(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(20 * time.Millisecond):
	}
}

// loadLimits lets a load test's customers send faster than a person does.
var loadLimits = edge.Limits{CustomerRate: 10000, CustomerBurst: 10000, AddressRate: 10000, AddressBurst: 10000}
