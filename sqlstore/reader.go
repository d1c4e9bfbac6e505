package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// reader implements kefu.Reader over a database or a transaction.
type reader struct {
	keys *Keyring // seals and opens secrets (secrets.go)
	q    querier
	d    *dialect
	lock string // " FOR UPDATE" inside PostgreSQL transactions, else ""
	// stmts, for SQLite, holds the prepared statements of q's database; tx
	// is set when q is a transaction on it (see stmtCache).
	stmts *stmtCache
	tx    *sql.Tx
	// flush, inside a batch's transaction, writes the conversation saves
	// held back so far (see held.go).
	flush func(ctx context.Context)
}

// conversationsTable writes the conversation saves held back in this batch
// (held.go) and returns r. Every statement that reads or writes the
// conversations table runs through it, so that it sees them; the others (a
// message's insert, a push job's) run with the saves still held.
func (r *reader) conversationsTable(ctx context.Context) *reader {
	if r.flush != nil {
		r.flush(ctx)
	}
	return r
}

// stmtContext is the context a statement runs under. Inside a batch the
// committer's transaction already bounds every statement (batchTimeout), and
// a caller that gives up still gets its error from Update; a cancellable
// context would only make the SQLite driver and database/sql start a
// goroutine per statement to watch it — on the single committer's path,
// where kefu bench found hundreds of them queued for the CPU.
func (r *reader) stmtContext(ctx context.Context) context.Context {
	if r.tx != nil {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// stmt returns a prepared statement for query, or nil to run it unprepared.
func (r *reader) stmt(ctx context.Context, query string) *sql.Stmt {
	if r.stmts == nil {
		return nil
	}
	if r.tx == nil {
		return r.stmts.get(ctx, query)
	}
	s := r.stmts.lookup(query)
	if s == nil {
		r.stmts.want(query)
		return nil
	}
	return r.tx.StmtContext(ctx, s)
}

func (r *reader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = r.stmtContext(ctx)
	if s := r.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return r.q.ExecContext(ctx, r.d.rebind(query), args...)
}

func (r *reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = r.stmtContext(ctx)
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.q.QueryContext(ctx, r.d.rebind(query), args...)
}

func (r *reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = r.stmtContext(ctx)
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.q.QueryRowContext(ctx, r.d.rebind(query), args...)
}

// notFound turns sql.ErrNoRows into kefu.ErrNotFound and wraps other errors
// with what was being done.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return kefu.ErrNotFound
	}
	return classify(fmt.Errorf("sqlstore: %s: %w", what, err))
}

// ms and fromMS convert times to the stored Unix milliseconds; the zero
// time is stored as 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect runs a query and scans each row with scan.
func collect[T any](ctx context.Context, r *reader, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := r.query(ctx, query, args...)
	if err != nil {
		return nil, classify(fmt.Errorf("sqlstore: %s: %w", what, err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("sqlstore: %s: %w", what, err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("sqlstore: %s: %w", what, err))
	}
	return out, nil
}

// inList returns "(?, ?, ?)" for n values and the values as args.
func inList[T any](vals []T) (string, []any) {
	b := make([]byte, 0, 3*len(vals)+2)
	args := make([]any, len(vals))
	b = append(b, '(')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		b = append(b, '?')
		args[i] = v
	}
	b = append(b, ')')
	return string(b), args
}

// Setting reads a server-wide setting.
func (r *reader) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := r.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return "", notFound(err, "read setting")
	}
	if secretSettings[key] {
		return r.open(v, "settings", "value", key)
	}
	return v, nil
}

// PutSetting writes a server-wide setting.
func (t *txn) PutSetting(ctx context.Context, key, value string) error {
	if secretSettings[key] {
		value = t.seal(value, "settings", "value", key)
	}
	_, err := t.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlstore: put setting: %w", err)
	}
	return nil
}
