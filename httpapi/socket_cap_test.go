package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/node"
)

// TestWebSocketCapPerAddress: an address may hold its cap of WebSockets;
// one more is refused with 429 rate_limited before the upgrade, and once
// one closes another may open. The node limits loopback here (by default
// it does not), so the test's own connections count.
func TestWebSocketCapPerAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := node.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}
	cfg.HTTP.Limits = edge.Limits{AddressSockets: 2, Unlimited: []netip.Prefix{}}
	n, err := node.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Shutdown(ctx)
	app := &kefu.App{ID: "wx" + engine.NewAlnum(16), OriginalID: "gh_" + engine.NewAlnum(12), Name: "Cap Shop", Secret: engine.NewSecret(16)}
	if err := n.Engine.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(n.URL()+"/api/client/sessions", "application/json",
		strings.NewReader(`{"appid":"`+app.ID+`","visitor_id":"socket-cap-visitor-0001"}`))
	if err != nil {
		t.Fatal(err)
	}
	var sess struct {
		Token string `json:"token"`
	}
	json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	wsURL := strings.Replace(n.URL(), "http", "ws", 1) + "/api/client/ws?after=0&token=" + url.QueryEscape(sess.Token)
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	dial := func() (*websocket.Conn, *http.Response, error) { return websocket.Dial(dctx, wsURL, nil) }

	var open []*websocket.Conn
	for i := range 2 {
		c, _, err := dial()
		if err != nil {
			t.Fatalf("connection %d of 2: %v", i+1, err)
		}
		open = append(open, c)
	}
	_, resp, err = dial()
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("a third connection: err %v, HTTP %d; want 429 with Retry-After", err, status)
	}
	open[0].Close(websocket.StatusNormalClosure, "")
	var again *websocket.Conn
	kefutest.UntilTrue(t, "a connection after one closed", func() bool {
		c, _, err := dial()
		again = c
		return err == nil
	})
	again.CloseNow()
	open[1].CloseNow()
}
