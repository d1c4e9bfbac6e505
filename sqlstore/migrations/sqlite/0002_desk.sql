-- The desk: canned replies (personal or shared by a team).

CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    agent_id   INTEGER NOT NULL DEFAULT 0,
    team_id    INTEGER NOT NULL DEFAULT 0,
    shortcut   TEXT NOT NULL,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX canned_replies_agent ON canned_replies (agent_id, shortcut);
CREATE INDEX canned_replies_team ON canned_replies (team_id, shortcut);
