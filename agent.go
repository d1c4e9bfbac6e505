package kefu

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what an account may do at the desk.
type Role string

const (
	RoleAdmin Role = "admin" // everything, every app
	RoleAgent Role = "agent" // the conversations of the apps and teams they serve
)

// Status is an agent's availability. Only online agents are offered new
// sessions and notified; away agents keep their sessions; going offline
// returns their sessions to the queue.
type Status string

const (
	StatusOnline  Status = "online"
	StatusAway    Status = "away"
	StatusOffline Status = "offline"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == StatusOnline || s == StatusAway || s == StatusOffline }

// Agent is an account at the desk.
type Agent struct {
	ID           int64    `json:"id"`
	Login        string   `json:"login"`
	Name         string   `json:"name"`
	Role         Role     `json:"role"`
	PasswordHash string   `json:"-"`
	Disabled     bool     `json:"disabled"`
	Status       Status   `json:"status"`
	MaxSessions  int      `json:"max_sessions"` // capacity: concurrent active sessions
	AutoAccept   bool     `json:"auto_accept"`  // the router assigns sessions without a click
	ActiveCount  int      `json:"active_count"` // current active sessions
	Apps         []string `json:"apps"`         // appids served (admins: all)
	Teams        []int64  `json:"teams"`
	// AuthVersion is bumped by "sign out everywhere" and by disabling, which
	// invalidates every session cookie issued before.
	AuthVersion int64     `json:"-"`
	LastSeenAt  time.Time `json:"last_seen_at,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
}

// Limits on agents.
const (
	DefaultMaxSessions = 5
	MaxMaxSessions     = 100
	MaxAgentsPerApp    = 200 // WeChat binds up to 100; Kefu allows more
)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// Validate reports the first problem with an agent's editable fields.
func (a *Agent) Validate() error {
	switch {
	case !loginPattern.MatchString(a.Login):
		return Errorf(EINVALID, "login must be 2 to 32 lowercase letters, digits, dots, dashes or underscores")
	case strings.TrimSpace(a.Name) == "" || utf8.RuneCountInString(a.Name) > 64:
		return Errorf(EINVALID, "name must be 1 to 64 characters")
	case a.Role != RoleAdmin && a.Role != RoleAgent:
		return Errorf(EINVALID, "role must be admin or agent")
	case a.MaxSessions < 1 || a.MaxSessions > MaxMaxSessions:
		return Errorf(EINVALID, "maximum concurrent sessions must be between 1 and %d", MaxMaxSessions)
	}
	return nil
}

// Serves reports whether the agent may see conversations of app appID that
// are routed to team teamID (0: no team).
func (a *Agent) Serves(appID string, teamID int64) bool {
	if a.Disabled {
		return false
	}
	if a.Role == RoleAdmin {
		return true
	}
	served := false
	for _, id := range a.Apps {
		if id == appID {
			served = true
			break
		}
	}
	if !served {
		return false
	}
	if teamID == 0 {
		return true
	}
	for _, t := range a.Teams {
		if t == teamID {
			return true
		}
	}
	return false
}

// Team groups agents; routing rules send sessions to a team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// RoutingRule sends new sessions of an app whose sessionFrom starts with
// Prefix (and, if set, whose channel is Channel) to a team. Rules are tried in
// Position order; the first match wins; no match means any agent of the app.
type RoutingRule struct {
	ID                int64   `json:"id"`
	AppID             string  `json:"appid"`
	SessionFromPrefix string  `json:"session_from_prefix"`
	Channel           Channel `json:"channel,omitempty"`
	TeamID            int64   `json:"team_id"`
	Position          int     `json:"position"`
}

// Route returns the team of the first rule matching a new session, or 0.
func Route(rules []RoutingRule, sessionFrom string, ch Channel) int64 {
	for _, r := range rules {
		if r.Channel != "" && r.Channel != ch {
			continue
		}
		if strings.HasPrefix(sessionFrom, r.SessionFromPrefix) {
			return r.TeamID
		}
	}
	return 0
}
