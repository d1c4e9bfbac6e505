package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// flood: one customer in an active session (the bystander) sends a few
// messages a second and its agent answers each, as in e2e, while an abuser
// sends as fast as it can — over its WebSocket and the HTTP client API at
// once — and churns a thousand connections that open, wait for their first
// frame and close, in a loop, without ever pausing. Measured: the
// bystander's round trips (send → its agent receives, and the answer back)
// first in a quiet window, then under the flood, and what the abuse limits
// refused (rate_limited frames and answers, connections refused before the
// upgrade), with the server's CPU per abusive operation.
//
// Kefu does not limit loopback peers per address (a reverse proxy on the
// same machine would otherwise make every customer one address), so the
// abuser connects from the machine's first non-loopback address, where
// the per-address limits apply as they would to a stranger on the
// internet; the bystander connects from loopback. On a machine with no
// other address the abuser comes from loopback too, and the result says
// the per-address limits were not exercised.
func (r *run) flood(ctx context.Context) ([]*Result, error) {
	d := r.phase()
	churners := pick(r, 1000, 1000)
	const bystanderRate = 8 // messages a second, under the per-customer limit
	interval := time.Second / bystanderRate
	res := newResult("flood", "sqlite")

	st, err := r.newStore(ctx, "sqlite", "flood")
	if err != nil {
		return nil, err
	}
	fx, err := prepare(ctx, st.path(), []appSpec{{agents: 1}})
	if err != nil {
		return nil, err
	}
	app := fx.apps[0].ID
	srv, err := r.startKefu(ctx, "flood-kefu", st.dataDir, "", false)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	t := newTarget(srv.URL)
	abuseIP := abuserAddress()
	res.Params = map[string]any{"window_s": d.Seconds(), "churning_connections": churners, "bystander_rate_per_s": bystanderRate,
		"abuser_address": abuseIP}

	// The bystander and its agent.
	ch := newChat(r, t)
	defer ch.close()
	if err := ch.addAgents(ctx, fx.agents); err != nil {
		return nil, err
	}
	if err := ch.addUsers(ctx, fx.apps, 1); err != nil {
		return nil, err
	}
	if err := ch.waitActive(ctx, time.Minute); err != nil {
		return nil, err
	}
	ch.startSending(ch.users, interval)
	time.Sleep(pick(r, 2*time.Second, 500*time.Millisecond))
	r.progress("flood: the bystander alone, %d messages/s", bystanderRate)
	quiet := ch.measure(ctx, srv, "flood-quiet", d, 3*time.Second)

	// The abuser: one customer, and churners of its own.
	// (It runs in a process of its own, as it would on a machine of its
	// own: its thousand goroutines do not share the bench's scheduler with
	// the bystander it measures.)
	flooder, err := t.identify(ctx, app, visitorID("bench-flooder", 0))
	if err != nil {
		return nil, err
	}
	churnTokens := make([]string, churners)
	if err := parallel(ctx, churners, 32, func(ctx context.Context, i int) error {
		var err error
		churnTokens[i], err = t.identify(ctx, app, visitorID("bench-churner", i))
		return err
	}); err != nil {
		return nil, err
	}
	// The abuser gets one core (GOMAXPROCS=1): on a machine of two, as
	// fast as it can would otherwise be a fight for the CPU with the
	// server, which a real abuser elsewhere cannot start.
	helper, err := r.start(ctx, "helper-flood", []string{"GOMAXPROCS=1"}, "bench", HelperCommand, "flood", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer helper.stop()
	if err := helper.waitReady(ctx, "/healthz"); err != nil {
		return nil, err
	}
	ctl := newTarget(helper.URL)
	if _, err := ctl.call(ctx, ctl.api, "POST", "/start", nil, floodOrder{Base: srv.URL, Source: abuseIP, Token: flooder, Churn: churnTokens}, nil); err != nil {
		return nil, err
	}
	time.Sleep(pick(r, 3*time.Second, time.Second)) // the churners' first round
	r.progress("flood: the bystander under a flood from %s and %d churning connections", abuseIP, churners)
	if _, err := ctl.call(ctx, ctl.api, "POST", "/reset", nil, nil, nil); err != nil {
		return nil, err
	}
	limited0 := limitedCounts(srv)
	// The abuser's counts are read when the window closes, not after the
	// bystander's grace period.
	var ops abuseOps
	var limited map[string]float64
	var opsErr error
	window := make(chan struct{})
	go func() {
		defer close(window)
		time.Sleep(d)
		_, opsErr = ctl.call(ctx, ctl.api, "GET", "/snapshot", nil, nil, &ops)
		limited = limitedCounts(srv)
	}()
	abuserCPU := startCPU(helper)
	under := ch.measure(ctx, srv, "flood-kefu", d, 3*time.Second)
	<-window
	abuserCores, _ := abuserCPU.cores()
	if opsErr != nil {
		return nil, opsErr
	}
	ctl.call(ctx, ctl.api, "POST", "/stop", nil, nil, nil)
	for k, v := range limited0 {
		limited[k] -= v
	}

	res.Latency["quiet_user_to_agent"], res.Latency["quiet_agent_to_user"] = quiet.u2a, quiet.a2u
	res.Latency["flood_user_to_agent"], res.Latency["flood_agent_to_user"] = under.u2a, under.a2u
	res.Metrics["bystander_p50_ms"], res.Metrics["bystander_p99_ms"] = under.u2a.P50, under.u2a.P99
	res.Metrics["bystander_reply_p99_ms"] = under.a2u.P99
	res.Metrics["quiet_p50_ms"], res.Metrics["quiet_p99_ms"] = quiet.u2a.P50, quiet.u2a.P99
	res.Metrics["bystander_errors"] = float64(under.errors)
	res.Metrics["bystander_received"] = float64(under.u2aRecv)
	secs := d.Seconds()
	res.Metrics["flood_ws_frames_per_s"] = float64(ops.WSSent) / secs
	res.Metrics["flood_http_requests_per_s"] = float64(ops.HTTPSent) / secs
	res.Metrics["connection_attempts_per_s"] = float64(ops.Dials) / secs
	res.Metrics["rate_limited_frames"] = float64(ops.WSLimited)
	res.Metrics["rate_limited_http"] = float64(ops.HTTPLimited)
	res.Metrics["accepted_flood_messages"] = float64(ops.WSAcked + ops.HTTPStored)
	res.Metrics["connections_opened"] = float64(ops.Opened)
	res.Metrics["connections_refused"] = float64(ops.Refused)
	res.Metrics["connection_errors"] = float64(ops.DialErrors)
	res.Metrics["flooder_cut_off"] = float64(ops.WSReconnects)
	res.Metrics["server_limited_customer"] = limited["customer"]
	res.Metrics["server_limited_address"] = limited["address"]
	res.Metrics["server_limited_sockets"] = limited["sockets"]
	allOps := float64(ops.WSSent + ops.HTTPSent + ops.Dials)
	res.Metrics["abusive_ops_per_s"] = allOps / secs
	res.Metrics["server_cores"], res.Metrics["bench_cores"] = under.serverCores, under.benchCores
	res.Metrics["abuser_cores"] = abuserCores
	res.Metrics["other_processes_cores"] = under.otherCores
	res.Metrics["server_cpu_us_per_op"] = 1e6 * ratio(under.serverCores, allOps/secs)
	res.Metrics["quiet_server_cores"] = quiet.serverCores

	res.row("bystander", "msgs", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "lost/errors")
	res.row("quiet: user → agent", fmt.Sprint(quiet.u2aRecv), fms(quiet.u2a.P50), fms(quiet.u2a.P99), fms(quiet.u2a.P999), fms(quiet.u2a.Max), fmt.Sprint(quiet.errors))
	res.row("flood: user → agent", fmt.Sprint(under.u2aRecv), fms(under.u2a.P50), fms(under.u2a.P99), fms(under.u2a.P999), fms(under.u2a.Max), fmt.Sprint(under.errors))
	res.row("flood: agent → user", fmt.Sprint(under.a2uRecv), fms(under.a2u.P50), fms(under.a2u.P99), fms(under.a2u.P999), fms(under.a2u.Max), "")
	res.note("the abuser (%s): %.0f WebSocket frames/s (%d rate_limited frames, %d acknowledged, cut off %d times), %.0f HTTP sends/s (%d answered 429, %d stored), %.0f connection attempts/s (%d opened, %d refused 429, %d other failures)",
		abuseIP, float64(ops.WSSent)/secs, ops.WSLimited, ops.WSAcked, ops.WSReconnects, float64(ops.HTTPSent)/secs, ops.HTTPLimited, ops.HTTPStored,
		float64(ops.Dials)/secs, ops.Opened, ops.Refused, ops.DialErrors)
	res.note("kefu_rate_limited_total during the flood: customer %.0f, address %.0f, sockets %.0f",
		limited["customer"], limited["address"], limited["sockets"])
	res.note("server %.2f cores under the flood (%.2f quiet), %.1f µs of CPU per abusive operation; the abuser %.2f cores, the bench %.2f cores, other processes %.2f cores",
		under.serverCores, quiet.serverCores, res.Metrics["server_cpu_us_per_op"], abuserCores, under.benchCores, max(under.otherCores-abuserCores, 0))
	res.note("target: the bystander's user→agent p99 under the flood %.1f ms < 200 ms: %s (quiet: %.1f ms)",
		under.u2a.P99, okText(under.u2a.P99 < 200 && under.u2aRecv > 0), quiet.u2a.P99)
	if isLoopback(abuseIP) {
		res.note("no non-loopback address on this machine: the abuser came from loopback, which Kefu does not limit per address")
	}
	if e := ch.lastError(); e != "" {
		res.note("bystander's last error: %s", e)
	}
	if ops.LastError != "" {
		res.note("abuser's last failure: %s", ops.LastError)
	}
	return []*Result{res}, nil
}

// abuserAddress is the machine's first non-loopback IPv4 address, or a
// loopback one when it has none.
func abuserAddress() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return "127.0.0.254"
}

