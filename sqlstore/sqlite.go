package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// What only SQLite needs: one writer connection (SQLite has a single
// writer, so one committer), a read-only pool beside it, a busy timeout,
// and the WAL kept short by checkpoints taken beside the commits.

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
