// Package bench is `kefu bench`: it measures a real Kefu against the limits
// of the machine it runs on. The server under test is a `kefu serve` process
// started from the same binary on loopback; this process is the load
// generator. Every scenario also measures its ceiling in the same run — the
// same client code against a bare WebSocket server, the same database
// without Kefu, the same HTTP round trip without Kefu — so its results are
// ratios that mean something on other machines too. docs/BENCHMARKS.md
// explains the scenarios and keeps the results.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Scenarios lists every scenario in the order they run.
var Scenarios = []string{"e2e", "ingest", "conns", "push", "crowd", "connect", "flood"}

// Config is what `kefu bench` was asked to do.
type Config struct {
	Exe       string   // the kefu binary to run as the server under test
	Scenarios []string // empty: all
	Quick     bool     // a smoke run of about a minute
	// PostgresDSN, when set, adds PostgreSQL to ingest: Kefu runs in a
	// scratch schema that is dropped afterwards.
	PostgresDSN string
	OutDir      string // server logs and profiles; empty: a temporary directory, removed
	Pprof       bool   // CPU-profile the server during each measured phase (into OutDir)

	// Overrides of the scenarios' sizes; zero keeps the defaults.
	Duration     time.Duration // one measured phase
	Rate         int           // e2e: messages per second, all users together
	Users        int           // e2e users
	Conns        int           // conns: idle connections
	AgentsPerApp int           // e2e and crowd: agents serving one mini program
	MaxCrowd     int           // crowd: stop searching at this many users

	Out      io.Writer // tables
	Progress io.Writer // progress lines
}

// Report is the outcome of a run, written as JSON.
type Report struct {
	Date    time.Time `json:"date"`
	Machine Machine   `json:"machine"`
	Quick   bool      `json:"quick"`
	Results []*Result `json:"results"`
}

// Result is one scenario's figures on one database engine.
type Result struct {
	Scenario string             `json:"scenario"`
	Engine   string             `json:"engine,omitempty"`
	Params   map[string]any     `json:"params,omitempty"`
	Metrics  map[string]float64 `json:"metrics"`
	Latency  map[string]Latency `json:"latency,omitempty"`
	Notes    []string           `json:"notes,omitempty"`
	Table    [][]string         `json:"table"` // what was printed: a header row, then rows
}

func newResult(scenario, engine string) *Result {
	return &Result{Scenario: scenario, Engine: engine, Params: map[string]any{}, Metrics: map[string]float64{},
		Latency: map[string]Latency{}}
}

func (r *Result) row(cells ...string) { r.Table = append(r.Table, cells) }

func (r *Result) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// run is the state of one `kefu bench` run.
type run struct {
	cfg     Config
	out     string // directory for logs and profiles
	tmp     string // scratch directory for databases, removed at the end
	report  *Report
	started time.Time
}

// Run runs the scenarios and returns the report; the tables are printed to
// cfg.Out as each scenario finishes.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	if len(cfg.Scenarios) == 0 {
		cfg.Scenarios = Scenarios
	}
	for _, s := range cfg.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	if cfg.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		cfg.Exe = exe
	}
	tmp, err := os.MkdirTemp("", "kefu-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	r := &run{cfg: cfg, tmp: tmp, out: cfg.OutDir, started: time.Now(),
		report: &Report{Date: time.Now().UTC().Truncate(time.Second), Machine: readMachine(), Quick: cfg.Quick}}
	if r.out == "" {
		r.out = tmp
	} else if err := os.MkdirAll(r.out, 0o755); err != nil {
		return nil, err
	}
	raiseFileLimit()
	fmt.Fprintf(cfg.Out, "kefu bench — %s, %d CPUs (%s), %.0f GiB, %s\n\n", r.report.Date.Format(time.DateOnly),
		r.report.Machine.CPUs, r.report.Machine.CPUModel, r.report.Machine.MemoryGiB, r.report.Machine.GoVersion)
	var errs []error
	for _, name := range Scenarios {
		if !slices.Contains(cfg.Scenarios, name) {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		r.progress("== %s", name)
		var results []*Result
		var err error
		switch name {
		case "e2e":
			results, err = r.e2e(ctx)
		case "ingest":
			results, err = r.ingest(ctx)
		case "conns":
			results, err = r.conns(ctx)
		case "push":
			results, err = r.push(ctx)
		case "crowd":
			results, err = r.crowd(ctx)
		case "connect":
			results, err = r.connect(ctx)
		case "flood":
			results, err = r.flood(ctx)
		}
		for _, res := range results {
			r.report.Results = append(r.report.Results, res)
			printResult(cfg.Out, res)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			fmt.Fprintf(cfg.Out, "%s: FAILED: %v\n\n", name, err)
		}
	}
	return r.report, errors.Join(errs...)
}

// progress prints a line about what is happening now.
func (r *run) progress(format string, args ...any) {
	fmt.Fprintf(r.cfg.Progress, "[%6.1fs] %s\n", time.Since(r.started).Seconds(), fmt.Sprintf(format, args...))
}

// pick returns quick in a quick run and full otherwise.
func pick[T any](r *run, full, quick T) T {
	if r.cfg.Quick {
		return quick
	}
	return full
}

// phase is how long one measured phase lasts.
func (r *run) phase() time.Duration {
	if r.cfg.Duration > 0 {
		return r.cfg.Duration
	}
	return pick(r, 20*time.Second, 2*time.Second)
}

func printResult(w io.Writer, res *Result) {
	title := res.Scenario
	if res.Engine != "" {
		title += " (" + res.Engine + ")"
	}
	fmt.Fprintf(w, "%s\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range res.Table {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	for _, n := range res.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintln(w)
}

// WriteJSON writes the report to path.
func (rep *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Machine describes where the figures were measured.
type Machine struct {
	CPUs      int     `json:"cpus"`
	CPUModel  string  `json:"cpu_model"`
	MemoryGiB float64 `json:"memory_gib"`
	Kernel    string  `json:"kernel"`
	GoVersion string  `json:"go_version"`
	OpenFiles uint64  `json:"open_files_limit"`
}

func readMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OpenFiles: fileLimit()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %f kB", &kb); err == nil {
			m.MemoryGiB = kb / (1 << 20)
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// Formatting helpers for the tables.

func fint(v float64) string { return fmt.Sprintf("%.0f", v) }

func fms(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func fpct(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
