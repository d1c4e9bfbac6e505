package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kefuhq/kefu"
)

// Access token rules (WeChat's): two hours of life, and a new token leaves
// the previous ones of its kind five more minutes.
const (
	AccessTokenLifetime = 7200 * time.Second
	AccessTokenOverlap  = 5 * time.Minute
)

// IssueAccessToken returns a /cgi-bin access token record of an app. With
// reuse, the newest token of the kind is returned again while more than the
// overlap is left of its life; otherwise a new one is stored (by hash, the
// hash of the token made from its nonce) and the older ones of the kind
// retire after the overlap.
func (e *Engine) IssueAccessToken(ctx context.Context, appID string, stable, reuse bool, hash func(nonce string) string) (*kefu.AccessToken, error) {
	var at *kefu.AccessToken
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		if reuse {
			cur, err := tx.LatestAccessToken(ctx, appID, stable, now)
			if err == nil && cur.ExpiresAt.Sub(now) > AccessTokenOverlap {
				at = cur
				return nil
			}
			if err != nil && !errors.Is(err, kefu.ErrNotFound) {
				return err
			}
		}
		at = &kefu.AccessToken{Nonce: NewMediaID(), AppID: appID, Stable: stable,
			ExpiresAt: now.Add(AccessTokenLifetime), CreatedAt: now}
		at.Hash = hash(at.Nonce)
		return tx.PutAccessToken(ctx, at, now.Add(AccessTokenOverlap))
	})
	if err != nil {
		return nil, err
	}
	return at, nil
}
