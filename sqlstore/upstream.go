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

// The outbound queue of connected apps and their shared access tokens. The
// queue is kept exactly like the push outbox (push.go): head marks the
// oldest job of a conversation, the only one due, and claims lease jobs in
// one conditional statement.

const upstreamSendColumns = `id, app_id, conversation_id, message_id, tries, next_at, lease_until, created_at`

func scanUpstreamSend(s scanner) (*kefu.UpstreamSend, error) {
	var j kefu.UpstreamSend
	var next, lease, created int64
	if err := s.Scan(&j.ID, &j.AppID, &j.ConversationID, &j.MessageID, &j.Tries, &next, &lease, &created); err != nil {
		return nil, err
	}
	j.NextAt, j.LeaseUntil, j.CreatedAt = fromMS(next), fromMS(lease), fromMS(created)
	return &j, nil
}

// EnqueueUpstreamSend adds a job and sets its ID; it is its conversation's
// head when the conversation has no other job.
func (t *txn) EnqueueUpstreamSend(ctx context.Context, j *kefu.UpstreamSend) error {
	err := t.queryRow(ctx, `INSERT INTO upstream_sends (app_id, conversation_id, message_id, tries, next_at, lease_until, created_at, head)
		VALUES (?, ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM upstream_sends WHERE conversation_id = ?)) RETURNING id`,
		j.AppID, j.ConversationID, j.MessageID, j.Tries, ms(j.NextAt), ms(j.LeaseUntil), ms(j.CreatedAt), j.ConversationID).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: enqueue upstream send: %w", err)
	}
	return nil
}

// SaveUpstreamSend writes a job's tries, next time and lease.
func (t *txn) SaveUpstreamSend(ctx context.Context, j *kefu.UpstreamSend) error {
	res, err := t.exec(ctx, `UPDATE upstream_sends SET tries = ?, next_at = ?, lease_until = ? WHERE id = ?`,
		j.Tries, ms(j.NextAt), ms(j.LeaseUntil), j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save upstream send: %w", err)
	}
	return mustAffect(res, "save upstream send")
}

// DeleteUpstreamSend removes a finished job; the next job of its
// conversation becomes the head (see DeletePushJob for why the caller
// holds the conversation's lock).
func (t *txn) DeleteUpstreamSend(ctx context.Context, id int64) error {
	var conv int64
	var head bool
	err := t.queryRow(ctx, `DELETE FROM upstream_sends WHERE id = ? RETURNING conversation_id, head`, id).Scan(&conv, &head)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !head {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: delete upstream send: %w", err)
	}
	if _, err := t.exec(ctx, `UPDATE upstream_sends SET head = TRUE WHERE id = (SELECT MIN(id) FROM upstream_sends WHERE conversation_id = ?)`, conv); err != nil {
		return fmt.Errorf("sqlstore: delete upstream send: %w", err)
	}
	return nil
}

// DueUpstreamSends lists the heads whose time has come and whose lease has
// run out, oldest first.
func (r *reader) DueUpstreamSends(ctx context.Context, now time.Time, limit int) ([]*kefu.UpstreamSend, error) {
	return collect(ctx, r, "list due upstream sends", scanUpstreamSend,
		fmt.Sprintf(`SELECT `+upstreamSendColumns+` FROM upstream_sends WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d`, max(limit, 1)),
		ms(now), ms(now))
}

// ClaimUpstreamSends leases due heads in one conditional statement (as
// ClaimPushJobs: PostgreSQL skips rows another claim holds and re-checks
// those it waited for), counting the try about to happen.
func (t *txn) ClaimUpstreamSends(ctx context.Context, now, leaseUntil time.Time, limit int) ([]*kefu.UpstreamSend, error) {
	if limit < 1 {
		return nil, nil
	}
	limit = 1 << (bits.Len(uint(limit)) - 1)
	jobs, err := collect(ctx, &t.reader, "claim upstream sends", scanUpstreamSend,
		fmt.Sprintf(`UPDATE upstream_sends SET tries = tries + 1, lease_until = ?
			WHERE id IN (SELECT id FROM upstream_sends WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d`+t.d.skipLocked+`)
			AND head AND next_at <= ? AND lease_until <= ?
			RETURNING `+upstreamSendColumns, limit),
		ms(leaseUntil), ms(now), ms(now), ms(now), ms(now))
	slices.SortFunc(jobs, func(a, b *kefu.UpstreamSend) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, err
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
		tok.AppID, tok.Token, ms(tok.ExpiresAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put upstream token: %w", err)
	}
	return nil
}
