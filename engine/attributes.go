package engine

import (
	"context"
	"maps"
	"slices"

	"github.com/kefuhq/kefu"
)

// SaveAttribute defines a new custom attribute of customers (ID 0) or
// changes one's label and options; its key and type never change, since
// stored values were checked against them.
func (e *Engine) SaveAttribute(ctx context.Context, a *kefu.Attribute) error {
	if err := a.Validate(); err != nil {
		return err
	}
	create := a.ID == 0
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if create {
			if err := tx.CreateAttribute(ctx, a); err != nil {
				return err
			}
			return e.Record(ctx, tx, nil, "attribute.create", "attribute", a.ID, map[string]any{"key": a.Key, "type": a.Type})
		}
		old, err := tx.Attribute(ctx, a.ID)
		if err != nil {
			return err
		}
		if a.Key != old.Key || a.Type != old.Type {
			return kefu.Errorf(kefu.EINVALID, "an attribute's key and type cannot change: add a new attribute instead")
		}
		if err := tx.SaveAttribute(ctx, a); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "attribute.edit", "attribute", a.ID, map[string]any{"key": a.Key, "label": a.Label})
	})
}

// DeleteAttribute removes an attribute and every customer's value of it.
func (e *Engine) DeleteAttribute(ctx context.Context, id int64) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		a, err := tx.Attribute(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteAttribute(ctx, id); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "attribute.delete", "attribute", id, map[string]any{"key": a.Key})
	})
}

// SetCustomerAttributes sets some of a customer's attribute values, by key
// (the empty string clears one), all or none: an unknown key or a value
// that does not fit its attribute refuses the whole change. by is the
// agent, or nil for the developer's API. It returns every value after.
func (e *Engine) SetCustomerAttributes(ctx context.Context, customerID int64, by *kefu.Agent, values map[string]string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, kefu.Errorf(kefu.EINVALID, "no attributes to set")
	}
	var after map[string]string
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		if _, err := tx.Customer(ctx, customerID); err != nil {
			return err
		}
		defs, err := tx.Attributes(ctx)
		if err != nil {
			return err
		}
		byKey := make(map[string]*kefu.Attribute, len(defs))
		for _, d := range defs {
			byKey[d.Key] = d
		}
		keys := slices.Sorted(maps.Keys(values)) // a stable order for the checks and the log
		set := make(map[string]string, len(keys))
		for _, k := range keys {
			d, ok := byKey[k]
			if !ok {
				return kefu.Errorf(kefu.EINVALID, "there is no attribute with the key %q", k)
			}
			v, err := d.Normalize(values[k])
			if err != nil {
				return err
			}
			if err := tx.SetCustomerAttribute(ctx, customerID, d.ID, v); err != nil {
				return err
			}
			set[k] = v
		}
		if after, err = tx.CustomerAttributes(ctx, customerID); err != nil {
			return err
		}
		actor := by
		if actor == nil && actorOf(ctx) == nil {
			actor = &kefu.Agent{Name: "developer API"}
		}
		return e.Record(ctx, tx, actor, "customer.attributes", "customer", customerID, map[string]any{"set": set})
	})
	return after, err
}
