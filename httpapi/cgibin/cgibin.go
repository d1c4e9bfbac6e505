// Package cgibin is Kefu's WeChat-compatible /cgi-bin surface: access
// tokens, sending and typing, temporary media — so that a developer's
// existing WeChat SDK works against Kefu by changing its base URL. It
// answers in WeChat's shape (HTTP 200, errcode and errmsg), never in the
// JSON error shape of Kefu's own APIs. See docs/cgi-bin.md.
package cgibin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/wechat"
)

// Server serves /cgi-bin.
type Server struct {
	edge.Surface
}

// New returns the /cgi-bin surface.
func New(s edge.Surface) *Server { return &Server{Surface: s} }

// Routes mounts /cgi-bin. The surface speaks WeChat's API (docs/wechat.md), so that a
// developer's existing SDK works against Kefu by changing its base URL.
// Every answer is HTTP 200 with WeChat's {"errcode","errmsg"} on failure,
// as WeChat does, never the client API's error shape. See docs/cgi-bin.md.
func (s *Server) Routes(mux edge.RouteMux) {
	routes := []struct {
		method, path string
		h            http.HandlerFunc
	}{
		{http.MethodGet, "/cgi-bin/token", s.cgiToken},
		{http.MethodPost, "/cgi-bin/stable_token", s.cgiStableToken},
		{http.MethodPost, "/cgi-bin/message/custom/send", s.withAccessToken(callSend, s.cgiSend)},
		{http.MethodPost, "/cgi-bin/message/custom/business/send", s.withAccessToken(callSend, s.cgiSend)},
		{http.MethodPost, "/cgi-bin/message/custom/typing", s.withAccessToken(callTyping, s.cgiTyping)},
		{http.MethodPost, "/cgi-bin/message/custom/business/typing", s.withAccessToken(callTyping, s.cgiTyping)},
		{http.MethodPost, "/cgi-bin/media/upload", s.withAccessToken(callUpload, s.cgiUpload)},
		{http.MethodGet, "/cgi-bin/media/get", s.withAccessToken(callMediaGet, s.cgiMediaGet)},
		{http.MethodPost, "/cgi-bin/kefu/customer/attributes", s.withAccessToken(callSend, s.cgiCustomerAttributes)},
	}
	methods := map[string]string{}
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.path, rt.h)
		methods[rt.path] = rt.method
	}
	mux.HandleFunc("/cgi-bin/", func(w http.ResponseWriter, r *http.Request) {
		switch methods[r.URL.Path] {
		case http.MethodGet:
			writeCGI(w, cgiError(codeRequireGET, ""))
		case http.MethodPost:
			writeCGI(w, cgiError(codeRequirePOST, ""))
		default:
			writeCGI(w, cgiError(wechat.CodeAPIUnauthorized, "Kefu does not offer "+r.URL.Path))
		}
	})
}

// WeChat errcodes that /cgi-bin answers and package wechat does not name:
// they concern HTTP mechanics and limits rather than customer service.
const (
	codeRequireGET  = 43001 // "require GET method"
	codeRequirePOST = 43002 // "require POST method"
	codeMediaSize   = 40006 // "invalid media size": an upload over the limit
	codeContentSize = 45002 // "content size out of limit": a message or body too long
)

// cgiError returns WeChat's error for code, with detail after its errmsg
// (WeChat too appends hints to errmsg; SDKs branch on errcode only).
func cgiError(code int, detail string) *wechat.APIError {
	msg := wechat.ErrorMessage(code)
	switch code {
	case codeRequireGET:
		msg = "require GET method"
	case codeRequirePOST:
		msg = "require POST method"
	case codeMediaSize:
		msg = "invalid media size"
	case codeContentSize:
		msg = "content size out of limit"
	}
	if detail != "" && detail != msg {
		msg += ": " + detail
	}
	return &wechat.APIError{Code: code, Msg: msg}
}

// cgiCall names a /cgi-bin call, because the same domain error means a
// different errcode in different calls (EWINDOW is 45015 for a send but
// 45080 for typing).
type cgiCall int

const (
	callToken cgiCall = iota
	callSend
	callTyping
	callUpload
	callMediaGet
)

