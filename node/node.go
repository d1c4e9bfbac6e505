// Package node assembles one Kefu process from its parts — store, bus,
// engine, push worker, HTTP server, demo — and runs and stops it
// gracefully. `kefu serve` and the test harness (package kefutest) both
// start Kefu through it, so tests run exactly what production runs.
package node

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi"
	"github.com/kefuhq/kefu/netguard"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/richtext"
	"github.com/kefuhq/kefu/sqlstore"
	"github.com/kefuhq/kefu/web"
	"github.com/kefuhq/kefu/wechat"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Config is everything a Kefu process can be told.
type Config struct {
	Addr      string // listen address (default 127.0.0.1:8080)
	DataDir   string // SQLite database directory (default ./kefu-data)
	DB        string // PostgreSQL DSN; when set, used instead of SQLite
	NATS      string // NATS URL for several nodes; empty: in-process bus
	PublicURL string // how browsers and developers reach this node (default http://Addr)
	// Bus, when set, is used instead of NATS or an in-process bus, and is
	// not closed by the node (tests give several nodes one bus).
	Bus bus.Bus
	// Demo creates, on first start, a demo mini program with the built-in
	// demo developer hook, and an admin account.
	Demo   bool
	Clock  kefu.Clock
	Log    *slog.Logger
	Engine engine.Config
	Push   push.Config
	HTTP   httpapi.Config
	Store  sqlstore.Options
	// ReadTimeout bounds reading a whole request, body included (default
	// DefaultReadTimeout), so a body trickled a byte at a time cannot hold
	// a connection forever. WebSockets are not bound by it once upgraded.
	ReadTimeout time.Duration

	// Connect tunes the connection to real mini programs (package connector).
	Connect connector.Config
	// TLSCert and TLSKey, when both set, make the node serve HTTPS (WeChat
	// pushes only to https URLs) from these PEM files.
	TLSCert, TLSKey string
	// SecretKeys (base64 keys, comma-separated, the first encrypting) or
	// else SecretKeyFile (default: secret.key in DataDir, created on first
	// start) encrypt the secrets in the store; see secrets.go.
	SecretKeys, SecretKeyFile string
}

// DefaultReadTimeout is how long a client has to send a whole request: a
// 10 MiB upload at 200 KB/s fits.
const DefaultReadTimeout = time.Minute

