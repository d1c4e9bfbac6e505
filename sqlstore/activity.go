package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

const activityColumns = `id, actor_id, actor_name, action, target_type, target_id, detail, created_at`

func scanActivity(s scanner) (*kefu.Activity, error) {
	var a kefu.Activity
	var detail string
	var created int64
	if err := s.Scan(&a.ID, &a.ActorID, &a.ActorName, &a.Action, &a.TargetType, &a.TargetID, &detail, &created); err != nil {
		return nil, err
	}
	a.Detail, a.CreatedAt = []byte(detail), fromMS(created)
	return &a, nil
}

// AddActivity appends an entry to the activity log and sets its ID.
func (t *txn) AddActivity(ctx context.Context, a *kefu.Activity) error {
	detail := string(a.Detail)
	if detail == "" {
		detail = "{}"
	}
	err := t.queryRow(ctx, `INSERT INTO activity (actor_id, actor_name, action, target_type, target_id, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.ActorID, a.ActorName, a.Action, a.TargetType, a.TargetID, detail, ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: add activity: %w", err)
	}
	return nil
}

// Activities lists the entries matching f, newest first.
func (r *reader) Activities(ctx context.Context, f kefu.ActivityFilter) ([]*kefu.Activity, error) {
	q := `SELECT ` + activityColumns + ` FROM activity WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.ActorID != 0 {
		add(`actor_id = ?`, f.ActorID)
	}
	if f.Action != "" {
		add(`action = ?`, f.Action)
	}
	if f.TargetType != "" {
		add(`target_type = ?`, f.TargetType)
	}
	if f.TargetID != "" {
		add(`target_id = ?`, f.TargetID)
	}
	if !f.From.IsZero() {
		add(`created_at >= ?`, ms(f.From))
	}
	if !f.To.IsZero() {
		add(`created_at < ?`, ms(f.To))
	}
	if f.BeforeID != 0 {
		add(`id < ?`, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return collect(ctx, r, "list activity", scanActivity, q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit), args...)
}