func isLoopback(ip string) bool { return net.ParseIP(ip).IsLoopback() }

// limitedCounts reads kefu_rate_limited_total by limit.
func limitedCounts(p *process) map[string]float64 {
	out := map[string]float64{}
	names := []string{"customer", "address", "sockets"}
	var series []string
	for _, n := range names {
		series = append(series, `kefu_rate_limited_total{limit="`+n+`"}`)
	}
	m := p.metrics(series...)
	for i, n := range names {
		out[n] = m[series[i]]
	}
	return out
}

// abuser is the flooding customer and its churning connections, all from
// one address.
type abuser struct {
	t     *target
	hc    *http.Client // the churners' and the flooder's WebSockets
	api   *http.Client // the flooder's client API requests
	token string

	wsSent, wsSentOK, wsLimited atomic.Int64
	httpSent, httpOK, httpLimit atomic.Int64
	dials, opened, refused      atomic.Int64
	dialErrs, wsReconnects, seq atomic.Int64
	lastErr                     atomic.Value // string
}

// abuseOps are the abuser's counts since its last reset.
type abuseOps struct {
	WSSent, WSAcked, WSLimited, HTTPSent, HTTPStored, HTTPLimited int64
	Dials, Opened, Refused, DialErrors, WSReconnects              int64
	LastError                                                     string
}