// Node is a running Kefu.
type Node struct {
	cfg    Config
	Store  *sqlstore.Store
	Bus    bus.Bus
	Engine *engine.Engine
	Pusher *push.Worker
	HTTP   *httpapi.Server
	Demo   *Demo // what the first start created, if anything
	// Connector serves /connect/{appid} and sends to connected customers.
	Connector *connector.Connector

	ln     net.Listener
	srv    *http.Server
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Open builds a node: it opens (and migrates) the store, loads or creates
// the server key, and on a first start with Demo creates the demo. It
// listens on cfg.Addr but serves nothing until Start.
func Open(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "kefu-data"
	}
	if cfg.Clock == nil {
		cfg.Clock = kefu.SystemClock{}
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if cfg.PublicURL == "" {
		scheme := "http://"
		if cfg.TLSCert != "" && cfg.TLSKey != "" {
			scheme = "https://"
		}
		cfg.PublicURL = scheme + ln.Addr().String()
	}
	n := &Node{cfg: cfg, ln: ln}
	if err := n.open(ctx); err != nil {
		ln.Close()
		n.closeParts()
		return nil, err
	}
	return n, nil
}

func (n *Node) open(ctx context.Context) error {
	cfg := &n.cfg
	dsn := cfg.DB
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "kefu.db")
	}
	var err error
	if n.Store, err = openStore(cfg, func(k *sqlstore.Keyring) (*sqlstore.Store, error) {
		o := cfg.Store
		o.Keys = k
		return sqlstore.Open(ctx, dsn, o)
	}); err != nil {
		return err
	}
	if cfg.Bus != nil {
		n.Bus = cfg.Bus
	} else if cfg.NATS != "" {
		if n.Bus, err = bus.DialNATS(cfg.NATS, "kefu.", cfg.Log); err != nil {
			return err
		}
	} else {
		n.Bus = bus.NewLocal()
	}
	key, err := serverKey(ctx, n.Store)
	if err != nil {
		return err
	}
	// The handshake goes to a URL an admin typed: internal addresses are
	// refused when connecting unless the app allows them (the engine puts
	// the app's choice in the context).
	hc := &http.Client{Timeout: wechat.VerifyURLTimeout, Transport: netguard.Transport(nil)}
	ecfg := cfg.Engine
	if ecfg.VerifyPushURL == nil {
		ecfg.VerifyPushURL = func(ctx context.Context, url, token string) error { return wechat.VerifyURL(ctx, hc, url, token) }
	}
	n.Engine = engine.New(n.Store, n.Bus, cfg.Clock, richtext.New(), cfg.Log.With("part", "engine"), ecfg)
	pcfg := cfg.Push
	pcfg.PublicURL = cfg.PublicURL
	n.Pusher = push.New(n.Engine, pcfg, cfg.Log.With("part", "push"))
	n.Connector = connector.New(n.Engine, n.Store, cfg.Connect, cfg.Log.With("part", "connect"))
	hcfg := cfg.HTTP
	hcfg.PublicURL = cfg.PublicURL
	if n.servesTLS() {
		hcfg.SecureCookies = true // a cookie set over HTTPS is never sent back over HTTP
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics.MustRegister(n.Pusher.Collectors()...)
	metrics.MustRegister(n.Store.Collectors()...)
	n.HTTP = httpapi.New(httpapi.Deps{Engine: n.Engine, Reader: n.Store, Bus: n.Bus, Log: cfg.Log.With("part", "http"), Key: key,
		Ready: n.Store.Ping, Web: web.FS(), Metrics: metrics, Config: hcfg})
	if cfg.Demo {
		if n.Demo, err = ensureDemo(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// serverKey loads the key that signs tokens and cookies, creating it on
// first start. Every node sharing a database shares the key.
func serverKey(ctx context.Context, s kefu.Store) ([]byte, error) {
	v, err := s.Setting(ctx, "server_key")
	if errors.Is(err, kefu.ErrNotFound) {
		v = engine.NewSecret(32)
		err = s.Update(ctx, func(tx kefu.Tx) error {
			// Another node may have won the race: keep theirs.
			if cur, err := tx.Setting(ctx, "server_key"); err == nil {
				v = cur
				return nil
			}
			return tx.PutSetting(ctx, "server_key", v)
		})
	}
	if err != nil {
		return nil, fmt.Errorf("server key: %w", err)
	}
	return hex.DecodeString(v)
}

// URL is the node's public address.
func (n *Node) URL() string { return n.cfg.PublicURL }

// Addr is the address the node listens on.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Start runs the engine's loops, the push worker and the HTTP server in the
// background until Shutdown.
func (n *Node) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	root := http.NewServeMux()
	root.Handle(connector.Path, n.Connector)
	root.Handle("/", n.HTTP.Handler())
	var handler http.Handler = root
	if n.Demo != nil {
		handler = n.Demo.wrap(handler)
	}
	if n.servesTLS() {
		handler = strictTransport(handler)
	}
	n.srv = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: n.cfg.ReadTimeout, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(n.cfg.Log.Handler(), slog.LevelWarn)}
	n.wg.Add(5)
	go func() { defer n.wg.Done(); n.Engine.Run(ctx) }()
	go func() { defer n.wg.Done(); n.HTTP.Run(ctx) }()
	go func() { defer n.wg.Done(); n.Pusher.Run(ctx) }()
	go func() { defer n.wg.Done(); n.Connector.Run(ctx) }()
	go func() {
		defer n.wg.Done()
		var err error
		if n.servesTLS() {
			err = n.srv.ServeTLS(n.ln, n.cfg.TLSCert, n.cfg.TLSKey)
		} else {
			err = n.srv.Serve(n.ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.cfg.Log.Error("http server stopped", "err", err)
		}
	}()
}

// servesTLS reports whether the node serves HTTPS itself.
func (n *Node) servesTLS() bool { return n.cfg.TLSCert != "" && n.cfg.TLSKey != "" }

// hsts is the Strict-Transport-Security every response of a node serving
// HTTPS carries: browsers then never reach it over plain HTTP for a year.
const hsts = "max-age=31536000"

// strictTransport adds HSTS to every response, the connector's and the
// demo's included. Behind a TLS-terminating proxy (--secure-cookies) the
// proxy sets it.
func strictTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hsts)
		next.ServeHTTP(w, r)
	})
}

// Shutdown stops gracefully: no new connections; open WebSockets are told
// the server is going away (clients reconnect and resume); requests in
// flight finish — every acknowledged message is committed — and pushes in
// flight finish and are recorded; then the store is closed.
func (n *Node) Shutdown(ctx context.Context) error {
	var err error
	if n.srv != nil {
		n.HTTP.CloseConnections()
		err = n.srv.Shutdown(ctx)
	}
	if n.cancel != nil {
		n.cancel()
	}
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		err = errors.Join(err, fmt.Errorf("shutdown: %w", ctx.Err()))
	}
	n.ln.Close()
	return errors.Join(err, n.closeParts())
}

func (n *Node) closeParts() error {
	var err error
	if n.Bus != nil && n.cfg.Bus == nil {
		err = n.Bus.Close()
	}
	if n.Store != nil {
		err = errors.Join(err, n.Store.Close())
	}
	return err
}
