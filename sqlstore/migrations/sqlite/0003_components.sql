-- Assistant components and rate marks.

CREATE TABLE components (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    origin     TEXT NOT NULL DEFAULT '',
    icon       TEXT NOT NULL DEFAULT '',
    app_ids    TEXT NOT NULL DEFAULT '[]',
    team_ids   TEXT NOT NULL DEFAULT '[]',
    enabled    INTEGER NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

-- rate_marks remembers when a rate-limited action last happened, so a limit
-- holds across requests and nodes.
CREATE TABLE rate_marks (
    key TEXT PRIMARY KEY,
    at  INTEGER NOT NULL
);
