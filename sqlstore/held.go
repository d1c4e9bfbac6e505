package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"

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
// Only statements on the conversations table can read a held save: their
// call sites say so (reader.conversationsTable), which writes the held saves
// first; a message's insert, a push job's, the push log's run with them
// still held. TestConversationStatementsWriteHeldSaves holds the call sites
// to it.

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

// flushHeld writes the held saves: before a statement on the conversations
// table, before an op's savepoint is released, and before the commit. A
// failure is kept (heldErr) and fails the op or the batch when it ends (see
// tryBatch): the statement that needed the flush cannot return it.
func (t *txn) flushHeld(ctx context.Context) {
	if len(t.held) == 0 || t.heldErr != nil {
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
// PostgreSQL statement, their fields passed as arrays (saveMany).
func (t *txn) writeConversations(ctx context.Context, cs []*kefu.Conversation) error {
	n := len(cs)
	ids := make([]int64, n)
	for i, c := range cs {
		ids[i] = c.ID
	}
	args := []any{ids}
	for _, f := range savedFields {
		if f.text {
			col := make([]string, n)
			for i, c := range cs {
				col[i] = f.val(c).(string)
			}
			args = append(args, col)
		} else {
			col := make([]int64, n)
			for i, c := range cs {
				col[i] = f.val(c).(int64)
			}
			args = append(args, col)
		}
	}
	res, err := t.exec(ctx, saveMany, args...)
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
