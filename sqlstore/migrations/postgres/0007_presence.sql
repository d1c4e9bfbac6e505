-- Presence: which agents have a workspace open on which node. A node
-- rewrites its own rows at every heartbeat; a row counts its agent as
-- present until expires_at. connections 0: the agent's last workspace on
-- that node closed, or the node stopped, at seen_at.
CREATE TABLE agent_presence (
    agent_id    BIGINT NOT NULL,
    node_id     TEXT NOT NULL,
    connections BIGINT NOT NULL,
    seen_at     BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (agent_id, node_id)
);
CREATE INDEX agent_presence_expires ON agent_presence (expires_at);

-- The agents presence may have to set offline: those not offline.
CREATE INDEX agents_not_offline ON agents (last_seen_at) WHERE status <> 'offline';
