package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

// EnqueuePush adds a job to the push outbox and sets its ID (see outbox).
func (t *txn) EnqueuePush(ctx context.Context, j *kefu.PushJob) error {
	return pushOutbox.enqueue(ctx, t, j)
}

// SavePushJob writes a job's tries, next time and lease.
func (t *txn) SavePushJob(ctx context.Context, j *kefu.PushJob) error {
	return pushOutbox.update(ctx, t, j)
}

// DeletePushJob removes a finished job; the next job of its conversation,
// if any, becomes the head. Callers hold the conversation's lock.
func (t *txn) DeletePushJob(ctx context.Context, id int64) error {
	return pushOutbox.delete(ctx, t, id)
}

// DuePushJobs lists jobs whose time has come and whose lease (if any) has
// run out, oldest first — only the head of each conversation, so a
// conversation's pushes reach the developer in order, retries included.
func (r *reader) DuePushJobs(ctx context.Context, now time.Time, limit int) ([]*kefu.PushJob, error) {
	return pushOutbox.due(ctx, r, now, limit)
}

// ClaimPushJobs leases up to limit due jobs (as DuePushJobs finds them)
// until leaseUntil and counts the try about to happen (see outbox.lease).
func (t *txn) ClaimPushJobs(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*kefu.PushJob, error) {
	return pushOutbox.lease(ctx, t, now, leaseUntil, limit)
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
