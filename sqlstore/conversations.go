package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
)

const conversationColumns = `c.id, c.app_id, c.customer_id, c.state, c.agent_id, c.team_id, c.session_id, c.last_seq,
	c.session_from, c.card, c.queued_at, c.assigned_at, c.last_activity_at, c.last_user_at, c.quota_remaining,
	c.quota_until, c.customer_delivered_seq, c.customer_read_seq, c.agent_read_seq, c.created_at, c.updated_at`

func scanConversation(s scanner) (*kefu.Conversation, error) {
	var c kefu.Conversation
	var card string
	var queued, assigned, activity, user, until, created, updated int64
	err := s.Scan(&c.ID, &c.AppID, &c.CustomerID, &c.State, &c.AgentID, &c.TeamID, &c.SessionID, &c.LastSeq,
		&c.SessionFrom, &card, &queued, &assigned, &activity, &user, &c.Quota.Remaining, &until,
		&c.CustomerDeliveredSeq, &c.CustomerReadSeq, &c.AgentReadSeq, &created, &updated)
	if err != nil {
		return nil, err
	}
	if card != "" {
		c.Card = new(kefu.MessageCard)
		if err := json.Unmarshal([]byte(card), c.Card); err != nil {
			return nil, fmt.Errorf("card: %w", err)
		}
	}
	c.QueuedAt, c.AssignedAt, c.LastActivityAt, c.LastUserAt = fromMS(queued), fromMS(assigned), fromMS(activity), fromMS(user)
	c.Quota.Until, c.CreatedAt, c.UpdatedAt = fromMS(until), fromMS(created), fromMS(updated)
	return &c, nil
}

func cardJSON(c *kefu.MessageCard) string {
	if c == nil {
		return ""
	}
	b, _ := json.Marshal(c)
	return string(b)
}

