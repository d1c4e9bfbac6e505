package connector_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestUpstreamOnLoopbackRefusedUnlessAllowed: a connected app whose API
// base URL points at Kefu's own network (here the stand-in WeChat on
// loopback) gets no request through — not even the token fetch — and the
// message says why; once its admin allows private addresses, the same
// send goes out.
func TestUpstreamOnLoopbackRefusedUnlessAllowed(t *testing.T) {
	wx := newStandIn(t)
	store := kefutest.OpenStore(t, "sqlite")
	app := connectedApp(t, store, wx.URL)
	app.Push.AllowPrivate = false
	ctx := context.Background()
	if err := store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveApp(ctx, app) }); err != nil {
		t.Fatal(err)
	}
	r := newRig(t, store, kefutest.NewManualClock(time.Now()), app, nil)
	c := r.customer(t, "oGUARDED")
	m := r.send(t, c.ID, "to loopback")
	r.wait(t, "the refusal", func() bool { return strings.Contains(r.status(m.ID).Error, "loopback") })
	if st := r.status(m.ID); st.State != kefu.UpstreamPending || !strings.Contains(st.Error, "refused: 127.0.0.1 is a loopback address") {
		t.Fatalf("status of a send to loopback = %+v", st)
	}
	if accepted, tokens, _ := wx.counts(); len(accepted) != 0 || tokens != 0 {
		t.Fatalf("the stand-in on loopback got %d sends and %d token calls, want none", len(accepted), tokens)
	}

	app.Push.AllowPrivate = true
	if err := r.eng.SaveApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour) // the retry is due
	r.waitStatus(t, m.ID, kefu.UpstreamSent)
	if accepted, _, _ := wx.counts(); len(accepted) != 1 || accepted[0] != "to loopback" {
		t.Fatalf("after allowing, WeChat accepted %q", accepted)
	}
}
