package sqlstore

import (
	"context"
	"strings"

	"github.com/kefuhq/kefu"
)

// Reports read ranges through the indexes of migration 0011: sessions by
// queued_at (per app or agent), messages by created_at (covering sender and
// agent), ratings by created_at, status changes by agent and time. The
// engine computes the figures from what these return (engine/report.go).

// sessionFilter is the WHERE of the sessions (alias s) a report covers.
func sessionFilter(q *kefu.ReportQuery) (string, []any) {
	w := []string{`s.queued_at >= ?`, `s.queued_at < ?`}
	args := []any{ms(q.From), ms(q.To)}
	if q.AppID != "" {
		w, args = append(w, `s.app_id = ?`), append(args, q.AppID)
	}
	if q.TeamID != 0 {
		w, args = append(w, `s.team_id = ?`), append(args, q.TeamID)
	}
	if q.AgentID != 0 {
		w, args = append(w, `s.agent_id = ?`), append(args, q.AgentID)
	}
	if q.Channel != "" {
		w, args = append(w, `s.customer_id IN (SELECT cu.id FROM customers cu WHERE cu.channel = ?)`), append(args, q.Channel)
	}
	return strings.Join(w, ` AND `), args
}

// ReportSessions lists the sessions queued in range with the time of each
// one's first agent message, found on the messages' (conversation, seq) key
// within the session's span of sequence numbers.
func (r *reader) ReportSessions(ctx context.Context, q *kefu.ReportQuery) ([]kefu.ReportSession, error) {
	where, args := sessionFilter(q)
	return collect(ctx, r, "report sessions", func(s scanner) (kefu.ReportSession, error) {
		var rs kefu.ReportSession
		var queued, accepted, first, closed int64
		err := s.Scan(&queued, &accepted, &first, &closed, &rs.CloseReason)
		rs.QueuedAt, rs.AcceptedAt, rs.FirstResponseAt, rs.ClosedAt = fromMS(queued), fromMS(accepted), fromMS(first), fromMS(closed)
		return rs, err
	}, `SELECT s.queued_at, s.accepted_at,
		COALESCE((SELECT MIN(m.created_at) FROM messages m WHERE m.conversation_id = s.conversation_id
			AND m.seq > s.first_seq AND (s.last_seq = 0 OR m.seq <= s.last_seq)
			AND m.sender = 'agent' AND NOT m.internal), 0),
		s.closed_at, s.close_reason
		FROM sessions s WHERE `+where+` ORDER BY s.queued_at, s.id`, args...)
}

// ReportMessages counts messages per bucket in SQL (integer division of
// the milliseconds since From). With a team or agent filter, the messages
// counted are those inside the matching sessions' spans.
func (r *reader) ReportMessages(ctx context.Context, q *kefu.ReportQuery) ([]kefu.ReportMessages, error) {
	from, step := ms(q.From), q.Bucket.Milliseconds()
	args := []any{from, step, kefu.SenderUser, kefu.SenderAgent, ms(q.From), ms(q.To)}
	var join []string
	var w []string
	if q.TeamID != 0 || q.AgentID != 0 {
		join = append(join, `JOIN sessions s ON s.conversation_id = m.conversation_id AND m.seq >= s.first_seq AND (s.last_seq = 0 OR m.seq <= s.last_seq)`)
		if q.TeamID != 0 {
			w, args = append(w, `s.team_id = ?`), append(args, q.TeamID)
		}
		if q.AgentID != 0 {
			// The agent's own messages, and their customers' in the agent's sessions.
			w, args = append(w, `s.agent_id = ? AND (m.sender = 'user' OR m.agent_id = s.agent_id)`), append(args, q.AgentID)
		}
	}
	if q.AppID != "" || q.Channel != "" {
		join = append(join, `JOIN conversations c ON c.id = m.conversation_id`)
		if q.AppID != "" {
			w, args = append(w, `c.app_id = ?`), append(args, q.AppID)
		}
		if q.Channel != "" {
			w, args = append(w, `c.customer_id IN (SELECT cu.id FROM customers cu WHERE cu.channel = ?)`), append(args, q.Channel)
		}
	}
	cond := ""
	if len(w) > 0 {
		cond = ` AND ` + strings.Join(w, ` AND `)
	}
	return collect(ctx, r.conversationsTable(ctx), "report messages", func(s scanner) (kefu.ReportMessages, error) {
		var rm kefu.ReportMessages
		var b int64
		err := s.Scan(&b, &rm.In, &rm.Out)
		rm.Bucket = fromMS(from + b*step)
		return rm, err
	}, `SELECT (m.created_at - ?) / ? AS b,
		SUM(CASE WHEN m.sender = ? THEN 1 ELSE 0 END), SUM(CASE WHEN m.sender = ? AND NOT m.internal THEN 1 ELSE 0 END)
		FROM messages m `+strings.Join(join, ` `)+`
		WHERE m.created_at >= ? AND m.created_at < ? AND m.sender IN ('user', 'agent') AND m.kind <> 'event'`+cond+`
		GROUP BY b ORDER BY b`, args...)
}

