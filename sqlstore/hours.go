package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kefuhq/kefu"
)

// HoursSettings reads an app's or a team's hours and automatic replies.
func (r *reader) HoursSettings(ctx context.Context, appID string, teamID int64) (*kefu.HoursSettings, error) {
	var body string
	var updated int64
	err := r.queryRow(ctx, `SELECT body, updated_at FROM hours_settings WHERE app_id = ? AND team_id = ?`, appID, teamID).Scan(&body, &updated)
	if err != nil {
		return nil, notFound(err, "read hours")
	}
	var s kefu.HoursSettings
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		return nil, fmt.Errorf("sqlstore: decode hours: %w", err)
	}
	s.AppID, s.TeamID, s.UpdatedAt = appID, teamID, fromMS(updated)
	return &s, nil
}

// PutHoursSettings stores s, replacing its scope's earlier settings.
func (t *txn) PutHoursSettings(ctx context.Context, s *kefu.HoursSettings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("sqlstore: encode hours: %w", err)
	}
	_, err = t.exec(ctx, `INSERT INTO hours_settings (app_id, team_id, body, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, team_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
		s.AppID, s.TeamID, string(body), ms(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: put hours: %w", err)
	}
	return nil
}
