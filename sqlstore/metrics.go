package sqlstore

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// commitMetrics say how the group commit fares: how many updates share a
// transaction (one under little load, many when the disk is the limit) and
// how long a transaction takes to commit.
type commitMetrics struct {
	batchSize prometheus.Histogram
	latency   prometheus.Histogram
}

func newCommitMetrics() commitMetrics {
	return commitMetrics{
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kefu_store_batch_updates",
			Help: "Updates committed together in one group-commit transaction.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kefu_store_commit_seconds",
			Help:    "Time a group-commit transaction takes, from its begin to its commit, retries included.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12)}),
	}
}

// observe records a batch of n updates that took d.
func (m commitMetrics) observe(n int, d time.Duration) {
	m.batchSize.Observe(float64(n))
	m.latency.Observe(d.Seconds())
}

// Collectors returns the store's Prometheus metrics, for the registry of
// the process.
func (s *Store) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.batchSize, s.metrics.latency}
}
