package bench

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kefuhq/kefu/sqlstore"
)

// TestScratchTableIsMessages checks that the database ceiling's scratch
// table has the columns and unique indexes of Kefu's messages table, as
// Kefu's migrations create it, so that the ceiling keeps inserting rows
// shaped like Kefu's.
func TestScratchTableIsMessages(t *testing.T) {
	ctx := context.Background()
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		s, err := openScratchSQLite(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer s.cleanup()
		migrate(t, filepath.Join(dir, "scratch.db"))
		// SQLite spells the types its own way (INTEGER, 0 for FALSE): the
		// names, NOT NULLs and whether a column has a default must agree.
		compareTables(t, s.db, `SELECT name || ' ' || "notnull" || ' ' || (dflt_value IS NOT NULL) || ' ' || pk
			FROM pragma_table_info(?) ORDER BY cid`,
			`SELECT il."unique" || ' ' || il.partial || ' ' || (SELECT group_concat(name, ',') FROM
				(SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))
			FROM pragma_index_list(?) il ORDER BY 1`)
	})
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("KEFU_TEST_POSTGRES")
		if base == "" {
			t.Skip("KEFU_TEST_POSTGRES is not set")
		}
		s, err := openScratchPostgres(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer s.cleanup()
		var schema string
		if err := s.db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsn, err := withSearchPath(base, schema)
		if err != nil {
			t.Fatal(err)
		}
		migrate(t, dsn)
		compareTables(t, s.db, `SELECT column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
			`SELECT regexp_replace(indexdef, ' INDEX \S+ ON \S+', '') FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename = $1 ORDER BY 1`)
	})
}

// migrate creates Kefu's tables in the database at dsn, beside the scratch table.
func migrate(t *testing.T, dsn string) {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
}

// compareTables runs each query, which describes the table named by its
// parameter one line a row, on messages and on bench_messages, and reports
// where they differ.
func compareTables(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		kefu, scratch := describe(t, db, q, "messages"), describe(t, db, q, "bench_messages")
		if len(kefu) == 0 {
			t.Fatalf("%s: nothing about messages", q)
		}
		if !slices.Equal(kefu, scratch) {
			t.Errorf("the scratch table differs from Kefu's messages table:\nmessages:       %q\nbench_messages: %q", kefu, scratch)
		}
	}
}

func describe(t *testing.T, db *sql.DB, query, table string) []string {
	t.Helper()
	rows, err := db.Query(query, table)
	if err != nil {
		t.Fatalf("describe %s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
