-- Only the oldest job of a conversation may be tried (a conversation's
-- pushes reach the developer in order). head marks it, so that finding due
-- jobs reads the heads — at most one a conversation — instead of the whole
-- outbox, which grows with a backlog.

ALTER TABLE push_outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
UPDATE push_outbox SET head = 1 WHERE id IN (SELECT MIN(id) FROM push_outbox GROUP BY conversation_id);
CREATE INDEX push_outbox_heads ON push_outbox (id) WHERE head;
DROP INDEX push_outbox_due;
