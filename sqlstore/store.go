// Package sqlstore is Kefu's durable store: one database/sql implementation of
// kefu.Store for SQLite (the default, pure Go, WAL) and PostgreSQL (pgx), with
// embedded migrations per engine. Writes go through a group committer that
// shares one transaction among concurrent updates, so an acknowledged write
// costs a fraction of an fsync under load instead of one each.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/kefuhq/kefu"
)

//go:embed migrations
var migrations embed.FS

// Store is a kefu.Store on SQLite or PostgreSQL.
type Store struct {
	reader
	wdb     *sql.DB // writes (SQLite: a single connection)
	rdb     *sql.DB // reads
	cdb     *sql.DB // SQLite: checkpoints the WAL (see checkpointLoop); nil for PostgreSQL
	dialect *dialect
	wstmts  *stmtCache // SQLite: statements prepared on wdb (nil for PostgreSQL)
	// walFrames is the SQLite WAL's length at the last checkpoint;
	// walRestarted is when the committer last restarted it (restartWAL).
	walFrames    atomic.Int64
	walRestarted time.Time
	ops          chan *op
	quit         chan struct{}
	wg           sync.WaitGroup
	closeMu      sync.RWMutex // held for reading while an update is handed over
	closed       bool
}

// Options tune a Store. The zero value is right for most uses.
type Options struct {
	// Committers is how many group-commit transactions may run at once.
	// SQLite always uses one (it has a single writer); PostgreSQL defaults to 4.
	Committers int
	// MaxBatch caps how many updates share one transaction (default 256).
	MaxBatch int
}

var _ kefu.Store = (*Store)(nil)

// Open opens the store named by dsn and brings its schema up to date. A dsn
// starting with postgres:// or postgresql:// selects PostgreSQL; anything else
// is a SQLite database file path (its directory is created if missing).
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	var s *Store
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if opt.Committers <= 0 {
			opt.Committers = 4
		}
		s, err = openPostgres(dsn, opt)
	} else {
		s, err = openSQLite(dsn)
		opt.Committers = 1
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.wdb.Close()
		s.rdb.Close()
		if s.cdb != nil {
			s.cdb.Close()
		}
		return nil, err
	}
	s.ops = make(chan *op, 4096)
	s.quit = make(chan struct{})
	for range opt.Committers {
		s.wg.Add(1)
		go s.commitLoop(opt.MaxBatch)
	}
	if s.cdb != nil {
		s.wg.Add(1)
		go s.checkpointLoop()
	}
	return s, nil
}

func openSQLite(path string) (*Store, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqlstore: create data directory: %w", err)
		}
	}
	// synchronous(FULL): a commit is on disk before it is acknowledged, even
	// across a power cut; group commit pays for it.
	const pragmas = "_pragma=busy_timeout(" + sqliteBusyMS + ")&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"
	// wal_autocheckpoint(0): the committer no longer copies the WAL back
	// into the database file itself, in the middle of a commit (a stall of
	// every acknowledgement, kefu bench crowd); checkpointLoop does it from
	// a connection of its own, beside the commits.
	wdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	rdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(8)
	cdb, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	cdb.SetMaxOpenConns(1)
	d := sqliteDialect
	rstmts := newStmtCache(rdb)
	return &Store{reader: reader{q: rdb, d: d, stmts: rstmts}, wdb: wdb, rdb: rdb, cdb: cdb, dialect: d, wstmts: newStmtCache(wdb)}, nil
}

func openPostgres(dsn string, opt Options) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	db.SetMaxOpenConns(opt.Committers + 16)
	db.SetMaxIdleConns(opt.Committers + 16)
	d := postgresDialect
	return &Store{reader: reader{q: db, d: d}, wdb: db, rdb: db, dialect: d}, nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return s.dialect.name }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return s.wdb.PingContext(ctx) }

// Close stops the committers after the updates already queued, then closes
// the database.
func (s *Store) Close() error {
	s.closeMu.Lock()
	already := s.closed
	s.closed = true
	s.closeMu.Unlock()
	if already {
		return nil
	}
	close(s.quit)
	s.wg.Wait()
	if s.wstmts != nil {
		s.wstmts.close()
		s.reader.stmts.close()
	}
	err := s.wdb.Close()
	if s.rdb != s.wdb {
		err = errors.Join(err, s.rdb.Close())
	}
	if s.cdb != nil {
		err = errors.Join(err, s.cdb.Close())
	}
	return err
}

// checkpointInterval is how often the SQLite WAL is copied back into the
// database file.
const checkpointInterval = 250 * time.Millisecond

// checkpointLoop copies committed pages from the SQLite WAL into the
// database file every checkpointInterval, without blocking the committer
// (a PASSIVE checkpoint takes what readers and the writer allow and leaves
// the rest for the next time), and once more on Close. Durability does not
// depend on it: a commit is durable in the WAL. It notes how long the WAL
// has grown, for restartWAL.
func (s *Store) checkpointLoop() {
	defer s.wg.Done()
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	checkpoint := func() {
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		defer cancel()
		var busy, frames, done int64
		if s.cdb.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &done) == nil {
			s.walFrames.Store(frames)
		}
	}
	for {
		select {
		case <-s.quit:
			checkpoint()
			return
		case <-t.C:
			checkpoint()
		}
	}
}

// A WAL longer than walRestartFrames is restarted (see restartWAL), at most
// every walRestartInterval.
const (
	walRestartFrames   = 4096 // 16 MB of 4 KB pages
	walRestartInterval = time.Second
)

// restartWAL lets the WAL start again from its beginning. SQLite reuses the
// WAL only when a write begins after a checkpoint has copied all of it
// back and no reader is still using it; under constant writes the
// checkpointLoop's PASSIVE checkpoints, beside the commits, never see that
// moment, and the WAL grew without end (half a gigabyte in 20 seconds of
// kefu bench e2e; every read searches it). The committer calls this
// between batches, when no write is in flight: a RESTART checkpoint copies
// the little checkpointLoop has not yet copied and waits for the readers of
// the old WAL to finish — at most a few milliseconds (busy_timeout 5 ms;
// if a long read is in the way, it is tried again later) — so the next
// commit writes from the WAL's beginning.
func (s *Store) restartWAL() {
	if s.cdb == nil || s.walFrames.Load() < walRestartFrames || time.Since(s.walRestarted) < walRestartInterval {
		return
	}
	s.walRestarted = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = 5`); err != nil {
		return
	}
	var busy, frames, done int64
	if conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &done) == nil && busy == 0 {
		s.walFrames.Store(0)
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA busy_timeout = `+sqliteBusyMS); err != nil {
		// Left at 5 ms, the connection would fail writes that wait for a
		// checkpoint: drop it, and the next one opens with the DSN's.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// sqliteBusyMS is how long, in milliseconds, a SQLite connection waits for
// a lock before failing.
const sqliteBusyMS = "10000"

// migrate applies the embedded migrations of the store's engine that have
// not been applied yet, each in its own transaction, in file-name order.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.wdb.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("sqlstore: create schema_migrations: %w", err)
	}
	dir := "migrations/" + s.dialect.name
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("sqlstore: read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.migrateOne(ctx, dir, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) migrateOne(ctx context.Context, dir, name string) error {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	defer tx.Rollback()
	if s.dialect.name == "postgres" {
		// Several nodes may start at once: one migrates, the others wait.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7305081)`); err != nil {
			return fmt.Errorf("sqlstore: migration lock: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(migrations, dir+"/"+name)
	if err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, time.Now().UnixMilli()); err != nil {
		return fmt.Errorf("sqlstore: migration %s: %w", name, err)
	}
	return tx.Commit()
}
