package engine

import (
	"context"

	"github.com/kefuhq/kefu"
)

// CreateCannedReply stores a new canned reply (validated, and checked by
// the caller to be the agent's to share).
func (e *Engine) CreateCannedReply(ctx context.Context, c *kefu.CannedReply) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateCannedReply(ctx, c) })
}

// SaveCannedReply writes an edited canned reply.
func (e *Engine) SaveCannedReply(ctx context.Context, c *kefu.CannedReply) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.SaveCannedReply(ctx, c) })
}

// DeleteCannedReply removes a canned reply.
func (e *Engine) DeleteCannedReply(ctx context.Context, id int64) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.DeleteCannedReply(ctx, id) })
}
