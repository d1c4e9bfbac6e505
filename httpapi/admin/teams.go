package admin

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// teamView is a team with its members' ids.
type teamView struct {
	*kefu.Team
	Members []int64 `json:"members"`
}

func (s *Server) adminTeams(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	teams, err := s.Read.Teams(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	agents, err := s.Read.Agents(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := make([]teamView, 0, len(teams))
	for _, t := range teams {
		v := teamView{Team: t, Members: []int64{}}
		for _, a := range agents {
			if slices.Contains(a.Teams, t.ID) {
				v.Members = append(v.Members, a.ID)
			}
		}
		out = append(out, v)
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"teams": out})
}

type teamRequest struct {
	Name string `json:"name"`
}

func (req *teamRequest) validate() error {
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 64 {
		return kefu.Errorf(kefu.EINVALID, "a team name is 1 to 64 characters")
	}
	return nil
}

func (s *Server) adminCreateTeam(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var req teamRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	t := &kefu.Team{Name: req.Name, CreatedAt: s.Clock.Now()}
	if err := s.Engine.CreateTeam(ctx, t); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, teamView{Team: t, Members: []int64{}})
}

func (s *Server) adminRenameTeam(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "team")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	var req teamRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	t, err := s.Engine.RenameTeam(ctx, id, req.Name)
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "team"))
		return
	}
	edge.WriteJSON(w, http.StatusOK, t)
}

func (s *Server) adminDeleteTeam(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "team")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.Engine.DeleteTeam(ctx, id); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "team"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
