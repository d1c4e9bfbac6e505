package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kefuhq/kefu"
)

const attributeColumns = `id, key, label, type, options`

func scanAttribute(s scanner) (*kefu.Attribute, error) {
	var a kefu.Attribute
	var options string
	if err := s.Scan(&a.ID, &a.Key, &a.Label, &a.Type, &options); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(options), &a.Options); err != nil {
		return nil, fmt.Errorf("attribute %d options: %w", a.ID, err)
	}
	return &a, nil
}

func optionsJSON(a *kefu.Attribute) string {
	if len(a.Options) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(a.Options) // a []string always marshals
	return string(b)
}

// Attribute reads one attribute definition.
func (r *reader) Attribute(ctx context.Context, id int64) (*kefu.Attribute, error) {
	a, err := scanAttribute(r.queryRow(ctx, `SELECT `+attributeColumns+` FROM attributes WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read attribute")
	}
	return a, nil
}

// Attributes lists every definition in creation order.
func (r *reader) Attributes(ctx context.Context) ([]*kefu.Attribute, error) {
	return collect(ctx, r, "list attributes", scanAttribute, `SELECT `+attributeColumns+` FROM attributes ORDER BY id`)
}

// CustomerAttributes is a customer's values by attribute key.
func (r *reader) CustomerAttributes(ctx context.Context, customerID int64) (map[string]string, error) {
	type kv struct{ k, v string }
	rows, err := collect(ctx, r, "list customer attributes", func(s scanner) (kv, error) {
		var p kv
		return p, s.Scan(&p.k, &p.v)
	}, `SELECT a.key, ca.value FROM customer_attributes ca JOIN attributes a ON a.id = ca.attribute_id WHERE ca.customer_id = ?`, customerID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, p := range rows {
		out[p.k] = p.v
	}
	return out, nil
}

// CreateAttribute adds a definition; a taken key is ECONFLICT.
func (t *txn) CreateAttribute(ctx context.Context, a *kefu.Attribute) error {
	err := t.queryRow(ctx, `INSERT INTO attributes (key, label, type, options, created_at) VALUES (?, ?, ?, ?, 0) RETURNING id`,
		a.Key, a.Label, a.Type, optionsJSON(a)).Scan(&a.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "there is already an attribute with the key %q", a.Key)
		}
		return fmt.Errorf("sqlstore: create attribute: %w", err)
	}
	return nil
}

// SaveAttribute writes a definition's label and options (key and type
// stay: values already stored were checked against them).
func (t *txn) SaveAttribute(ctx context.Context, a *kefu.Attribute) error {
	res, err := t.exec(ctx, `UPDATE attributes SET label = ?, options = ? WHERE id = ?`, a.Label, optionsJSON(a), a.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save attribute: %w", err)
	}
	return mustAffect(res, "save attribute")
}

// DeleteAttribute removes a definition and its values.
func (t *txn) DeleteAttribute(ctx context.Context, id int64) error {
	if _, err := t.exec(ctx, `DELETE FROM customer_attributes WHERE attribute_id = ?`, id); err != nil {
		return fmt.Errorf("sqlstore: delete attribute: %w", err)
	}
	res, err := t.exec(ctx, `DELETE FROM attributes WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete attribute: %w", err)
	}
	return mustAffect(res, "delete attribute")
}

// SetCustomerAttribute stores or (value "") removes a customer's value.
func (t *txn) SetCustomerAttribute(ctx context.Context, customerID, attributeID int64, value string) error {
	q, args := `DELETE FROM customer_attributes WHERE customer_id = ? AND attribute_id = ?`, []any{customerID, attributeID}
	if value != "" {
		q = `INSERT INTO customer_attributes (customer_id, attribute_id, value) VALUES (?, ?, ?)
			ON CONFLICT (customer_id, attribute_id) DO UPDATE SET value = excluded.value`
		args = append(args, value)
	}
	if _, err := t.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("sqlstore: set customer attribute: %w", err)
	}
	return nil
}
