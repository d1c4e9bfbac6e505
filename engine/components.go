package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kefuhq/kefu"
)

// SaveComponent registers a new assistant component (ID 0) or changes one.
func (e *Engine) SaveComponent(ctx context.Context, c *kefu.Component) error {
	if err := c.Validate(); err != nil {
		return err
	}
	// Decided once: the update may run again (see kefu.Store), after a first
	// run that gave c an ID.
	create := c.ID == 0
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if create {
			c.CreatedAt = e.now()
			if err := tx.CreateComponent(ctx, c); err != nil {
				return err
			}
			return e.Record(ctx, tx, nil, "component.create", "component", c.ID, map[string]any{"name": c.Name})
		}
		old, err := tx.Component(ctx, c.ID)
		if err != nil {
			return err
		}
		c.CreatedAt = old.CreatedAt
		if err := e.Record(ctx, tx, nil, "component.edit", "component", c.ID, map[string]any{"name": c.Name}); err != nil {
			return err
		}
		return tx.SaveComponent(ctx, c)
	})
}

// SendFromComponent sends what an assistant component posted (the
// protocol's method sendMsg, a type and its content) to the customer of a
// conversation the agent serves. The server enforces every rule, whatever
// the page did: the component must be registered, enabled and visible to
// the agent for this app and team; the fields must be valid; the kind must
// be allowed on the customer's channel; and a component may send one
// message a second per conversation. Each refusal is a domain error whose
// message says why, for the component and the agent.
func (e *Engine) SendFromComponent(ctx context.Context, conversationID int64, agent *kefu.Agent, componentID int64, typ string, content json.RawMessage) (*kefu.Message, error) {
	comp, err := e.store.Component(ctx, componentID)
	if errors.Is(err, kefu.ErrNotFound) {
		return nil, kefu.Errorf(kefu.ENOTFOUND, "no such component")
	}
	if err != nil {
		return nil, err
	}
	c, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	if !comp.VisibleTo(agent, c.AppID, c.TeamID) {
		return nil, kefu.Errorf(kefu.EFORBIDDEN, "the component %q is not enabled for this conversation", comp.Name)
	}
	m, err := kefu.ComponentMessage(typ, content)
	if err != nil {
		return nil, err
	}
	return e.Send(ctx, SendRequest{ConversationID: conversationID, Sender: kefu.SenderAgent, Agent: agent,
		Source: fmt.Sprintf("component:%d", comp.ID), Message: m,
		RateKey: fmt.Sprintf("component:%d:conversation:%d", comp.ID, conversationID), RateEvery: kefu.ComponentRate})
}

// DeleteComponent removes an assistant component.
func (e *Engine) DeleteComponent(ctx context.Context, id int64) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.DeleteComponent(ctx, id); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "component.delete", "component", id, nil)
	})
}
