-- Kefu core schema (SQLite). Times are Unix milliseconds; JSON is TEXT.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE apps (
    id                TEXT PRIMARY KEY,
    original_id       TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL DEFAULT '',
    secret            TEXT NOT NULL,
    identity_secret   TEXT NOT NULL DEFAULT '',
    push_url          TEXT NOT NULL DEFAULT '',
    push_token        TEXT NOT NULL DEFAULT '',
    push_aes_key      TEXT NOT NULL DEFAULT '',
    push_prev_aes_key TEXT NOT NULL DEFAULT '',
    push_mode         TEXT NOT NULL DEFAULT 'plaintext',
    push_format       TEXT NOT NULL DEFAULT 'json',
    widget_origins    TEXT NOT NULL DEFAULT '[]',
    created_at        INTEGER NOT NULL
);

CREATE TABLE customers (
    id          INTEGER PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps(id),
    openid      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    sdk_version TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL,
    verified    INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    UNIQUE (app_id, openid),
    UNIQUE (app_id, channel, external_id)
);

CREATE TABLE conversations (
    id                     INTEGER PRIMARY KEY,
    app_id                 TEXT NOT NULL REFERENCES apps(id),
    customer_id            INTEGER NOT NULL UNIQUE REFERENCES customers(id),
    state                  TEXT NOT NULL DEFAULT 'developer',
    agent_id               INTEGER NOT NULL DEFAULT 0,
    team_id                INTEGER NOT NULL DEFAULT 0,
    session_id             INTEGER NOT NULL DEFAULT 0,
    last_seq               INTEGER NOT NULL DEFAULT 0,
    session_from           TEXT NOT NULL DEFAULT '',
    card                   TEXT NOT NULL DEFAULT '',
    queued_at              INTEGER NOT NULL DEFAULT 0,
    assigned_at            INTEGER NOT NULL DEFAULT 0,
    last_activity_at       INTEGER NOT NULL DEFAULT 0,
    last_user_at           INTEGER NOT NULL DEFAULT 0,
    quota_remaining        INTEGER NOT NULL DEFAULT 0,
    quota_until            INTEGER NOT NULL DEFAULT 0,
    customer_delivered_seq INTEGER NOT NULL DEFAULT 0,
    customer_read_seq      INTEGER NOT NULL DEFAULT 0,
    agent_read_seq         INTEGER NOT NULL DEFAULT 0,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
CREATE INDEX conversations_queue ON conversations (state, app_id, queued_at, id);
CREATE INDEX conversations_agent ON conversations (agent_id, state);
CREATE INDEX conversations_activity ON conversations (updated_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    seq             INTEGER NOT NULL,
    client_msg_id   TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL,
    agent_id        INTEGER NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    internal        INTEGER NOT NULL DEFAULT 0,
    phase           TEXT NOT NULL,
    push            TEXT NOT NULL DEFAULT '',
    source          TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    search_text     TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_msg_id) WHERE client_msg_id <> '';

CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    app_id          TEXT NOT NULL,
    customer_id     INTEGER NOT NULL,
    team_id         INTEGER NOT NULL DEFAULT 0,
    agent_id        INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL,
    session_from    TEXT NOT NULL DEFAULT '',
    first_seq       INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL DEFAULT 0,
    queued_at       INTEGER NOT NULL,
    accepted_at     INTEGER NOT NULL DEFAULT 0,
    closed_at       INTEGER NOT NULL DEFAULT 0,
    close_reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_conversation ON sessions (conversation_id, id);
CREATE INDEX sessions_agent ON sessions (agent_id, id);

CREATE TABLE agents (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    status        TEXT NOT NULL DEFAULT 'offline',
    max_sessions  INTEGER NOT NULL DEFAULT 5,
    auto_accept   INTEGER NOT NULL DEFAULT 1,
    active_count  INTEGER NOT NULL DEFAULT 0,
    auth_version  INTEGER NOT NULL DEFAULT 1,
    last_seen_at  INTEGER NOT NULL DEFAULT 0,
    last_assigned_at INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE agent_apps (
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    app_id   TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    PRIMARY KEY (agent_id, app_id)
);
CREATE INDEX agent_apps_app ON agent_apps (app_id);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, agent_id)
);
CREATE INDEX team_members_agent ON team_members (agent_id);

CREATE TABLE routing_rules (
    id                  INTEGER PRIMARY KEY,
    app_id              TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    session_from_prefix TEXT NOT NULL DEFAULT '',
    channel             TEXT NOT NULL DEFAULT '',
    team_id             INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    position            INTEGER NOT NULL
);

CREATE TABLE push_outbox (
    id              INTEGER PRIMARY KEY,
    app_id          TEXT NOT NULL,
    conversation_id INTEGER NOT NULL,
    message_id      INTEGER NOT NULL UNIQUE,
    tries           INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);
CREATE INDEX push_outbox_due ON push_outbox (next_at, id);
CREATE INDEX push_outbox_conversation ON push_outbox (conversation_id, id);

CREATE TABLE push_attempts (
    id              INTEGER PRIMARY KEY,
    app_id          TEXT NOT NULL,
    message_id      INTEGER NOT NULL,
    conversation_id INTEGER NOT NULL,
    try             INTEGER NOT NULL,
    url             TEXT NOT NULL,
    request_query   TEXT NOT NULL,
    request_body    TEXT NOT NULL,
    status_code     INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    error           TEXT NOT NULL DEFAULT '',
    warning         TEXT NOT NULL DEFAULT '',
    result          TEXT NOT NULL,
    latency_ns      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX push_attempts_app ON push_attempts (app_id, id);
CREATE INDEX push_attempts_message ON push_attempts (message_id);

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL,
    type         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    filename     TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE access_tokens (
    hash       TEXT PRIMARY KEY,
    nonce      TEXT NOT NULL,
    app_id     TEXT NOT NULL,
    stable     INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX access_tokens_app ON access_tokens (app_id, stable, created_at);
