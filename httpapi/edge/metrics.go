package edge

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the HTTP surfaces' Prometheus metrics, registered in the
// registry the node hands in (no global state).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// Sockets counts open WebSocket connections by kind (client, desk).
	Sockets *prometheus.GaugeVec
	// Received counts messages accepted from customers.
	Received prometheus.Counter
	// Sent counts messages sent to customers, by sender.
	Sent *prometheus.CounterVec
	// Limited counts what the abuse limits refused, by limit (customer,
	// address, sockets, sign_in).
	Limited *prometheus.CounterVec
}

// NewMetrics creates the surfaces' metrics in reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kefu_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "kefu_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}},
			[]string{"route"}),
		Sockets: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kefu_websocket_connections",
			Help: "Open WebSocket connections by kind (client, desk)."}, []string{"kind"}),
		Received: prometheus.NewCounter(prometheus.CounterOpts{Name: "kefu_messages_received_total",
			Help: "Messages accepted from customers."}),
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kefu_messages_sent_total",
			Help: "Messages sent to customers, by sender (agent, developer)."}, []string{"sender"}),
		Limited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kefu_rate_limited_total",
			Help: "Requests, frames and connections refused by the abuse limits, by limit (customer, address, sockets, sign_in)."}, []string{"limit"}),
	}
	reg.MustRegister(m.requests, m.latency, m.Sockets, m.Received, m.Sent, m.Limited)
	return m
}

// Handler serves the registry (GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// statusWriter remembers the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (WebSocket
// hijacking, flushing).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observe counts requests and their latency by route pattern.
func (m *Metrics) Observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		code := sw.code
		if code == 0 {
			code = http.StatusSwitchingProtocols // hijacked: a WebSocket
		}
		m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
