package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"time"

	"github.com/kefuhq/kefu"
)

const pushJobColumns = `id, app_id, conversation_id, message_id, tries, next_at, lease_until, created_at`

func scanPushJob(s scanner) (*kefu.PushJob, error) {
	var j kefu.PushJob
	var next, lease, created int64
	if err := s.Scan(&j.ID, &j.AppID, &j.ConversationID, &j.MessageID, &j.Tries, &next, &lease, &created); err != nil {
		return nil, err
	}
	j.NextAt, j.LeaseUntil, j.CreatedAt = fromMS(next), fromMS(lease), fromMS(created)
	return &j, nil
}

// EnqueuePush adds a job to the outbox and sets its ID. The job is its
// conversation's head when the conversation has no other job; callers hold
// the conversation's lock (see DeletePushJob).
func (t *txn) EnqueuePush(ctx context.Context, j *kefu.PushJob) error {
	err := t.queryRow(ctx, `INSERT INTO push_outbox (app_id, conversation_id, message_id, tries, next_at, lease_until, created_at, head)
		VALUES (?, ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM push_outbox WHERE conversation_id = ?)) RETURNING id`,
		j.AppID, j.ConversationID, j.MessageID, j.Tries, ms(j.NextAt), ms(j.LeaseUntil), ms(j.CreatedAt), j.ConversationID).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: enqueue push: %w", err)
	}
	return nil
}

// SavePushJob writes a job's tries, next time and lease.
func (t *txn) SavePushJob(ctx context.Context, j *kefu.PushJob) error {
	res, err := t.exec(ctx, `UPDATE push_outbox SET tries = ?, next_at = ?, lease_until = ? WHERE id = ?`,
		j.Tries, ms(j.NextAt), ms(j.LeaseUntil), j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save push job: %w", err)
	}
	return mustAffect(res, "save push job")
}

// DeletePushJob removes a finished job; the next job of its conversation,
// if any, becomes the head. Callers hold the conversation's lock, so that
// a job enqueued meanwhile cannot miss the change (on PostgreSQL, the two
// would otherwise each see the other's job as still there).
func (t *txn) DeletePushJob(ctx context.Context, id int64) error {
	var conv int64
	var head bool
	err := t.queryRow(ctx, `DELETE FROM push_outbox WHERE id = ? RETURNING conversation_id, head`, id).Scan(&conv, &head)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !head {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: delete push job: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE push_outbox SET head = TRUE WHERE id = (SELECT MIN(id) FROM push_outbox WHERE conversation_id = ?)`, conv); err != nil {
		return fmt.Errorf("sqlstore: delete push job: %w", err)
	}
	return nil
}

// DuePushJobs lists jobs whose time has come and whose lease (if any) has
// run out, oldest first — only the head of each conversation, so a
// conversation's pushes reach the developer in order, retries included.
// It reads the heads only (an index of at most one job a conversation), so
// a backlog does not slow it down.
func (r *reader) DuePushJobs(ctx context.Context, now time.Time, limit int) ([]*kefu.PushJob, error) {
	return collect(ctx, r, "list due push jobs", scanPushJob,
		fmt.Sprintf(`SELECT `+pushJobColumns+` FROM push_outbox WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d`, limit),
		ms(now), ms(now))
}

// ClaimPushJobs leases up to limit due jobs (as DuePushJobs finds them)
// until leaseUntil and counts the try about to happen, in one conditional
// statement: of workers claiming at once, on one node or several, each job
// goes to one (PostgreSQL skips rows another claim has locked, and
// re-checks the lease of rows it waited for). The limit is written into the
// statement, rounded down to a power of two: SQLite plans with a bound
// LIMIT's value and so prepares the statement again whenever it changes
// (kefu bench push: re-preparing it was a tenth of the server's CPU).
func (t *txn) ClaimPushJobs(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*kefu.PushJob, error) {
	if limit < 1 {
		return nil, nil
	}
	limit = 1 << (bits.Len(uint(limit)) - 1)
	jobs, err := collect(ctx, &t.reader, "claim push jobs", scanPushJob,
		fmt.Sprintf(`UPDATE push_outbox SET tries = tries + 1, lease_until = ?
			WHERE id IN (SELECT id FROM push_outbox WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d`+t.d.skipLocked+`)
			AND head AND next_at <= ? AND lease_until <= ?
			RETURNING `+pushJobColumns, limit),
		ms(leaseUntil), ms(now), ms(now), ms(now), ms(now))
	slices.SortFunc(jobs, func(a, b *kefu.PushJob) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, err
}

const pushAttemptColumns = `id, app_id, message_id, conversation_id, try, url, request_query, request_body, status_code,
	response_body, error, warning, result, latency_ns, created_at`

func scanPushAttempt(s scanner) (*kefu.PushAttempt, error) {
	var a kefu.PushAttempt
	var latency, created int64
	err := s.Scan(&a.ID, &a.AppID, &a.MessageID, &a.ConversationID, &a.Try, &a.URL, &a.RequestQuery, &a.RequestBody,
		&a.StatusCode, &a.ResponseBody, &a.Error, &a.Warning, &a.Result, &latency, &created)
	if err != nil {
		return nil, err
	}
	a.Latency, a.CreatedAt = time.Duration(latency), fromMS(created)
	return &a, nil
}

// AddPushAttempt records one try of a push and sets its ID.
func (t *txn) AddPushAttempt(ctx context.Context, a *kefu.PushAttempt) error {
	err := t.queryRow(ctx, `INSERT INTO push_attempts (app_id, message_id, conversation_id, try, url, request_query,
		request_body, status_code, response_body, error, warning, result, latency_ns, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.AppID, a.MessageID, a.ConversationID, a.Try, a.URL, a.RequestQuery, a.RequestBody, a.StatusCode,
		a.ResponseBody, a.Error, a.Warning, a.Result, int64(a.Latency), ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: add push attempt: %w", err)
	}
	return nil
}

// PushAttempts lists attempts newest first.
func (r *reader) PushAttempts(ctx context.Context, f kefu.PushLogFilter) ([]*kefu.PushAttempt, error) {
	q := `SELECT ` + pushAttemptColumns + ` FROM push_attempts WHERE 1 = 1`
	var args []any
	if f.AppID != "" {
		q += ` AND app_id = ?`
		args = append(args, f.AppID)
	}
	if f.ConversationID != 0 {
		q += ` AND conversation_id = ?`
		args = append(args, f.ConversationID)
	}
	if f.MessageID != 0 {
		q += ` AND message_id = ?`
		args = append(args, f.MessageID)
	}
	if f.FailedOnly {
		q += ` AND result = 'failed'`
	}
	if f.BeforeID != 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	return collect(ctx, r, "list push attempts", scanPushAttempt, q, args...)
}
