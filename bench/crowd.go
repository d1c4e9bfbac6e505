package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// crowd: a capacity search. Step by step, mini programs are added, each
// with its agents (5 sessions each) and 5 customers per agent; every
// customer sends a message every 10 seconds and the agent answers it. A
// step passes while user→agent p99 stays within 200 ms and failures within
// 0.1%; the supported number is the last step that passed.
func (r *run) crowd(ctx context.Context) ([]*Result, error) {
	perApp := r.agentsPerApp(pick(r, 10, 5))
	usersPerApp := 5 * perApp
	maxUsers := r.cfg.MaxCrowd
	if maxUsers <= 0 {
		maxUsers = pick(r, 14000, 100)
	}
	// Keep the connections (customers and agents, on both ends) under the
	// open-files limit.
	byFiles := false
	if lim := int(fileLimit()); lim > 0 && maxUsers > (lim-1500)*5/6 {
		maxUsers, byFiles = (lim-1500)*5/6, true
	}
	steps := pick(r, []int{1000, 2000, 4000, 6000, 8000, 10000, 12000, 14000}, []int{50, 100})
	d := pick(r, 20*time.Second, 3*time.Second)
	if r.cfg.Duration > 0 {
		d = r.cfg.Duration
	}
	const interval = 10 * time.Second
	const p99Limit, errLimit = 200.0, 0.001

	maxApps := (maxUsers + usersPerApp - 1) / usersPerApp
	res := newResult("crowd", "sqlite")
	res.Params = map[string]any{"agents_per_app": perApp, "users_per_app": usersPerApp, "send_interval_s": interval.Seconds(),
		"window_s": d.Seconds(), "p99_limit_ms": p99Limit, "error_limit": errLimit}

	st, err := r.newStore(ctx, "sqlite", "crowd")
	if err != nil {
		return nil, err
	}
	r.progress("crowd: preparing %d apps and %d agents", maxApps, maxApps*perApp)
	fx, err := prepare(ctx, st.path(), slices.Repeat([]appSpec{{agents: perApp}}, maxApps))
	if err != nil {
		return nil, err
	}
	srv, err := r.startKefu(ctx, "crowd-kefu", st.dataDir, "", false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ch := newChat(r, newTarget(srv.URL))
	defer ch.close()

	res.row("users", "agents", "msgs/s", "u→a p50", "u→a p99", "u→a max", "a→u p99", "errors", "server cores", "others' cores", "server RSS MB", "")
	supported, apps := 0, 0
	for _, target := range steps {
		target = min(target, maxUsers)
		want := (target + usersPerApp - 1) / usersPerApp
		if want <= apps {
			continue
		}
		r.progress("crowd: growing to %d users and %d agents", want*usersPerApp, want*perApp)
		if err := ch.addAgents(ctx, fx.agents[apps*perApp:want*perApp]); err != nil {
			res.note("could not add agents at %d users: %v", want*usersPerApp, err)
			break
		}
		before := len(ch.users)
		if err := ch.addUsers(ctx, fx.apps[apps:want], usersPerApp); err != nil {
			res.note("could not add users at %d: %v", want*usersPerApp, err)
			break
		}
		apps = want
		if err := ch.waitActive(ctx, 3*time.Minute); err != nil {
			res.note("at %d users: %v", len(ch.users), err)
			break
		}
		ch.startSending(ch.users[before:], interval)
		time.Sleep(pick(r, interval, 2*time.Second)) // every new customer has sent once
		w := ch.measure(ctx, srv, fmt.Sprintf("crowd-%d", len(ch.users)), d, 5*time.Second)
		users, agents := len(ch.users), len(ch.agents)
		pass := w.u2a.P99 <= p99Limit && w.errorRate() <= errLimit && w.u2a.N > 0
		verdict := "ok"
		if !pass {
			verdict = "over"
		}
		res.row(fmt.Sprint(users), fmt.Sprint(agents), fint(float64(w.u2aRecv+w.a2uRecv)/d.Seconds()), fms(w.u2a.P50), fms(w.u2a.P99),
			fms(w.u2a.Max), fms(w.a2u.P99), fmt.Sprintf("%.3f%%", 100*w.errorRate()), fmt.Sprintf("%.2f", w.serverCores),
			fmt.Sprintf("%.2f", w.otherCores), fint(srv.rssBytes()/(1<<20)), verdict)
		res.Latency[fmt.Sprintf("user_to_agent_at_%d", users)] = w.u2a
		r.progress("crowd: %d users: user→agent p99 %s ms, errors %.3f%%: %s", users, fms(w.u2a.P99), 100*w.errorRate(), verdict)
		if !pass {
			if e := ch.lastError(); e != "" {
				res.note("last error: %s", e)
			}
			break
		}
		supported = users
		res.Metrics["supported_agents"] = float64(agents)
		res.Metrics["u2a_p99_ms_at_supported"] = w.u2a.P99
		res.Metrics["msgs_per_s_at_supported"] = float64(w.u2aRecv+w.a2uRecv) / d.Seconds()
		res.Metrics["server_cores_at_supported"] = w.serverCores
		if users >= maxUsers {
			why := "the largest this run tries (--max-crowd)"
			if byFiles {
				why = "the limit of open files per process, not Kefu"
			}
			res.note("stopped at %d users, %s: Kefu's own limit is higher", users, why)
			break
		}
	}
	res.Metrics["supported_users"] = float64(supported)
	res.note("supported: %d concurrent chatting users (target ≥ 10,000: %s)", supported, okText(supported >= 10000))
	return []*Result{res}, nil
}
