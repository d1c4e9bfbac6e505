package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kefuhq/kefu"
)

const agentColumns = `a.id, a.login, a.name, a.role, a.password_hash, a.disabled, a.status, a.max_sessions, a.auto_accept,
	a.active_count, a.auth_version, a.last_seen_at, a.created_at`

func scanAgent(s scanner) (*kefu.Agent, error) {
	var a kefu.Agent
	var seen, created int64
	err := s.Scan(&a.ID, &a.Login, &a.Name, &a.Role, &a.PasswordHash, &a.Disabled, &a.Status, &a.MaxSessions,
		&a.AutoAccept, &a.ActiveCount, &a.AuthVersion, &seen, &created)
	if err != nil {
		return nil, err
	}
	a.LastSeenAt, a.CreatedAt = fromMS(seen), fromMS(created)
	a.Apps, a.Teams = []string{}, []int64{}
	return &a, nil
}

// fillMemberships loads the apps and teams of the given agents.
func (r *reader) fillMemberships(ctx context.Context, agents []*kefu.Agent) error {
	if len(agents) == 0 {
		return nil
	}
	byID := make(map[int64]*kefu.Agent, len(agents))
	ids := make([]int64, 0, len(agents))
	for _, a := range agents {
		byID[a.ID] = a
		ids = append(ids, a.ID)
	}
	in, args := inList(ids)
	type pair struct {
		agent int64
		app   string
		team  int64
	}
	apps, err := collect(ctx, r, "agent apps", func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.agent, &p.app)
	}, `SELECT agent_id, app_id FROM agent_apps WHERE agent_id IN `+in+` ORDER BY app_id`, args...)
	if err != nil {
		return err
	}
	for _, p := range apps {
		byID[p.agent].Apps = append(byID[p.agent].Apps, p.app)
	}
	teams, err := collect(ctx, r, "agent teams", func(s scanner) (pair, error) {
		var p pair
		return p, s.Scan(&p.agent, &p.team)
	}, `SELECT agent_id, team_id FROM team_members WHERE agent_id IN `+in+` ORDER BY team_id`, args...)
	if err != nil {
		return err
	}
	for _, p := range teams {
		byID[p.agent].Teams = append(byID[p.agent].Teams, p.team)
	}
	return nil
}

func (r *reader) oneAgent(ctx context.Context, where string, arg any) (*kefu.Agent, error) {
	a, err := scanAgent(r.queryRow(ctx, `SELECT `+agentColumns+` FROM agents a WHERE `+where, arg))
	if err != nil {
		return nil, notFound(err, "read agent")
	}
	if err := r.fillMemberships(ctx, []*kefu.Agent{a}); err != nil {
		return nil, err
	}
	return a, nil
}

// Agent reads an agent by id, with the apps and teams they serve.
func (r *reader) Agent(ctx context.Context, id int64) (*kefu.Agent, error) {
	return r.oneAgent(ctx, `a.id = ?`, id)
}

// AgentByLogin reads an agent by login name.
func (r *reader) AgentByLogin(ctx context.Context, login string) (*kefu.Agent, error) {
	return r.oneAgent(ctx, `a.login = ?`, login)
}

// Agents lists every agent by name.
func (r *reader) Agents(ctx context.Context) ([]*kefu.Agent, error) {
	agents, err := collect(ctx, r, "list agents", scanAgent, `SELECT `+agentColumns+` FROM agents a ORDER BY a.name, a.id`)
	if err != nil {
		return nil, err
	}
	return agents, r.fillMemberships(ctx, agents)
}

// AvailableAgents lists the agents the router may give a session of appID
// and teamID to, least loaded first, then the one who waited longest since
// their last assignment.
func (r *reader) AvailableAgents(ctx context.Context, appID string, teamID int64) ([]*kefu.Agent, error) {
	q := `SELECT ` + agentColumns + ` FROM agents a
		WHERE a.disabled = ? AND a.status = 'online' AND a.auto_accept = ? AND a.active_count < a.max_sessions
		AND (a.role = 'admin' OR EXISTS (SELECT 1 FROM agent_apps x WHERE x.agent_id = a.id AND x.app_id = ?))`
	args := []any{false, true, appID}
	if teamID != 0 {
		q += ` AND EXISTS (SELECT 1 FROM team_members t WHERE t.agent_id = a.id AND t.team_id = ?)`
		args = append(args, teamID)
	}
	q += ` ORDER BY a.active_count, a.last_assigned_at, a.id`
	agents, err := collect(ctx, r, "available agents", scanAgent, q, args...)
	if err != nil {
		return nil, err
	}
	return agents, r.fillMemberships(ctx, agents)
}

