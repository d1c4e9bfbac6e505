package engine

import (
	"context"

	"github.com/kefuhq/kefu"
)

// CreateTag adds a tag to the list agents choose from.
func (e *Engine) CreateTag(ctx context.Context, t *kefu.Tag) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.CreateTag(ctx, t); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "tag.create", "tag", t.ID, map[string]any{"name": t.Name, "colour": t.Colour})
	})
}

// SaveTag renames or recolours a tag.
func (e *Engine) SaveTag(ctx context.Context, t *kefu.Tag) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.SaveTag(ctx, t); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "tag.edit", "tag", t.ID, map[string]any{"name": t.Name, "colour": t.Colour})
	})
}

// DeleteTag removes a tag from the list and from every conversation.
func (e *Engine) DeleteTag(ctx context.Context, id int64) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		t, err := tx.Tag(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTag(ctx, id); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "tag.delete", "tag", id, map[string]any{"name": t.Name})
	})
}

// TagConversation puts a tag on a conversation (on) or takes it off, for an
// agent the caller checked may see it. Doing what is already done is no
// error and no activity.
func (e *Engine) TagConversation(ctx context.Context, conversationID int64, by *kefu.Agent, tagID int64, on bool) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		t, err := tx.Tag(ctx, tagID)
		if err != nil {
			if kefu.ErrorCode(err) == kefu.ENOTFOUND {
				return kefu.Errorf(kefu.ENOTFOUND, "no such tag: it may have been deleted")
			}
			return err
		}
		if _, err := tx.Conversation(ctx, conversationID); err != nil {
			return err
		}
		changed, err := tx.SetConversationTag(ctx, conversationID, tagID, on)
		if err != nil || !changed {
			return err
		}
		action := "conversation.tag"
		if !on {
			action = "conversation.untag"
		}
		return e.Record(ctx, tx, by, action, "conversation", conversationID, map[string]any{"tag": t.ID, "name": t.Name})
	})
}
