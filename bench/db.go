package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The database ceilings: what the same database does without Kefu, on the
// same disk, with the same durability (SQLite in WAL mode with
// synchronous=FULL, as sqlstore opens it; PostgreSQL as configured). Rows
// have the shape of Kefu's messages table, with its unique indexes.

const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"

const scratchTable = `CREATE TABLE bench_messages (
    id              %s PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    client_msg_id   TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL,
    agent_id        BIGINT NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    phase           TEXT NOT NULL,
    push            TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    search_text     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX bench_messages_client_id ON bench_messages (conversation_id, client_msg_id) WHERE client_msg_id <> ''`

const scratchInsert = `INSERT INTO bench_messages (conversation_id, seq, client_msg_id, sender, agent_id, kind, internal, phase,
	push, source, body, search_text, created_at) VALUES (%s)`

// dbCeilings are the rates of the database alone, in rows per second.
type dbCeilings struct {
	batched float64 // 256 single-row INSERTs per transaction, one writer
	single  float64 // one INSERT per transaction, one writer
	multi   float64 // one INSERT per transaction, 16 writers (PostgreSQL)
}

// scratchDB is a database to measure: a fresh SQLite file, or a fresh
// schema in PostgreSQL.
type scratchDB struct {
	db      *sql.DB
	convs   int64 // conversations the rows are spread over
	insert  string
	cleanup func()
}

func openScratchSQLite(ctx context.Context, dir string) (*scratchDB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "scratch.db")+"?"+sqlitePragmas)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, fmt.Sprintf(scratchTable, "INTEGER")); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite scratch table: %w", err)
	}
	return &scratchDB{db: db, insert: fmt.Sprintf(scratchInsert, strings.TrimSuffix(strings.Repeat("?, ", 13), ", ")),
		cleanup: func() { db.Close() }}, nil
}

func openScratchPostgres(ctx context.Context, base string) (*scratchDB, error) {
	schema, err := scratchSchema(ctx, base)
	if err != nil {
		return nil, err
	}
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if _, err := db.ExecContext(ctx, fmt.Sprintf(scratchTable, "BIGSERIAL")); err != nil {
		db.Close()
		dropSchema(base, schema)
		return nil, fmt.Errorf("postgres scratch table: %w", err)
	}
	ph := make([]string, 13)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return &scratchDB{db: db, insert: fmt.Sprintf(scratchInsert, strings.Join(ph, ", ")),
		cleanup: func() { db.Close(); dropSchema(base, schema) }}, nil
}

// rowArgs is the n-th row: a text message of a typical length, in one of
// convs conversations in turn, as the messages of that many customers
// sending at once land.
func rowArgs(n int64, convs int64) []any {
	body, _ := json.Marshal(map[string]string{"content": "你好，我想问一下订单 1234567 什么时候发货？"})
	return []any{n%convs + 1, n/convs + 1, fmt.Sprintf("c%d", n), "user", 0, "text", false, "active", "", "",
		string(body), "你好，我想问一下订单 1234567 什么时候发货？", time.Now().UnixMilli()}
}

// measureBatched inserts rows 256 to a transaction for d.
func (s *scratchDB) measureBatched(ctx context.Context, d time.Duration, next *atomic.Int64) (float64, error) {
	start := time.Now()
	rows := 0
	for time.Since(start) < d {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		stmt, err := tx.PrepareContext(ctx, s.insert)
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		for range 256 {
			if _, err := stmt.ExecContext(ctx, rowArgs(next.Add(1), s.convs)...); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		rows += 256
	}
	return float64(rows) / time.Since(start).Seconds(), nil
}

// measureSingle commits one row at a time on each of writers connections
// for d, and returns rows per second and the commit latencies.
func (s *scratchDB) measureSingle(ctx context.Context, d time.Duration, writers int, next *atomic.Int64) (float64, Latency, error) {
	start := time.Now()
	var rows atomic.Int64
	var lat recorder
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Since(start) < d {
				t0 := time.Now()
				if _, err := s.db.ExecContext(ctx, s.insert, rowArgs(next.Add(1), s.convs)...); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				lat.addDuration(time.Since(t0))
				rows.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return 0, Latency{}, err
	}
	return float64(rows.Load()) / time.Since(start).Seconds(), lat.stats(), nil
}

// sqliteCeilings measures a fresh SQLite database in dir.
func sqliteCeilings(ctx context.Context, dir string, convs int, d time.Duration) (dbCeilings, error) {
	s, err := openScratchSQLite(ctx, dir)
	if err != nil {
		return dbCeilings{}, err
	}
	s.convs = int64(convs)
	defer s.cleanup()
	var next atomic.Int64
	var c dbCeilings
	if c.batched, err = s.measureBatched(ctx, d, &next); err != nil {
		return c, fmt.Errorf("sqlite batched insert: %w", err)
	}
	if c.single, _, err = s.measureSingle(ctx, d, 1, &next); err != nil {
		return c, fmt.Errorf("sqlite single insert: %w", err)
	}
	return c, nil
}

// postgresCeilings measures a fresh schema of the PostgreSQL database at base.
func postgresCeilings(ctx context.Context, base string, convs int, d time.Duration) (dbCeilings, error) {
	s, err := openScratchPostgres(ctx, base)
	if err != nil {
		return dbCeilings{}, err
	}
	s.convs = int64(convs)
	defer s.cleanup()
	var next atomic.Int64
	var c dbCeilings
	if c.batched, err = s.measureBatched(ctx, d, &next); err != nil {
		return c, fmt.Errorf("postgres batched insert: %w", err)
	}
	if c.single, _, err = s.measureSingle(ctx, d, 1, &next); err != nil {
		return c, fmt.Errorf("postgres single insert: %w", err)
	}
	if c.multi, _, err = s.measureSingle(ctx, d, 16, &next); err != nil {
		return c, fmt.Errorf("postgres 16-client insert: %w", err)
	}
	return c, nil
}

// sqliteCommitLatency times n one-row commits on a fresh SQLite database.
func sqliteCommitLatency(ctx context.Context, dir string, n int) (Latency, error) {
	s, err := openScratchSQLite(ctx, dir)
	if err != nil {
		return Latency{}, err
	}
	defer s.cleanup()
	var lat recorder
	for i := range n {
		t0 := time.Now()
		if _, err := s.db.ExecContext(ctx, s.insert, rowArgs(int64(i), 1)...); err != nil {
			return Latency{}, err
		}
		lat.addDuration(time.Since(t0))
	}
	return lat.stats(), nil
}
