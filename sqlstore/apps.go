package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kefuhq/kefu"
)

const appColumns = `id, original_id, name, secret, identity_secret, push_url, push_token, push_aes_key,
	push_prev_aes_key, push_mode, push_format, push_allow_private, widget_origins, upstream_url, upstream_token, upstream_aes_key,
	upstream_mode, upstream_format, created_at`

func (r *reader) scanApp(s scanner) (*kefu.App, error) {
	var a kefu.App
	var origins string
	var created int64
	var up kefu.Upstream
	err := s.Scan(&a.ID, &a.OriginalID, &a.Name, &a.Secret, &a.IdentitySecret, &a.Push.URL, &a.Push.Token,
		&a.Push.EncodingAESKey, &a.Push.PreviousAESKey, &a.Push.Mode, &a.Push.Format, &a.Push.AllowPrivate, &origins,
		&up.BaseURL, &up.Token, &up.EncodingAESKey, &up.Mode, &up.Format, &created)
	if err != nil {
		return nil, err
	}
	if err := r.openAll("apps", a.ID, map[string]*string{"secret": &a.Secret, "identity_secret": &a.IdentitySecret,
		"push_token": &a.Push.Token, "push_aes_key": &a.Push.EncodingAESKey, "push_prev_aes_key": &a.Push.PreviousAESKey,
		"upstream_token": &up.Token, "upstream_aes_key": &up.EncodingAESKey}); err != nil {
		return nil, err
	}
	if up.BaseURL != "" {
		a.Upstream = &up
	}
	if err := json.Unmarshal([]byte(origins), &a.WidgetOrigins); err != nil {
		return nil, fmt.Errorf("widget origins: %w", err)
	}
	a.CreatedAt = fromMS(created)
	return &a, nil
}

// appArgs are an app's columns after its id, secrets sealed.
func (r *reader) appArgs(a *kefu.App) []any {
	origins, _ := json.Marshal(a.WidgetOrigins)
	if a.WidgetOrigins == nil {
		origins = []byte("[]")
	}
	var up kefu.Upstream
	if a.Upstream != nil {
		up = *a.Upstream
	}
	seal := func(v, column string) string { return r.seal(v, "apps", column, a.ID) }
	return []any{a.OriginalID, a.Name, seal(a.Secret, "secret"), seal(a.IdentitySecret, "identity_secret"), a.Push.URL,
		seal(a.Push.Token, "push_token"), seal(a.Push.EncodingAESKey, "push_aes_key"), seal(a.Push.PreviousAESKey, "push_prev_aes_key"),
		a.Push.Mode, a.Push.Format, a.Push.AllowPrivate, string(origins), up.BaseURL, seal(up.Token, "upstream_token"),
		seal(up.EncodingAESKey, "upstream_aes_key"), up.Mode, up.Format}
}

// App reads an app by its appid.
func (r *reader) App(ctx context.Context, id string) (*kefu.App, error) {
	a, err := r.scanApp(r.queryRow(ctx, `SELECT `+appColumns+` FROM apps WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read app")
	}
	return a, nil
}

// AppByOriginalID reads an app by its gh_ original id.
func (r *reader) AppByOriginalID(ctx context.Context, originalID string) (*kefu.App, error) {
	a, err := r.scanApp(r.queryRow(ctx, `SELECT `+appColumns+` FROM apps WHERE original_id = ?`, originalID))
	if err != nil {
		return nil, notFound(err, "read app")
	}
	return a, nil
}

// Apps lists every app, oldest first.
func (r *reader) Apps(ctx context.Context) ([]*kefu.App, error) {
	return collect(ctx, r, "list apps", r.scanApp, `SELECT `+appColumns+` FROM apps ORDER BY created_at, id`)
}

// CreateApp stores a new app.
func (t *txn) CreateApp(ctx context.Context, a *kefu.App) error {
	args := append([]any{a.ID}, t.appArgs(a)...)
	args = append(args, ms(a.CreatedAt))
	_, err := t.exec(ctx, `INSERT INTO apps (`+appColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "an app with this appid or original id already exists")
		}
		return fmt.Errorf("sqlstore: create app: %w", err)
	}
	return nil
}

// SaveApp updates an app's fields (not its appid or creation time).
func (t *txn) SaveApp(ctx context.Context, a *kefu.App) error {
	args := append(t.appArgs(a), a.ID)
	res, err := t.exec(ctx, `UPDATE apps SET original_id = ?, name = ?, secret = ?, identity_secret = ?, push_url = ?,
		push_token = ?, push_aes_key = ?, push_prev_aes_key = ?, push_mode = ?, push_format = ?, push_allow_private = ?,
		widget_origins = ?, upstream_url = ?, upstream_token = ?, upstream_aes_key = ?, upstream_mode = ?, upstream_format = ?
		WHERE id = ?`, args...)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "another app already has this original id")
		}
		return fmt.Errorf("sqlstore: save app: %w", err)
	}
	return mustAffect(res, "save app")
}
