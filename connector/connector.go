// Package connector connects Kefu to real mini programs on WeChat (apps
// with a kefu.Upstream). WeChat pushes a mini program's messages to
// /connect/{appid}: the endpoint verifies, decrypts and stores them through
// the engine — the same Identify, EnterOnce and Receive as every channel,
// so the session rules, and the relay to the developer's own backend
// (App.Push), are those of Kefu's own apps. Everything Kefu sends a
// connected customer waits in the engine's outbound queue; the Worker here
// delivers it with WeChat's send API, with one access token per app shared
// by every node (stable_token, never /cgi-bin/token, which would
// invalidate the token the developer's backend holds).
//
// The package talks to the engine only; see docs/connect.md.
package connector

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/wechat"
)

// Config tunes the connector. Zero fields take the defaults.
type Config struct {
	// HTTPClient calls WeChat (default: keep-alive, no redirects, through
	// netguard: see guard.go).
	HTTPClient *http.Client
	// CallTimeout bounds one call to WeChat (default 10 s).
	CallTimeout time.Duration
	// MaxSkew is how far a push's timestamp may be from the engine's clock
	// (default 5 minutes): older pushes are replays.
	MaxSkew time.Duration
	// MaxBodyBytes bounds a push body (default 1 MiB).
	MaxBodyBytes int64
	// RetryDelay is the wait before the second try of a send; it doubles
	// for each further try, up to MaxRetryDelay (defaults 1 s and 1 min).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// MaxTries is how many times a send is tried before it is marked
	// failed when WeChat stays unreachable (default 10).
	MaxTries int
	// Concurrency is how many sends may be in flight at once (default 16).
	Concurrency int
	// PollInterval is how often the queue is looked at when nothing woke
	// the worker (default 1 s).
	PollInterval time.Duration
}

// Connector is the /connect endpoint and the outbound worker of one node.
type Connector struct {
	eng   *engine.Engine
	read  kefu.Reader // the messages and media it sends
	clock kefu.Clock
	cfg   Config
	log   *slog.Logger

	wake   chan struct{}
	sem    chan struct{}
	typing chan engine.TypingChange

	typedMu sync.Mutex
	typed   map[int64]time.Time // conversation → when Typing was last sent

	// convs remembers the conversation of each openid: it never changes
	// once made, and finding it took two reads of every push.
	convsMu sync.RWMutex
	convs   map[userKey]int64
}

// userKey is a customer of a connected app.
type userKey struct{ appID, openID string }

// maxRemembered bounds convs; beyond it an arbitrary entry is dropped.
const maxRemembered = 100_000

// New returns a connector; serve it at /connect/{appid} and start its
// worker with Run.
func New(eng *engine.Engine, read kefu.Reader, cfg Config, log *slog.Logger) *Connector {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 10 * time.Second
	}
	if cfg.MaxSkew <= 0 {
		cfg.MaxSkew = 5 * time.Minute
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = wechat.DefaultMaxPushBytes
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Second
	}
	if cfg.MaxRetryDelay <= 0 {
		cfg.MaxRetryDelay = time.Minute
	}
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = 10
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		cfg.HTTPClient = &http.Client{Transport: guardedTransport(tr), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Connector{eng: eng, read: read, clock: eng.Clock(), cfg: cfg, log: log,
		wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.Concurrency),
		typing: make(chan engine.TypingChange, 256), typed: map[int64]time.Time{}, convs: map[userKey]int64{}}
	eng.OnUpstreamEnqueued(c.Wake)
	eng.OnTyping(c.onTyping)
	return c
}

// Path is where the endpoint is mounted; {appid} is the connected app.
const Path = "/connect/{appid}"

// URL is the push URL to paste into WeChat's console for an app.
func URL(publicURL, appID string) string { return publicURL + "/connect/" + appID }

// Endpoint is the push configuration WeChat uses towards Kefu for a
// connected app (nil Upstream: an error).
func Endpoint(app *kefu.App) (wechat.Endpoint, error) {
	up := app.Upstream
	if up == nil {
		return wechat.Endpoint{}, kefu.Errorf(kefu.ENOTFOUND, "app %s is not connected to a mini program", app.ID)
	}
	mode, err := wechat.ParseMode(string(up.Mode))
	if err != nil {
		return wechat.Endpoint{}, err
	}
	format, err := wechat.ParseFormat(string(up.Format))
	if err != nil {
		return wechat.Endpoint{}, err
	}
	return wechat.Endpoint{Token: up.Token, EncodingAESKey: up.EncodingAESKey, AppID: app.ID, OriginalID: app.OriginalID,
		Mode: mode, Format: format}, nil
}

// client is a WeChat API client for a connected app, taking its token from
// the store shared by every node.
func (c *Connector) client(app *kefu.App) *wechat.Client {
	opts := []wechat.ClientOption{wechat.WithBaseURL(app.Upstream.BaseURL), wechat.WithHTTPClient(c.appHTTP(app)), wechat.WithStableToken()}
	raw := wechat.NewClient(app.ID, app.Secret, opts...)
	ts := &tokenSource{eng: c.eng, appID: app.ID, fetch: func(ctx context.Context) (string, time.Duration, error) {
		resp, err := raw.FetchToken(ctx)
		if err != nil {
			return "", 0, err
		}
		return resp.AccessToken, time.Duration(resp.ExpiresIn) * time.Second, nil
	}}
	return wechat.NewClient(app.ID, app.Secret, append(opts, wechat.WithTokenSource(ts))...)
}

// tokenSource is a wechat.TokenSource over the engine's shared token.
type tokenSource struct {
	eng   *engine.Engine
	appID string
	fetch engine.TokenFetch
}

func (t *tokenSource) Token(ctx context.Context) (string, error) {
	return t.eng.UpstreamToken(ctx, t.appID, "", t.fetch)
}

func (t *tokenSource) Refresh(ctx context.Context, rejected string) (string, error) {
	return t.eng.UpstreamToken(ctx, t.appID, rejected, t.fetch)
}
