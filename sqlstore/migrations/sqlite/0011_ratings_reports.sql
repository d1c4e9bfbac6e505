-- Ratings (CSAT): at most one per session, given by its customer after it
-- closed; agent, team and channel are copied from the session so reports
-- filter them without joins.
CREATE TABLE ratings (
    session_id      INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    app_id          TEXT NOT NULL,
    agent_id        INTEGER NOT NULL,
    team_id         INTEGER NOT NULL DEFAULT 0,
    channel         TEXT NOT NULL,
    score           INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment         TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL
);
CREATE INDEX ratings_created ON ratings (created_at);
CREATE INDEX ratings_app_created ON ratings (app_id, created_at);

-- Agents' status history, for online time: a row per change, written by the
-- database itself whichever statement changes the status.
CREATE TABLE agent_status_changes (
    id       INTEGER PRIMARY KEY,
    agent_id INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    status   TEXT NOT NULL
);
CREATE INDEX agent_status_changes_agent ON agent_status_changes (agent_id, at);
CREATE INDEX agent_status_changes_at ON agent_status_changes (at);

CREATE TRIGGER agents_status_insert AFTER INSERT ON agents WHEN NEW.status <> 'offline' BEGIN
    INSERT INTO agent_status_changes (agent_id, at, status) VALUES (NEW.id, MAX(NEW.last_seen_at, NEW.created_at), NEW.status);
END;
CREATE TRIGGER agents_status_update AFTER UPDATE OF status ON agents WHEN NEW.status <> OLD.status BEGIN
    INSERT INTO agent_status_changes (agent_id, at, status) VALUES (NEW.id, NEW.last_seen_at, NEW.status);
END;
-- The agents online now start their history here.
INSERT INTO agent_status_changes (agent_id, at, status) SELECT id, last_seen_at, status FROM agents WHERE status <> 'offline';

-- Report ranges: sessions by the time they were queued (per app, per
-- agent), messages by time (covering the counts by sender, kind and agent).
CREATE INDEX sessions_queued ON sessions (queued_at);
CREATE INDEX sessions_app_queued ON sessions (app_id, queued_at);
CREATE INDEX sessions_agent_queued ON sessions (agent_id, queued_at);
CREATE INDEX messages_created ON messages (created_at, sender, kind, agent_id, conversation_id);
