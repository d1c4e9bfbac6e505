package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// noEnv is an empty environment: a test's commands read none of the
// machine's KEFU_* variables.
func noEnv(string) (string, bool) { return "", false }

func envOf(vars map[string]string) lookupEnv {
	return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
}

// TestServeSettings: every flag of kefu serve is also read from its KEFU_*
// variable, a flag given wins over its variable, and a bad value is refused
// with exit 2 and the variable's name (it never falls back to the default).
func TestServeSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		timeout time.Duration // want, when the settings are accepted
		addr    string
		demo    bool
		err     string // want on stderr, when refused
	}{
		{name: "defaults", timeout: 30 * time.Minute, addr: "127.0.0.1:8080", demo: true},
		{name: "variables", env: map[string]string{"KEFU_SESSION_TIMEOUT": "45s", "KEFU_ADDR": "127.0.0.1:9", "KEFU_DEMO": "false"},
			timeout: 45 * time.Second, addr: "127.0.0.1:9"},
		{name: "flag wins", args: []string{"--session-timeout", "2m", "--addr", "127.0.0.1:7"},
			env: map[string]string{"KEFU_SESSION_TIMEOUT": "45s", "KEFU_ADDR": "127.0.0.1:9"}, timeout: 2 * time.Minute, addr: "127.0.0.1:7", demo: true},
		{name: "flag wins over a bad variable", args: []string{"--session-timeout", "2m"}, env: map[string]string{"KEFU_SESSION_TIMEOUT": "30"},
			timeout: 2 * time.Minute, addr: "127.0.0.1:8080", demo: true},
		{name: "duration without unit", env: map[string]string{"KEFU_SESSION_TIMEOUT": "30"},
			err: `KEFU_SESSION_TIMEOUT: invalid duration "30" (write a number and a unit, such as 30m or 45s)`},
		{name: "derived name", env: map[string]string{"KEFU_PUSH_RETRY_DELAY": "soon"}, err: `KEFU_PUSH_RETRY_DELAY: invalid duration "soon"`},
		{name: "boolean", env: map[string]string{"KEFU_DEMO": "nope"}, err: `KEFU_DEMO: invalid boolean "nope" (write true or false)`},
		{name: "log format", env: map[string]string{"KEFU_LOG_FORMAT": "xml"}, err: `KEFU_LOG_FORMAT: invalid value "xml": must be text or json`},
		{name: "log level", env: map[string]string{"KEFU_LOG_LEVEL": "loud"}, err: `KEFU_LOG_LEVEL: invalid value "loud"`},
		{name: "tls pair from variables", env: map[string]string{"KEFU_TLS_CERT": "c.pem"}, err: "--tls-cert and --tls-key go together"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cfg, code, ok := serveConfig(tc.args, envOf(tc.env), &stdout, &stderr)
			if tc.err != "" {
				if ok || code != 2 || !strings.Contains(stderr.String(), tc.err) {
					t.Fatalf("ok %v, exit %d, stderr %q; want exit 2 with %q", ok, code, stderr.String(), tc.err)
				}
				return
			}
			if !ok {
				t.Fatalf("refused: exit %d, stderr %q", code, stderr.String())
			}
			if cfg.Engine.SessionTimeout != tc.timeout || cfg.Addr != tc.addr || cfg.Demo != tc.demo {
				t.Errorf("session timeout %v, addr %q, demo %v; want %v, %q, %v", cfg.Engine.SessionTimeout, cfg.Addr, cfg.Demo, tc.timeout, tc.addr, tc.demo)
			}
		})
	}
	// Through the command itself: the process exits 2 and starts nothing.
	code, out, errs := kefuRunEnv(map[string]string{"KEFU_SESSION_TIMEOUT": "30"}, "serve", "--data", t.TempDir())
	if code != 2 || out != "" || !strings.Contains(errs, "KEFU_SESSION_TIMEOUT") {
		t.Errorf("kefu serve with KEFU_SESSION_TIMEOUT=30: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = kefuRunEnv(map[string]string{"KEFU_PUBLIC_URL": "https://kefu.example"}, "app", "list", "--data", t.TempDir())
	if code != 0 {
		t.Errorf("kefu app list with KEFU_PUBLIC_URL: exit %d, %s", code, errs)
	}
	code, _, errs = kefuRunEnv(map[string]string{"KEFU_BENCH_DB": "postgres://x"}, "bench", "--pprof")
	if code != 2 || !strings.Contains(errs, "--pprof needs --out") {
		t.Errorf("kefu bench --pprof: exit %d, %s", code, errs)
	}
}

func kefuRunEnv(env map[string]string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, envOf(env), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestSettingsTablesAreTrue: the settings tables of docs/operations.md
// (all of serve's flags) and of the README (those a newcomer needs) name
// real flags with the variables they are read from and their defaults.
func TestSettingsTablesAreTrue(t *testing.T) {
	fs, _, _ := serveFlagSet()
	row := regexp.MustCompile("(?m)^\\| (`--[^|]+) \\| (`KEFU_[^|]+) \\|([^|]*)\\|")
	for _, doc := range []struct {
		path string
		all  bool
	}{{"../../docs/operations.md", true}, {"../../README.md", false}} {
		b, err := os.ReadFile(doc.path)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range row.FindAllStringSubmatch(string(b), -1) {
			names, vars := splitCells(m[1]), splitCells(m[2])
			def := strings.Trim(strings.TrimSpace(m[3]), "`")
			if len(names) != len(vars) {
				t.Errorf("%s: %s names %d flags and %d variables", doc.path, m[0], len(names), len(vars))
				continue
			}
			for i, name := range names {
				name = strings.TrimPrefix(name, "--")
				seen[name] = true
				f := fs.Lookup(name)
				if f == nil {
					t.Errorf("%s: --%s is no flag of kefu serve", doc.path, name)
					continue
				}
				if !strings.Contains(f.Usage, "(env "+vars[i]+")") {
					t.Errorf("%s: --%s is read from %s, not %s (usage %q)", doc.path, name, envVariable(f.Usage), vars[i], f.Usage)
				}
				if len(names) == 1 && name != "public-url" { // public-url's default is derived from --addr
					if err := f.Value.Set(def); err != nil || f.Value.String() != f.DefValue {
						t.Errorf("%s: --%s defaults to %q, the table says %q", doc.path, name, f.DefValue, def)
					}
				}
			}
		}
		if doc.all {
			fs.VisitAll(func(f *flag.Flag) {
				if !seen[f.Name] {
					t.Errorf("%s does not list --%s", doc.path, f.Name)
				}
			})
		}
		if len(seen) == 0 {
			t.Errorf("%s: no settings table found", doc.path)
		}
	}
}

func splitCells(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.Trim(strings.TrimSpace(c), "`"))
	}
	return out
}

func envVariable(usage string) string {
	_, v, _ := strings.Cut(usage, "(env ")
	v, _, _ = strings.Cut(v, ")")
	return v
}
