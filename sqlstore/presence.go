package sqlstore

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
)

// Presence rows: each node's word on which agents have a workspace open on
// it (migration 0007). The engine decides how long a row counts; here a row
// counts until its expires_at, and an agent not offline is absent when none
// of their rows counts.

// maxPresenceChunk bounds the rows of one INSERT (5 parameters each, far
// below both engines' limits).
const maxPresenceChunk = 256

// PutPresence upserts the rows with multi-row INSERTs of power-of-two
// sizes, so that a node's varying number of agents makes only a handful of
// distinct statements (SQLite keeps them prepared, see stmtCache).
func (t *txn) PutPresence(ctx context.Context, rows []kefu.AgentPresence) error {
	for len(rows) > 0 {
		n := 1 << (bits.Len(uint(min(len(rows), maxPresenceChunk))) - 1)
		chunk := rows[:n]
		rows = rows[n:]
		args := make([]any, 0, 5*n)
		for _, r := range chunk {
			args = append(args, r.AgentID, r.NodeID, r.Connections, ms(r.SeenAt), ms(r.ExpiresAt))
		}
		q := `INSERT INTO agent_presence (agent_id, node_id, connections, seen_at, expires_at) VALUES ` +
			strings.Repeat(`(?, ?, ?, ?, ?), `, n-1) + `(?, ?, ?, ?, ?)
			ON CONFLICT (agent_id, node_id) DO UPDATE SET connections = excluded.connections,
			seen_at = excluded.seen_at, expires_at = excluded.expires_at`
		if _, err := t.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("sqlstore: put presence: %w", err)
		}
	}
	return nil
}

// DeletePresence removes the rows that stopped counting by expiredBy, of
// agents now offline: an absent agent's rows stay until they are set
// offline, since only an agent with rows can be absent (see absentWhere).
func (t *txn) DeletePresence(ctx context.Context, expiredBy time.Time) error {
	if _, err := t.exec(ctx, `DELETE FROM agent_presence WHERE expires_at <= ?
		AND agent_id IN (SELECT id FROM agents WHERE status = 'offline')`, ms(expiredBy)); err != nil {
		return fmt.Errorf("sqlstore: delete presence: %w", err)
	}
	return nil
}

// absentWhere is what makes agent a absent: not offline (the partial index
// agents_not_offline), status changed before the first parameter, a row
// on some node — an agent who went online without ever opening a
// workspace is left alone, as presence always did — and no row counting
// at the second parameter.
const absentWhere = `a.status <> 'offline' AND a.last_seen_at < ?
	AND EXISTS (SELECT 1 FROM agent_presence p WHERE p.agent_id = a.id)
	AND NOT EXISTS (SELECT 1 FROM agent_presence p WHERE p.agent_id = a.id AND p.expires_at > ?)`

// AbsentAgents lists absent agents, by id. The query has no ORDER BY: the
// engines then walk agents_not_offline (ordering by id would walk every
// agent by the primary key instead).
func (r *reader) AbsentAgents(ctx context.Context, now, changedBefore time.Time, limit int) ([]int64, error) {
	ids, err := collect(ctx, r, "list absent agents", func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, fmt.Sprintf(`SELECT a.id FROM agents a WHERE `+absentWhere+` LIMIT %d`, max(limit, 1)),
		ms(changedBefore), ms(now))
	slices.Sort(ids)
	return ids, err
}

// SetAbsentOffline sets an absent agent offline. The conditions are on the
// updated row itself, so on PostgreSQL a second node's update of the same
// agent waits for the first to commit, checks them again on the row as the
// first left it (offline) and changes nothing.
func (t *txn) SetAbsentOffline(ctx context.Context, agentID int64, now, changedBefore time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE agents AS a SET status = 'offline', last_seen_at = ? WHERE a.id = ? AND `+absentWhere,
		ms(now), agentID, ms(changedBefore), ms(now))
	if err != nil {
		return false, fmt.Errorf("sqlstore: set absent agent offline: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: set absent agent offline: %w", err)
	}
	return n == 1, nil
}

// Presence lists an agent's rows by node.
func (r *reader) Presence(ctx context.Context, agentID int64) ([]kefu.AgentPresence, error) {
	return collect(ctx, r, "read presence", func(s scanner) (kefu.AgentPresence, error) {
		var p kefu.AgentPresence
		var seen, expires int64
		err := s.Scan(&p.AgentID, &p.NodeID, &p.Connections, &seen, &expires)
		p.SeenAt, p.ExpiresAt = fromMS(seen), fromMS(expires)
		return p, err
	}, `SELECT agent_id, node_id, connections, seen_at, expires_at FROM agent_presence WHERE agent_id = ? ORDER BY node_id`, agentID)
}
