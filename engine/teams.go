package engine

import (
	"context"

	"github.com/kefuhq/kefu"
)

// CreateTeam adds a team (its name checked by the caller).
func (e *Engine) CreateTeam(ctx context.Context, t *kefu.Team) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.CreateTeam(ctx, t); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "team.create", "team", t.ID, map[string]any{"name": t.Name})
	})
}

// RenameTeam changes a team's name and returns the team.
func (e *Engine) RenameTeam(ctx context.Context, id int64, name string) (*kefu.Team, error) {
	var t *kefu.Team
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		var err error
		if t, err = tx.Team(ctx, id); err != nil {
			return err
		}
		if err := e.Record(ctx, tx, nil, "team.rename", "team", id, map[string]any{"from": t.Name, "to": name}); err != nil {
			return err
		}
		t.Name = name
		return tx.SaveTeam(ctx, t)
	})
	return t, err
}

// SetRoutingRules replaces an app's routing rules (checked by the caller);
// their order is the order tried.
func (e *Engine) SetRoutingRules(ctx context.Context, appID string, rules []kefu.RoutingRule) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.SetRoutingRules(ctx, appID, rules); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "routing.set", "app", appID, map[string]any{"rules": len(rules)})
	})
}
