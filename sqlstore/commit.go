package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kefuhq/kefu"
)

// op is one Update waiting for the committer.
type op struct {
	ctx  context.Context
	fn   func(kefu.Tx) error
	done chan error
}

// errClosed is returned by Update after Close.
var errClosed = &kefu.Error{Code: kefu.EUNAVAILABLE, Message: "the store is closed"}

// batchTimeout bounds a whole group-commit transaction.
const batchTimeout = 30 * time.Second

// Update runs fn in a transaction shared with the other updates queued at
// the same moment, and returns once that transaction has committed (or fn's
// own error). See kefu.Store.
func (s *Store) Update(ctx context.Context, fn func(kefu.Tx) error) error {
	o := &op{ctx: ctx, fn: fn, done: make(chan error, 1)}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	select {
	case s.ops <- o:
		s.closeMu.RUnlock()
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-o.done:
		return classify(err)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// commitLoop takes whatever updates are waiting — at least one — and runs
// them in one transaction. Batches grow by themselves under load: while one
// commit is on its way to disk, the next batch queues.
func (s *Store) commitLoop(maxBatch int) {
	defer s.wg.Done()
	batch := make([]*op, 0, maxBatch)
	isolate := false // run the next batch with savepoints (see runBatch)
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			// Finish what was queued before Close, then stop.
			for {
				select {
				case o := <-s.ops:
					s.runBatch([]*op{o}, false)
				default:
					return
				}
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < maxBatch {
			select {
			case o := <-s.ops:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		isolate = s.runBatch(batch, isolate)
	}
}

// errIsolate says that an op of a batch run without savepoints failed: the
// batch is rolled back and runs again with them.
var errIsolate = errors.New("sqlstore: an op failed: run the batch with savepoints")

// runBatch commits a batch and reports whether it had a failing op. Most
// batches have none, so the ops first run one after the other in the
// transaction without savepoints — two statements fewer per op, SAVEPOINT
// and RELEASE (on PostgreSQL, two round trips). If one fails, the transaction is rolled
// back and the batch runs again with a savepoint around each op, so the
// failure undoes only that op (ops may run more than once: kefu.Store).
// After such a batch the next one starts with savepoints, so a stream of
// failing updates costs no more than before. A batch that the database
// reports deadlocked or unserialisable is retried whole.
func (s *Store) runBatch(batch []*op, isolate bool) (failed bool) {
	start := time.Now()
	errs, err := s.tryBatchRetrying(batch, isolate)
	if err == errIsolate {
		failed = true
		errs, err = s.tryBatchRetrying(batch, true) // never errIsolate: each op's saves are written in its savepoint
	}
	s.metrics.observe(len(batch), time.Since(start))
	for i, o := range batch {
		if err != nil {
			o.done <- fmt.Errorf("sqlstore: commit: %w", err)
		} else {
			o.done <- errs[i]
			// An op skipped because its caller gave up is no failure.
			failed = failed || errs[i] != nil && o.ctx.Err() == nil && len(batch) > 1
		}
	}
	if s.wstmts != nil {
		// The write connection is free now: prepare the statements the
		// batch ran unprepared, for the next ones, and let a long WAL
		// start again.
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		s.wstmts.prepareWanted(ctx)
		cancel()
		s.restartWAL()
	}
	return failed
}

// maxAttempts bounds the tries of a batch that keeps deadlocking.
const maxAttempts = 8

// tryBatchRetrying runs tryBatch, and again after a deadlock or a
// serialisation failure, at most maxAttempts times in all.
func (s *Store) tryBatchRetrying(batch []*op, isolate bool) ([]error, error) {
	for attempt := 1; ; attempt++ {
		errs, err := s.tryBatch(batch, isolate)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return errs, err
		}
		time.Sleep(time.Duration(attempt) * time.Millisecond) // let the other transaction finish
	}
}

// tryBatch runs the batch's ops in one transaction and commits. With
// isolate, each op runs under its own savepoint, so one op's failure undoes
// only that op; without, the first failure rolls everything back and
// returns errIsolate. A batch of one needs no savepoint either way.
func (s *Store) tryBatch(batch []*op, isolate bool) ([]error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	t := &txn{reader: reader{keys: s.keys, q: sqlTx, d: s.dialect, lock: s.dialect.forUpdate, stmts: s.wstmts, tx: sqlTx}, tx: sqlTx}
	t.reader.flush = t.flushHeld
	errs := make([]error, len(batch))
	single := len(batch) == 1
	savepoints := isolate && !single
	for i, o := range batch {
		if err := o.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		// One savepoint name serves every op (they never nest), so its three
		// statements stay prepared (see stmtCache).
		if savepoints {
			if _, err := t.exec(ctx, "SAVEPOINT op"); err != nil {
				sqlTx.Rollback()
				return nil, err
			}
		}
		err := runOp(o, t)
		if err == nil && savepoints {
			// The op's held saves are written inside its savepoint, so
			// a failure to write them is its own.
			err = t.writeHeld(ctx)
		}
		if t.heldErr != nil && retryable(t.heldErr) {
			err = t.heldErr // a deadlock while writing held saves: retry the batch
		}
		if err != nil && retryable(err) {
			sqlTx.Rollback()
			return nil, err
		}
		if err != nil {
			errs[i] = err
			if single {
				sqlTx.Rollback()
				return errs, nil
			}
			if !savepoints {
				sqlTx.Rollback()
				return nil, errIsolate
			}
			if _, rerr := t.exec(ctx, "ROLLBACK TO SAVEPOINT op"); rerr != nil {
				sqlTx.Rollback()
				return nil, rerr
			}
			t.locked = nil // what the op saved is undone
			t.held, t.heldErr = nil, nil
		}
		if savepoints {
			if _, err := t.exec(ctx, "RELEASE SAVEPOINT op"); err != nil {
				sqlTx.Rollback()
				return nil, err
			}
		}
	}
	if err := t.writeHeld(ctx); err != nil {
		sqlTx.Rollback()
		switch {
		case retryable(err):
			return nil, err
		case single:
			errs[0] = err
			return errs, nil
		}
		return nil, errIsolate // whose save failed is found with savepoints
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, err
	}
	return errs, nil
}

// writeHeld writes the held conversation saves and returns the error of
// this or an earlier flush.
func (t *txn) writeHeld(ctx context.Context) error {
	t.flushHeld(ctx)
	return t.heldErr
}

// runOp calls the op's function, turning a panic into that op's error so one
// bad update cannot stop the committer.
func runOp(o *op, t *txn) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &kefu.Error{Code: kefu.EINTERNAL, Message: "update panicked", Err: fmt.Errorf("%v", r)}
		}
	}()
	return o.fn(t)
}

// retryable reports whether err is a deadlock or serialisation failure that
// a fresh attempt can get past.
func retryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40P01" || pg.Code == "40001"
	}
	return false
}

// txn is the kefu.Tx of one batch.
type txn struct {
	reader
	tx *sql.Tx
	// locked remembers the indexed fields of the conversations locked in
	// this transaction, as read (see SaveConversation).
	locked map[int64]convIndexed
	// held are the conversation saves not yet written, by id; heldErr is
	// a failed write of them (see held.go).
	held    map[int64]*kefu.Conversation
	heldErr error
}
