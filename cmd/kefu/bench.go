package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kefuhq/kefu/bench"
)

const benchUsage = `Usage: kefu bench [scenario...] [flags]

Measures Kefu on this machine: a real "kefu serve" on loopback, this process
as the load generator, and each scenario's ceiling in the same run.

Scenarios (default: all): e2e ingest conns push crowd connect flood

Flags:
`

// benchCommand runs `kefu bench`. Scenario names and flags may be mixed.
func benchCommand(args []string, env lookupEnv, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == bench.HelperCommand {
		return bench.RunHelper(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("kefu bench", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), benchUsage); fs.PrintDefaults() }
	var cfg bench.Config
	fs.BoolVar(&cfg.Quick, "quick", false, "a smoke run of about a minute")
	fs.StringVar(&cfg.PostgresDSN, "db", "", "PostgreSQL DSN: also run ingest on PostgreSQL, in a scratch schema")
	jsonPath := fs.String("json", "", "write the results as JSON to this file")
	fs.StringVar(&cfg.OutDir, "out", "", "keep the servers' logs (and profiles) in this directory")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "CPU-profile the server during each measured phase, into --out")
	fs.DurationVar(&cfg.Duration, "duration", 0, "length of each measured phase (default 20s, 3s with --quick)")
	fs.IntVar(&cfg.Rate, "rate", 0, "e2e: messages per second from all customers (default 2000)")
	fs.IntVar(&cfg.Users, "users", 0, "e2e: customers (default 1000)")
	fs.IntVar(&cfg.Conns, "conns", 0, "conns: idle connections (default 15000)")
	fs.IntVar(&cfg.AgentsPerApp, "agents-per-app", 0, "e2e and crowd: agents serving each mini program (default 10)")
	fs.IntVar(&cfg.MaxCrowd, "max-crowd", 0, "crowd: stop searching at this many customers (default 14000)")
	vars := settingsFromEnv(fs, "KEFU_BENCH_", "db")
	for len(args) > 0 {
		if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
			return code
		}
		args = fs.Args()
		if len(args) > 0 {
			cfg.Scenarios = append(cfg.Scenarios, args[0])
			args = args[1:]
		}
	}
	if err := vars.apply(fs, env); err != nil {
		fmt.Fprintf(stderr, "kefu bench: %v\n", err)
		return 2
	}
	if cfg.Pprof && cfg.OutDir == "" {
		fmt.Fprintln(stderr, "kefu bench: --pprof needs --out, where the profiles go")
		return 2
	}
	cfg.Out, cfg.Progress = stdout, stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := bench.Run(ctx, cfg)
	if rep != nil && *jsonPath != "" {
		if werr := rep.WriteJSON(*jsonPath); werr != nil {
			fmt.Fprintf(stderr, "kefu bench: %v\n", werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "kefu bench: %v\n", err)
		return 1
	}
	return 0
}

// servePprof serves net/http/pprof on addr (KEFU_PPROF, for `kefu bench
// --pprof`). It is off unless asked for: profiles show internals.
func servePprof(addr string, log *slog.Logger) {
	if addr == "" {
		return
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") && !strings.HasPrefix(addr, "localhost:") && !strings.HasPrefix(addr, "[::1]:") {
		log.Error("KEFU_PPROF must be a loopback address; pprof is off", "addr", addr)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Error("pprof stopped", "err", err)
		}
	}()
}
