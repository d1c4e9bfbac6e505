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
	q    querier
	d    *dialect
	lock string // " FOR UPDATE" inside PostgreSQL transactions, else ""
}

func (r *reader) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.q.ExecContext(ctx, r.d.rebind(query), args...)
}

func (r *reader) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.q.QueryContext(ctx, r.d.rebind(query), args...)
}

func (r *reader) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return r.q.QueryRowContext(ctx, r.d.rebind(query), args...)
}

// notFound turns sql.ErrNoRows into kefu.ErrNotFound and wraps other errors
// with what was being done.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return kefu.ErrNotFound
	}
	return fmt.Errorf("sqlstore: %s: %w", what, err)
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
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", what, err)
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
	return v, nil
}

// PutSetting writes a server-wide setting.
func (t *txn) PutSetting(ctx context.Context, key, value string) error {
	_, err := t.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("sqlstore: put setting: %w", err)
	}
	return nil
}