func (a *abuser) counters() []*atomic.Int64 {
	return []*atomic.Int64{&a.wsSent, &a.wsSentOK, &a.wsLimited, &a.httpSent, &a.httpOK, &a.httpLimit,
		&a.dials, &a.opened, &a.refused, &a.dialErrs, &a.wsReconnects}
}

func (a *abuser) reset() {
	for _, c := range a.counters() {
		c.Store(0)
	}
}

func (a *abuser) snapshot() abuseOps {
	c := a.counters()
	return abuseOps{WSSent: c[0].Load(), WSAcked: c[1].Load(), WSLimited: c[2].Load(), HTTPSent: c[3].Load(), HTTPStored: c[4].Load(),
		HTTPLimited: c[5].Load(), Dials: c[6].Load(), Opened: c[7].Load(), Refused: c[8].Load(), DialErrors: c[9].Load(), WSReconnects: c[10].Load(), LastError: a.lastError()}
}

// floodHTTPSenders is how many requests the flooder keeps in flight on the
// client API at once (beside its WebSocket).
const floodHTTPSenders = 16

// floodOrder tells the flood helper whom to abuse: the Kefu at Base, from
// the address Source, as the customer of Token, with one churning
// connection per token of Churn.
type floodOrder struct {
	Base, Source, Token string
	Churn               []string
}

// runFloodHelper is `kefu bench helper flood ADDR`: the flood scenario's
// abuser, in a process of its own, controlled over HTTP on ADDR — POST
// /start (a floodOrder), POST /reset (the counts), GET /snapshot (the
// counts, abuseOps), POST /stop.
func runFloodHelper(addr string, stdout, stderr io.Writer) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	var mu sync.Mutex
	var ab *abuser
	var stop context.CancelFunc = func() {}
	var wg sync.WaitGroup
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("POST /start", func(w http.ResponseWriter, r *http.Request) {
		var o floodOrder
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if ab != nil {
			http.Error(w, "already flooding", http.StatusConflict)
			return
		}
		t := newTarget(o.Base)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(o.Source)}, Timeout: 30 * time.Second}
		api := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext,
			MaxIdleConnsPerHost: floodHTTPSenders, IdleConnTimeout: 30 * time.Second}}
		ab = &abuser{t: t, hc: t.from(o.Source), api: api, token: o.Token}
		conn, err := ab.dial(r.Context(), o.Token)
		if err != nil {
			http.Error(w, "the flooder's websocket: "+err.Error(), http.StatusBadGateway)
			return
		}
		var ctx context.Context
		ctx, stop = context.WithCancel(context.Background())
		wg.Go(func() { ab.readFlood(conn) })
		wg.Go(func() { ab.floodWS(ctx, conn) })
		for range floodHTTPSenders {
			wg.Go(func() { ab.floodHTTP(ctx) })
		}
		for _, tok := range o.Churn {
			wg.Go(func() { ab.churn(ctx, tok) })
		}
		io.WriteString(w, "{}")
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if ab != nil {
			ab.reset()
		}
		io.WriteString(w, "{}")
	})
	mux.HandleFunc("GET /snapshot", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		var ops abuseOps
		if ab != nil {
			ops = ab.snapshot()
		}
		json.NewEncoder(w).Encode(ops)
	})
	mux.HandleFunc("POST /stop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stop()
		mu.Unlock()
		wg.Wait()
		io.WriteString(w, "{}")
	})
	serveUntilSignal(ln, mux, stdout, "flood")
	mu.Lock()
	stop()
	mu.Unlock()
	return 0
}

