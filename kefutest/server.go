package kefutest

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/node"
)

// Options shape a test server. Zero values give a SQLite server with
// WeChat's real rules, a manual clock standing at the real time, and short
// push timings.
type Options struct {
	Engine         string // "sqlite" (default) or "postgres"
	DSN            string // a store to reuse (for restarts); default a fresh one
	Addr           string // default 127.0.0.1:0
	PushDeadline   time.Duration
	PushRetryDelay time.Duration
	SessionTimeout time.Duration
	Demo           bool
	NATS           string
	// Bus, when set, is the node's bus (tests give several nodes one);
	// the node does not close it.
	Bus   bus.Bus
	Clock *ManualClock
	// PresenceGrace is how long an agent may be without a workspace before
	// being set offline (default: the server's 60 s).
	PresenceGrace time.Duration
	// Limits are the abuse limits (zero: the defaults); load tests that
	// send faster than a person raise them.
	Limits edge.Limits
}

// waitBound is how long a test waits for something that should happen: far
// more than it takes on an idle machine, so that a CI machine under load
// (cross-node NATS hops, browsers) does not fail a correct test.
const waitBound = 30 * time.Second

// Server is a whole Kefu node on a free port, stopped when the test ends.
type Server struct {
	*node.Node
	URL   string
	DSN   string
	Clock *ManualClock
	t     testing.TB
}

// NewServer starts a Kefu node for a test.
func NewServer(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Engine == "" {
		o.Engine = "sqlite"
	}
	if o.DSN == "" {
		o.DSN = StoreDSN(t, o.Engine)
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Clock == nil {
		o.Clock = NewManualClock(time.Now().UTC().Truncate(time.Millisecond))
	}
	if o.PushDeadline == 0 {
		o.PushDeadline = 2 * time.Second
	}
	if o.PushRetryDelay == 0 {
		o.PushRetryDelay = 20 * time.Millisecond
	}
	cfg := node.Config{Addr: o.Addr, NATS: o.NATS, Bus: o.Bus, Demo: o.Demo, Clock: o.Clock, SecretKeys: SecretKey}
	if o.Engine == "postgres" {
		cfg.DB = o.DSN
	} else {
		cfg.DataDir = dirOf(o.DSN)
	}
	if os.Getenv("KEFU_TEST_LOG") != "" {
		cfg.Log = testLogger(t)
	}
	cfg.Engine = engine.Config{SessionTimeout: o.SessionTimeout, SweepInterval: 50 * time.Millisecond, RouteInterval: 100 * time.Millisecond}
	cfg.HTTP.PresenceGrace = o.PresenceGrace
	cfg.HTTP.Limits = o.Limits
	cfg.HTTP.DeskResync = time.Second // short, so that tests see sweeps; not so short that loaded cores spend their time on them
	cfg.Push.Deadline, cfg.Push.RetryDelay, cfg.Push.PollInterval = o.PushDeadline, o.PushRetryDelay, 50*time.Millisecond
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start kefu: %v", err)
	}
	n.Start()
	s := &Server{Node: n, URL: n.URL(), DSN: o.DSN, Clock: o.Clock, t: t}
	t.Cleanup(func() { s.Stop() })
	return s
}

// Stop shuts the node down gracefully (idempotent).
func (s *Server) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Node.Shutdown(ctx)
}

// App adds a mini program. pushURL "" means no push (straight to customer
// service). A push URL must pass the handshake, as in production.
func (s *Server) App(pushURL string, mode kefu.PushMode, format kefu.PushFormat) *kefu.App {
	s.t.Helper()
	a := &kefu.App{ID: "wx" + engine.NewAlnum(16), OriginalID: "gh_" + engine.NewAlnum(12), Name: "Test Shop",
		Secret: engine.NewSecret(16), Push: kefu.PushConfig{URL: pushURL, Token: "testtoken", Mode: mode, Format: format,
			// Test hooks listen on 127.0.0.1.
			AllowPrivate: true}}
	if mode != kefu.PushPlaintext {
		a.Push.EncodingAESKey = engine.NewAlnum(43)
	}
	if err := s.Engine.CreateApp(context.Background(), a); err != nil {
		s.t.Fatalf("create app: %v", err)
	}
	return a
}

// Agent adds an agent (or admin) serving the given apps, with password "secret-password".
func (s *Server) Agent(login string, role kefu.Role, apps ...string) *kefu.Agent {
	s.t.Helper()
	a := &kefu.Agent{Login: login, Name: login, Role: role, PasswordHash: edge.HashPassword(AgentPassword),
		MaxSessions: kefu.DefaultMaxSessions, Status: kefu.StatusOffline, Apps: apps, CreatedAt: s.Clock.Now()}
	ctx := context.Background()
	if err := s.Store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, a) }); err != nil {
		s.t.Fatalf("create agent: %v", err)
	}
	return a
}

// AgentPassword is the password of every agent made by Server.Agent.
const AgentPassword = "secret-password"

func dirOf(sqlitePath string) string {
	for i := len(sqlitePath) - 1; i >= 0; i-- {
		if sqlitePath[i] == '/' {
			return sqlitePath[:i]
		}
	}
	return "."
}
