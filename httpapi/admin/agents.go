package admin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

func (s *Server) adminAgents(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	agents, err := s.Read.Agents(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if agents == nil {
		agents = []*kefu.Agent{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"agents": agents, "max_per_app": kefu.MaxAgentsPerApp})
}

// agentRequest creates an agent, or edits one: nil fields are left as they are.
type agentRequest struct {
	Login       *string    `json:"login"`
	Name        *string    `json:"name"`
	Password    *string    `json:"password"`
	Role        *kefu.Role `json:"role"`
	MaxSessions *int       `json:"max_sessions"`
	AutoAccept  *bool      `json:"auto_accept"`
	Apps        *[]string  `json:"apps"`
	Teams       *[]int64   `json:"teams"`
	Disabled    *bool      `json:"disabled"`
}

const minPasswordLen = 8

// apply copies the request's fields onto a, checking the password.
func (req *agentRequest) apply(a *kefu.Agent) error {
	if req.Login != nil {
		a.Login = strings.TrimSpace(*req.Login)
	}
	if req.Name != nil {
		a.Name = strings.TrimSpace(*req.Name)
	}
	if req.Role != nil {
		a.Role = *req.Role
	}
	if req.MaxSessions != nil {
		a.MaxSessions = *req.MaxSessions
	}
	if req.AutoAccept != nil {
		a.AutoAccept = *req.AutoAccept
	}
	if req.Apps != nil {
		a.Apps = dedupe(*req.Apps)
	}
	if req.Teams != nil {
		a.Teams = dedupe(*req.Teams)
	}
	if req.Password != nil {
		if utf8.RuneCountInString(*req.Password) < minPasswordLen || len(*req.Password) > 256 {
			return kefu.Errorf(kefu.EINVALID, "the password must be at least %d characters", minPasswordLen)
		}
		a.PasswordHash = edge.HashPassword(*req.Password)
	}
	return a.Validate()
}

func dedupe[T comparable](in []T) []T {
	seen := map[T]bool{}
	out := make([]T, 0, len(in))
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// checkMemberships makes sure an agent's apps and teams exist and that no
// app gets more agents than kefu.MaxAgentsPerApp.
func (s *Server) checkMemberships(ctx context.Context, a *kefu.Agent) error {
	for _, id := range a.Apps {
		if _, err := s.Read.App(ctx, id); err != nil {
			if errors.Is(err, kefu.ErrNotFound) {
				return kefu.Errorf(kefu.EINVALID, "no app %q", id)
			}
			return err
		}
	}
	for _, id := range a.Teams {
		if _, err := s.Read.Team(ctx, id); err != nil {
			if errors.Is(err, kefu.ErrNotFound) {
				return kefu.Errorf(kefu.EINVALID, "no team %d", id)
			}
			return err
		}
	}
	if len(a.Apps) == 0 {
		return nil
	}
	all, err := s.Read.Agents(ctx)
	if err != nil {
		return err
	}
	for _, app := range a.Apps {
		n := 1
		for _, other := range all {
			if other.ID != a.ID && !other.Disabled && slices.Contains(other.Apps, app) {
				n++
			}
		}
		if n > kefu.MaxAgentsPerApp {
			return kefu.Errorf(kefu.EINVALID, "%s already has the maximum of %d agents", app, kefu.MaxAgentsPerApp)
		}
	}
	return nil
}

func (s *Server) adminCreateAgent(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var req agentRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if req.Password == nil {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "a new agent needs a password"))
		return
	}
	ctx := r.Context()
	a := &kefu.Agent{Role: kefu.RoleAgent, MaxSessions: kefu.DefaultMaxSessions, AutoAccept: true, Status: kefu.StatusOffline,
		Apps: []string{}, Teams: []int64{}, CreatedAt: s.Clock.Now()}
	if err := req.apply(a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if req.Disabled != nil {
		a.Disabled = *req.Disabled
	}
	if err := s.checkMemberships(ctx, a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.CreateAgent(ctx, a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeAgent(w, r, a.ID, http.StatusCreated)
}

// adminEditAgent changes an agent. Disabling signs them out everywhere and
// returns their sessions to the queue.
func (s *Server) adminEditAgent(w http.ResponseWriter, r *http.Request, admin *kefu.Agent) {
	id, err := edge.PathID(r, "id", "agent")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	var req agentRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := s.Read.Agent(ctx, id)
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "agent"))
		return
	}
	if id == admin.ID && (req.Disabled != nil && *req.Disabled || req.Role != nil && *req.Role != kefu.RoleAdmin) {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "you cannot disable yourself or take away your own admin role"))
		return
	}
	if err := req.apply(cur); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.checkMemberships(ctx, cur); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.SaveAgent(ctx, cur, engine.AgentChange{Disabled: req.Disabled, NewPassword: req.Password != nil}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeAgent(w, r, id, http.StatusOK)
}

// adminSignOutAgent ends every session of an agent on every device and sets
// them offline, their sessions returning to the queue.
func (s *Server) adminSignOutAgent(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "agent")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.SignOutEverywhere(r.Context(), id); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "agent"))
		return
	}
	s.writeAgent(w, r, id, http.StatusOK)
}

func (s *Server) writeAgent(w http.ResponseWriter, r *http.Request, id int64, status int) {
	a, err := s.Read.Agent(r.Context(), id)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, status, a)
}
