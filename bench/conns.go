package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// conns: hold many idle customer connections and weigh them — the server's
// resident memory (VmRSS) and its Go heap and stacks in use, after a
// garbage collection, before and after, divided by the number of
// connections. Ceiling: as many bare connections of the same WebSocket
// library to a trivial server process, weighed the same way.
func (r *run) conns(ctx context.Context) ([]*Result, error) {
	n := r.cfg.Conns
	if n <= 0 {
		n = pick(r, 15000, 500)
	}
	if lim := int(fileLimit()); lim > 0 && n > lim-1000 {
		n = lim - 1000
	}
	hold := pick(r, 10*time.Second, 2*time.Second)
	res := newResult("conns", "sqlite")
	res.Params = map[string]any{"connections": n, "hold_s": hold.Seconds()}

	st, err := r.newStore(ctx, "sqlite", "conns")
	if err != nil {
		return nil, err
	}
	fx, err := prepare(ctx, st.path(), []appSpec{{}})
	if err != nil {
		return nil, err
	}
	// pprof is on so the bench can make the server collect garbage before
	// weighing it.
	srv, err := r.startKefu(ctx, "conns-kefu", st.dataDir, "", true)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	t := newTarget(srv.URL)
	r.progress("conns: %d customers identify", n)
	tokens := make([]string, n)
	if err := parallel(ctx, n, 32, func(ctx context.Context, i int) error {
		var err error
		tokens[i], err = t.identify(ctx, fx.apps[0].ID, visitorID("bench-idle", i))
		return err
	}); err != nil {
		return nil, err
	}
	kefu, err := r.weigh(ctx, srv, n, hold, func(ctx context.Context, i int) (*websocket.Conn, error) {
		return t.dialUser(ctx, tokens[i], i)
	}, func() memory {
		srv.gc()
		m := srv.metrics("go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines")
		return memory{rss: srv.rssBytes(), heap: m["go_memstats_heap_inuse_bytes"] + m["go_memstats_stack_inuse_bytes"],
			stack: m["go_memstats_stack_inuse_bytes"], goroutines: m["go_goroutines"]}
	})
	if err != nil {
		return nil, err
	}
	srv.stop()

	r.progress("conns: ceiling: %d bare connections", n)
	helper, err := r.startHelper(ctx, "ws-echo")
	if err != nil {
		return nil, err
	}
	defer helper.stop()
	ht := newTarget(helper.URL)
	bare, err := r.weigh(ctx, helper, n, hold, func(ctx context.Context, i int) (*websocket.Conn, error) {
		return ht.dialWS(ctx, "/idle", nil, i)
	}, func() memory {
		http.Get(helper.URL + "/gc")
		var m struct {
			Heap  float64 `json:"heap_inuse"`
			Stack float64 `json:"stack_inuse"`
		}
		if resp, err := http.Get(helper.URL + "/mem"); err == nil {
			json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
		}
		return memory{rss: helper.rssBytes(), heap: m.Heap + m.Stack, stack: m.Stack}
	})
	if err != nil {
		return nil, err
	}

	res.Metrics["connections"] = float64(kefu.open)
	res.Metrics["rss_bytes_per_conn"] = kefu.rssPer
	res.Metrics["heap_bytes_per_conn"] = kefu.heapPer
	res.Metrics["goroutines_per_conn"] = kefu.goroutinesPer
	res.Metrics["stack_bytes_per_conn"] = kefu.stackPer
	res.Metrics["ceiling_stack_bytes_per_conn"] = bare.stackPer
	res.Metrics["server_rss_mb"] = kefu.after.rss / (1 << 20)
	res.Metrics["ceiling_rss_bytes_per_conn"] = bare.rssPer
	res.Metrics["ceiling_heap_bytes_per_conn"] = bare.heapPer
	res.Metrics["connect_per_s"] = kefu.connectRate
	res.Metrics["ceiling_connect_per_s"] = bare.connectRate
	res.row("", "open", "RSS KB/conn", "Go heap+stacks KB/conn", "server RSS MB", "connects/s")
	res.row("Kefu: idle customer connections", fmt.Sprint(kefu.open), kb(kefu.rssPer), kb(kefu.heapPer), fint(kefu.after.rss/(1<<20)), fint(kefu.connectRate))
	res.row("ceiling: bare coder/websocket", fmt.Sprint(bare.open), kb(bare.rssPer), kb(bare.heapPer), fint(bare.after.rss/(1<<20)), fint(bare.connectRate))
	res.note("target: ≤ 20 KB of server memory per idle connection at 15,000: %.1f KB RSS, %s (%.0f per GiB); %.1f× the bare library",
		kefu.rssPer/1024, okText(kefu.rssPer <= 20*1024 && n >= 15000), (1<<30)/max(kefu.rssPer, 1), ratio(kefu.rssPer, bare.rssPer))
	res.note("goroutines per connection: %.2f; of the Go memory, stacks: %.1f KB a connection (bare: %.1f KB)",
		kefu.goroutinesPer, kefu.stackPer/1024, bare.stackPer/1024)
	return []*Result{res}, nil
}

type memory struct {
	rss, heap, stack, goroutines float64 // heap includes the stacks
}

type weighed struct {
	open                           int
	before, after                  memory
	rssPer, heapPer, goroutinesPer float64
	stackPer                       float64
	connectRate                    float64
}

func kb(b float64) string { return fmt.Sprintf("%.1f", b/1024) }

// weigh opens n connections with dial, waits until each has had its first
// frame (Kefu's "synced"; the bare server sends nothing, so there it waits
// for the dial), holds them, and weighs the server before and after.
func (r *run) weigh(ctx context.Context, p *process, n int, hold time.Duration,
	dial func(ctx context.Context, i int) (*websocket.Conn, error), measure func() memory) (weighed, error) {
	var w weighed
	w.before = measure()
	conns := make([]*websocket.Conn, n)
	defer closeAll(conns)
	var synced, closed atomic.Int64
	start := time.Now()
	var last atomic.Int64
	err := parallel(ctx, n, 64, func(ctx context.Context, i int) error {
		c, err := dial(ctx, i)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns[i] = c
		go func() {
			first := true
			for {
				_, data, err := c.Read(context.Background())
				if err != nil {
					closed.Add(1)
					return
				}
				if first && frameType(data) == "synced" {
					first = false
					synced.Add(1)
				}
			}
		}()
		if k := last.Add(1); k%2000 == 0 {
			r.progress("%s: %d connections", p.name, k)
		}
		return nil
	})
	if err != nil {
		return w, err
	}
	w.connectRate = float64(n) / time.Since(start).Seconds()
	if p.pprof != "" { // Kefu: wait for every connection's backlog to be sent
		deadline := time.Now().Add(60 * time.Second)
		for synced.Load() < int64(n) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	r.progress("%s: %d connections open, holding %s", p.name, n, hold)
	time.Sleep(hold)
	w.after = measure()
	w.open = n - int(closed.Load())
	w.rssPer = (w.after.rss - w.before.rss) / float64(n)
	w.heapPer = (w.after.heap - w.before.heap) / float64(n)
	w.goroutinesPer = (w.after.goroutines - w.before.goroutines) / float64(n)
	w.stackPer = (w.after.stack - w.before.stack) / float64(n)
	return w, nil
}
