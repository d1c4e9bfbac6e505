package sqlstore_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

// TestCommitMetrics: the store counts its group-commit transactions and the
// updates in each, and times them — three updates queued together are one
// transaction of three.
func TestCommitMetrics(t *testing.T) {
	s, err := sqlstore.Open(context.Background(), kefutest.StoreDSN(t, "sqlite"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	app := seedApp(t, s)
	_, c := seedConversation(t, s, app, "a")
	before := histograms(t, reg)
	oneBatch(t, s, sendText(c.ID, "1", nil), sendText(c.ID, "2", nil), sendText(c.ID, "3", nil))
	after := histograms(t, reg)

	// oneBatch's own first update holds the committer: a transaction of one,
	// then one of the three.
	size := after["kefu_store_batch_updates"].sub(before["kefu_store_batch_updates"])
	if size.count != 2 || size.sum != 4 {
		t.Errorf("batch sizes: %d transactions of %v updates in all, want 2 of 4", size.count, size.sum)
	}
	lat := after["kefu_store_commit_seconds"].sub(before["kefu_store_commit_seconds"])
	if lat.count != 2 || lat.sum <= 0 {
		t.Errorf("commit latency: %d transactions taking %vs, want 2 taking some time", lat.count, lat.sum)
	}
}

type histogram struct {
	count uint64
	sum   float64
}

func (h histogram) sub(o histogram) histogram { return histogram{h.count - o.count, h.sum - o.sum} }

func histograms(t *testing.T, reg *prometheus.Registry) map[string]histogram {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]histogram{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				out[mf.GetName()] = histogram{h.GetSampleCount(), h.GetSampleSum()}
			}
		}
	}
	if len(out) != 2 {
		t.Fatalf("the store's collectors gather %v, want its two histograms", out)
	}
	return out
}
