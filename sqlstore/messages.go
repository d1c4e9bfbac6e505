package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"

	"github.com/kefuhq/kefu"
)

const messageColumns = `id, conversation_id, seq, client_msg_id, sender, agent_id, kind, internal, phase, push, source, body, created_at,
	upstream_state, upstream_errcode, upstream_error`

func scanMessage(s scanner) (*kefu.Message, error) {
	var m kefu.Message
	var body string
	var created int64
	var up kefu.UpstreamStatus
	err := s.Scan(&m.ID, &m.ConversationID, &m.Seq, &m.ClientMsgID, &m.Sender, &m.AgentID, &m.Kind, &m.Internal,
		&m.Phase, &m.Push, &m.Source, &body, &created, &up.State, &up.ErrCode, &up.Error)
	if err != nil {
		return nil, err
	}
	if up.State != "" {
		m.Upstream = &up
	}
	m.CreatedAt = fromMS(created)
	if err := decodeBody(&m, []byte(body)); err != nil {
		return nil, fmt.Errorf("message %d body: %w", m.ID, err)
	}
	m.MsgID = kefu.MsgIDBase + m.ID
	return &m, nil
}

// encodeBody stores only the kind's own body, as JSON.
func encodeBody(m *kefu.Message) (string, error) {
	f := m.BodyField()
	if f == nil {
		return "", fmt.Errorf("unknown kind %q", m.Kind)
	}
	b, err := json.Marshal(f)
	return string(b), err
}

func decodeBody(m *kefu.Message, b []byte) error {
	f := m.BodyField()
	if f == nil {
		return fmt.Errorf("unknown kind %q", m.Kind)
	}
	return json.Unmarshal(b, f)
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// searchText is what text search looks at for a message.
func searchText(m *kefu.Message) string {
	switch {
	case m.Text != nil:
		return m.Text.Content
	case m.Rich != nil:
		return html.UnescapeString(tagPattern.ReplaceAllString(m.Rich.HTML, " "))
	case m.Product != nil:
		parts := []string{m.Product.Name}
		for _, p := range m.Product.Params {
			parts = append(parts, p.Text)
		}
		return strings.Join(parts, " ")
	case m.MiniProgramPage != nil:
		return m.MiniProgramPage.Title + " " + m.MiniProgramPage.PagePath
	case m.Link != nil:
		return m.Link.Title + " " + m.Link.Description
	}
	return ""
}

// AppendMessage gives m the next sequence number of c and stores it. A
// repeated client message id stores nothing and returns the first message.
func (t *txn) AppendMessage(ctx context.Context, c *kefu.Conversation, m *kefu.Message) (*kefu.Message, bool, error) {
	body, err := encodeBody(m)
	if err != nil {
		return nil, false, fmt.Errorf("sqlstore: append message: %w", err)
	}
	m.ConversationID = c.ID
	m.Seq = c.LastSeq + 1
	var up kefu.UpstreamStatus
	if m.Upstream != nil {
		up = *m.Upstream
	}
	err = t.queryRow(ctx, `INSERT INTO messages (conversation_id, seq, client_msg_id, sender, agent_id, kind, internal, phase,
		push, source, body, search_text, created_at, upstream_state, upstream_errcode, upstream_error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING RETURNING id`,
		m.ConversationID, m.Seq, m.ClientMsgID, m.Sender, m.AgentID, m.Kind, m.Internal, m.Phase, m.Push, m.Source,
		body, searchText(m), ms(m.CreatedAt), up.State, up.ErrCode, up.Error).Scan(&m.ID)
	if err == nil {
		c.LastSeq = m.Seq
		m.MsgID = kefu.MsgIDBase + m.ID
		return m, false, nil
	}
	if m.ClientMsgID == "" {
		return nil, false, notFound(err, "append message")
	}
	// Nothing was inserted: the client id was seen before.
	prev, perr := scanMessage(t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id = ? AND client_msg_id = ?`,
		c.ID, m.ClientMsgID))
	if perr != nil {
		return nil, false, notFound(perr, "append message")
	}
	return prev, true, nil
}

// SetPushStatus records how the developer's URL handled a message.
func (t *txn) SetPushStatus(ctx context.Context, messageID int64, s kefu.PushStatus) error {
	res, err := t.exec(ctx, `UPDATE messages SET push = ? WHERE id = ?`, s, messageID)
	if err != nil {
		return fmt.Errorf("sqlstore: set push status: %w", err)
	}
	return mustAffect(res, "set push status")
}

// Message reads a message by id.
func (r *reader) Message(ctx context.Context, id int64) (*kefu.Message, error) {
	m, err := scanMessage(r.queryRow(ctx, `SELECT `+messageColumns+` FROM messages WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read message")
	}
	return m, nil
}

// Messages lists a conversation's messages in a sequence range, oldest first.
func (r *reader) Messages(ctx context.Context, conversationID, afterSeq, toSeq int64, limit int) ([]*kefu.Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT ` + messageColumns + ` FROM messages WHERE conversation_id = ? AND seq > ?`
	args := []any{conversationID, afterSeq}
	if toSeq > 0 {
		q += ` AND seq <= ?`
		args = append(args, toSeq)
	}
	q += fmt.Sprintf(` ORDER BY seq LIMIT %d`, limit)
	return collect(ctx, r, "list messages", scanMessage, q, args...)
}

// UnreadCount counts the customer's messages after the agents' read marker.
func (r *reader) UnreadCount(ctx context.Context, c *kefu.Conversation) (int, error) {
	var n int
	err := r.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ? AND seq > ? AND sender = 'user' AND kind <> 'event'`,
		c.ID, c.AgentReadSeq).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: unread count: %w", err)
	}
	return n, nil
}