// Conversation reads a conversation by id.
func (r *reader) Conversation(ctx context.Context, id int64) (*kefu.Conversation, error) {
	c, err := scanConversation(r.conversationsTable(ctx).queryRow(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE c.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read conversation")
	}
	return c, nil
}

// LockConversation reads a conversation and locks it until commit
// (SQLite's single writer needs no row lock).
func (t *txn) LockConversation(ctx context.Context, id int64) (*kefu.Conversation, error) {
	if c := t.heldConversation(id); c != nil {
		return c, nil // locked already, and saved since: the save is what it is now
	}
	// Not through conversationsTable: a conversation that is not held
	// cannot have changed in the held saves, so there is nothing to write.
	c, err := scanConversation(t.queryRow(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE c.id = ?`+t.lock, id))
	if err != nil {
		return nil, notFound(err, "lock conversation")
	}
	if t.locked == nil {
		t.locked = map[int64]convIndexed{}
	}
	t.locked[id] = indexedOf(c)
	return c, nil
}

// convIndexed is what the queue and agent indexes of conversations hold.
type convIndexed struct {
	state    kefu.State
	agentID  int64
	queuedAt time.Time
}

func indexedOf(c *kefu.Conversation) convIndexed {
	return convIndexed{state: c.State, agentID: c.AgentID, queuedAt: c.QueuedAt}
}

// ConversationByCustomer reads the conversation of a customer.
func (r *reader) ConversationByCustomer(ctx context.Context, customerID int64) (*kefu.Conversation, error) {
	c, err := scanConversation(r.conversationsTable(ctx).queryRow(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE c.customer_id = ?`, customerID))
	if err != nil {
		return nil, notFound(err, "read conversation")
	}
	return c, nil
}

// CreateConversation stores a new conversation and sets its ID.
func (t *txn) CreateConversation(ctx context.Context, c *kefu.Conversation) error {
	err := t.conversationsTable(ctx).queryRow(ctx, `INSERT INTO conversations (app_id, customer_id, state, agent_id, team_id, session_id, last_seq,
		session_from, card, queued_at, assigned_at, last_activity_at, last_user_at, quota_remaining, quota_until,
		customer_delivered_seq, customer_read_seq, agent_read_seq, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.AppID, c.CustomerID, c.State, c.AgentID, c.TeamID, c.SessionID, c.LastSeq, c.SessionFrom, cardJSON(c.Card),
		ms(c.QueuedAt), ms(c.AssignedAt), ms(c.LastActivityAt), ms(c.LastUserAt), c.Quota.Remaining, ms(c.Quota.Until),
		c.CustomerDeliveredSeq, c.CustomerReadSeq, c.AgentReadSeq, ms(c.CreatedAt), ms(c.UpdatedAt)).Scan(&c.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "the customer already has a conversation")
		}
		return fmt.Errorf("sqlstore: create conversation: %w", err)
	}
	return nil
}

// SaveConversation writes every mutable field of a conversation. A
// conversation locked in this transaction is held back and written once,
// before the next statement that might read it or before the commit (see
// held.go): a message's lock, insert and save thus cost two statements,
// and a batch's saves of the same conversation one.
func (t *txn) SaveConversation(ctx context.Context, c *kefu.Conversation) error {
	if _, ok := t.locked[c.ID]; ok {
		t.hold(c)
		return nil
	}
	return t.writeConversation(ctx, c)
}

// savedField is a column a conversation's save writes.
type savedField struct {
	col     string
	text    bool // TEXT, else BIGINT
	indexed bool // in the queue or agent index (see writeConversation)
	val     func(c *kefu.Conversation) any
}

// savedFields are the columns of SaveConversation, the one list its
// statements are made from.
var savedFields = []savedField{
	{"state", true, true, func(c *kefu.Conversation) any { return string(c.State) }},
	{"agent_id", false, true, func(c *kefu.Conversation) any { return c.AgentID }},
	{"team_id", false, false, func(c *kefu.Conversation) any { return c.TeamID }},
	{"session_id", false, false, func(c *kefu.Conversation) any { return c.SessionID }},
	{"last_seq", false, false, func(c *kefu.Conversation) any { return c.LastSeq }},
	{"session_from", true, false, func(c *kefu.Conversation) any { return c.SessionFrom }},
	{"card", true, false, func(c *kefu.Conversation) any { return cardJSON(c.Card) }},
	{"queued_at", false, true, func(c *kefu.Conversation) any { return ms(c.QueuedAt) }},
	{"assigned_at", false, false, func(c *kefu.Conversation) any { return ms(c.AssignedAt) }},
	{"last_activity_at", false, false, func(c *kefu.Conversation) any { return ms(c.LastActivityAt) }},
	{"last_user_at", false, false, func(c *kefu.Conversation) any { return ms(c.LastUserAt) }},
	{"quota_remaining", false, false, func(c *kefu.Conversation) any { return int64(c.Quota.Remaining) }},
	{"quota_until", false, false, func(c *kefu.Conversation) any { return ms(c.Quota.Until) }},
	{"customer_delivered_seq", false, false, func(c *kefu.Conversation) any { return c.CustomerDeliveredSeq }},
	{"customer_read_seq", false, false, func(c *kefu.Conversation) any { return c.CustomerReadSeq }},
	{"agent_read_seq", false, false, func(c *kefu.Conversation) any { return c.AgentReadSeq }},
	{"updated_at", false, false, func(c *kefu.Conversation) any { return ms(c.UpdatedAt) }},
}

// The statements of a save: every column, all but the indexed ones, and
// (PostgreSQL) every column of several conversations passed as arrays.
var saveAll, saveUnindexed, saveMany = saveStatements()

func saveStatements() (all, unindexed, many string) {
	var set, setUnindexed, setMany, arrays, names []string
	for _, f := range savedFields {
		set = append(set, f.col+" = ?")
		if !f.indexed {
			setUnindexed = append(setUnindexed, f.col+" = ?")
		}
		setMany = append(setMany, f.col+" = v."+f.col)
		typ := "bigint"
		if f.text {
			typ = "text"
		}
		arrays = append(arrays, "?::"+typ+"[]")
		names = append(names, f.col)
	}
	all = `UPDATE conversations SET ` + strings.Join(set, ", ") + ` WHERE id = ?`
	unindexed = `UPDATE conversations SET ` + strings.Join(setUnindexed, ", ") + ` WHERE id = ?`
	many = `UPDATE conversations AS c SET ` + strings.Join(setMany, ", ") +
		` FROM unnest(?::bigint[], ` + strings.Join(arrays, ", ") + `) AS v(id, ` + strings.Join(names, ", ") + `) WHERE c.id = v.id`
	return all, unindexed, many
}

// writeConversation updates a conversation's row now. Most saves (a message
// in a session) change none of the fields the queue and agent indexes
// hold; SQLite rewrites an index entry whenever its columns are assigned,
// changed or not — two more pages written to the WAL per message (kefu
// bench e2e) — so those columns are left out when they are as the
// conversation was locked.
func (t *txn) writeConversation(ctx context.Context, c *kefu.Conversation) error {
	was, locked := t.locked[c.ID]
	every := !locked || was != indexedOf(c)
	query := saveUnindexed
	if every {
		query = saveAll
	}
	args := make([]any, 0, len(savedFields)+1)
	for _, f := range savedFields {
		if every || !f.indexed {
			args = append(args, f.val(c))
		}
	}
	res, err := t.exec(ctx, query, append(args, c.ID)...)
	if err != nil {
		return fmt.Errorf("sqlstore: save conversation: %w", err)
	}
	if err := mustAffect(res, "save conversation"); err != nil {
		return err
	}
	if locked {
		t.locked[c.ID] = indexedOf(c)
	}
	return nil
}

// Queue lists queued conversations, oldest transfer first.
func (r *reader) Queue(ctx context.Context, f kefu.QueueFilter) ([]*kefu.Conversation, error) {
	q := `SELECT ` + conversationColumns + ` FROM conversations c WHERE c.state = 'queued'`
	var args []any
	if len(f.AppIDs) > 0 {
		in, a := inList(f.AppIDs)
		q += ` AND c.app_id IN ` + in
		args = append(args, a...)
	}
	q += ` ORDER BY c.queued_at, c.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	return collect(ctx, r.conversationsTable(ctx), "list queue", scanConversation, q, args...)
}

// QueuePosition counts the conversations ahead of c in its app's and team's queue.
func (r *reader) QueuePosition(ctx context.Context, c *kefu.Conversation) (int, error) {
	var n int
	err := r.conversationsTable(ctx).queryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE state = 'queued' AND app_id = ? AND team_id = ?
		AND (queued_at < ? OR (queued_at = ? AND id < ?))`,
		c.AppID, c.TeamID, ms(c.QueuedAt), ms(c.QueuedAt), c.ID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: queue position: %w", err)
	}
	return n, nil
}

// Conversations searches conversations, most recently active first.
func (r *reader) Conversations(ctx context.Context, f kefu.ConversationFilter) ([]*kefu.Conversation, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(f.AppIDs) > 0 {
		in, a := inList(f.AppIDs)
		add(`c.app_id IN `+in, a...)
	}
	switch f.State {
	case "":
	case kefu.StateClosed:
		add(`EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = c.id AND s.state = 'closed')`)
	default:
		add(`c.state = ?`, f.State)
	}
	if f.AgentID != 0 {
		add(`(c.agent_id = ? OR EXISTS (SELECT 1 FROM sessions s WHERE s.conversation_id = c.id AND s.agent_id = ?))`, f.AgentID, f.AgentID)
	}
	if len(f.TeamIDs) > 0 || f.NoTeamOnly {
		cond := `c.team_id = 0`
		if len(f.TeamIDs) > 0 {
			in, a := inList(f.TeamIDs)
			cond = `(c.team_id = 0 OR c.team_id IN ` + in + `)`
			args = append(args, a...)
		}
		where = append(where, cond)
	}
	if f.CustomerID != 0 {
		add(`c.customer_id = ?`, f.CustomerID)
	}
	if f.TagID != 0 {
		add(`c.id IN (SELECT conversation_id FROM conversation_tags WHERE tag_id = ?)`, f.TagID)
	}
	if f.Text != "" {
		like := "%" + escapeLike(strings.ToLower(f.Text)) + "%"
		msgCond := `SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND LOWER(m.search_text) LIKE ? ESCAPE '\'`
		var margs []any
		margs = append(margs, like)
		if !f.From.IsZero() {
			msgCond += ` AND m.created_at >= ?`
			margs = append(margs, ms(f.From))
		}
		if !f.To.IsZero() {
			msgCond += ` AND m.created_at < ?`
			margs = append(margs, ms(f.To))
		}
		add(`(EXISTS (`+msgCond+`) OR EXISTS (SELECT 1 FROM customers u WHERE u.id = c.customer_id
			AND (LOWER(u.openid) LIKE ? ESCAPE '\' OR LOWER(u.name) LIKE ? ESCAPE '\')))`, append(margs, like, like)...)
	} else {
		if !f.From.IsZero() {
			add(`c.updated_at >= ?`, ms(f.From))
		}
		if !f.To.IsZero() {
			add(`c.created_at < ?`, ms(f.To))
		}
	}
	if !f.Before.IsZero() {
		add(`c.updated_at < ?`, ms(f.Before))
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q += fmt.Sprintf(` ORDER BY c.updated_at DESC, c.id DESC LIMIT %d`, limit)
	return collect(ctx, r.conversationsTable(ctx), "search conversations", scanConversation, q, args...)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ExpiredConversations lists queued or active conversations idle since before cutoff.
func (r *reader) ExpiredConversations(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	return collect(ctx, r.conversationsTable(ctx), "list expired conversations", func(s scanner) (int64, error) {
		var id int64
		return id, s.Scan(&id)
	}, fmt.Sprintf(`SELECT id FROM conversations WHERE state IN ('queued', 'active') AND last_activity_at <= ? ORDER BY id LIMIT %d`, limit), ms(cutoff))
}

// AgentConversations lists the conversations an agent is serving now.
func (r *reader) AgentConversations(ctx context.Context, agentID int64) ([]*kefu.Conversation, error) {
	return collect(ctx, r.conversationsTable(ctx), "list agent conversations", scanConversation,
		`SELECT `+conversationColumns+` FROM conversations c WHERE c.agent_id = ? AND c.state = 'active' ORDER BY c.assigned_at, c.id`, agentID)
}
