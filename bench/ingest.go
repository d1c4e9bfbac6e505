package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// ingest: the most customer messages a second Kefu accepts with a durable
// acknowledgement (the "sent" frame comes after the commit). Customers in
// active sessions send over their WebSockets as fast as the acks allow,
// a few frames in flight each. Ceilings, measured in the same run: the
// same database's raw batched-insert and single-row commit rates (and for
// PostgreSQL its 16-client insert rate), and the bare WebSocket round-trip
// rate through the same client code.
func (r *run) ingest(ctx context.Context) ([]*Result, error) {
	engines := []string{"sqlite"}
	if r.cfg.PostgresDSN != "" {
		engines = append(engines, "postgres")
	}
	d := r.phase()
	conns := pick(r, 200, 50)
	const window = 4
	// The bare WebSocket ceiling does not depend on the database: measure it once.
	r.progress("ingest: ceiling: bare WebSocket round trips, %d connections × %d in flight", conns, window)
	wsRate, wsLat, err := r.floodEcho(ctx, conns, window, d)
	if err != nil {
		return nil, err
	}
	var results []*Result
	for _, eng := range engines {
		res, err := r.ingestOn(ctx, eng, conns, window, d, wsRate, wsLat)
		if err != nil {
			return results, fmt.Errorf("%s: %w", eng, err)
		}
		results = append(results, res)
	}
	return results, nil
}

func (r *run) ingestOn(ctx context.Context, eng string, conns, window int, d time.Duration, wsRate float64, wsLat Latency) (*Result, error) {
	res := newResult("ingest", eng)
	res.Params = map[string]any{"connections": conns, "in_flight_per_connection": window, "window_s": d.Seconds()}
	st, err := r.newStore(ctx, eng, "ingest-"+eng)
	if err != nil {
		return nil, err
	}
	defer st.drop()
	// Agents online (no one signs in for them), 100 sessions each: the
	// router makes every session active at the first message.
	fx, err := prepare(ctx, st.path(), []appSpec{{agents: (conns + 99) / 100, online: true, max: 100}})
	if err != nil {
		return nil, err
	}
	srv, err := r.startKefu(ctx, "ingest-"+eng+"-kefu", st.dataDir, st.dsn, false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ch := newChat(r, newTarget(srv.URL))
	if err := ch.addUsers(ctx, fx.apps, conns); err != nil {
		ch.close()
		return nil, err
	}
	if err := ch.waitActive(ctx, 2*time.Minute); err != nil {
		ch.close()
		return nil, err
	}
	// The sessions are active: reconnect the customers for the flood, whose
	// readers count acks instead.
	ch.close()
	c, err := newTarget(srv.URL).dialUsers(ctx, fx.apps[0].ID, conns, chatVisitors)
	if err != nil {
		return nil, err
	}
	r.progress("ingest (%s): %d customers in active sessions, flooding for %s", eng, conns, d)
	f := newFlood(c, window, isKefuAck)
	time.Sleep(200 * time.Millisecond) // backlog and state frames
	f.start()
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	cpu := startCPU(srv)
	wait := r.profile(srv, "ingest-"+eng+"-kefu", d)
	rate, lat, errs := f.measure(ctx, r, "ingest "+eng, d)
	serverCores, benchCores := cpu.cores()
	others := cpu.others()
	f.stop()
	wait()
	m := srv.metrics("kefu_messages_received_total")
	srv.stop()

	r.progress("ingest (%s): ceilings: the database alone", eng)
	dbc, err := r.measureDB(ctx, eng, conns, pick(r, d, time.Second))
	if err != nil {
		return nil, err
	}
	dbCeiling, dbName, target := dbc.batched, "batched insert", 0.5
	if eng == "postgres" {
		dbCeiling, dbName, target = dbc.multi, "16-client insert", 0.6
	}
	lower := min(dbCeiling, wsRate)
	res.Metrics["msgs_per_s"] = rate
	res.Metrics["errors"] = float64(errs)
	res.Metrics["received_total"] = m["kefu_messages_received_total"]
	res.Metrics["ceiling_db_batched_rows_per_s"] = dbc.batched
	res.Metrics["ceiling_db_single_commits_per_s"] = dbc.single
	if eng == "postgres" {
		res.Metrics["ceiling_db_16_clients_rows_per_s"] = dbc.multi
	}
	res.Metrics["ceiling_ws_round_trips_per_s"] = wsRate
	res.Metrics["ratio_to_lower_ceiling"] = ratio(rate, lower)
	res.Metrics["server_cores"], res.Metrics["bench_cores"] = serverCores, benchCores
	res.Metrics["other_processes_cores"] = others
	res.Metrics["server_cpu_us_per_msg"] = 1e6 * ratio(serverCores, rate)
	res.Latency["ack"], res.Latency["ws_round_trip"] = lat, wsLat

	res.row("", "per second", "ratio", "ack p50 ms", "ack p99 ms")
	res.row("Kefu: messages acked after commit", fint(rate), "", fms(lat.P50), fms(lat.P99))
	res.row("ceiling: DB batched insert (256/tx)", fint(dbc.batched), fpct(ratio(rate, dbc.batched)), "", "")
	res.row("ceiling: DB single-row commits", fint(dbc.single), fpct(ratio(rate, dbc.single)), "", "")
	if eng == "postgres" {
		res.row("ceiling: DB 16-client inserts", fint(dbc.multi), fpct(ratio(rate, dbc.multi)), "", "")
	}
	res.row("ceiling: bare WebSocket round trips", fint(wsRate), fpct(ratio(rate, wsRate)), fms(wsLat.P50), fms(wsLat.P99))
	res.note("target: ≥ %.0f%% of the lower of the %s and WebSocket ceilings (%.0f/s): %.0f%%, %s",
		100*target, dbName, lower, 100*ratio(rate, lower), okText(ratio(rate, lower) >= target))
	res.note("server %.2f cores (%.0f µs of CPU a message), bench %.2f cores, other processes %.2f cores; errors %d",
		serverCores, 1e6*ratio(serverCores, rate), benchCores, others, errs)
	return res, nil
}

// flood keeps window frames in flight on each connection: a frame is sent
// whenever one is acknowledged.
type flood struct {
	conns  []*websocket.Conn
	window int
	isAck  func([]byte) (ack, failed bool)

	acks, errs atomic.Int64
	lat        recorder
	sentAt     []chan time.Time // per connection, in order
	stopping   atomic.Bool
	wg         sync.WaitGroup
}

func newFlood(conns []*websocket.Conn, window int, isAck func([]byte) (bool, bool)) *flood {
	f := &flood{conns: conns, window: window, isAck: isAck, sentAt: make([]chan time.Time, len(conns))}
	for i := range f.sentAt {
		f.sentAt[i] = make(chan time.Time, window+1)
	}
	return f
}

func isKefuAck(data []byte) (bool, bool) {
	switch frameType(data) {
	case "sent":
		return true, false
	case "error":
		return true, true
	}
	return false, false
}

func isEcho([]byte) (bool, bool) { return true, false }

// start floods every connection with customers' text messages (the n-th of
// connection i is f-i-n) until stop.
func (f *flood) start() {
	f.lat.open(time.Now())
	for i, c := range f.conns {
		f.wg.Add(1)
		go f.run(i, c)
	}
}

func (f *flood) run(i int, c *websocket.Conn) {
	defer f.wg.Done()
	n := 0
	write := func() bool {
		f.sentAt[i] <- time.Now()
		n++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		frame := sendFrame(fmt.Sprintf("f-%d-%d", i, n), stamp{User: i, Seq: int64(n), Intended: time.Now().UnixNano()}.String())
		if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
			f.errs.Add(1)
			return false
		}
		return true
	}
	for range f.window {
		if !write() {
			return
		}
	}
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			if !f.stopping.Load() {
				f.errs.Add(1)
			}
			return
		}
		ack, failed := f.isAck(data)
		if !ack {
			continue
		}
		t0 := <-f.sentAt[i]
		f.lat.addDuration(time.Since(t0))
		f.acks.Add(1)
		if failed {
			f.errs.Add(1)
		}
		if f.stopping.Load() {
			continue
		}
		if !write() {
			return
		}
	}
}

