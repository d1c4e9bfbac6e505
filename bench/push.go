package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/push"
	"github.com/kefuhq/kefu/wechat"
)

// push: customers' messages delivered to a developer's push URL in safe
// (AES) mode, in JSON and in XML. The developer hook runs in this process
// on the wechat package (wechat.Handler: verify, decrypt, decode,
// deduplicate, answer "success"); Kefu records every try in its push log.
// Throughput: customers send as fast as Kefu acknowledges, and the hook's
// receipts are counted. Latency: customers send at half that rate (open
// loop), timed from the intended send to the hook's receipt. Ceiling: the
// same pushes — built, signed and encrypted with the same package — sent
// straight to the same hook by as many concurrent requests as Kefu's push
// worker uses (64), without Kefu.
func (r *run) push(ctx context.Context) ([]*Result, error) {
	d := r.phase()
	users := pick(r, 128, 32)
	h, err := startHook()
	if err != nil {
		return nil, err
	}
	defer h.close()
	st, err := r.newStore(ctx, "sqlite", "push")
	if err != nil {
		return nil, err
	}
	formats := []kefu.PushFormat{kefu.PushJSON, kefu.PushXML}
	specs := make([]appSpec, len(formats))
	for i, f := range formats {
		specs[i] = appSpec{pushURL: h.url + "/hook/", format: f}
	}
	fx, err := prepare(ctx, st.path(), specs)
	if err != nil {
		return nil, err
	}
	for _, app := range fx.apps {
		if err := h.add(app); err != nil {
			return nil, err
		}
	}
	srv, err := r.startKefu(ctx, "push-kefu", st.dataDir, "", false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	var results []*Result
	for i, app := range fx.apps {
		res, err := r.pushFormat(ctx, srv, h, app, formats[i], users, d)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

func (r *run) pushFormat(ctx context.Context, srv *process, h *hook, app *kefu.App, format kefu.PushFormat, users int, d time.Duration) (*Result, error) {
	res := newResult("push", "sqlite, safe mode, "+string(format))
	res.Params = map[string]any{"customers": users, "mode": "safe", "format": format, "window_s": d.Seconds(), "ceiling_concurrency": 64}
	t := newTarget(srv.URL)
	m0 := srv.metrics(`kefu_push_attempts_total{result="delivered"}`, `kefu_push_attempts_total{result="failed"}`)

	// Throughput.
	conns, err := t.dialUsers(ctx, app.ID, users, "push-"+string(format))
	if err != nil {
		return nil, err
	}
	r.progress("push (%s): %d customers send as fast as acknowledged", format, users)
	f := newFlood(conns, 1, isKefuAck)
	time.Sleep(200 * time.Millisecond)
	f.start()
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	h0 := h.received.Load()
	cpu := startCPU(srv)
	wait := r.profile(srv, "push-"+string(format)+"-kefu", d)
	ingest, _, errs := f.measure(ctx, r, "push "+string(format), d)
	pushRate := float64(h.received.Load()-h0) / d.Seconds()
	serverCores, benchCores := cpu.cores()
	others := cpu.others()
	f.stop()
	wait()
	// Let the outbox drain before the latency phase; with no new messages
	// competing for the store, the backlog drains at the push rate alone.
	r.progress("push (%s): %.0f pushes/s; waiting for the outbox to drain", format, pushRate)
	d0, t0 := h.received.Load(), time.Now()
	if err := h.drain(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	// Timed only when there was a backlog worth timing, less the quiet
	// second drain waits for.
	drainRate := 0.0
	if el := time.Since(t0).Seconds() - 1; el >= 2 {
		drainRate = float64(h.received.Load()-d0) / el
	}

	// Latency at half the throughput, open loop.
	rate := max(pushRate/2, 1)
	ch := newChat(r, t)
	defer ch.close()
	if conns, err = t.dialUsers(ctx, app.ID, users, "push-"+string(format)); err != nil {
		return nil, err
	}
	ch.join(conns, ch.onUserFrame)
	r.progress("push (%s): latency at %.0f messages/s", format, rate)
	ch.startSending(ch.users, time.Duration(float64(time.Second)*float64(users)/rate))
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	h.lat.open(time.Now())
	time.Sleep(d)
	h.lat.close(time.Now())
	ch.close()
	h.drain(ctx, 30*time.Second)
	lat := h.lat.stats()
	m1 := srv.metrics(`kefu_push_attempts_total{result="delivered"}`, `kefu_push_attempts_total{result="failed"}`)
	delivered := m1[`kefu_push_attempts_total{result="delivered"}`] - m0[`kefu_push_attempts_total{result="delivered"}`]
	failed := m1[`kefu_push_attempts_total{result="failed"}`] - m0[`kefu_push_attempts_total{result="failed"}`]

	// Ceiling: the same pushes without Kefu.
	r.progress("push (%s): ceiling: the same round trips without Kefu", format)
	ep, err := push.Endpoint(app)
	if err != nil {
		return nil, err
	}
	ceilRate, ceilRTT := h.direct(ctx, app.ID, ep, 64, 0, d)
	h.lat.open(time.Now())
	h.direct(ctx, app.ID, ep, users, rate, d)
	h.lat.close(time.Now())
	ceilLat := h.lat.stats()

	res.Metrics["pushes_per_s"] = pushRate
	res.Metrics["ingest_per_s"] = ingest
	res.Metrics["drain_pushes_per_s"] = drainRate
	res.Metrics["ceiling_round_trips_per_s"] = ceilRate
	res.Metrics["ratio_to_ceiling"] = ratio(pushRate, ceilRate)
	res.Metrics["delivered_logged"] = delivered
	res.Metrics["failed_logged"] = failed
	res.Metrics["errors"] = float64(errs) + failed
	res.Metrics["latency_rate_per_s"] = rate
	res.Metrics["server_cores"], res.Metrics["bench_cores"] = serverCores, benchCores
	res.Metrics["other_processes_cores"] = others
	res.Metrics["server_cpu_us_per_push"] = 1e6 * ratio(serverCores, pushRate)
	res.Latency["kefu_send_to_hook"], res.Latency["ceiling_send_to_hook"], res.Latency["ceiling_round_trip_at_max"] = lat, ceilLat, ceilRTT
	res.row("", "per second", "p50 ms", "p99 ms", "max ms")
	res.row("Kefu: pushes received by the hook (max)", fint(pushRate), "", "", "")
	res.row("Kefu: backlog drained, nothing new coming", fint(drainRate), "", "", "")
	res.row(fmt.Sprintf("Kefu: send → hook at %.0f/s", rate), "", fms(lat.P50), fms(lat.P99), fms(lat.Max))
	res.row("ceiling: direct round trips (max, 64 at once)", fint(ceilRate), fms(ceilRTT.P50), fms(ceilRTT.P99), fms(ceilRTT.Max))
	res.row(fmt.Sprintf("ceiling: send → hook at %.0f/s", rate), "", fms(ceilLat.P50), fms(ceilLat.P99), fms(ceilLat.Max))
	res.note("target: ≥ 80%% of the bare round-trip ceiling: %.0f%%, %s", 100*ratio(pushRate, ceilRate), okText(ratio(pushRate, ceilRate) >= 0.8))
	res.note("push log: %.0f delivered, %.0f failed; customers' messages acked at %.0f/s meanwhile; server %.2f cores, bench %.2f cores, other processes %.2f cores",
		delivered, failed, ingest, serverCores, benchCores, others)
	return res, nil
}

// drain waits until Kefu has no push left to send: the hook has seen no
// new push for a second.
func (h *hook) drain(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last, still := h.received.Load(), 0
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		n := h.received.Load()
		if n == last {
			if still++; still >= 4 {
				return nil
			}
		} else {
			last, still = n, 0
		}
	}
	return fmt.Errorf("the push outbox did not drain within %s", timeout)
}

// hook is the developer's push URL: one wechat.Handler per app.
type hook struct {
	url      string
	srv      *http.Server
	mu       sync.Mutex
	handlers map[string]*wechat.Handler
	received atomic.Int64
	lat      recorder
	msgID    atomic.Int64
	client   *http.Client
}

func startHook() (*hook, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	h := &hook{url: "http://" + ln.Addr().String(), handlers: map[string]*wechat.Handler{}}
	h.msgID.Store(1 << 52)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	h.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	h.srv = &http.Server{Handler: http.HandlerFunc(h.serve), ReadHeaderTimeout: 10 * time.Second}
	go h.srv.Serve(ln)
	return h, nil
}

func (h *hook) close() { h.srv.Close() }

// add configures the handler of an app's push URL.
func (h *hook) add(app *kefu.App) error {
	ep, err := push.Endpoint(app)
	if err != nil {
		return err
	}
	hd := wechat.NewHandler(ep, func(ctx context.Context, m *wechat.Message) (wechat.ReplyKind, error) {
		h.received.Add(1)
		if s, ok := parseStamp(m.Content); ok {
			h.lat.add(s.Intended, time.Now())
		}
		return wechat.ReplySuccess, nil
	})
	h.mu.Lock()
	h.handlers[app.ID] = hd
	h.mu.Unlock()
	return nil
}

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	appID := strings.TrimPrefix(r.URL.Path, "/hook/")
	h.mu.Lock()
	hd := h.handlers[appID]
	h.mu.Unlock()
	if hd == nil {
		http.NotFound(w, r)
		return
	}
	hd.ServeHTTP(w, r)
}

// direct sends pushes for app straight to the hook, built as Kefu builds
// them: workers at once, each as fast as answered (rate 0) or all together
// at rate per second (open loop). It returns the round trips per second and
// their latency.
func (h *hook) direct(ctx context.Context, appID string, ep wechat.Endpoint, workers int, rate float64, d time.Duration) (float64, Latency) {
	var n atomic.Int64
	var rtt recorder
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := start
			if rate > 0 {
				next = start.Add(time.Duration(float64(w) * float64(time.Second) / rate))
			}
			for time.Since(start) < d && ctx.Err() == nil {
				if rate > 0 {
					time.Sleep(time.Until(next))
				} else {
					next = time.Now()
				}
				if h.pushOnce(ctx, appID, ep, next) {
					rtt.addDuration(time.Since(next))
					n.Add(1)
				}
				if rate > 0 {
					next = next.Add(time.Duration(float64(workers) * float64(time.Second) / rate))
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), rtt.stats()
}

// pushOnce sends one text push and checks the answer, as Kefu's worker does.
func (h *hook) pushOnce(ctx context.Context, appID string, ep wechat.Endpoint, intended time.Time) bool {
	m := &wechat.Message{ToUserName: ep.OriginalID, FromUserName: "obenchdirectcustomer00000000", CreateTime: intended.Unix(),
		MsgType: wechat.MsgTypeText, MsgID: h.msgID.Add(1), Content: stamp{Intended: intended.UnixNano()}.String()}
	q, body, err := wechat.BuildPush(ep, m, strconv.FormatInt(intended.Unix(), 10), wechat.NewNonce())
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url+"/hook/"+appID+"?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("Content-Type", ep.Format.ContentType())
	resp, err := h.client.Do(req)
	if err != nil {
		return false
	}
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return false
	}
	_, err = wechat.ParseReply(ep, reply)
	return err == nil
}
