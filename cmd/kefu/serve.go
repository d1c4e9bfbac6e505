package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kefuhq/kefu/node"
)

// env returns the value of a KEFU_* variable, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	v, err := strconv.ParseBool(env(name, strconv.FormatBool(def)))
	if err != nil {
		return def
	}
	return v
}

func envDuration(name string, def time.Duration) time.Duration {
	v, err := time.ParseDuration(env(name, def.String()))
	if err != nil {
		return def
	}
	return v
}

// storeFlags are the flags that say where the data is, shared by every
// command that opens the store.
type storeFlags struct {
	data, db string
}

func (s *storeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", env("KEFU_DATA", "kefu-data"), "directory of the SQLite database (env KEFU_DATA)")
	fs.StringVar(&s.db, "db", env("KEFU_DB", ""), "PostgreSQL DSN, used instead of SQLite (env KEFU_DB)")
}

func serveCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kefu serve", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\nFlags of serve (each also read from the KEFU_* variable it names):\n", usage)
		fs.PrintDefaults()
	}
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", env("KEFU_ADDR", "127.0.0.1:8080"), "address to listen on (env KEFU_ADDR)")
	public := fs.String("public-url", env("KEFU_PUBLIC_URL", ""), "URL browsers and developers reach Kefu at (env KEFU_PUBLIC_URL; default http://ADDR)")
	natsURL := fs.String("nats", env("KEFU_NATS", ""), "NATS URL to share live events with other nodes (env KEFU_NATS)")
	demo := fs.Bool("demo", envBool("KEFU_DEMO", true), "on first start, create a demo mini program with the built-in demo hook, and an admin (env KEFU_DEMO)")
	timeout := fs.Duration("session-timeout", envDuration("KEFU_SESSION_TIMEOUT", 30*time.Minute), "WeChat's session timeout rule (env KEFU_SESSION_TIMEOUT)")
	pushDeadline := fs.Duration("push-deadline", envDuration("KEFU_PUSH_DEADLINE", 5*time.Second), "time a developer has to answer a push (env KEFU_PUSH_DEADLINE)")
	pushRetry := fs.Duration("push-retry-delay", envDuration("KEFU_PUSH_RETRY_DELAY", time.Second), "pause before a push is tried again (env KEFU_PUSH_RETRY_DELAY)")
	presence := fs.Duration("presence-grace", envDuration("KEFU_PRESENCE_GRACE", time.Minute), "how long an agent may be without a workspace connection before going offline (env KEFU_PRESENCE_GRACE)")
	secure := fs.Bool("secure-cookies", envBool("KEFU_SECURE_COOKIES", false), "mark cookies Secure behind a proxy that terminates HTTPS; with --tls-cert they are Secure anyway (env KEFU_SECURE_COOKIES)")
	tlsCert := fs.String("tls-cert", env("KEFU_TLS_CERT", ""), "PEM certificate (chain) to serve HTTPS with; WeChat pushes only to https URLs (env KEFU_TLS_CERT)")
	tlsKey := fs.String("tls-key", env("KEFU_TLS_KEY", ""), "PEM private key of --tls-cert (env KEFU_TLS_KEY)")
	logFormat := fs.String("log-format", env("KEFU_LOG_FORMAT", "text"), "log format: text or json (env KEFU_LOG_FORMAT)")
	logLevel := fs.String("log-level", env("KEFU_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env KEFU_LOG_LEVEL)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)), stderr)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintf(stderr, "kefu serve: --tls-cert and --tls-key go together\n")
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "kefu serve: --log-level: %v\n", err)
		return 2
	}
	var h slog.Handler
	switch *logFormat {
	case "json":
		h = slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})
	case "text":
		h = slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})
	default:
		fmt.Fprintf(stderr, "kefu serve: --log-format must be text or json\n")
		return 2
	}
	log := slog.New(h)
	cfg := node.Config{Addr: *addr, DataDir: sf.data, DB: sf.db, NATS: *natsURL, PublicURL: strings.TrimRight(*public, "/"),
		Demo: *demo, Log: log, TLSCert: *tlsCert, TLSKey: *tlsKey}
	cfg.Engine.SessionTimeout = *timeout
	cfg.Push.Deadline, cfg.Push.RetryDelay = *pushDeadline, *pushRetry
	cfg.HTTP.SecureCookies = *secure // and the node sets it when it serves TLS itself
	cfg.HTTP.PresenceGrace = *presence

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "kefu serve: %v\n", err)
		return 1
	}
	n.Start()
	servePprof(env("KEFU_PPROF", ""), log) // off unless set; for kefu bench --pprof
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
