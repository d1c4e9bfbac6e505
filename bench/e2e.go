package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"
)

// e2e: customers and agents in active sessions; customers send at a fixed
// total rate and the agent serving each session answers every message.
// Ceiling: the same client code against a bare WebSocket echo server, at the
// same rates on the same number of connections; and one SQLite commit,
// since every message is committed before anyone sees it.
func (r *run) e2e(ctx context.Context) ([]*Result, error) {
	perApp := r.agentsPerApp(pick(r, 10, 5))
	users := r.cfg.Users
	if users <= 0 {
		users = pick(r, 1000, 100)
	}
	apps := max(users/(5*perApp), 1)
	users = apps * 5 * perApp
	rate := r.cfg.Rate
	if rate <= 0 {
		rate = pick(r, 2000, 200)
	}
	interval := time.Duration(float64(time.Second) * float64(users) / float64(rate))
	d := r.phase()

	res := newResult("e2e", "sqlite")
	res.Params = map[string]any{"users": users, "agents": apps * perApp, "apps": apps, "agents_per_app": perApp,
		"rate_per_s": rate, "window_s": d.Seconds()}

	st, err := r.newStore(ctx, "sqlite", "e2e")
	if err != nil {
		return nil, err
	}
	fx, err := prepare(ctx, st.path(), slices.Repeat([]appSpec{{agents: perApp}}, apps))
	if err != nil {
		return nil, err
	}
	srv, err := r.startKefu(ctx, "e2e-kefu", st.dataDir, "", false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ch := newChat(r, newTarget(srv.URL))
	defer ch.close()
	r.progress("e2e: %d agents sign in, %d customers open sessions", len(fx.agents), users)
	if err := ch.addAgents(ctx, fx.agents); err != nil {
		return nil, err
	}
	if err := ch.addUsers(ctx, fx.apps, 5*perApp); err != nil {
		return nil, err
	}
	if err := ch.waitActive(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	r.progress("e2e: %d sessions active; sending %d messages/s", users, rate)
	ch.startSending(ch.users, interval)
	time.Sleep(pick(r, 3*time.Second, time.Second))
	w := ch.measure(ctx, srv, "e2e-kefu", d, 5*time.Second)
	ch.close()
	rss := srv.rssBytes()
	srv.stop()

	r.progress("e2e: ceiling: bare WebSocket echo, same connections and rates")
	echo, err := r.echoCeiling(ctx, users, len(fx.agents), rate, d)
	if err != nil {
		return nil, err
	}
	commit, err := sqliteCommitLatency(ctx, filepath.Join(r.tmp, "e2e-commit"), pick(r, 500, 100))
	if err != nil {
		return nil, err
	}

	res.Latency["user_to_agent"], res.Latency["agent_to_user"] = w.u2a, w.a2u
	res.Latency["echo_ceiling"], res.Latency["sqlite_commit"] = echo.lat, commit
	tput := float64(w.u2aRecv+w.a2uRecv) / d.Seconds()
	res.Metrics["throughput_msgs_per_s"] = tput
	res.Metrics["user_msgs_per_s"] = float64(w.u2aRecv) / d.Seconds()
	res.Metrics["errors"] = float64(w.errors)
	res.Metrics["error_rate"] = w.errorRate()
	res.Metrics["u2a_p99_ms"], res.Metrics["a2u_p99_ms"] = w.u2a.P99, w.a2u.P99
	res.Metrics["echo_p99_ms"], res.Metrics["commit_p99_ms"] = echo.lat.P99, commit.P99
	res.Metrics["server_cores"], res.Metrics["bench_cores"] = w.serverCores, w.benchCores
	res.Metrics["other_processes_cores"] = w.otherCores
	res.Metrics["server_cpu_us_per_msg"] = 1e6 * ratio(w.serverCores, tput)
	res.Metrics["server_rss_mb"] = rss / (1 << 20)
	budget := echo.lat.P99 + commit.P99 + 5
	res.Metrics["p99_budget_ms"] = budget

	res.row("path", "msgs/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost/errors")
	res.row("user → agent", fint(float64(w.u2aRecv)/d.Seconds()), fms(w.u2a.P50), fms(w.u2a.P99), fms(w.u2a.P999), fms(w.u2a.Max),
		fmt.Sprint(max(w.u2aSent-w.u2aRecv, 0)))
	res.row("agent → user", fint(float64(w.a2uRecv)/d.Seconds()), fms(w.a2u.P50), fms(w.a2u.P99), fms(w.a2u.P999), fms(w.a2u.Max),
		fmt.Sprint(max(w.a2uSent-w.a2uRecv, 0)))
	res.row("ceiling: ws echo RTT", fint(echo.rate), fms(echo.lat.P50), fms(echo.lat.P99), fms(echo.lat.P999), fms(echo.lat.Max), fmt.Sprint(echo.errors))
	res.row("one SQLite commit", "", fms(commit.P50), fms(commit.P99), fms(commit.P999), fms(commit.Max), "")
	res.note("server CPU per message delivered: %.0f µs", 1e6*ratio(w.serverCores, tput))
	res.note("%d users, %d agents (%d per app, 5 sessions each); server %.2f cores, bench %.2f cores, other processes %.2f cores; all errors %d",
		users, len(fx.agents), perApp, w.serverCores, w.benchCores, w.otherCores, w.errors)
	res.note("targets: user→agent p99 %.2f ms ≤ 10 ms: %s; ≤ echo p99 + commit p99 + 5 ms = %.2f ms: %s",
		w.u2a.P99, okText(w.u2a.P99 <= 10), budget, okText(w.u2a.P99 <= budget))
	if e := ch.lastError(); e != "" {
		res.note("last error: %s", e)
	}
	return []*Result{res}, nil
}

func (r *run) agentsPerApp(def int) int {
	if r.cfg.AgentsPerApp > 0 {
		return r.cfg.AgentsPerApp
	}
	return def
}

func okText(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// echoResult is a ceiling run against the bare echo server.
type echoResult struct {
	rate   float64 // frames echoed per second
	lat    Latency // round trips
	errors int64
}

// echoCeiling opens users+agents connections to a bare WebSocket echo
// server; the first users send rate frames a second in all, the agents
// another rate (as agents answer every message), and each round trip is
// timed from its intended send time — the e2e load without Kefu.
func (r *run) echoCeiling(ctx context.Context, users, agents, rate int, d time.Duration) (echoResult, error) {
	helper, err := r.startHelper(ctx, "ws-echo")
	if err != nil {
		return echoResult{}, err
	}
	defer helper.stop()
	t := newTarget(helper.URL)
	conns, err := t.dialEchoes(ctx, users+agents)
	if err != nil {
		return echoResult{}, err
	}
	ch := newChat(r, t)
	ch.join(conns, ch.onEcho)
	// Users at rate in all, agents at rate in all.
	ch.startSending(ch.users[:users], time.Duration(float64(time.Second)*float64(users)/float64(rate)))
	ch.startSending(ch.users[users:], time.Duration(float64(time.Second)*float64(agents)/float64(rate)))
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	w := ch.measure(ctx, helper, "e2e-echo", d, 3*time.Second)
	ch.close()
	return echoResult{rate: float64(w.u2aRecv) / d.Seconds(), lat: w.u2a, errors: w.errors}, nil
}

// onEcho times the frames the echo server sends back.
func (ch *chat) onEcho(_ *chatUser, data []byte) {
	var f userFrame // the echoed send frame has the same shape
	if json.Unmarshal(data, &f) != nil || f.Message == nil || f.Message.Text == nil {
		return
	}
	if s, ok := parseStamp(f.Message.Text.Content); ok && ch.u2a.inWindow(s.Intended) {
		ch.u2a.add(s.Intended, time.Now())
		ch.u2aRecv.Add(1)
	}
}
