package wechat

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"time"
)

// DefaultMaxPushBytes bounds the body a Handler reads: pushes are a few
// hundred bytes. It equals DefaultMaxBodyBytes.
const DefaultMaxPushBytes = DefaultMaxBodyBytes

// Handler serves a mini program's push URL for a developer. It answers the
// URL verification GET, and for each POST verifies the signature
// (msg_signature when encrypted), decrypts, decodes, drops retries of a push
// already handled, calls OnMessage, and writes its answer in the push's own
// format and mode: a transfer reply is encrypted exactly when the push was
// (encrypt_type=aes; so in compatible mode a plaintext push gets a
// plaintext answer). Configure the fields, then do not change them while
// serving.
type Handler struct {
	Endpoint

	// Dedupe recognises retries by Message.DedupeKey; a retry is answered
	// "success" without calling OnMessage. Nil disables deduplication;
	// NewHandler sets a MemoryDedupe.
	Dedupe DedupeCache

	// OnMessage handles one push and says how to answer it. Answer within
	// WeChat's 5 seconds: a late answer is dropped and the push retried,
	// and the retry is answered "success". An error answers HTTP 500 so
	// that WeChat retries, and (with a DedupeForgetter) lets the retry call
	// OnMessage again. Nil answers every push "success".
	OnMessage func(ctx context.Context, m *Message) (ReplyKind, error)

	// Logger receives every refused request, once, at warn level with the
	// reason (never the token, keys or signatures), and failed callbacks at
	// error level; nil means slog.Default().
	Logger *slog.Logger

	// MaxBodyBytes bounds the request body; 0 means DefaultMaxPushBytes.
	// A longer body is answered 413.
	MaxBodyBytes int64

	// MaxClockSkew, when positive, refuses pushes whose timestamp is
	// further than this from Now (403); see PushOptions.MaxClockSkew.
	MaxClockSkew time.Duration

	// Now is the clock for MaxClockSkew; nil means time.Now.
	Now func() time.Time
}

// NewHandler returns a Handler for e that calls onMessage once per push,
// deduplicating retries in memory for DefaultDedupeTTL.
func NewHandler(e Endpoint, onMessage func(ctx context.Context, m *Message) (ReplyKind, error)) *Handler {
	return &Handler{Endpoint: e, Dedupe: NewMemoryDedupe(DefaultDedupeTTL), OnMessage: onMessage}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.serveVerification(w, r)
	case http.MethodPost:
		h.servePush(w, r)
	default:
		h.logger().Warn("wechat: request refused: method not allowed", "status", http.StatusMethodNotAllowed, "method", r.Method, "remote", r.RemoteAddr)
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// serveVerification answers WeChat's URL verification: echostr, unchanged,
// when the signature is right (in every mode).
func (h *Handler) serveVerification(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	echostr := q.Get("echostr")
	if echostr == "" {
		h.logger().Warn("wechat: URL verification refused: no echostr", "status", http.StatusBadRequest, "remote", r.RemoteAddr)
		http.Error(w, "missing echostr: this URL answers WeChat's verification GET and push POSTs", http.StatusBadRequest)
		return
	}
	if h.Token == "" || !VerifySignature(h.Token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
		h.logger().Warn("wechat: URL verification refused: signature mismatch", "status", http.StatusForbidden, "remote", r.RemoteAddr)
		http.Error(w, "signature mismatch", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff") // echostr is reflected
	io.WriteString(w, echostr)
}

func (h *Handler) servePush(w http.ResponseWriter, r *http.Request) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxPushBytes
	}
	limit = min(limit, math.MaxInt) // int is 32 bits on some platforms
	opts := PushOptions{MaxBodyBytes: int(limit), MaxClockSkew: h.MaxClockSkew, Now: h.Now}
	q := r.URL.Query()
	m, f, err := ReadPush(h.Endpoint, r, opts)
	if err != nil {
		status := http.StatusBadRequest
		switch {
		case errors.Is(err, ErrTooLarge):
			status = http.StatusRequestEntityTooLarge
		case errors.Is(err, ErrSignature), errors.Is(err, ErrTimestamp):
			status = http.StatusForbidden
		}
		h.logger().Warn("wechat: push refused", "status", status, "reason", err, "remote", r.RemoteAddr)
		http.Error(w, err.Error(), status)
		return
	}

	key := m.DedupeKey()
	if h.Dedupe != nil && h.Dedupe.Seen(key) {
		writeReply(w, ReplySuccess, f, []byte("success"))
		return
	}
	kind := ReplySuccess
	if h.OnMessage != nil {
		kind, err = h.OnMessage(r.Context(), m)
		if err != nil {
			if forgetter, ok := h.Dedupe.(DedupeForgetter); ok {
				forgetter.Forget(key)
			}
			h.logger().Error("wechat: push callback failed", "err", err, "msgtype", m.MsgType, "key", key)
			http.Error(w, "push handler failed", http.StatusInternalServerError)
			return
		}
	}
	reply, err := EncodeReply(h.Endpoint, kind, m, f, IsEncrypted(q))
	if err != nil {
		h.logger().Error("wechat: encoding the reply failed", "err", err, "reply", kind)
		http.Error(w, "encoding the reply failed", http.StatusInternalServerError)
		return
	}
	writeReply(w, kind, f, reply)
}

// writeReply sets the headers, then the status, then the body, in that
// order: headers set after WriteHeader are silently lost.
func writeReply(w http.ResponseWriter, kind ReplyKind, f Format, body []byte) {
	if kind == ReplyTransfer {
		w.Header().Set("Content-Type", f.ContentType())
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}
