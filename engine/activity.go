package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kefuhq/kefu"
)

// The activity log records who did what, in the transaction of the action:
// an action that fails leaves no line, and a line never goes missing for an
// action that happened. Admin handlers put the acting admin in the context
// (WithActor); session actions name their agent.

type actorKey struct{}

// WithActor returns a context whose actions the activity log attributes to a.
func WithActor(ctx context.Context, a *kefu.Agent) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorOf is the agent WithActor put in ctx, or nil.
func actorOf(ctx context.Context) *kefu.Agent {
	a, _ := ctx.Value(actorKey{}).(*kefu.Agent)
	return a
}

// Record writes one activity line in tx: by did action (such as
// "team.create") to the target (targetType and its id), with detail (any
// JSON-encodable value, small; nil for none). A nil by is the actor of ctx
// (WithActor) or, if none, the system. Call it inside the Update that does
// the action.
func (e *Engine) Record(ctx context.Context, tx kefu.Tx, by *kefu.Agent, action, targetType string, targetID any, detail any) error {
	a := &kefu.Activity{Action: action, TargetType: targetType, TargetID: fmt.Sprint(targetID), CreatedAt: e.now(), ActorName: "system"}
	if by == nil {
		by = actorOf(ctx)
	}
	if by != nil {
		a.ActorID, a.ActorName = by.ID, by.Name
	}
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("engine: activity detail of %s: %w", action, err)
		}
		a.Detail = b
	}
	return tx.AddActivity(ctx, a)
}

// RecordAlone records an action that writes nothing else (an admin reading
// secrets) in a transaction of its own; the caller goes on only if it
// succeeded, so nothing is shown unrecorded.
func (e *Engine) RecordAlone(ctx context.Context, action, targetType string, targetID any, detail any) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error { return e.Record(ctx, tx, nil, action, targetType, targetID, detail) })
}

// recordAccept records an agent's accept of a session, or the router's
// assignment of it (auto) to the agent.
func (e *Engine) recordAccept(ctx context.Context, tx kefu.Tx, agent *kefu.Agent, auto bool, c *kefu.Conversation) error {
	if auto {
		return e.Record(ctx, tx, &kefu.Agent{Name: "system"}, "session.assign", "conversation", c.ID,
			map[string]any{"session": c.SessionID, "agent": agent.ID, "agent_name": agent.Name})
	}
	return e.Record(ctx, tx, agent, "session.accept", "conversation", c.ID, map[string]any{"session": c.SessionID})
}
