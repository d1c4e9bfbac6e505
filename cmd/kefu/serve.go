package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kefuhq/kefu/node"
	"github.com/kefuhq/kefu/sqlstore"
)

// storeFlags are the flags that say where the data is, shared by every
// command that opens the store.
type storeFlags struct {
	data, db, secretKeyFile string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "kefu-data", "directory of the SQLite database")
	fs.StringVar(&s.db, "db", "", "PostgreSQL DSN, used instead of SQLite")
	fs.StringVar(&s.secretKeyFile, "secret-key-file", "", "file of the keys that encrypt the secrets in the database, created on first start; "+
		"unused when "+sqlstore.KeyEnv+" gives them (default DATA/"+sqlstore.DefaultKeyFile+")")
}

// logFormat is --log-format: text or json.
type logFormat string

func (f *logFormat) String() string { return string(*f) }

func (f *logFormat) Set(v string) error {
	if v != "text" && v != "json" {
		return errors.New("must be text or json")
	}
	*f = logFormat(v)
	return nil
}

func serveCommand(args []string, env lookupEnv, stdout, stderr io.Writer) int {
	cfg, code, ok := serveConfig(args, env, stdout, stderr)
	if !ok {
		return code
	}
	log := cfg.Log
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kefu serve: %v\n", err)
		return 1
	}
	n.Start()
	pprofAddr, _ := env("KEFU_PPROF")
	servePprof(pprofAddr, log) // off unless set; for kefu bench --pprof
	printWelcome(stdout, n)
	log.Info("kefu is serving", "url", n.URL(), "store", n.Store.Engine())
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

func printWelcome(w io.Writer, n *node.Node) {
	u := n.URL()
	fmt.Fprintf(w, "\nKefu is running at %s\n\n", u)
	fmt.Fprintf(w, "  Agents' workspace      %s/desk\n", u)
	fmt.Fprintf(w, "  Administration         %s/admin\n", u)
	fmt.Fprintf(w, "  Mini program simulator %s/sim\n", u)
	fmt.Fprintf(w, "  Web page with widget   %s/demo\n", u)
	fmt.Fprintf(w, "  App (SDK) channel demo %s/sdk-demo\n", u)
	fmt.Fprintf(w, "  WeChat-compatible API  %s/cgi-bin/\n", u)
	if d := n.Demo; d != nil {
		if d.AppID != "" {
			fmt.Fprintf(w, "\n  Demo mini program      %s (push URL: the built-in demo hook)\n", d.AppID)
		}
		if d.AdminPassword != "" {
			fmt.Fprintf(w, "\n  Admin account created. Sign in with\n      login:    %s\n      password: %s\n  (shown only this once)\n", d.AdminLogin, d.AdminPassword)
		}
	}
	fmt.Fprintln(w)
}

// serveSettings are the flags of kefu serve, once parsed.
type serveSettings struct {
	store                                      storeFlags
	addr, public, nats, tlsCert, tlsKey        string
	demo, secure                               bool
	timeout, pushDeadline, pushRetry, presence time.Duration
	format                                     logFormat
	level                                      slog.Level
}

// serveFlagSet defines the flags of kefu serve, each also read from its
// KEFU_* variable (vars).
func serveFlagSet() (fs *flag.FlagSet, s *serveSettings, vars envSettings) {
	fs = flag.NewFlagSet("kefu serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nFlags of serve (each also read from the KEFU_* variable it names; a flag wins over its variable):\n", usage)
		fs.PrintDefaults()
	}
	s = &serveSettings{format: "text", level: slog.LevelInfo}
	s.store.register(fs)
	fs.StringVar(&s.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&s.public, "public-url", "", "URL browsers and developers reach Kefu at (default http://ADDR)")
	fs.StringVar(&s.nats, "nats", "", "NATS URL to share live events with other nodes")
	fs.BoolVar(&s.demo, "demo", true, "on first start, create a demo mini program with the built-in demo hook, and an admin")
	fs.DurationVar(&s.timeout, "session-timeout", 30*time.Minute, "WeChat's session timeout rule")
	fs.DurationVar(&s.pushDeadline, "push-deadline", 5*time.Second, "time a developer has to answer a push")
	fs.DurationVar(&s.pushRetry, "push-retry-delay", time.Second, "pause before a push is tried again")
	fs.DurationVar(&s.presence, "presence-grace", time.Minute, "how long an agent may be without a workspace connection before going offline")
	fs.BoolVar(&s.secure, "secure-cookies", false, "mark cookies Secure; set when served over HTTPS")
	fs.StringVar(&s.tlsCert, "tls-cert", "", "PEM certificate (chain) to serve HTTPS with; WeChat pushes only to https URLs")
	fs.StringVar(&s.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.Var(&s.format, "log-format", "log format: text or json")
	fs.TextVar(&s.level, "log-level", s.level, "log level: debug, info, warn, error")
	return fs, s, settingsFromEnv(fs, "KEFU_")
}

// serveConfig reads the settings of kefu serve from its flags and, for each
// flag not given, from its KEFU_* variable. When ok is false the command is
// over and code is its exit code (0 after -h, 2 after a mistake).
func serveConfig(args []string, env lookupEnv, stdout, stderr io.Writer) (cfg node.Config, code int, ok bool) {
	fs, s, vars := serveFlagSet()
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return cfg, code, false
	}
	if fs.NArg() > 0 {
		return cfg, usageError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)), stderr), false
	}
	if err := vars.apply(fs, env); err != nil {
		fmt.Fprintf(stderr, "kefu serve: %v\n", err)
		return cfg, 2, false
	}
	if (s.tlsCert == "") != (s.tlsKey == "") {
		fmt.Fprintf(stderr, "kefu serve: --tls-cert and --tls-key go together\n")
		return cfg, 2, false
	}
	opts := &slog.HandlerOptions{Level: s.level}
	var h slog.Handler = slog.NewTextHandler(stderr, opts)
	if s.format == "json" {
		h = slog.NewJSONHandler(stderr, opts)
	}
	cfg = node.Config{Addr: s.addr, DataDir: s.store.data, DB: s.store.db, NATS: s.nats, PublicURL: strings.TrimRight(s.public, "/"),
		Demo: s.demo, Log: slog.New(h), TLSCert: s.tlsCert, TLSKey: s.tlsKey, SecretKeyFile: s.store.secretKeyFile}
	cfg.SecretKeys, _ = env(sqlstore.KeyEnv)
	cfg.Engine.SessionTimeout = s.timeout
	cfg.Push.Deadline, cfg.Push.RetryDelay = s.pushDeadline, s.pushRetry
	cfg.HTTP.SecureCookies = s.secure || s.tlsCert != ""
	cfg.HTTP.PresenceGrace = s.presence
	return cfg, 0, true
}
