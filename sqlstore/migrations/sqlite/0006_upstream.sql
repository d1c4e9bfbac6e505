-- Connected apps: a real mini program whose pushes come to /connect/{appid}
-- and whose answers go through WeChat's send API. upstream_url empty: Kefu
-- plays WeChat for the app, as before.

ALTER TABLE apps ADD COLUMN upstream_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN upstream_token TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN upstream_aes_key TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN upstream_mode TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN upstream_format TEXT NOT NULL DEFAULT '';

-- How a message to a connected customer fared with WeChat ('' for the rest).
ALTER TABLE messages ADD COLUMN upstream_state TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN upstream_errcode INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN upstream_error TEXT NOT NULL DEFAULT '';

-- The outbound queue, kept like the push outbox: head marks the oldest job
-- of a conversation, the only one that may be tried.
CREATE TABLE upstream_sends (
    id              INTEGER PRIMARY KEY,
    app_id          TEXT NOT NULL,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL UNIQUE,
    tries           INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    head            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX upstream_sends_heads ON upstream_sends (id) WHERE head;
CREATE INDEX upstream_sends_conversation ON upstream_sends (conversation_id, id);

-- One access token per connected app, shared by every node; a node
-- refreshing it holds refresh_lease_until.
CREATE TABLE upstream_tokens (
    app_id              TEXT PRIMARY KEY,
    token               TEXT NOT NULL DEFAULT '',
    expires_at          INTEGER NOT NULL DEFAULT 0,
    refresh_lease_until INTEGER NOT NULL DEFAULT 0
);
