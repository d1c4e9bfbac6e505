package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

const cannedColumns = `id, agent_id, team_id, shortcut, body, updated_at`

func scanCanned(s scanner) (*kefu.CannedReply, error) {
	var c kefu.CannedReply
	var updated int64
	if err := s.Scan(&c.ID, &c.AgentID, &c.TeamID, &c.Shortcut, &c.Text, &updated); err != nil {
		return nil, err
	}
	c.UpdatedAt = fromMS(updated)
	return &c, nil
}

// CannedReply reads one canned reply.
func (r *reader) CannedReply(ctx context.Context, id int64) (*kefu.CannedReply, error) {
	c, err := scanCanned(r.queryRow(ctx, `SELECT `+cannedColumns+` FROM canned_replies WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read canned reply")
	}
	return c, nil
}

// CannedReplies lists an agent's own replies and those of the given teams.
func (r *reader) CannedReplies(ctx context.Context, agentID int64, teamIDs []int64) ([]*kefu.CannedReply, error) {
	q := `SELECT ` + cannedColumns + ` FROM canned_replies WHERE (agent_id = ? AND agent_id <> 0)`
	args := []any{agentID}
	if len(teamIDs) > 0 {
		in, a := inList(teamIDs)
		q += ` OR team_id IN ` + in
		args = append(args, a...)
	}
	return collect(ctx, r, "list canned replies", scanCanned, q+` ORDER BY shortcut, id`, args...)
}

// CreateCannedReply stores a canned reply and sets its ID.
func (t *txn) CreateCannedReply(ctx context.Context, c *kefu.CannedReply) error {
	err := t.queryRow(ctx, `INSERT INTO canned_replies (agent_id, team_id, shortcut, body, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		c.AgentID, c.TeamID, c.Shortcut, c.Text, ms(c.UpdatedAt)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: create canned reply: %w", err)
	}
	return nil
}

// SaveCannedReply writes a canned reply's shortcut and text.
func (t *txn) SaveCannedReply(ctx context.Context, c *kefu.CannedReply) error {
	res, err := t.exec(ctx, `UPDATE canned_replies SET shortcut = ?, body = ?, updated_at = ? WHERE id = ?`,
		c.Shortcut, c.Text, ms(c.UpdatedAt), c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save canned reply: %w", err)
	}
	return mustAffect(res, "save canned reply")
}

// DeleteCannedReply removes a canned reply.
func (t *txn) DeleteCannedReply(ctx context.Context, id int64) error {
	res, err := t.exec(ctx, `DELETE FROM canned_replies WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete canned reply: %w", err)
	}
	return mustAffect(res, "delete canned reply")
}
