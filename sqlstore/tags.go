package sqlstore

import (
	"context"
	"fmt"

	"github.com/kefuhq/kefu"
)

func scanTag(s scanner) (*kefu.Tag, error) {
	var t kefu.Tag
	if err := s.Scan(&t.ID, &t.Name, &t.Colour); err != nil {
		return nil, err
	}
	return &t, nil
}

// Tag reads one tag.
func (r *reader) Tag(ctx context.Context, id int64) (*kefu.Tag, error) {
	t, err := scanTag(r.queryRow(ctx, `SELECT id, name, colour FROM tags WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read tag")
	}
	return t, nil
}

// Tags lists every tag by name.
func (r *reader) Tags(ctx context.Context) ([]*kefu.Tag, error) {
	return collect(ctx, r, "list tags", scanTag, `SELECT id, name, colour FROM tags ORDER BY name, id`)
}

// ConversationTags lists the tag IDs on each of the conversations.
func (r *reader) ConversationTags(ctx context.Context, ids []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in, args := inList(ids)
	type pair struct{ conv, tag int64 }
	pairs, err := collect(ctx, r, "list conversation tags", func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.conv, &p.tag)
	}, `SELECT ct.conversation_id, ct.tag_id FROM conversation_tags ct JOIN tags t ON t.id = ct.tag_id
		WHERE ct.conversation_id IN `+in+` ORDER BY t.name, t.id`, args...)
	if err != nil {
		return nil, err
	}
	for _, p := range pairs {
		out[p.conv] = append(out[p.conv], p.tag)
	}
	return out, nil
}

// CreateTag adds a tag to the list; a taken name is ECONFLICT.
func (t *txn) CreateTag(ctx context.Context, tag *kefu.Tag) error {
	err := t.queryRow(ctx, `INSERT INTO tags (name, colour, created_at) VALUES (?, ?, 0) RETURNING id`, tag.Name, tag.Colour).Scan(&tag.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "there is already a tag named %q", tag.Name)
		}
		return fmt.Errorf("sqlstore: create tag: %w", err)
	}
	return nil
}

// SaveTag writes a tag's name and colour.
func (t *txn) SaveTag(ctx context.Context, tag *kefu.Tag) error {
	res, err := t.exec(ctx, `UPDATE tags SET name = ?, colour = ? WHERE id = ?`, tag.Name, tag.Colour, tag.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "there is already a tag named %q", tag.Name)
		}
		return fmt.Errorf("sqlstore: save tag: %w", err)
	}
	return mustAffect(res, "save tag")
}

// DeleteTag removes a tag and takes it off every conversation.
func (t *txn) DeleteTag(ctx context.Context, id int64) error {
	if _, err := t.exec(ctx, `DELETE FROM conversation_tags WHERE tag_id = ?`, id); err != nil {
		return fmt.Errorf("sqlstore: delete tag: %w", err)
	}
	res, err := t.exec(ctx, `DELETE FROM tags WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete tag: %w", err)
	}
	return mustAffect(res, "delete tag")
}

// SetConversationTag puts a tag on a conversation or takes it off.
func (t *txn) SetConversationTag(ctx context.Context, convID, tagID int64, on bool) (bool, error) {
	q := `DELETE FROM conversation_tags WHERE conversation_id = ? AND tag_id = ?`
	if on {
		q = `INSERT INTO conversation_tags (conversation_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	}
	res, err := t.exec(ctx, q, convID, tagID)
	if err != nil {
		return false, fmt.Errorf("sqlstore: set conversation tag: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
