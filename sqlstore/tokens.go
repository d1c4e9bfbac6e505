package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

// PutAccessToken stores a token and retires older ones of the same kind by retireAt.
func (t *txn) PutAccessToken(ctx context.Context, tok *kefu.AccessToken, retireAt time.Time) error {
	if _, err := t.exec(ctx, `UPDATE access_tokens SET expires_at = ? WHERE app_id = ? AND stable = ? AND expires_at > ?`,
		ms(retireAt), tok.AppID, tok.Stable, ms(retireAt)); err != nil {
		return fmt.Errorf("sqlstore: retire access tokens: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM access_tokens WHERE app_id = ? AND stable = ? AND expires_at < ?`, tok.AppID, tok.Stable, ms(tok.CreatedAt)); err != nil {
		return fmt.Errorf("sqlstore: prune access tokens: %w", err)
	}
	_, err := t.exec(ctx, `INSERT INTO access_tokens (hash, nonce, app_id, stable, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tok.Hash, t.seal(tok.Nonce, "access_tokens", "nonce", tok.Hash), tok.AppID, tok.Stable, ms(tok.ExpiresAt), ms(tok.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put access token: %w", err)
	}
	return nil
}

const tokenColumns = `hash, nonce, app_id, stable, expires_at, created_at`

func (r *reader) scanToken(s scanner) (*kefu.AccessToken, error) {
	var tok kefu.AccessToken
	var expires, created int64
	if err := s.Scan(&tok.Hash, &tok.Nonce, &tok.AppID, &tok.Stable, &expires, &created); err != nil {
		return nil, err
	}
	nonce, err := r.open(tok.Nonce, "access_tokens", "nonce", tok.Hash)
	if err != nil {
		return nil, err
	}
	tok.Nonce = nonce
	tok.ExpiresAt, tok.CreatedAt = fromMS(expires), fromMS(created)
	return &tok, nil
}

// AccessToken finds an unexpired token by hash.
func (r *reader) AccessToken(ctx context.Context, hash string, now time.Time) (*kefu.AccessToken, error) {
	tok, err := r.scanToken(r.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE hash = ? AND expires_at > ?`, hash, ms(now)))
	if err != nil {
		return nil, notFound(err, "read access token")
	}
	return tok, nil
}

// LatestAccessToken finds the newest unexpired token of an app and kind.
func (r *reader) LatestAccessToken(ctx context.Context, appID string, stable bool, now time.Time) (*kefu.AccessToken, error) {
	tok, err := r.scanToken(r.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE app_id = ? AND stable = ? AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`, appID, stable, ms(now)))
	if err != nil {
		return nil, notFound(err, "read access token")
	}
	return tok, nil
}
