package bench_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kefuhq/kefu/bench"
)

// TestQuick builds the kefu binary and runs `kefu bench --quick` with it,
// as a person would. It checks that every scenario completes and reports
// sane, non-zero figures — never how fast anything was.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("kefu bench --quick takes about two minutes")
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "kefu")
	if out, err := exec.Command("go", "build", "-o", exe, "github.com/kefuhq/kefu/cmd/kefu").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	jsonPath := filepath.Join(dir, "bench.json")
	args := []string{"bench", "--quick", "--json", jsonPath, "--out", filepath.Join(dir, "out")}
	if dsn := os.Getenv("KEFU_TEST_POSTGRES"); dsn != "" {
		args = append(args, "--db", dsn)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kefu bench --quick: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, res := range rep.Results {
		seen[res.Scenario]++
		positive := func(name string) {
			t.Helper()
			if v := res.Metrics[name]; !(v > 0) {
				t.Errorf("%s (%s): %s = %v, want a positive figure", res.Scenario, res.Engine, name, v)
			}
		}
		if len(res.Table) < 2 {
			t.Errorf("%s (%s): the table has no rows", res.Scenario, res.Engine)
		}
		switch res.Scenario {
		case "e2e":
			positive("throughput_msgs_per_s")
			positive("u2a_p99_ms")
			positive("echo_p99_ms")
			positive("commit_p99_ms")
		case "ingest":
			positive("msgs_per_s")
			positive("ceiling_db_batched_rows_per_s")
			positive("ceiling_db_single_commits_per_s")
			positive("ceiling_ws_round_trips_per_s")
			positive("ratio_to_lower_ceiling")
		case "conns":
			positive("connections")
			positive("heap_bytes_per_conn")
			positive("ceiling_heap_bytes_per_conn")
		case "push":
			positive("pushes_per_s")
			positive("ceiling_round_trips_per_s")
			positive("delivered_logged")
		case "connect":
			positive("pushes_per_s")
			positive("answer_p99_ms")
			positive("ceiling_http_round_trips_per_s")
			positive("ceiling_db_single_commits_per_s")
			positive("server_cpu_us_per_push")
			if res.Metrics["errors"] != 0 {
				t.Errorf("connect: %v pushes not answered success", res.Metrics["errors"])
			}
		case "flood":
			positive("bystander_received")
			positive("bystander_p99_ms")
			// The limits answered the flood somehow: frames, 429s, or
			// refused connections (which of them depends on timing).
			if res.Metrics["rate_limited_frames"]+res.Metrics["rate_limited_http"]+res.Metrics["connections_refused"] == 0 {
				t.Errorf("flood: the abuse limits refused nothing")
			}
			positive("connection_attempts_per_s")
			positive("server_cpu_us_per_op")
		case "crowd":
			// A step was measured (whether it passed is a timing).
			if len(res.Table) < 2 || len(res.Latency) == 0 {
				t.Errorf("crowd: no step was measured")
			}
		}
	}
	want := map[string]int{"e2e": 1, "ingest": 1, "conns": 1, "push": 2, "crowd": 1, "connect": 1, "flood": 1}
	if os.Getenv("KEFU_TEST_POSTGRES") != "" {
		want["ingest"] = 2
	}
	for s, n := range want {
		if seen[s] != n {
			t.Errorf("%d results of %s, want %d", seen[s], s, n)
		}
	}
}
