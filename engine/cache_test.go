package engine_test

import (
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestCachesSeeOwnChangesAtOnceAndOthersWithinTTL: what the engine changes
// itself (an app's settings, a customer's SDK version) its message paths
// see at once; what another node or process writes to the store, within
// CacheTTL.
func TestCachesSeeOwnChangesAtOnceAndOthersWithinTTL(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		wall := t0
		engine.SetCacheClock(f.eng, func() time.Time { return wall })

		app, err := f.eng.App(f.ctx, f.app.ID)
		if err != nil || app.Name != "Shop" {
			t.Fatalf("app: %+v, %v", app, err)
		}
		// Another node renames the app.
		other := *f.app
		other.Name = "Shop (renamed elsewhere)"
		f.update(func(tx kefu.Tx) error { return tx.SaveApp(f.ctx, &other) })
		wall = wall.Add(engine.CacheTTL)
		if app, _ := f.eng.App(f.ctx, f.app.ID); app.Name != "Shop" {
			t.Errorf("within CacheTTL the cached app is used; got %q", app.Name)
		}
		wall = wall.Add(time.Millisecond)
		if app, _ := f.eng.App(f.ctx, f.app.ID); app.Name != other.Name {
			t.Errorf("after CacheTTL the app is read again; got %q", app.Name)
		}
		// This engine renames it: seen at once.
		mine := other
		mine.Name = "Shop (renamed here)"
		if err := f.eng.SaveApp(f.ctx, &mine); err != nil {
			t.Fatal(err)
		}
		if app, _ := f.eng.App(f.ctx, f.app.ID); app.Name != mine.Name {
			t.Errorf("the engine's own change is seen at once; got %q", app.Name)
		}
		// Callers get copies: changing one does not change the cache.
		app, _ = f.eng.App(f.ctx, f.app.ID)
		app.Name = "scribbled"
		if again, _ := f.eng.App(f.ctx, f.app.ID); again.Name != mine.Name {
			t.Errorf("a caller's copy leaked into the cache: %q", again.Name)
		}
		if _, err := f.eng.App(f.ctx, "wxmissing00000000"); kefu.ErrorCode(err) != kefu.ENOTFOUND {
			t.Errorf("a missing app: %v, want ENOTFOUND", err)
		}

		id := engine.IdentifyRequest{AppID: f.app.ID, Channel: kefu.ChannelSDK, ExternalID: "app-user", SDKVersion: "5.0.0"}
		_, conv, err := f.eng.Identify(f.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := f.eng.CustomerOf(f.ctx, conv.ID); c.SDKVersion != "5.0.0" {
			t.Fatalf("customer SDK version %q", c.SDKVersion)
		}
		id.SDKVersion = "5.1.0" // the app was updated: product cards are allowed now
		if _, _, err := f.eng.Identify(f.ctx, id); err != nil {
			t.Fatal(err)
		}
		if c, _ := f.eng.CustomerOf(f.ctx, conv.ID); c.SDKVersion != "5.1.0" {
			t.Errorf("after Identify the customer's new SDK version is seen at once; got %q", c.SDKVersion)
		}
	})
}
