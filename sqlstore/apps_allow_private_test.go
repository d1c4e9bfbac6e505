package sqlstore_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// An app's choice to allow private push addresses is kept, and changed, by
// the store (migration 0008); apps start without it.
func TestAppAllowPrivateRoundTrips(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		if got, err := s.App(ctx, app.ID); err != nil || got.Push.AllowPrivate {
			t.Fatalf("new app: allow private %v, %v; want off", got.Push.AllowPrivate, err)
		}
		for _, allow := range []bool{true, false} {
			app.Push.AllowPrivate = allow
			mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SaveApp(ctx, app) })
			if got, err := s.App(ctx, app.ID); err != nil || got.Push.AllowPrivate != allow {
				t.Fatalf("saved allow private %v, read %v (%v)", allow, got.Push.AllowPrivate, err)
			}
		}
	})
}