// errcodeOf turns an error into WeChat's error for call — the only place
// that maps Kefu's error codes to errcodes. An *wechat.APIError made by a
// handler passes through as it is.
func errcodeOf(call cgiCall, err error) *wechat.APIError {
	var apiErr *wechat.APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	detail := kefu.ErrorMessage(err)
	code := wechat.CodeSystemBusy
	switch kefu.ErrorCode(err) {
	case kefu.EWINDOW:
		code = wechat.CodeResponseOutOfTime
		if call == callTyping {
			code = wechat.CodeTypingNoExchange
		}
	case kefu.EQUOTA:
		code = wechat.CodeOutOfResponseCount
	case kefu.ECONFLICT:
		if call == callTyping {
			code = wechat.CodeTypingAlready
		}
	case kefu.ECHANNEL:
		code = wechat.CodeInvalidSendType
	case kefu.EUNAUTHORIZED:
		code = wechat.CodeInvalidCredential
	case kefu.ENOTFOUND:
		switch call {
		case callToken:
			code = wechat.CodeInvalidAppID
		case callSend, callTyping:
			code = wechat.CodeInvalidOpenID
		case callUpload, callMediaGet:
			code = wechat.CodeInvalidMediaID
		}
	case kefu.ETOOLARGE:
		switch call {
		case callUpload:
			code = codeMediaSize
		case callSend:
			code = codeContentSize
		default:
			code = wechat.CodeDataFormatError
		}
	case kefu.EINVALID:
		switch call {
		case callUpload:
			code = wechat.CodeInvalidMediaType
		case callMediaGet:
			code = wechat.CodeInvalidMediaID
		default:
			code = wechat.CodeDataFormatError
		}
	}
	if code == wechat.CodeSystemBusy {
		detail = ""
	}
	return cgiError(code, detail)
}

// writeCGI answers in WeChat's shape: always HTTP 200, JSON.
func writeCGI(w http.ResponseWriter, v any) {
	if e, ok := v.(*wechat.APIError); ok {
		v = e.Response()
	}
	edge.WriteJSON(w, http.StatusOK, v)
}

// writeCGIError answers err as call's errcode. What maps to -1 (system
// error) is logged: it is a failure of Kefu, not of the request.
func (s *Server) writeCGIError(w http.ResponseWriter, r *http.Request, call cgiCall, err error) {
	e := errcodeOf(call, err)
	if e.Code == wechat.CodeSystemBusy {
		s.Log.Error("cgi-bin request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if call == callMediaGet {
		// WeChat answers media/get's errors as text/plain, and clients
		// (wechat-api among them) recognise an error — and refresh their
		// token on 40001 — only by that type: application/json with a
		// charset would reach them as the image's bytes.
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(e.Response())
		return
	}
	writeCGI(w, e)
}

// WriteBusy answers WeChat's errcode -1 ("system busy, retry later"), for
// a request that failed inside Kefu.
func WriteBusy(w http.ResponseWriter) { writeCGI(w, cgiError(wechat.CodeSystemBusy, "")) }

// writeCGIOK answers {"errcode":0,"errmsg":"ok"}.
func writeCGIOK(w http.ResponseWriter) {
	writeCGI(w, wechat.ErrorResponse{ErrCode: wechat.CodeOK, ErrMsg: wechat.ErrorMessage(wechat.CodeOK)})
}

// decodeCGI reads a JSON body of at most limit bytes into v: an empty body
// is 44002; malformed JSON and wrong types are EINVALID (47001), too large
// ETOOLARGE — both explained by edge's strict JSON decoding (a name given
// twice, invalid UTF-8, a wrong type and a name that differs from a
// field's only by case are all 47001; unknown names are ignored, as
// WeChat does).
func decodeCGI(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return edge.JSONError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return cgiError(wechat.CodeEmptyPostData, "")
	}
	return edge.UnmarshalCGI(body, v)
}

// cgiHandler is a /cgi-bin handler for a caller with a valid access token
// of the app appID.
type cgiHandler func(w http.ResponseWriter, r *http.Request, appID string)

// withAccessToken checks the access_token query parameter: missing is
// 41001; never issued, or replaced by a newer token of its kind (and the
// five minutes of overlap are over), is 40001; the newest token of its
// kind past its two hours is 42001.
func (s *Server) withAccessToken(call cgiCall, h cgiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		appID, err := s.checkAccessToken(r.Context(), r.URL.Query().Get("access_token"))
		if err != nil {
			s.writeCGIError(w, r, call, err)
			return
		}
		h(w, r, appID)
	}
}

// accessTokenOf computes the token of a stored nonce. Tokens are never
// stored: only their hash is, so a stolen database holds no usable token.
func (s *Server) accessTokenOf(nonce string) string {
	return s.Sign("access_token", []byte(nonce))
}

func accessTokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func (s *Server) checkAccessToken(ctx context.Context, tok string) (string, error) {
	if tok == "" {
		return "", cgiError(wechat.CodeAccessTokenMissing, "")
	}
	// Look up expired rows too (a zero time expires nothing), to tell a
	// token that ran out from one that never was.
	at, err := s.Read.AccessToken(ctx, accessTokenHash(tok), time.Time{})
	if errors.Is(err, kefu.ErrNotFound) {
		return "", cgiError(wechat.CodeInvalidCredential, "")
	}
	if err != nil {
		return "", err
	}
	if now := s.Clock.Now(); !now.Before(at.ExpiresAt) {
		latest, err := s.Read.LatestAccessToken(ctx, at.AppID, at.Stable, time.Time{})
		if err != nil && !errors.Is(err, kefu.ErrNotFound) {
			return "", err
		}
		if err == nil && latest.Hash == at.Hash {
			return "", cgiError(wechat.CodeAccessTokenExpired, "")
		}
		// A newer token has replaced it: "not latest".
		return "", cgiError(wechat.CodeInvalidCredential, "")
	}
	return at.AppID, nil
}