// measure counts the acks of d and returns their rate, their latency and
// the errors.
func (f *flood) measure(ctx context.Context, r *run, name string, d time.Duration) (float64, Latency, int64) {
	a0, e0 := f.acks.Load(), f.errs.Load()
	f.lat.open(time.Now())
	start := time.Now()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	end := time.After(d)
	for {
		select {
		case <-ctx.Done():
		case <-end:
		case <-tick.C:
			r.progress("%s: %s in, %.0f/s", name, time.Since(start).Truncate(time.Second), float64(f.acks.Load()-a0)/time.Since(start).Seconds())
			continue
		}
		break
	}
	el := time.Since(start).Seconds()
	return float64(f.acks.Load()-a0) / el, f.lat.stats(), f.errs.Load() - e0
}

func (f *flood) stop() {
	f.stopping.Store(true)
	time.Sleep(200 * time.Millisecond)
	closeAll(f.conns)
	f.wg.Wait()
}

// floodEcho is the WebSocket ceiling of ingest: the same flood against the
// bare echo server.
func (r *run) floodEcho(ctx context.Context, conns, window int, d time.Duration) (float64, Latency, error) {
	helper, err := r.startHelper(ctx, "ws-echo")
	if err != nil {
		return 0, Latency{}, err
	}
	defer helper.stop()
	c, err := newTarget(helper.URL).dialEchoes(ctx, conns)
	if err != nil {
		return 0, Latency{}, err
	}
	f := newFlood(c, window, isEcho)
	f.start()
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	rate, lat, _ := f.measure(ctx, r, "ingest ws ceiling", d)
	f.stop()
	return rate, lat, nil
}
