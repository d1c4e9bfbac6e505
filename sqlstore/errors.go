package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/kefuhq/kefu"
)

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine, by the engine's error code.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// mustAffect turns an update that matched no row into kefu.ErrNotFound.
func mustAffect(res sql.Result, what string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	if n == 0 {
		return kefu.ErrNotFound
	}
	return nil
}

// errUnavailable is what callers see when the database cannot be reached
// or stopped mid-statement: a retryable outage, not a bug. A commit whose
// outcome was lost is reported the same way: the caller retries with the
// same client message id, and the store's idempotency makes the retry safe.
const unavailableMessage = "the database is unavailable; try again shortly"

// classify turns a failure to reach the database into a kefu.EUNAVAILABLE
// error (keeping the cause for the logs) and leaves every other error as
// it is.
func classify(err error) error {
	if err == nil || kefu.ErrorCode(err) != kefu.EINTERNAL || !unreachable(err) {
		return err
	}
	return &kefu.Error{Code: kefu.EUNAVAILABLE, Message: unavailableMessage, Err: err}
}

// unreachable reports whether err says the database could not be reached,
// went away, or is shutting down or overloaded — conditions a retry a
// moment later can get past.
func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the caller gave up: not an outage
	}
	var ne net.Error
	var ce *pgconn.ConnectError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err):
		return true
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exceptions; 57P01-03: shutting down or
		// starting; 53300: too many connections.
		return pg.Code[:2] == "08" || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03" || pg.Code == "53300"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}
