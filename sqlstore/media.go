package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

// PutMedia stores an uploaded file.
func (t *txn) PutMedia(ctx context.Context, m *kefu.Media) error {
	_, err := t.exec(ctx, `INSERT INTO media (id, app_id, type, content_type, filename, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ID, m.AppID, m.Type, m.ContentType, m.Filename, m.Size, m.Data, ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put media: %w", err)
	}
	return nil
}

// Media reads an uploaded file with its bytes.
func (r *reader) Media(ctx context.Context, id string) (*kefu.Media, error) {
	var m kefu.Media
	var created int64
	err := r.queryRow(ctx, `SELECT id, app_id, type, content_type, filename, size, data, created_at FROM media WHERE id = ?`, id).
		Scan(&m.ID, &m.AppID, &m.Type, &m.ContentType, &m.Filename, &m.Size, &m.Data, &created)
	if err != nil {
		return nil, notFound(err, "read media")
	}
	m.CreatedAt = fromMS(created)
	return &m, nil
}
