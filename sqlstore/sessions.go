package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

const sessionColumns = `id, conversation_id, app_id, customer_id, team_id, agent_id, state, session_from, first_seq, last_seq,
	queued_at, accepted_at, closed_at, close_reason`

func scanSession(s scanner) (*kefu.Session, error) {
	var x kefu.Session
	var queued, accepted, closed int64
	err := s.Scan(&x.ID, &x.ConversationID, &x.AppID, &x.CustomerID, &x.TeamID, &x.AgentID, &x.State, &x.SessionFrom,
		&x.FirstSeq, &x.LastSeq, &queued, &accepted, &closed, &x.CloseReason)
	if err != nil {
		return nil, err
	}
	x.QueuedAt, x.AcceptedAt, x.ClosedAt = fromMS(queued), fromMS(accepted), fromMS(closed)
	return &x, nil
}

// Session reads a session by id.
func (r *reader) Session(ctx context.Context, id int64) (*kefu.Session, error) {
	x, err := scanSession(r.queryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read session")
	}
	return x, nil
}

// Sessions lists a conversation's sessions, newest first.
func (r *reader) Sessions(ctx context.Context, conversationID int64) ([]*kefu.Session, error) {
	return collect(ctx, r, "list sessions", scanSession,
		`SELECT `+sessionColumns+` FROM sessions WHERE conversation_id = ? ORDER BY id DESC LIMIT 200`, conversationID)
}

// CreateSession stores a new session and sets its ID.
func (t *txn) CreateSession(ctx context.Context, x *kefu.Session) error {
	err := t.queryRow(ctx, `INSERT INTO sessions (conversation_id, app_id, customer_id, team_id, agent_id, state, session_from,
		first_seq, last_seq, queued_at, accepted_at, closed_at, close_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.ConversationID, x.AppID, x.CustomerID, x.TeamID, x.AgentID, x.State, x.SessionFrom, x.FirstSeq, x.LastSeq,
		ms(x.QueuedAt), ms(x.AcceptedAt), ms(x.ClosedAt), x.CloseReason).Scan(&x.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: create session: %w", err)
	}
	return nil
}

// SaveSession writes a session's mutable fields.
func (t *txn) SaveSession(ctx context.Context, x *kefu.Session) error {
	res, err := t.exec(ctx, `UPDATE sessions SET team_id = ?, agent_id = ?, state = ?, last_seq = ?, accepted_at = ?,
		closed_at = ?, close_reason = ? WHERE id = ?`,
		x.TeamID, x.AgentID, x.State, x.LastSeq, ms(x.AcceptedAt), ms(x.ClosedAt), x.CloseReason, x.ID)
	if err != nil {
		return fmt.Errorf("sqlstore: save session: %w", err)
	}
	return mustAffect(res, "save session")
}
