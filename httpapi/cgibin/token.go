package cgibin

import (
	"context"
	"crypto/hmac"
	"errors"
	"net/http"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/wechat"
)

// cgiToken is GET /cgi-bin/token?grant_type=client_credential&appid=&secret=.
// Every call issues a new token; the app's previous ones stay valid for
// five more minutes.
func (s *Server) cgiToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	app, err := s.tokenApp(r.Context(), q.Get("grant_type"), q.Get("appid"), q.Get("secret"))
	if err != nil {
		s.writeCGIError(w, r, callToken, err)
		return
	}
	tok, at, err := s.issueAccessToken(r.Context(), app.ID, false, false)
	if err != nil {
		s.writeCGIError(w, r, callToken, err)
		return
	}
	writeCGI(w, s.tokenResponse(tok, at))
}

// cgiStableToken is POST /cgi-bin/stable_token. Stable tokens are
// separate from /cgi-bin/token's: neither retires the other. Without
// force_refresh the current stable token is answered again (with what is
// left of its life) until its last five minutes, when a new one is issued;
// force_refresh always issues a new one, and the old one retires five
// minutes later.
func (s *Server) cgiStableToken(w http.ResponseWriter, r *http.Request) {
	var req wechat.StableTokenRequest
	if err := decodeCGI(w, r, s.Config.MaxBodyBytes, &req); err != nil {
		s.writeCGIError(w, r, callToken, err)
		return
	}
	app, err := s.tokenApp(r.Context(), req.GrantType, req.AppID, req.Secret)
	if err != nil {
		s.writeCGIError(w, r, callToken, err)
		return
	}
	tok, at, err := s.issueAccessToken(r.Context(), app.ID, true, !req.ForceRefresh)
	if err != nil {
		s.writeCGIError(w, r, callToken, err)
		return
	}
	writeCGI(w, s.tokenResponse(tok, at))
}

// tokenApp checks the credentials of a token call, in WeChat's order:
// grant_type (40002), appid (40013), secret (40001).
func (s *Server) tokenApp(ctx context.Context, grantType, appID, secret string) (*kefu.App, error) {
	if grantType != wechat.GrantTypeClientCredential {
		return nil, cgiError(wechat.CodeInvalidGrantType, "")
	}
	if appID == "" {
		return nil, cgiError(wechat.CodeInvalidAppID, "appid is missing")
	}
	app, err := s.Read.App(ctx, appID)
	if errors.Is(err, kefu.ErrNotFound) {
		return nil, cgiError(wechat.CodeInvalidAppID, "")
	}
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(secret), []byte(app.Secret)) {
		return nil, cgiError(wechat.CodeInvalidCredential, "invalid appsecret")
	}
	return app, nil
}

// issueAccessToken returns a token of the app. With reuse, the newest
// token of the kind is returned again while more than the overlap is left
// of its life; otherwise a new one is stored and the older ones of the
// kind retire after the overlap.
func (s *Server) issueAccessToken(ctx context.Context, appID string, stable, reuse bool) (string, *kefu.AccessToken, error) {
	at, err := s.Engine.IssueAccessToken(ctx, appID, stable, reuse, func(nonce string) string { return accessTokenHash(s.accessTokenOf(nonce)) })
	if err != nil {
		return "", nil, err
	}
	return s.accessTokenOf(at.Nonce), at, nil
}

// tokenResponse answers a token call with the seconds the token has left.
func (s *Server) tokenResponse(tok string, at *kefu.AccessToken) wechat.TokenResponse {
	left := int64(at.ExpiresAt.Sub(s.Clock.Now()).Round(time.Second) / time.Second)
	return wechat.TokenResponse{AccessToken: tok, ExpiresIn: max(left, 0)}
}