// ReportRatings lists the ratings given in range.
func (r *reader) ReportRatings(ctx context.Context, q *kefu.ReportQuery) ([]kefu.Rating, error) {
	w := []string{`created_at >= ?`, `created_at < ?`}
	args := []any{ms(q.From), ms(q.To)}
	if q.AppID != "" {
		w, args = append(w, `app_id = ?`), append(args, q.AppID)
	}
	if q.TeamID != 0 {
		w, args = append(w, `team_id = ?`), append(args, q.TeamID)
	}
	if q.AgentID != 0 {
		w, args = append(w, `agent_id = ?`), append(args, q.AgentID)
	}
	if q.Channel != "" {
		w, args = append(w, `channel = ?`), append(args, q.Channel)
	}
	return collect(ctx, r, "report ratings", scanRating,
		`SELECT `+ratingColumns+` FROM ratings WHERE `+strings.Join(w, ` AND `)+` ORDER BY created_at, session_id`, args...)
}

// ReportStatusChanges lists each agent's status before From (its last
// change then) and its changes in range. Only the agent and team filters
// apply: online time is the agents', not an app's.
func (r *reader) ReportStatusChanges(ctx context.Context, q *kefu.ReportQuery) ([]kefu.ReportStatusChange, error) {
	agents, aargs := `SELECT a.id AS id FROM agents a`, []any{}
	switch {
	case q.AgentID != 0:
		agents, aargs = `SELECT a.id AS id FROM agents a WHERE a.id = ?`, []any{q.AgentID}
	case q.TeamID != 0:
		agents, aargs = `SELECT tm.agent_id AS id FROM team_members tm WHERE tm.team_id = ?`, []any{q.TeamID}
	}
	args := append([]any{ms(q.From)}, aargs...)
	args = append(args, ms(q.From), ms(q.To))
	args = append(args, aargs...)
	return collect(ctx, r, "report status changes", func(s scanner) (kefu.ReportStatusChange, error) {
		var c kefu.ReportStatusChange
		var id, at int64
		err := s.Scan(&id, &c.AgentID, &at, &c.Status)
		c.At = fromMS(at)
		return c, err
	}, `SELECT x.id, x.agent_id, x.at, x.status FROM (
			SELECT c.id, c.agent_id, c.at, c.status FROM agent_status_changes c WHERE c.id IN (
				SELECT (SELECT c2.id FROM agent_status_changes c2 WHERE c2.agent_id = ag.id AND c2.at < ?
					ORDER BY c2.at DESC, c2.id DESC LIMIT 1) FROM (`+agents+`) ag)
			UNION ALL
			SELECT c.id, c.agent_id, c.at, c.status FROM agent_status_changes c
				WHERE c.at >= ? AND c.at < ? AND c.agent_id IN (`+agents+`)
		) x ORDER BY x.agent_id, x.at, x.id`, args...)
}
