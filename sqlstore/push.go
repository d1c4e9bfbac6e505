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

// PutMedia stores an uploaded file.
func (t *txn) PutMedia(ctx context.Context, m *kefu.Media) error {
	_, err := t.exec(ctx, `INSERT INTO media (id, app_id, type, content_type, filename, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AppID, m.Type, m.ContentType, m.Filename, m.Size, m.Data, ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put media: %w", err)
	}
	return nil
}

// Media reads an uploaded file with its bytes.
func (r *reader) Media(ctx context.Context, id string) (*kefu.Media, error) {
	var m kefu.Media
	var created int64
	err := r.queryRow(ctx, `SELECT id, app_id, type, content_type, filename, size, data, created_at FROM media WHERE id = ?`, id).
		Scan(&m.ID, &m.AppID, &m.Type, &m.ContentType, &m.Filename, &m.Size, &m.Data, &created)
	if err != nil {
		return nil, notFound(err, "read media")
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}

// PutAccessToken stores a token and retires older ones of the same kind by retireAt.
func (t *txn) PutAccessToken(ctx context.Context, tok *kefu.AccessToken, retireAt time.Time) error {
	if _, err := t.exec(ctx, `UPDATE access_tokens SET expires_at = ? WHERE app_id = ? AND stable = ? AND expires_at > ?`,
		ms(retireAt), tok.AppID, tok.Stable, ms(retireAt)); err != nil {
		return fmt.Errorf("sqlstore: retire access tokens: %w", err)
	}
	if _, err := t.exec(ctx, `DELETE FROM access_tokens WHERE app_id = ? AND stable = ? AND expires_at < ?`, tok.AppID, tok.Stable, ms(tok.CreatedAt)); err != nil {
		return fmt.Errorf("sqlstore: prune access tokens: %w", err)
	}
	_, err := t.exec(ctx, `INSERT INTO access_tokens (hash, nonce, app_id, stable, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tok.Hash, tok.Nonce, tok.AppID, tok.Stable, ms(tok.ExpiresAt), ms(tok.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put access token: %w", err)
	}
	return nil
}

const tokenColumns = `hash, nonce, app_id, stable, expires_at, created_at`

func scanToken(s scanner) (*kefu.AccessToken, error) {
	var tok kefu.AccessToken
	var expires, created int64
	if err := s.Scan(&tok.Hash, &tok.Nonce, &tok.AppID, &tok.Stable, &expires, &created); err != nil {
		return nil, err
	}
	tok.ExpiresAt, tok.CreatedAt = fromMS(expires), fromMS(created)
	return &tok, nil
}

// AccessToken finds an unexpired token by hash.
func (r *reader) AccessToken(ctx context.Context, hash string, now time.Time) (*kefu.AccessToken, error) {
	tok, err := scanToken(r.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE hash = ? AND expires_at > ?`, hash, ms(now)))
	if err != nil {
		return nil, notFound(err, "read access token")
	}
	return tok, nil
}

// LatestAccessToken finds the newest unexpired token of an app and kind.
func (r *reader) LatestAccessToken(ctx context.Context, appID string, stable bool, now time.Time) (*kefu.AccessToken, error) {
	tok, err := scanToken(r.queryRow(ctx, `SELECT `+tokenColumns+` FROM access_tokens WHERE app_id = ? AND stable = ? AND expires_at > ?
		ORDER BY created_at DESC LIMIT 1`, appID, stable, ms(now)))
	if err != nil {
		return nil, notFound(err, "read access token")
	}
	return tok, nil
}
