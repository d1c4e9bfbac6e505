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
		return err
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
	for {
		var first *op
		select {
		case first = <-s.ops:
		case <-s.quit:
			// Finish what was queued before Close, then stop.
			for {
				select {
				case o := <-s.ops:
					s.runBatch([]*op{o})
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
		s.runBatch(batch)
	}
}

// runBatch commits a batch, retrying it whole when the database reports a
// deadlock or serialisation failure between concurrent batches.
func (s *Store) runBatch(batch []*op) {
	var errs []error
	var err error
	for attempt := 0; attempt < 8; attempt++ {
		errs, err = s.tryBatch(batch)
		if err == nil || !retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * time.Millisecond)
	}
	for i, o := range batch {
		if err != nil {
			o.done <- fmt.Errorf("sqlstore: commit: %w", err)
		} else {
			o.done <- errs[i]
		}
	}
	if s.wstmts != nil {
		// The write connection is free now: prepare the statements the
		// batch ran unprepared, for the next ones.
		ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
		s.wstmts.prepareWanted(ctx)
		cancel()
	}
}

// tryBatch runs each op under its own savepoint, so one op's failure undoes
// only that op, then commits. A batch of one needs no savepoint.
func (s *Store) tryBatch(batch []*op) ([]error, error) {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	t := &txn{reader: reader{q: sqlTx, d: s.dialect, lock: s.dialect.forUpdate, stmts: s.wstmts, tx: sqlTx}, tx: sqlTx}
	errs := make([]error, len(batch))
	single := len(batch) == 1
	for i, o := range batch {
		if err := o.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		// One savepoint name serves every op (they never nest), so its three
		// statements stay prepared (see stmtCache).
		if !single {
			if _, err := t.exec(ctx, "SAVEPOINT op"); err != nil {
				sqlTx.Rollback()
				return nil, err
			}
		}
		err := runOp(o, t)
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
			if _, rerr := t.exec(ctx, "ROLLBACK TO SAVEPOINT op"); rerr != nil {
				sqlTx.Rollback()
				return nil, rerr
			}
		}
		if !single {
			if _, err := t.exec(ctx, "RELEASE SAVEPOINT op"); err != nil {
				sqlTx.Rollback()
				return nil, err
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		return nil, err
	}
	return errs, nil
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
}