// AnyAgentOnline answers with one EXISTS what Agent.Serves decides for
// each agent: admins serve everything, others their apps and teams.
func (r *reader) AnyAgentOnline(ctx context.Context, appID string, teamID int64) (bool, error) {
	var n int
	err := r.queryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM agents a
		WHERE a.disabled = ? AND a.status = 'online' AND (a.role = 'admin' OR
			(EXISTS (SELECT 1 FROM agent_apps x WHERE x.agent_id = a.id AND x.app_id = ?)
			AND (? = 0 OR EXISTS (SELECT 1 FROM team_members t WHERE t.agent_id = a.id AND t.team_id = ?))))
		LIMIT 1) one`, false, appID, teamID, teamID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlstore: any agent online: %w", err)
	}
	return n > 0, nil
}

// AddAgentLoad changes an agent's active session count; increases respect
// capacity in the same statement.
func (t *txn) AddAgentLoad(ctx context.Context, agentID int64, delta int) (bool, error) {
	q := `UPDATE agents SET active_count = active_count + ? WHERE id = ?`
	args := []any{delta, agentID}
	if delta > 0 {
		// last_assigned_at is a logical clock: among equally loaded agents,
		// the one assigned longest ago goes first (round robin).
		q = `UPDATE agents SET active_count = active_count + ?,
			last_assigned_at = (SELECT COALESCE(MAX(last_assigned_at), 0) + 1 FROM agents)
			WHERE id = ? AND disabled = ? AND active_count + ? <= max_sessions`
		args = []any{delta, agentID, false, delta}
	} else {
		q += ` AND active_count + ? >= 0`
		args = append(args, delta)
	}
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: agent load: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: agent load: %w", err)
	}
	return n == 1, nil
}

// CreateAgent stores a new agent with its memberships and sets its ID.
func (t *txn) CreateAgent(ctx context.Context, a *kefu.Agent) error {
	if a.AuthVersion == 0 {
		a.AuthVersion = 1
	}
	if a.Status == "" {
		a.Status = kefu.StatusOffline
	}
	err := t.queryRow(ctx, `INSERT INTO agents (login, name, role, password_hash, disabled, status, max_sessions, auto_accept,
		active_count, auth_version, last_seen_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id`,
		a.Login, a.Name, a.Role, a.PasswordHash, a.Disabled, a.Status, a.MaxSessions, a.AutoAccept, a.AuthVersion,
		ms(a.LastSeenAt), ms(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "the login %q is taken", a.Login)
		}
		return fmt.Errorf("sqlstore: create agent: %w", err)
	}
	return t.saveMemberships(ctx, a)
}

// SaveAgent writes an agent's editable fields and memberships. The active
// count is not written: only AddAgentLoad moves it.
func (t *txn) SaveAgent(ctx context.Context, a *kefu.Agent) error {
	res, err := t.exec(ctx, `UPDATE agents SET login = ?, name = ?, role = ?, password_hash = ?, disabled = ?, status = ?,
		max_sessions = ?, auto_accept = ?, auth_version = ?, last_seen_at = ? WHERE id = ?`,
		a.Login, a.Name, a.Role, a.PasswordHash, a.Disabled, a.Status, a.MaxSessions, a.AutoAccept, a.AuthVersion,
		ms(a.LastSeenAt), a.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "the login %q is taken", a.Login)
		}
		return fmt.Errorf("sqlstore: save agent: %w", err)
	}
	if err := mustAffect(res, "save agent"); err != nil {
		return err
	}
	return t.saveMemberships(ctx, a)
}

func (t *txn) saveMemberships(ctx context.Context, a *kefu.Agent) error {
	if _, err := t.exec(ctx, `DELETE FROM agent_apps WHERE agent_id = ?`, a.ID); err != nil {
		return fmt.Errorf("sqlstore: save agent apps: %w", err)
	}
	for _, app := range a.Apps {
		if _, err := t.exec(ctx, `INSERT INTO agent_apps (agent_id, app_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, a.ID, app); err != nil {
			return fmt.Errorf("sqlstore: save agent apps: %w", err)
		}
	}
	if _, err := t.exec(ctx, `DELETE FROM team_members WHERE agent_id = ?`, a.ID); err != nil {
		return fmt.Errorf("sqlstore: save agent teams: %w", err)
	}
	for _, team := range a.Teams {
		if _, err := t.exec(ctx, `INSERT INTO team_members (team_id, agent_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, team, a.ID); err != nil {
			return fmt.Errorf("sqlstore: save agent teams: %w", err)
		}
	}
	return nil
}

// SetAgentStatus changes an agent's status and last-seen time.
func (t *txn) SetAgentStatus(ctx context.Context, agentID int64, s kefu.Status, at time.Time) error {
	res, err := t.exec(ctx, `UPDATE agents SET status = ?, last_seen_at = ? WHERE id = ?`, s, ms(at), agentID)
	if err != nil {
		return fmt.Errorf("sqlstore: set agent status: %w", err)
	}
	return mustAffect(res, "set agent status")
}

const teamColumns = `id, name, created_at`

func scanTeam(s scanner) (*kefu.Team, error) {
	var t kefu.Team
	var created int64
	if err := s.Scan(&t.ID, &t.Name, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromMS(created)
	return &t, nil
}

// Team reads a team.
func (r *reader) Team(ctx context.Context, id int64) (*kefu.Team, error) {
	t, err := scanTeam(r.queryRow(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "read team")
	}
	return t, nil
}

// Teams lists teams by name.
func (r *reader) Teams(ctx context.Context) ([]*kefu.Team, error) {
	return collect(ctx, r, "list teams", scanTeam, `SELECT `+teamColumns+` FROM teams ORDER BY name`)
}

// CreateTeam stores a team and sets its ID.
func (t *txn) CreateTeam(ctx context.Context, team *kefu.Team) error {
	err := t.queryRow(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`, team.Name, ms(team.CreatedAt)).Scan(&team.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "a team named %q exists", team.Name)
		}
		return fmt.Errorf("sqlstore: create team: %w", err)
	}
	return nil
}

