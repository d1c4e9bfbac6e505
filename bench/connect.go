package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/sqlstore"
	"github.com/kefuhq/kefu/wechat"
)

// connect: WeChat pushing a real mini program's messages to Kefu's
// /connect/{appid} — signed safe-mode (AES) JSON pushes, each answered
// "success" once the message is committed. Throughput: 32 senders, each as
// fast as answered. Latency: half that rate, open loop, timed from the
// intended send to the answer. Ceilings, in the same run: the same signed
// requests against a bare HTTP server on loopback that reads the body and
// answers "success" (the HTTP round trip), and the database alone (single
// and batched durable commits).
func (r *run) connect(ctx context.Context) ([]*Result, error) {
	d := r.phase()
	const senders = 32
	users := pick(r, 512, 64)
	st, err := r.newStore(ctx, "sqlite", "connect")
	if err != nil {
		return nil, err
	}
	app, err := prepareConnected(ctx, st.path())
	if err != nil {
		return nil, err
	}
	srv, err := r.startKefu(ctx, "connect-kefu", st.dataDir, "", false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ep, err := connector.Endpoint(app)
	if err != nil {
		return nil, err
	}
	res := newResult("connect", "sqlite, safe mode, json")
	res.Params = map[string]any{"senders": senders, "customers": users, "mode": "safe", "format": "json", "window_s": d.Seconds()}
	w := &wechatSim{ep: ep, url: connector.URL(srv.URL, app.ID), users: users, client: benchHTTPClient()}
	w.msgID.Store(1 << 40)

	// Every customer's first push creates them: not what is measured.
	r.progress("connect: %d customers write their first message", users)
	for i := range users {
		if !w.pushOnce(ctx, i, time.Now()) {
			return nil, fmt.Errorf("the first push of customer %d was not answered success", i)
		}
	}
	r.progress("connect: %d senders push as fast as answered for %s", senders, d)
	cpu := startCPU(srv)
	wait := r.profile(srv, "connect-kefu", d)
	rate, rtt, errs := w.run(ctx, senders, 0, d)
	serverCores, benchCores := cpu.cores()
	others := cpu.others()
	wait()
	half := max(rate/2, 1)
	r.progress("connect: latency at %.0f pushes/s", half)
	_, lat, errs2 := w.run(ctx, senders, half, d)

	r.progress("connect: ceilings: a bare HTTP server, then the database alone")
	bare, err := startBare()
	if err != nil {
		return nil, err
	}
	defer bare.Close()
	wb := &wechatSim{ep: ep, url: bare.url, users: users, client: benchHTTPClient()}
	ceilRate, ceilRTT, _ := wb.run(ctx, senders, 0, d)
	_, ceilLat, _ := wb.run(ctx, senders, half, d)
	dbc, err := r.measureDB(ctx, "sqlite", senders, pick(r, d, time.Second))
	if err != nil {
		return nil, err
	}

	res.Metrics["pushes_per_s"] = rate
	res.Metrics["errors"] = float64(errs + errs2)
	res.Metrics["answer_p99_ms"] = lat.P99
	res.Metrics["latency_rate_per_s"] = half
	res.Metrics["ceiling_http_round_trips_per_s"] = ceilRate
	res.Metrics["ceiling_db_single_commits_per_s"] = dbc.single
	res.Metrics["ceiling_db_batched_rows_per_s"] = dbc.batched
	res.Metrics["ratio_to_http_ceiling"] = ratio(rate, ceilRate)
	res.Metrics["ratio_to_db_batched"] = ratio(rate, dbc.batched)
	res.Metrics["server_cores"], res.Metrics["bench_cores"] = serverCores, benchCores
	res.Metrics["other_processes_cores"] = others
	res.Metrics["server_cpu_us_per_push"] = 1e6 * ratio(serverCores, rate)
	res.Latency["kefu_answer_at_max"], res.Latency["kefu_answer"] = rtt, lat
	res.Latency["ceiling_http_at_max"], res.Latency["ceiling_http"] = ceilRTT, ceilLat
	res.row("", "per second", "of ceiling", "p50 ms", "p99 ms", "max ms")
	res.row(fmt.Sprintf("Kefu: pushes answered success (max, %d at once)", senders), fint(rate), fpct(ratio(rate, ceilRate)), fms(rtt.P50), fms(rtt.P99), fms(rtt.Max))
	res.row(fmt.Sprintf("Kefu: answer at %.0f/s", half), "", "", fms(lat.P50), fms(lat.P99), fms(lat.Max))
	res.row("ceiling: bare HTTP round trips (max)", fint(ceilRate), "", fms(ceilRTT.P50), fms(ceilRTT.P99), fms(ceilRTT.Max))
	res.row(fmt.Sprintf("ceiling: bare HTTP at %.0f/s", half), "", "", fms(ceilLat.P50), fms(ceilLat.P99), fms(ceilLat.Max))
	res.row("ceiling: DB single-row commits", fint(dbc.single), "", "", "", "")
	res.row("ceiling: DB batched insert (256/tx)", fint(dbc.batched), "", "", "", "")
	res.note("every push is answered after its commit, far inside WeChat's 5 s: p99 %.1f ms at %.0f/s, %s", lat.P99, half, okText(lat.P99 < 500))
	res.note("server %.2f cores (%.0f µs of CPU a push), bench %.2f cores, other processes %.2f cores; %d errors",
		serverCores, 1e6*ratio(serverCores, rate), benchCores, others, errs+errs2)
	return []*Result{res}, nil
}

// prepareConnected creates a connected app with no relay: its customers'
// messages go to the queue, as they would for a team answering everything
// at the desk.
func prepareConnected(ctx context.Context, dsn string) (*kefu.App, error) {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	eng := engine.New(st, bus.NewLocal(), kefu.SystemClock{}, nil, nil, engine.Config{})
	a := &kefu.App{ID: "wxbenchconnect0001", OriginalID: "gh_benchconnect1", Name: "Bench connected", Secret: engine.NewSecret(16),
		Upstream: &kefu.Upstream{BaseURL: "http://127.0.0.1:1", Token: "benchtoken", EncodingAESKey: engine.NewAlnum(43),
			Mode: kefu.PushSafe, Format: kefu.PushJSON}}
	if err := eng.CreateApp(ctx, a); err != nil {
		return nil, fmt.Errorf("create connected app: %w", err)
	}
	return a, nil
}

func benchHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// wechatSim sends pushes as WeChat does: signed, encrypted, a fresh MsgId
// each, from a pool of customers.
type wechatSim struct {
	ep     wechat.Endpoint
	url    string
	users  int
	client *http.Client
	msgID  atomic.Int64
}

// run sends with senders at once, each as fast as answered (rate 0) or all
// together at rate per second (open loop), for d; it returns the answered
// pushes per second, their latency and the failures.
func (w *wechatSim) run(ctx context.Context, senders int, rate float64, d time.Duration) (float64, Latency, int) {
	var ok, failed atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			next := start
			if rate > 0 {
				next = start.Add(time.Duration(float64(s) * float64(time.Second) / rate))
			}
			for i := s; time.Since(start) < d && ctx.Err() == nil; i += senders {
				if rate > 0 {
					time.Sleep(time.Until(next))
				} else {
					next = time.Now()
				}
				if w.pushOnce(ctx, i%w.users, next) {
					mine = append(mine, time.Since(next))
					ok.Add(1)
				} else {
					failed.Add(1)
				}
				if rate > 0 {
					next = next.Add(time.Duration(float64(senders) * float64(time.Second) / rate))
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return float64(ok.Load()) / time.Since(start).Seconds(), summarise(lats), int(failed.Load())
}

// pushOnce sends one text push of customer u and reports whether it was
// answered success.
func (w *wechatSim) pushOnce(ctx context.Context, u int, at time.Time) bool {
	m := &wechat.Message{ToUserName: w.ep.OriginalID, FromUserName: fmt.Sprintf("obenchconnect%015d", u), CreateTime: at.Unix(),
		MsgType: wechat.MsgTypeText, MsgID: w.msgID.Add(1), Content: "你好，我想问一下订单"}
	q, body, err := wechat.BuildPush(w.ep, m, strconv.FormatInt(at.Unix(), 10), wechat.NewNonce())
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", w.ep.Format.ContentType())
	resp, err := w.client.Do(req)
	if err != nil {
		return false
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	resp.Body.Close()
	return err == nil && resp.StatusCode == http.StatusOK && string(reply) == "success"
}

// bareServer is the HTTP ceiling: it reads the body and answers success.
type bareServer struct {
	url string
	srv *http.Server
}

func startBare() (*bareServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &bareServer{url: "http://" + ln.Addr().String() + "/connect/bare"}
	b.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "success")
	})}
	go b.srv.Serve(ln)
	return b, nil
}

func (b *bareServer) Close() { b.srv.Close() }
