package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"math/big"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/netguard"
)

// CreateApp adds a mini program. A push URL is verified with WeChat's
// handshake first; a URL that fails is refused with the reason. Admins'
// open workspaces are told (EventApp), so they start listening to it.
func (e *Engine) CreateApp(ctx context.Context, a *kefu.App) error {
	if a.Push.Mode == "" {
		a.Push.Mode = kefu.PushSafe
	}
	if a.Push.Format == "" {
		a.Push.Format = kefu.PushJSON
	}
	if a.IdentitySecret == "" {
		a.IdentitySecret = NewSecret(32)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := e.verifyPush(ctx, a.Push); err != nil {
		return err
	}
	a.CreatedAt = e.now()
	// (Nothing to forget: the cache keeps no failed reads.)
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.CreateApp(ctx, a); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "app.create", "app", a.ID, map[string]any{"name": a.Name})
	})
	if err != nil {
		return err
	}
	e.publish(&Event{Type: EventApp, AppID: a.ID})
	return nil
}

// SaveApp changes a mini program's settings. When anything of the push
// configuration changes — URL, token, EncodingAESKey, mode, format or
// whether private addresses are allowed — the
// handshake runs again, as WeChat's console runs it on every save, so a
// developer's server that no longer answers is noticed before pushes fail;
// when the EncodingAESKey changes, the old key is kept for decrypting
// replies made with it.
func (e *Engine) SaveApp(ctx context.Context, a *kefu.App) error {
	old, err := e.app(ctx, a.ID)
	if err != nil {
		return err
	}
	if a.Push.EncodingAESKey != old.Push.EncodingAESKey && old.Push.EncodingAESKey != "" {
		a.Push.PreviousAESKey = old.Push.EncodingAESKey
	}
	if err := a.Validate(); err != nil {
		return err
	}
	if a.Push.URL != old.Push.URL || a.Push.Token != old.Push.Token || a.Push.EncodingAESKey != old.Push.EncodingAESKey ||
		a.Push.Mode != old.Push.Mode || a.Push.Format != old.Push.Format || a.Push.AllowPrivate != old.Push.AllowPrivate {
		if err := e.verifyPush(ctx, a.Push); err != nil {
			return err
		}
	}
	a.CreatedAt = old.CreatedAt
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.SaveApp(ctx, a); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "app.edit", "app", a.ID, map[string]any{"name": a.Name, "push_url": a.Push.URL, "identity_secret_changed": a.IdentitySecret != old.IdentitySecret})
	})
	forget(e.cache, e.cache.apps, a.ID)
	return err
}

// verifyPush runs the URL handshake and phrases a failure for the person
// saving the URL.
func (e *Engine) verifyPush(ctx context.Context, p kefu.PushConfig) error {
	if p.URL == "" {
		return nil
	}
	// Refused now, in a sentence, and again when connecting (package
	// netguard), since a name may resolve elsewhere later.
	if err := netguard.CheckURL(ctx, nil, p.URL, p.AllowPrivate); err != nil {
		var refused *netguard.RefusedError
		if errors.As(err, &refused) {
			return kefu.Errorf(kefu.EINVALID, "the push URL is refused: %s is %s; allow private addresses for this app to push there",
				refused.IP, refused.What)
		}
		return kefu.Errorf(kefu.EINVALID, "push URL: %v", err)
	}
	if e.cfg.VerifyPushURL == nil {
		return nil
	}
	if err := e.cfg.VerifyPushURL(netguard.AllowPrivate(ctx, p.AllowPrivate), p.URL, p.Token); err != nil {
		var ke *kefu.Error
		if errors.As(err, &ke) {
			return err
		}
		return kefu.Errorf(kefu.EINVALID, "the push URL failed WeChat's verification handshake: %v", err)
	}
	return nil
}

// NewSecret returns n random bytes as hex.
func NewSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewAlnum returns n random letters and digits (an EncodingAESKey is 43).
func NewAlnum(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alnum)))
	for i := range b {
		v, _ := rand.Int(rand.Reader, max)
		b[i] = alnum[v.Int64()]
	}
	return string(b)
}
