// Package httpapi is Kefu's HTTP surface: the WeChat-compatible /cgi-bin
// API, the client API and WebSocket used by the widget, the simulator and
// app SDKs, the desk API and WebSocket used by the workspace, the pages, and
// health and metrics. It authenticates, decodes, calls the engine and maps
// domain errors to each surface's own shape; it holds no business rules.
package httpapi

import (
	"context"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/admin"
	"github.com/kefuhq/kefu/httpapi/cgibin"
	"github.com/kefuhq/kefu/httpapi/clientapi"
	"github.com/kefuhq/kefu/httpapi/deskapi"
	"github.com/kefuhq/kefu/httpapi/edge"
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
	// connection before being set offline (default DefaultPresenceGrace).
	PresenceGrace time.Duration
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
	// VerifyURL runs the push URL handshake when an app's URL is saved.
	VerifyURL func(ctx context.Context, url, token string) error
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
	bus       bus.Bus
	verifyURL func(ctx context.Context, url, token string) error
	web       fs.FS
	ready     func(ctx context.Context) error
	cfg       Config
	handler   http.Handler
	clientAPI *clientapi.Server
	deskAPI   *deskapi.Server
	presence  *presence
	desk      *deskHub

	connsMu sync.Mutex
	conns   map[*wsConn]struct{} // open WebSockets, closed on Shutdown
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
		Config:  edge.Config{PublicURL: c.PublicURL, MaxBodyBytes: c.MaxBodyBytes, MaxUploadBytes: c.MaxUploadBytes, SecureCookies: c.SecureCookies},
		Metrics: edge.NewMetrics(d.Metrics)},
		bus: d.Bus, verifyURL: d.VerifyURL, web: d.Web, ready: d.Ready, cfg: d.Config,
		conns: map[*wsConn]struct{}{}, desk: newDeskHub(d.Bus)}
	// A new identity at every start: a restarted node is a new node to the
	// others (its announcements' sequence starts again).
	s.clientAPI, s.deskAPI = clientapi.New(s.Surface), deskapi.New(s.Surface)
	s.presence = newPresence(s, engine.NewAlnum(12), d.Config.PresenceGrace)
	mux := http.NewServeMux()
	s.routes(mux)
	s.handler = s.recoverPanics(s.Metrics.Observe(edge.SecurityHeaders(mux)))
	return s
}

// Run does the server's background work until ctx is done: it tells the
// other nodes which agents have a workspace open here and sets offline the
// agents that have none open anywhere (see presence). Presence must run on
// every node — the others know this node's agents only from its
// announcements — so if it cannot start (the store or the bus unreachable
// at boot), it is tried again every second rather than left off.
func (s *Server) Run(ctx context.Context) {
	for err := s.presence.start(); err != nil; err = s.presence.start() {
		s.Log.Error("presence: start; trying again in a second", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	<-ctx.Done()
	s.presence.stop()
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.Metrics.Handler())

	s.clientAPI.Routes(mux)
	s.deskAPI.Routes(mux)
	s.liveRoutes(mux)
	admin.New(s.Surface).Routes(mux)
	cgibin.New(s.Surface).Routes(mux)
	s.pageRoutes(mux)
	mux.HandleFunc("GET /media/{id}", s.serveMedia)
}

// liveRoutes mounts the two WebSockets: the customer's and the workspace's.
func (s *Server) liveRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/client/ws", s.clientWS)
	s.deskLiveRoutes(mux)
}

func (s *Server) deskLiveRoutes(mux edge.RouteMux) { mux.HandleFunc("GET /api/desk/ws", s.deskWS) }

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

// CloseConnections closes every open WebSocket with "going away", so
// clients reconnect to another node (or this one after a restart) and
// resume from their last sequence number.
func (s *Server) CloseConnections() {
	defer s.presence.stop()
	s.connsMu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connsMu.Unlock()
	for _, c := range conns {
		c.goingAway()
	}
}
