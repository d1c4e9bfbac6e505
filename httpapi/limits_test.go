package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestCustomerMessageRate: a customer may send 20 messages at once and 10
// a second after that, by the client API and the WebSocket together; over
// it they get 429 rate_limited with Retry-After (an error frame with the
// client_msg_id on the WebSocket), the refusal is counted, and after a
// pause the same message goes through.
func TestCustomerMessageRate(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	user := s.Customer(app.ID, kefu.ChannelWeb, "rate-user")
	send := func(id string) (int, http.Header, *apiError) {
		req, _ := http.NewRequest("POST", s.URL+"/api/client/messages",
			strings.NewReader(`{"client_msg_id":"`+id+`","kind":"text","text":{"content":"spam"}}`))
		req.Header.Set("Authorization", "Bearer "+user.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, resp.Header, &e
	}
	for i := range 20 {
		if st, _, e := send(fmt.Sprint("burst-", i)); st != http.StatusCreated {
			t.Fatalf("message %d of the burst: HTTP %d %q", i+1, st, e.Error.Message)
		}
	}
	st, h, e := send("over")
	if st != http.StatusTooManyRequests || e.Error.Code != kefu.ERATE || h.Get("Retry-After") == "" {
		t.Fatalf("the 21st message: HTTP %d %q %q, Retry-After %q; want 429 %q with Retry-After", st, e.Error.Code, e.Error.Message, h.Get("Retry-After"), kefu.ERATE)
	}

	// The WebSocket shares the customer's rate.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(s.URL, "http", "ws", 1)+"/api/client/ws?after=0&token="+url.QueryEscape(user.Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	nextFrame(t, ctx, ws, "synced")
	ws.Write(ctx, websocket.MessageText, []byte(`{"type":"send","message":{"client_msg_id":"ws-over","kind":"text","text":{"content":"spam"}}}`))
	var f map[string]json.RawMessage
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(data, &f)
		if string(f["type"]) == `"error"` || string(f["type"]) == `"sent"` {
			break
		}
	}
	var wsErr struct {
		Code string `json:"code"`
	}
	json.Unmarshal(f["error"], &wsErr)
	if string(f["type"]) != `"error"` || wsErr.Code != kefu.ERATE || string(f["client_msg_id"]) != `"ws-over"` {
		t.Errorf("a send frame over the rate got %v; want an error frame %q with client_msg_id ws-over", f, kefu.ERATE)
	}
	if m := metrics(t, s); !strings.Contains(m, `kefu_rate_limited_total{limit="customer"} 2`) {
		t.Errorf("/metrics does not count the two refusals:\n%s", grepLines(m, "kefu_rate_limited"))
	}

	// After a pause the same message is accepted.
	s.Clock.Advance(time.Second)
	if st, _, e := send("over"); st != http.StatusCreated {
		t.Errorf("the refused message a second later: HTTP %d %q", st, e.Error.Message)
	}
}

// TestAddressMessageRate: the customers behind one address share a higher
// rate (100 at once); one more is refused whoever sends it. Loopback, where
// the test's own connections come from, is not limited per address, so the
// requests are handed to the server's handler as if from a public address.
func TestAddressMessageRate(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	h := s.Node.HTTP.Handler()
	sent := 0
	send := func(c *kefutest.Customer, addr string) int {
		sent++
		req := httptest.NewRequest("POST", "/api/client/messages",
			bytes.NewReader([]byte(fmt.Sprintf(`{"client_msg_id":"m%d","kind":"text","text":{"content":"hi"}}`, sent))))
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.RemoteAddr = addr
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range 5 {
		c := s.Customer(app.ID, kefu.ChannelWeb, fmt.Sprintf("office-user-%02d-xxxxxxxx", i))
		for j := range 20 {
			if st := send(c, fmt.Sprintf("[2001:db8:1:1::%x]:5000", i*20+j)); st != http.StatusCreated {
				t.Fatalf("customer %d message %d from the office's /64: HTTP %d", i, j, st)
			}
		}
	}
	late := s.Customer(app.ID, kefu.ChannelWeb, "office-user-late-xxxxxxxx")
	if st := send(late, "[2001:db8:1:1::ffff]:5000"); st != http.StatusTooManyRequests {
		t.Errorf("the 101st message from one /64: HTTP %d, want 429", st)
	}
	if st := send(late, "203.0.113.50:5000"); st != http.StatusCreated {
		t.Errorf("the same customer from another address: HTTP %d, want 201", st)
	}
	if m := metrics(t, s); !strings.Contains(m, `kefu_rate_limited_total{limit="address"} 1`) {
		t.Errorf("/metrics does not count the refusal:\n%s", grepLines(m, "kefu_rate_limited"))
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
