package node_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// A push URL on an internal address is refused when it is saved, unless the
// app allows private addresses; and if the app stops allowing them behind
// the engine's back (the store changed by another process, or a name that
// now resolves to 127.0.0.1), the connection itself is refused: nothing
// reaches the developer's server, and the push log says why.
func TestPushToInternalAddressIsRefused(t *testing.T) {
	ctx := context.Background()
	s := kefutest.NewServer(t, kefutest.Options{})
	var hits atomic.Int64
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("echostr")) // the handshake
			return
		}
		io.WriteString(w, "success")
	}))
	defer dev.Close()
	const sentence = "127.0.0.1 is a loopback address; allow private addresses for this app to push there"

	app := &kefu.App{ID: "wx" + engine.NewAlnum(16), OriginalID: "gh_" + engine.NewAlnum(12), Name: "Guarded", Secret: engine.NewSecret(16),
		Push: kefu.PushConfig{URL: dev.URL + "/push", Token: "testtoken", Mode: kefu.PushPlaintext, Format: kefu.PushJSON}}
	err := s.Engine.CreateApp(ctx, app)
	if kefu.ErrorCode(err) != kefu.EINVALID || !strings.Contains(kefu.ErrorMessage(err), sentence) {
		t.Fatalf("creating an app pushing to loopback: %v, want refused saying %q", err, sentence)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused URL was called %d times", n)
	}

	app.Push.AllowPrivate = true
	if err := s.Engine.CreateApp(ctx, app); err != nil {
		t.Fatalf("creating the app allowing private addresses: %v", err)
	}
	cleared := *app
	cleared.Push.AllowPrivate = false
	if err := s.Engine.SaveApp(ctx, &cleared); kefu.ErrorCode(err) != kefu.EINVALID || !strings.Contains(kefu.ErrorMessage(err), sentence) {
		t.Fatalf("clearing the flag through the engine: %v, want refused saying %q", err, sentence)
	}

	// Behind the engine's back: the store says private addresses are not
	// allowed, and the engine's cache has expired.
	if err := s.Store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveApp(ctx, &cleared) }); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(engine.CacheTTL + time.Second)
	before := hits.Load()
	alice := s.OnlineAgent("alice", app.ID)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "guarded-user")
	msg := user.Say("hello")
	alice.WaitEvent("the push try", func(ev *engine.Event) bool {
		return ev.Type == engine.EventPush && ev.Push != nil && ev.Push.MessageID == msg.ID
	})
	atts, err := s.Store.PushAttempts(ctx, kefu.PushLogFilter{MessageID: msg.ID})
	if err != nil || len(atts) == 0 {
		t.Fatalf("push log: %v, %d tries", err, len(atts))
	}
	if want := "refused: " + sentence; atts[0].Error != want {
		t.Errorf("the push log says %q, want %q", atts[0].Error, want)
	}
	if n := hits.Load() - before; n != 0 {
		t.Errorf("the developer's server was reached %d times after the flag was cleared", n)
	}
}
