-- Activity log: who did what to which target, written in the transaction
-- of the action itself. actor_id 0: the system (the router, a timeout).
CREATE TABLE activity (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    detail      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX activity_created ON activity (created_at, id);
CREATE INDEX activity_actor ON activity (actor_id, id);
CREATE INDEX activity_action ON activity (action, id);
CREATE INDEX activity_target ON activity (target_type, target_id, id);

-- Tags: an admin-managed list agents apply to conversations.
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    colour     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE conversation_tags (
    conversation_id INTEGER NOT NULL,
    tag_id          INTEGER NOT NULL,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id, conversation_id);

-- Custom attributes: admin-defined fields of customers, and their values
-- (stored as text in a canonical form the domain checks).
CREATE TABLE attributes (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    type       TEXT NOT NULL,
    options    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE customer_attributes (
    customer_id  INTEGER NOT NULL,
    attribute_id INTEGER NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (customer_id, attribute_id)
);

-- Export reads the messages of a date range in time order, from a cursor.
CREATE INDEX messages_export ON messages (created_at, id);
