// Package httpapi assembles Kefu's HTTP side on one mux: the WeChat-
// compatible /cgi-bin (package cgibin), the client API (clientapi), the
// workspace API (deskapi), administration (admin), the WebSockets and
// presence (live), and, here, the pages, /media, health and metrics, with
// the middleware every request passes (panic recovery, request metrics,
// security headers). It holds no business rules.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/admin"
	"github.com/kefuhq/kefu/httpapi/cgibin"
	"github.com/kefuhq/kefu/httpapi/clientapi"
	"github.com/kefuhq/kefu/httpapi/deskapi"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/httpapi/live"
	"github.com/prometheus/client_golang/prometheus"
)

// Config holds the HTTP layer's settings.
type Config struct {
	// PublicURL is where browsers and developers reach Kefu, e.g.
	// https://kefu.example (used in links such as image PicUrls).
	PublicURL string
	// MaxBodyBytes limits JSON and XML request bodies (default 64 KiB).
	MaxBodyBytes int64
	// MaxUploadBytes limits uploaded media (default 10 MiB).
	MaxUploadBytes int64
	// SecureCookies marks cookies Secure (behind TLS).
	SecureCookies bool
	// PresenceGrace is how long an agent may be without a workspace
	// connection before being set offline (default live.DefaultPresenceGrace).
	PresenceGrace time.Duration
	// DeskResync is how often each node looks in the store for messages its
	// agents' workspaces missed (default live.DefaultDeskResync).
	DeskResync time.Duration
	// Limits are the abuse limits (zero fields: the defaults).
	Limits edge.Limits
}

// Deps is what the server needs from the rest of Kefu.
type Deps struct {
	Engine *engine.Engine
	// Reader reads what the surfaces show; every write and every read that
	// carries a rule goes through Engine.
	Reader kefu.Reader
	Bus    bus.Bus
	Log    *slog.Logger
	// Key is the server's secret for signing tokens and cookies (32 bytes).
	Key []byte
	// Web holds the static front end (package web).
	Web fs.FS
	// Metrics is the registry /metrics serves; the server adds its own
	// metrics to it.
	Metrics *prometheus.Registry
	// Ready reports whether the node can serve (for /readyz).
	Ready  func(ctx context.Context) error
	Config Config
}

// Server serves every HTTP surface of Kefu.
type Server struct {
	edge.Surface
	web       fs.FS
	ready     func(ctx context.Context) error
	handler   http.Handler
	clientAPI *clientapi.Server
	deskAPI   *deskapi.Server
	live      *live.Server
}

// New builds the server and its routes.
func New(d Deps) *Server {
	if d.Config.MaxBodyBytes <= 0 {
		d.Config.MaxBodyBytes = 64 << 10
	}
	if d.Config.MaxUploadBytes <= 0 {
		d.Config.MaxUploadBytes = 10 << 20
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	c := d.Config
	s := &Server{Surface: edge.Surface{Engine: d.Engine, Read: d.Reader, Clock: d.Engine.Clock(), Log: d.Log, Key: d.Key,
		Config:  edge.Config{PublicURL: c.PublicURL, MaxBodyBytes: c.MaxBodyBytes, MaxUploadBytes: c.MaxUploadBytes, SecureCookies: c.SecureCookies, Limits: c.Limits},
		Metrics: edge.NewMetrics(d.Metrics)},
		web: d.Web, ready: d.Ready}
	s.clientAPI, s.deskAPI = clientapi.New(s.Surface), deskapi.New(s.Surface)
	s.live = live.New(s.Surface, d.Bus, s.clientAPI, s.deskAPI, live.Config{PresenceGrace: d.Config.PresenceGrace, DeskResync: d.Config.DeskResync})
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.recoverPanics(s.Metrics.Observe(edge.SecurityHeaders(mux)))
	return s
}

// Run does the server's background work until ctx is done (see live.Server.Run).
func (s *Server) Run(ctx context.Context) { s.live.Run(ctx) }

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// routes registers every route of the server; AllRoutes (in the tests) reads
// the same table, so the OpenAPI and authorisation tests see each new route.
func (s *Server) routes(mux edge.RouteMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.Metrics.Handler().ServeHTTP)
	mux.HandleFunc("GET /api/openapi.yaml", serveOpenAPI)

	s.clientAPI.Routes(mux)
	s.deskAPI.Routes(mux)
	s.live.Routes(mux)
	admin.New(s.Surface).Routes(mux)
	cgibin.New(s.Surface).Routes(mux)
	s.pageRoutes(mux)
	mux.HandleFunc("GET /media/{id}", s.serveMedia)
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Write([]byte("ready\n"))
}

// CloseConnections closes every open WebSocket with "going away" (see
// live.Server.CloseConnections).
func (s *Server) CloseConnections() { s.live.CloseConnections() }

// AgentConnections reports how many workspace WebSockets of the agent this
// node holds (presence counts them).
func (s *Server) AgentConnections(agentID int64) int { return s.live.AgentConnections(agentID) }
