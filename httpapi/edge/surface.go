// Package edge is what every HTTP surface of Kefu does at its edge, once:
// it maps domain errors to statuses and one JSON error shape, decodes JSON
// bodies and uploads within limits, signs tokens, keeps agents signed in
// with a cookie and a CSRF token, vouches for customers with client
// tokens, hashes passwords, sets security headers and counts requests.
// The surfaces (cgibin, clientapi, deskapi, admin, live) are built on it;
// it holds no business rules.
package edge

import (
	"log/slog"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// Config holds the settings every surface shares.
type Config struct {
	// PublicURL is where browsers and developers reach Kefu, e.g.
	// https://kefu.example (used in links such as image PicUrls).
	PublicURL string
	// MaxBodyBytes limits JSON and XML request bodies.
	MaxBodyBytes int64
	// MaxUploadBytes limits uploaded media.
	MaxUploadBytes int64
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// Limits are the abuse limits (zero fields: the defaults).
	Limits Limits
}

// Surface is what every HTTP surface holds: the engine (the only door to
// changes and to reads that carry a rule), a read-only view of the store
// for what is only shown, the engine's clock, the server's key, the shared
// settings and metrics. A surface embeds it.
type Surface struct {
	Engine  *engine.Engine
	Read    kefu.Reader
	Clock   kefu.Clock
	Log     *slog.Logger
	Key     []byte // signs tokens and cookies (32 bytes)
	Config  Config
	Metrics *Metrics
}
