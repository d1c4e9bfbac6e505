// Package kefutest helps tests start real parts of Kefu: stores on SQLite
// and PostgreSQL, whole servers on free ports, scriptable developer hooks,
// and user and agent clients.
package kefutest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/kefuhq/kefu/sqlstore"
)

// PostgresEnv names the environment variable holding a PostgreSQL DSN for
// tests. Tests that need PostgreSQL skip when it is unset; .ci/run sets it.
const PostgresEnv = "KEFU_TEST_POSTGRES"

// NATSEnv names the environment variable holding a NATS URL for tests.
const NATSEnv = "KEFU_TEST_NATS"

// skipPostgres is what a PostgreSQL variant says when it cannot run, so
// that a plain run shows what it left out and how to include it.
const skipPostgres = "set " + PostgresEnv + "=postgres://… to run the PostgreSQL variant"

// Engines lists the database engines a benchmark should run on: SQLite
// always, PostgreSQL when PostgresEnv is set.
func Engines() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// StoreDSN returns a DSN for a fresh, empty database of the given engine: a
// file in a temporary directory for SQLite, a new schema (dropped when the
// test ends) for PostgreSQL.
func StoreDSN(tb testing.TB, engine string) string {
	tb.Helper()
	switch engine {
	case "sqlite":
		return filepath.Join(tb.TempDir(), "kefu.db")
	case "postgres":
		base := os.Getenv(PostgresEnv)
		if base == "" {
			tb.Skip(skipPostgres)
		}
		b := make([]byte, 6)
		rand.Read(b)
		schema := "kefutest_" + hex.EncodeToString(b)
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
			tb.Fatalf("create schema: %v", err)
		}
		tb.Cleanup(func() {
			db, err := sql.Open("pgx", base)
			if err != nil {
				return
			}
			defer db.Close()
			db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		})
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	tb.Fatalf("unknown engine %q", engine)
	return ""
}

// OpenStore opens a fresh store of the given engine, closed when the test ends.
func OpenStore(tb testing.TB, engine string) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), StoreDSN(tb, engine), sqlstore.Options{Keys: SecretKeys()})
	if err != nil {
		tb.Fatalf("open %s store: %v", engine, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// ForEachEngine runs f as a subtest per database engine. The PostgreSQL
// subtest is always there: it skips, naming PostgresEnv, when that is unset.
func ForEachEngine(t *testing.T, f func(t *testing.T, engine string)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "postgres" && os.Getenv(PostgresEnv) == "" {
				t.Skip(skipPostgres)
			}
			f(t, engine)
		})
	}
}
