package engine

import (
	"context"

	"github.com/kefuhq/kefu"
)

// CreateTeam adds a team (its name checked by the caller).
func (e *Engine) CreateTeam(ctx context.Context, t *kefu.Team) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateTeam(ctx, t) })
}

// RenameTeam changes a team's name and returns the team.
func (e *Engine) RenameTeam(ctx context.Context, id int64, name string) (*kefu.Team, error) {
	var t *kefu.Team
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		var err error
		if t, err = tx.Team(ctx, id); err != nil {
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
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.SetRoutingRules(ctx, appID, rules) })
}
