package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

const customerColumns = `id, app_id, openid, channel, sdk_version, external_id, verified, name, created_at`

func scanCustomer(s scanner) (*kefu.Customer, error) {
	var c kefu.Customer
	var created int64
	if err := s.Scan(&c.ID, &c.AppID, &c.OpenID, &c.Channel, &c.SDKVersion, &c.ExternalID, &c.Verified, &c.Name, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = fromMS(created)
	return &c, nil
}

// Customer reads a customer by id.
func (r *reader) Customer(ctx context.Context, id int64) (*kefu.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read customer")
	}
	return c, nil
}

// CustomerByOpenID reads a customer by app and openid.
func (r *reader) CustomerByOpenID(ctx context.Context, appID, openID string) (*kefu.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE app_id = ? AND openid = ?`, appID, openID))
	if err != nil {
		return nil, notFound(err, "read customer")
	}
	return c, nil
}

// CustomerByExternalID reads a customer by who they are to their channel.
func (r *reader) CustomerByExternalID(ctx context.Context, appID string, ch kefu.Channel, externalID string) (*kefu.Customer, error) {
	c, err := scanCustomer(r.queryRow(ctx, `SELECT `+customerColumns+` FROM customers WHERE app_id = ? AND channel = ? AND external_id = ?`,
		appID, ch, externalID))
	if err != nil {
		return nil, notFound(err, "read customer")
	}
	return c, nil
}

// CreateCustomer stores a new customer and sets its ID.
func (t *txn) CreateCustomer(ctx context.Context, c *kefu.Customer) error {
	err := t.queryRow(ctx, `INSERT INTO customers (app_id, openid, channel, sdk_version, external_id, verified, name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.AppID, c.OpenID, c.Channel, c.SDKVersion, c.ExternalID, c.Verified, c.Name, ms(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "the customer already exists")
		}
		return fmt.Errorf("sqlstore: create customer: %w", err)
	}
	return nil
}

// SaveCustomer updates a customer's SDK version, verification and name.
func (t *txn) SaveCustomer(ctx context.Context, c *kefu.Customer) error {
	res, err := t.exec(ctx, `UPDATE customers SET sdk_version = ?, verified = ?, name = ? WHERE id = ?`,
		c.SDKVersion, c.Verified, c.Name, c.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save customer: %w", err)
	}
	return mustAffect(res, "save customer")
}
