package node_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestMetricsShowTheGroupCommit: the node registers the store's metrics, so
// /metrics tells how many updates share a transaction and how long commits
// take.
func TestMetricsShowTheGroupCommit(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	s.App("", kefu.PushPlaintext, kefu.PushJSON) // a committed update
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{"kefu_store_batch_updates_count ", "kefu_store_commit_seconds_bucket{"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}
