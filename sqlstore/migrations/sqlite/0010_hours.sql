-- Business hours and automatic replies of an app (team_id 0) or a team
-- (app_id ''), as the domain's JSON (kefu.HoursSettings).
CREATE TABLE hours_settings (
    app_id     TEXT NOT NULL,
    team_id    BIGINT NOT NULL,
    body       TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, team_id)
);
