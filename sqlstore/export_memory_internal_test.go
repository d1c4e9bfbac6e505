package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
)

// TestExportMemoryIsFlat streams an export of a million messages (SQLite)
// and reports the heap in use as it goes and the process's max RSS. It is
// slow, so it runs only with KEFU_EXPORT_MESSAGES set (a count, e.g.
// 1000000); it fails if the heap in use at the end of the stream is more
// than 64 MiB above what it was after the first thousand rows.
func TestExportMemoryIsFlat(t *testing.T) {
	n := 0
	if v := os.Getenv("KEFU_EXPORT_MESSAGES"); v != "" {
		for _, c := range v {
			n = n*10 + int(c-'0')
		}
	}
	if n == 0 {
		t.Skip("set KEFU_EXPORT_MESSAGES to a count of messages to export")
	}
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "export.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	db := s.wdb
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO apps (id, original_id, name, secret, created_at) VALUES ('wxexport', 'gh_export', 'Export', 'secret', 0)`)
	const perConv = 100
	begin := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for c := 1; c <= n/perConv; c++ {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, app_id, openid, channel, external_id, name, created_at) VALUES (?, 'wxexport', ?, 'web', ?, 'Customer', 0)`, c, "o"+itoaTest(c), itoaTest(c)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO conversations (id, app_id, customer_id, created_at, updated_at) VALUES (?, 'wxexport', ?, 0, 0)`, c, c); err != nil {
			t.Fatal(err)
		}
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO messages (conversation_id, seq, sender, kind, phase, body, created_at) VALUES (?, ?, 'user', 'text', 'developer', ?, ?)`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		if _, err := stmt.ExecContext(ctx, 1+i%(n/perConv), 1+i/(n/perConv), `{"content":"hello, I would like to know where my order is, number 1234567"}`, at.UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d messages in %v", n, time.Since(begin))

	var ms runtime.MemStats
	var base, peak uint64
	rows := 0
	begin = time.Now()
	err = s.Export(ctx, kefu.ExportFilter{From: t0, To: t0.Add(time.Duration(n) * time.Second)}, func(r *kefu.ExportRow) error {
		rows++
		if rows%50000 == 0 || rows == 1000 {
			runtime.ReadMemStats(&ms)
			if rows == 1000 {
				base = ms.HeapInuse
			}
			peak = max(peak, ms.HeapInuse)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(begin)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	t.Logf("exported %d rows in %v (%.0f rows/s); heap in use after 1000 rows %.1f MiB, at most %.1f MiB; max RSS %.1f MiB",
		rows, took, float64(rows)/took.Seconds(), float64(base)/(1<<20), float64(peak)/(1<<20), float64(ru.Maxrss)/1024)
	if rows != n {
		t.Fatalf("exported %d rows of %d", rows, n)
	}
	if peak > base+64<<20 {
		t.Fatalf("heap grew from %d to %d bytes", base, peak)
	}
}

func itoaTest(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}
