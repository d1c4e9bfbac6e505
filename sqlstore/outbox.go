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

// outbox is a durable queue of jobs per conversation: the push outbox
// (messages and events for the developer's URL) and the upstream sends
// (agents' messages for WeChat's send API) are two. A head mark on the
// oldest job of each conversation makes it the only one due, so a
// conversation's jobs go out in order, retries included, and finding due
// jobs reads one job a conversation however long a backlog grows. A claim
// leases jobs in one conditional statement, so workers on several nodes
// never take the same job.
type outbox struct {
	what                                   string // "push job", for errors
	insert, save, remove, promote, listDue string
	claim                                  string // a format: the limit
}

func newOutbox(table, what string) outbox {
	return outbox{
		what: what,
		insert: `INSERT INTO ` + table + ` (app_id, conversation_id, message_id, tries, next_at, lease_until, created_at, head)
		VALUES (?, ?, ?, ?, ?, ?, ?, NOT EXISTS (SELECT 1 FROM ` + table + ` WHERE conversation_id = ?)) RETURNING id`,
		save:    `UPDATE ` + table + ` SET tries = ?, next_at = ?, lease_until = ? WHERE id = ?`,
		remove:  `DELETE FROM ` + table + ` WHERE id = ? RETURNING conversation_id, head`,
		promote: `UPDATE ` + table + ` SET head = TRUE WHERE id = (SELECT MIN(id) FROM ` + table + ` WHERE conversation_id = ?)`,
		listDue: `SELECT ` + outboxColumns + ` FROM ` + table + ` WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d`,
		claim: `UPDATE ` + table + ` SET tries = tries + 1, lease_until = ?
			WHERE id IN (SELECT id FROM ` + table + ` WHERE head AND next_at <= ? AND lease_until <= ? ORDER BY id LIMIT %d%s)
			AND head AND next_at <= ? AND lease_until <= ?
			RETURNING ` + outboxColumns,
	}
}

var (
	pushOutbox     = newOutbox("push_outbox", "push job")
	upstreamOutbox = newOutbox("upstream_sends", "upstream send")
)

const outboxColumns = `id, app_id, conversation_id, message_id, tries, next_at, lease_until, created_at`

// Jobs of both outboxes have the same fields (kefu.PushJob and
// kefu.UpstreamSend convert into each other).
func scanOutboxJob(s scanner) (*kefu.PushJob, error) {
	var j kefu.PushJob
	var next, lease, created int64
	if err := s.Scan(&j.ID, &j.AppID, &j.ConversationID, &j.MessageID, &j.Tries, &next, &lease, &created); err != nil {
		return nil, err
	}
	j.NextAt, j.LeaseUntil, j.CreatedAt = fromMS(next), fromMS(lease), fromMS(created)
	return &j, nil
}

// enqueue adds a job and sets its ID. The job is its conversation's head
// when the conversation has no other job; callers hold the conversation's
// lock (see delete).
func (o outbox) enqueue(ctx context.Context, t *txn, j *kefu.PushJob) error {
	err := t.queryRow(ctx, o.insert, j.AppID, j.ConversationID, j.MessageID, j.Tries, ms(j.NextAt), ms(j.LeaseUntil),
		ms(j.CreatedAt), j.ConversationID).Scan(&j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: enqueue %s: %w", o.what, err)
	}
	return nil
}

// update writes a job's tries, next time and lease.
func (o outbox) update(ctx context.Context, t *txn, j *kefu.PushJob) error {
	res, err := t.exec(ctx, o.save, j.Tries, ms(j.NextAt), ms(j.LeaseUntil), j.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save %s: %w", o.what, err)
	}
	return mustAffect(res, "save "+o.what)
}

// delete removes a finished job; the next job of its conversation, if any,
// becomes the head. Callers hold the conversation's lock, so that a job
// enqueued meanwhile cannot miss the change (on PostgreSQL, the two would
// otherwise each see the other's job as still there).
func (o outbox) delete(ctx context.Context, t *txn, id int64) error {
	var conv int64
	var head bool
	err := t.queryRow(ctx, o.remove, id).Scan(&conv, &head)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !head {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: delete %s: %w", o.what, err)
	}
	if _, err := t.exec(ctx, o.promote, conv); err != nil {
		return fmt.Errorf("sqlstore: delete %s: %w", o.what, err)
	}
	return nil
}

// due lists the heads whose time has come and whose lease (if any) has run
// out, oldest first.
func (o outbox) due(ctx context.Context, r *reader, now time.Time, limit int) ([]*kefu.PushJob, error) {
	return collect(ctx, r, "list due "+o.what+"s", scanOutboxJob, fmt.Sprintf(o.listDue, max(limit, 1)), ms(now), ms(now))
}

// lease leases up to limit due jobs until leaseUntil and counts the try
// about to happen, in one conditional statement: of workers claiming at
// once, on one node or several, each job goes to one (PostgreSQL skips rows
// another claim has locked, and re-checks the lease of rows it waited for).
// The limit is written into the statement, rounded down to a power of two:
// SQLite plans with a bound LIMIT's value and so prepares the statement
// again whenever it changes (kefu bench push: re-preparing it was a tenth
// of the server's CPU).
func (o outbox) lease(ctx context.Context, t *txn, now, leaseUntil time.Time, limit int) ([]*kefu.PushJob, error) {
	if limit < 1 {
		return nil, nil
	}
	limit = 1 << (bits.Len(uint(limit)) - 1)
	jobs, err := collect(ctx, &t.reader, "claim "+o.what+"s", scanOutboxJob, fmt.Sprintf(o.claim, limit, t.d.skipLocked),
		ms(leaseUntil), ms(now), ms(now), ms(now), ms(now))
	slices.SortFunc(jobs, func(a, b *kefu.PushJob) int { return cmp.Compare(a.ID, b.ID) })
	return jobs, err
}