// SaveTeam renames a team.
func (t *txn) SaveTeam(ctx context.Context, team *kefu.Team) error {
	res, err := t.exec(ctx, `UPDATE teams SET name = ? WHERE id = ?`, team.Name, team.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return kefu.Errorf(kefu.ECONFLICT, "a team named %q exists", team.Name)
		}
		return fmt.Errorf("sqlstore: save team: %w", err)
	}
	return mustAffect(res, "save team")
}

// DeleteTeam removes a team, its memberships and its routing rules. A team
// that still has sessions waiting or being served is refused (ECONFLICT):
// no agent could ever take them once it is gone.
func (t *txn) DeleteTeam(ctx context.Context, id int64) error {
	var open int
	if err := t.conversationsTable(ctx).queryRow(ctx, `SELECT COUNT(*) FROM conversations WHERE team_id = ? AND state IN ('queued', 'active')`, id).Scan(&open); err != nil {
		return fmt.Errorf("sqlstore: delete team: %w", err)
	}
	if open > 0 {
		return kefu.Errorf(kefu.ECONFLICT, "the team still has %d open sessions: transfer them to another team or agent first", open)
	}
	for _, q := range []string{`DELETE FROM team_members WHERE team_id = ?`, `DELETE FROM routing_rules WHERE team_id = ?`} {
		if _, err := t.exec(ctx, q, id); err != nil {
			return fmt.Errorf("sqlstore: delete team: %w", err)
		}
	}
	res, err := t.exec(ctx, `DELETE FROM teams WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("sqlstore: delete team: %w", err)
	}
	return mustAffect(res, "delete team")
}

// RoutingRules lists an app's rules in order.
func (r *reader) RoutingRules(ctx context.Context, appID string) ([]kefu.RoutingRule, error) {
	return collect(ctx, r, "list routing rules", func(s scanner) (kefu.RoutingRule, error) {
		var x kefu.RoutingRule
		return x, s.Scan(&x.ID, &x.AppID, &x.SessionFromPrefix, &x.Channel, &x.TeamID, &x.Position)
	}, `SELECT id, app_id, session_from_prefix, channel, team_id, position FROM routing_rules WHERE app_id = ? ORDER BY position, id`, appID)
}

// SetRoutingRules replaces an app's rules.
func (t *txn) SetRoutingRules(ctx context.Context, appID string, rules []kefu.RoutingRule) error {
	if _, err := t.exec(ctx, `DELETE FROM routing_rules WHERE app_id = ?`, appID); err != nil {
		return fmt.Errorf("sqlstore: set routing rules: %w", err)
	}
	for i, x := range rules {
		if _, err := t.exec(ctx, `INSERT INTO routing_rules (app_id, session_from_prefix, channel, team_id, position) VALUES (?, ?, ?, ?, ?)`,
			appID, x.SessionFromPrefix, x.Channel, x.TeamID, i); err != nil {
			return fmt.Errorf("sqlstore: set routing rules: %w", err)
		}
	}
	return nil
}
