package wechat

import (
	"context"
	"fmt"
)

// TokenSource supplies a Client's access tokens instead of its own
// in-memory cache: for example one token shared by several processes
// through a database.
type TokenSource interface {
	// Token returns a valid access token.
	Token(ctx context.Context) (string, error)
	// Refresh returns a token other than rejected, which WeChat has just
	// refused (40001, 40014 or 42001).
	Refresh(ctx context.Context, rejected string) (string, error)
}

// WithTokenSource makes the Client take its access tokens from ts.
func WithTokenSource(ts TokenSource) ClientOption {
	return func(c *Client) { c.source = ts }
}

// FetchToken asks WeChat for an access token, bypassing the Client's cache
// and token source: /cgi-bin/stable_token (force_refresh false) with
// WithStableToken, /cgi-bin/token otherwise. It is what a TokenSource calls.
func (c *Client) FetchToken(ctx context.Context) (*TokenResponse, error) {
	resp, err := c.fetchToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("wechat: fetch token: %w", err)
	}
	return resp, nil
}
