package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kefuhq/kefu"
)

// Held-back conversation saves.
//
// Every message locks its conversation, appends itself and saves the
// conversation: three statements, each a round trip on PostgreSQL, where
// kefu bench ingest found the committers spending most of their time. A
// conversation locked in the batch's transaction is already ours until the
// commit, so its save need not reach the database at once: the transaction
// keeps the latest save of each and writes them together — before any
// statement that might read them, before an op's savepoint is released,
// and before the commit. PostgreSQL gets all of a batch's saves in one
// UPDATE; both engines write a conversation saved by several ops of one
// batch once, and a conversation locked again after a save is answered
// from the held copy without reading it.
//
// Only statements that name the conversations table can read a held save:
// those write the held saves first (flushHeld); a message's insert, a push
// job's, the push log's run with them still held.

// hold keeps a copy of c as the conversation's latest save.
func (t *txn) hold(c *kefu.Conversation) {
	if t.held == nil {
		t.held = map[int64]*kefu.Conversation{}
	}
	t.held[c.ID] = copyConversation(c)
}

// heldConversation returns a copy of the held save of conversation id, or nil.
func (t *txn) heldConversation(id int64) *kefu.Conversation {
	if c, ok := t.held[id]; ok {
		return copyConversation(c)
	}
	return nil
}

func copyConversation(c *kefu.Conversation) *kefu.Conversation {
	cp := *c
	if c.Card != nil {
		card := *c.Card
		cp.Card = &card
	}
	return &cp
}

// flushHeld writes the held saves before query, if query may read them (it
// names the conversations table; "" for the commit and a savepoint's
// release). A failure is kept (heldErr) and fails the op or the batch when
// it ends (see tryBatch): the statement that needed the flush cannot return
// it.
func (t *txn) flushHeld(ctx context.Context, query string) {
	if len(t.held) == 0 || t.heldErr != nil || query != "" && !strings.Contains(query, "conversations") {
		return
	}
	held := slices.Collect(maps.Values(t.held))
	t.held = nil
	if t.d == postgresDialect && len(held) > 1 {
		t.heldErr = t.writeConversations(ctx, held)
		return
	}
	for _, c := range held {
		if err := t.writeConversation(ctx, c); err != nil {
			t.heldErr = err
			return
		}
	}
}

// writeConversations updates several locked conversations in one
// PostgreSQL statement, their fields passed as arrays.
func (t *txn) writeConversations(ctx context.Context, cs []*kefu.Conversation) error {
	n := len(cs)
	ids, agents, teams, sessions, seqs := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	states, froms, cards := make([]string, n), make([]string, n), make([]string, n)
	queued, assigned, activity, user := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	quota, until, delivered, read, agentRead, updated := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, c := range cs {
		ids[i], states[i], agents[i], teams[i], sessions[i], seqs[i] = c.ID, string(c.State), c.AgentID, c.TeamID, c.SessionID, c.LastSeq
		froms[i], cards[i] = c.SessionFrom, cardJSON(c.Card)
		queued[i], assigned[i], activity[i], user[i] = ms(c.QueuedAt), ms(c.AssignedAt), ms(c.LastActivityAt), ms(c.LastUserAt)
		quota[i], until[i] = int64(c.Quota.Remaining), ms(c.Quota.Until)
		delivered[i], read[i], agentRead[i], updated[i] = c.CustomerDeliveredSeq, c.CustomerReadSeq, c.AgentReadSeq, ms(c.UpdatedAt)
	}
	res, err := t.exec(ctx, `UPDATE conversations AS c SET state = v.state, agent_id = v.agent_id, team_id = v.team_id,
		session_id = v.session_id, last_seq = v.last_seq, session_from = v.session_from, card = v.card,
		queued_at = v.queued_at, assigned_at = v.assigned_at, last_activity_at = v.last_activity_at,
		last_user_at = v.last_user_at, quota_remaining = v.quota_remaining, quota_until = v.quota_until,
		customer_delivered_seq = v.customer_delivered_seq, customer_read_seq = v.customer_read_seq,
		agent_read_seq = v.agent_read_seq, updated_at = v.updated_at
		FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[],
			?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[],
			?::bigint[], ?::bigint[])
		AS v(id, state, agent_id, team_id, session_id, last_seq, session_from, card, queued_at, assigned_at,
			last_activity_at, last_user_at, quota_remaining, quota_until, customer_delivered_seq, customer_read_seq,
			agent_read_seq, updated_at)
		WHERE c.id = v.id`,
		ids, states, agents, teams, sessions, seqs, froms, cards, queued, assigned, activity, user,
		quota, until, delivered, read, agentRead, updated)
	if err != nil {
		return fmt.Errorf("sqlstore: save conversations: %w", err)
	}
	if got, err := res.RowsAffected(); err != nil || got != int64(n) {
		return fmt.Errorf("sqlstore: save conversations: %d of %d rows updated (%v)", got, n, err)
	}
	for _, c := range cs {
		t.locked[c.ID] = indexedOf(c)
	}
	return nil
}
