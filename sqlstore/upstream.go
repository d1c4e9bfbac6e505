package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

// The outbound queue of connected apps (an outbox, like the push outbox:
// see outbox.go) and their shared access tokens.

// EnqueueUpstreamSend adds a job and sets its ID; it is its conversation's
// head when the conversation has no other job.
func (t *txn) EnqueueUpstreamSend(ctx context.Context, j *kefu.UpstreamSend) error {
	return upstreamOutbox.enqueue(ctx, t, (*kefu.PushJob)(j))
}

// SaveUpstreamSend writes a job's tries, next time and lease.
func (t *txn) SaveUpstreamSend(ctx context.Context, j *kefu.UpstreamSend) error {
	return upstreamOutbox.update(ctx, t, (*kefu.PushJob)(j))
}

// DeleteUpstreamSend removes a finished job; the next job of its
// conversation becomes the head (the caller holds the conversation's lock).
func (t *txn) DeleteUpstreamSend(ctx context.Context, id int64) error {
	return upstreamOutbox.delete(ctx, t, id)
}

// DueUpstreamSends lists the heads whose time has come and whose lease has
// run out, oldest first.
func (r *reader) DueUpstreamSends(ctx context.Context, now time.Time, limit int) ([]*kefu.UpstreamSend, error) {
	return upstreamJobs(upstreamOutbox.due(ctx, r, now, limit))
}

// ClaimUpstreamSends leases due heads in one conditional statement, counting
// the try about to happen (see outbox.lease).
func (t *txn) ClaimUpstreamSends(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*kefu.UpstreamSend, error) {
	return upstreamJobs(upstreamOutbox.lease(ctx, t, now, leaseUntil, limit))
}

func upstreamJobs(jobs []*kefu.PushJob, err error) ([]*kefu.UpstreamSend, error) {
	out := make([]*kefu.UpstreamSend, len(jobs))
	for i, j := range jobs {
		out[i] = (*kefu.UpstreamSend)(j)
	}
	return out, err
}

// SetUpstreamStatus records how WeChat handled a message.
func (t *txn) SetUpstreamStatus(ctx context.Context, messageID int64, s *kefu.UpstreamStatus) error {
	var st kefu.UpstreamStatus
	if s != nil {
		st = *s
	}
	res, err := t.exec(ctx, `UPDATE messages SET upstream_state = ?, upstream_errcode = ?, upstream_error = ? WHERE id = ?`,
		st.State, st.ErrCode, st.Error, messageID)
	if err != nil {
		return fmt.Errorf("sqlstore: set upstream status: %w", err)
	}
	return mustAffect(res, "set upstream status")
}

// UpstreamToken reads an app's shared upstream token.
func (r *reader) UpstreamToken(ctx context.Context, appID string) (*kefu.UpstreamToken, error) {
	var tok kefu.UpstreamToken
	var expires, lease int64
	err := r.queryRow(ctx, `SELECT app_id, token, expires_at, refresh_lease_until FROM upstream_tokens WHERE app_id = ?`, appID).
		Scan(&tok.AppID, &tok.Token, &expires, &lease)
	if err != nil {
		return nil, notFound(err, "read upstream token")
	}
	if tok.Token, err = r.open(tok.Token, "upstream_tokens", "token", tok.AppID); err != nil {
		return nil, err
	}
	tok.ExpiresAt, tok.RefreshLeaseUntil = fromMS(expires), fromMS(lease)
	return &tok, nil
}

// LeaseUpstreamToken takes the refresh lease with one conditional statement:
// it creates the app's row, or moves a lease that has run out. Of nodes
// trying at once, one gets it (on PostgreSQL the others wait for its row
// and then see the lease taken).
func (t *txn) LeaseUpstreamToken(ctx context.Context, appID string, now, leaseUntil time.Time) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO upstream_tokens (app_id, refresh_lease_until) VALUES (?, ?)
		ON CONFLICT (app_id) DO UPDATE SET refresh_lease_until = excluded.refresh_lease_until
		WHERE upstream_tokens.refresh_lease_until <= ?`, appID, ms(leaseUntil), ms(now))
	if err != nil {
		return false, fmt.Errorf("sqlstore: lease upstream token: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: lease upstream token: %w", err)
	}
	return n == 1, nil
}

// PutUpstreamToken stores a fresh token and ends the refresh lease.
func (t *txn) PutUpstreamToken(ctx context.Context, tok *kefu.UpstreamToken) error {
	_, err := t.exec(ctx, `INSERT INTO upstream_tokens (app_id, token, expires_at, refresh_lease_until) VALUES (?, ?, ?, 0)
		ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, refresh_lease_until = 0`,
		tok.AppID, t.seal(tok.Token, "upstream_tokens", "token", tok.AppID), ms(tok.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put upstream token: %w", err)
	}
	return nil
}
