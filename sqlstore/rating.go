package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

// Ratings (migration 0011): one row per rated session.

const ratingColumns = `session_id, conversation_id, app_id, agent_id, team_id, channel, score, comment, created_at`

func scanRating(s scanner) (kefu.Rating, error) {
	var r kefu.Rating
	var created int64
	err := s.Scan(&r.SessionID, &r.ConversationID, &r.AppID, &r.AgentID, &r.TeamID, &r.Channel, &r.Score, &r.Comment, &created)
	r.CreatedAt = fromMS(created)
	return r, err
}

// CreateRating inserts r; a session already rated keeps its rating.
func (t *txn) CreateRating(ctx context.Context, r *kefu.Rating) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO ratings (`+ratingColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id) DO NOTHING`,
		r.SessionID, r.ConversationID, r.AppID, r.AgentID, r.TeamID, r.Channel, r.Score, r.Comment, ms(r.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("sqlstore: create rating: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: create rating: %w", err)
	}
	return n == 1, nil
}

// RatingOf reads a session's rating.
func (r *reader) RatingOf(ctx context.Context, sessionID int64) (*kefu.Rating, error) {
	got, err := scanRating(r.queryRow(ctx, `SELECT `+ratingColumns+` FROM ratings WHERE session_id = ?`, sessionID))
	if err != nil {
		return nil, notFound(err, "read rating")
	}
	return &got, nil
}