func (a *abuser) fail(err error) { a.lastErr.Store(err.Error()) }

func (a *abuser) lastError() string {
	if v, ok := a.lastErr.Load().(string); ok {
		return v
	}
	return ""
}

// dial opens a customer's WebSocket from the abuser's address.
func (a *abuser) dial(ctx context.Context, token string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, a.t.ws+"/api/client/ws?after=0&token="+token, &websocket.DialOptions{HTTPClient: a.hc})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			return nil, errRefused
		}
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	return c, nil
}

var errRefused = errors.New("refused: 429")

// floodWS writes send frames as fast as the connection takes them; when
// Kefu cuts the connection off (a client that does not read its answers
// is too slow), it connects again and goes on.
func (a *abuser) floodWS(ctx context.Context, c *websocket.Conn) {
	for ctx.Err() == nil {
		n := a.seq.Add(1)
		if err := c.Write(ctx, websocket.MessageText, sendFrame(fmt.Sprintf("flood-%d", n), "flood")); err != nil {
			c.CloseNow()
			if ctx.Err() != nil {
				return
			}
			a.wsReconnects.Add(1)
			for ctx.Err() == nil {
				if c, err = a.dial(ctx, a.token); err == nil {
					break
				}
			}
			if ctx.Err() != nil {
				return
			}
			go a.readFlood(c)
			continue
		}
		a.wsSent.Add(1)
	}
	c.CloseNow()
}

// readFlood counts the answers to the flood: acknowledgements and
// rate_limited error frames.
func (a *abuser) readFlood(c *websocket.Conn) {
	for {
		_, data, err := c.Read(context.Background())
		if err != nil {
			if websocket.CloseStatus(err) != -1 {
				a.fail(fmt.Errorf("the flooder was cut off: %w", err))
			}
			return
		}
		switch frameType(data) {
		case "sent":
			a.wsSentOK.Add(1)
		case "error":
			if strings.Contains(string(data), `"rate_limited"`) {
				a.wsLimited.Add(1)
			} else {
				a.fail(fmt.Errorf("flood error frame: %s", data))
			}
		}
	}
}

// floodHTTP posts messages through the client API as fast as they are
// answered, ignoring Retry-After.
func (a *abuser) floodHTTP(ctx context.Context) {
	h := http.Header{"Authorization": {"Bearer " + a.token}}
	for ctx.Err() == nil {
		n := a.seq.Add(1)
		_, err := a.t.call(ctx, a.api, "POST", "/api/client/messages", h, map[string]any{"client_msg_id": fmt.Sprintf("flood-%d", n),
			"kind": "text", "text": map[string]string{"content": "flood"}}, nil)
		if ctx.Err() != nil {
			return
		}
		a.httpSent.Add(1)
		switch {
		case err == nil:
			a.httpOK.Add(1)
		case strings.Contains(err.Error(), "HTTP 429"):
			a.httpLimit.Add(1)
		default:
			a.fail(err)
		}
	}
}

// churn opens a customer's connection, waits for its first frame, closes
// it and starts again, until ctx ends; a refused connection is tried again
// at once.
func (a *abuser) churn(ctx context.Context, token string) {
	for ctx.Err() == nil {
		a.dials.Add(1)
		c, err := a.dial(ctx, token)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errRefused):
			a.refused.Add(1)
			continue
		case err != nil:
			a.dialErrs.Add(1)
			a.fail(fmt.Errorf("churn: %w", err))
			// Out of ports or file descriptors: a breath before the next try.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		a.opened.Add(1)
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c.Read(rctx)
		cancel()
		c.CloseNow()
	}
}
