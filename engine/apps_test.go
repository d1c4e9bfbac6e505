package engine_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/richtext"
)

// Saving an app runs the URL handshake again whenever any of the push
// settings changes, as WeChat's console does on every save — not only for a
// new URL or token.
func TestSavingPushSettingsRepeatsTheHandshake(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	handshakes := 0
	f.eng = engine.New(f.store, f.bus, f.clock, richtext.New(), nil, engine.Config{
		VerifyPushURL: func(ctx context.Context, url, token string) error { handshakes++; return nil }})
	a := &kefu.App{ID: "wx00000000000000aa", OriginalID: "gh_000000aa", Name: "Tea", Secret: "0123456789abcdef0123456789abcdef",
		Push: kefu.PushConfig{URL: "http://developer.example/push", Token: "token", Mode: kefu.PushPlaintext, Format: kefu.PushXML}}
	if err := f.eng.CreateApp(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(p *kefu.PushConfig, a *kefu.App)
		want   int // handshakes for this save
	}{
		{"mode", func(p *kefu.PushConfig, _ *kefu.App) {
			p.Mode, p.EncodingAESKey = kefu.PushSafe, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
		}, 1},
		{"format", func(p *kefu.PushConfig, _ *kefu.App) { p.Format = kefu.PushJSON }, 1},
		{"EncodingAESKey", func(p *kefu.PushConfig, _ *kefu.App) {
			p.EncodingAESKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"
		}, 1},
		{"token", func(p *kefu.PushConfig, _ *kefu.App) { p.Token = "token2" }, 1},
		{"URL", func(p *kefu.PushConfig, _ *kefu.App) { p.URL = "http://developer.example/push2" }, 1},
		{"the name only", func(_ *kefu.PushConfig, a *kefu.App) { a.Name = "Green tea" }, 0},
	} {
		cur, err := f.eng.App(f.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		next := *cur
		tc.change(&next.Push, &next)
		before := handshakes
		if err := f.eng.SaveApp(f.ctx, &next); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := handshakes - before; got != tc.want {
			t.Errorf("changing %s ran %d handshakes, want %d", tc.name, got, tc.want)
		}
	}
}
