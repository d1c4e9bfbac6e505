package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

const componentColumns = `id, name, url, origin, icon, app_ids, team_ids, enabled, position, created_at`

func scanComponent(s scanner) (*kefu.Component, error) {
	var c kefu.Component
	var apps, teams string
	var created int64
	if err := s.Scan(&c.ID, &c.Name, &c.URL, &c.Origin, &c.Icon, &apps, &teams, &c.Enabled, &c.Position, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(apps), &c.AppIDs); err != nil {
		return nil, fmt.Errorf("component apps: %w", err)
	}
	if err := json.Unmarshal([]byte(teams), &c.TeamIDs); err != nil {
		return nil, fmt.Errorf("component teams: %w", err)
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

func jsonList[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Component reads a component.
func (r *reader) Component(ctx context.Context, id int64) (*kefu.Component, error) {
	c, err := scanComponent(r.queryRow(ctx, `SELECT `+componentColumns+` FROM components WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read component")
	}
	return c, nil
}

// Components lists components in tab order.
func (r *reader) Components(ctx context.Context) ([]*kefu.Component, error) {
	return collect(ctx, r, "list components", scanComponent, `SELECT `+componentColumns+` FROM components ORDER BY position, id`)
}

// CreateComponent stores a component and sets its ID.
func (t *txn) CreateComponent(ctx context.Context, c *kefu.Component) error {
	err := t.queryRow(ctx, `INSERT INTO components (name, url, origin, icon, app_ids, team_ids, enabled, position, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.Name, c.URL, c.Origin, c.Icon, jsonList(c.AppIDs), jsonList(c.TeamIDs), c.Enabled, c.Position, ms(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: create component: %w", err)
	}
	return nil
}

// SaveComponent writes a component's settings.
func (t *txn) SaveComponent(ctx context.Context, c *kefu.Component) error {
	res, err := t.exec(ctx, `UPDATE components SET name = ?, url = ?, origin = ?, icon = ?, app_ids = ?, team_ids = ?, enabled = ?,
		position = ? WHERE id = ?`, c.Name, c.URL, c.Origin, c.Icon, jsonList(c.AppIDs), jsonList(c.TeamIDs), c.Enabled, c.Position, c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save component: %w", err)
	}
	return mustAffect(res, "save component")
}

// DeleteComponent removes a component.
func (t *txn) DeleteComponent(ctx context.Context, id int64) error {
	res, err := t.exec(ctx, `DELETE FROM components WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete component: %w", err)
	}
	return mustAffect(res, "delete component")
}

// TouchRate records an action for key unless one happened less than every
// ago — one conditional upsert, so concurrent callers cannot both pass.
func (t *txn) TouchRate(ctx context.Context, key string, now time.Time, every time.Duration) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO rate_marks (key, at) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET at = excluded.at WHERE rate_marks.at <= ?`,
		key, ms(now), ms(now.Add(-every)))
	if err != nil {
		return false, fmt.Errorf("sqlstore: touch rate mark: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: touch rate mark: %w", err)
	}
	return n == 1, nil
}
