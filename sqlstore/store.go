// Package sqlstore is Kefu's durable store: one database/sql implementation of
// kefu.Store for SQLite (the default, pure Go, WAL) and PostgreSQL (pgx), with
// embedded migrations per engine. Writes go through a group committer that
// shares one transaction among concurrent updates, so an acknowledged write
// costs a fraction of an fsync under load instead of one each.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
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
	metrics      commitMetrics
	openReport   *SecretsReport
}

// Options tune a Store. The zero value is right for most uses.
type Options struct {
	// Committers is how many group-commit transactions may run at once.
	// SQLite always uses one (it has a single writer); PostgreSQL defaults to 4.
	Committers int
	// MaxBatch caps how many updates share one transaction (default 256).
	MaxBatch int
	// Keys encrypt the secrets kept in the store (keyring.go); nil keeps
	// them in clear, for tests and tools that own their database.
	Keys *Keyring
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
	s.reader.keys = opt.Keys
	err = s.migrate(ctx)
	if err == nil {
		s.openReport, err = s.sweepSecrets(ctx, false)
	}
	if err != nil {
		s.wdb.Close()
		s.rdb.Close()
		if s.cdb != nil {
			s.cdb.Close()
		}
		return nil, err
	}
	s.metrics = newCommitMetrics()
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
