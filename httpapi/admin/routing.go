package admin

import (
	"net/http"
	"slices"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

func (s *Server) adminApp(w http.ResponseWriter, r *http.Request) (*kefu.App, bool) {
	app, err := s.Read.App(r.Context(), r.PathValue("appid"))
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "app"))
		return nil, false
	}
	return app, true
}

func (s *Server) adminRouting(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	if app, ok := s.adminApp(w, r); ok {
		s.writeRouting(w, r, app.ID)
	}
}

// writeRouting answers an app's routing rules.
func (s *Server) writeRouting(w http.ResponseWriter, r *http.Request, appID string) {
	rules, err := s.Read.RoutingRules(r.Context(), appID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if rules == nil {
		rules = []kefu.RoutingRule{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"rules": rules})
}

type routingRequest struct {
	Rules []kefu.RoutingRule `json:"rules"`
}

// adminSetRouting replaces an app's rules; their order is the order tried.
func (s *Server) adminSetRouting(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	app, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	var req routingRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	if len(req.Rules) > 100 {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "at most 100 routing rules per app"))
		return
	}
	teams, err := s.Read.Teams(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	for i := range req.Rules {
		x := &req.Rules[i]
		x.AppID, x.Position = app.ID, i
		if x.Channel != "" && !x.Channel.Valid() {
			s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: channel must be miniprogram, web, sdk or empty", i+1))
			return
		}
		if len(x.SessionFromPrefix) > kefu.MaxSessionFromBytes {
			s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: the sessionFrom prefix is too long", i+1))
			return
		}
		if !slices.ContainsFunc(teams, func(t *kefu.Team) bool { return t.ID == x.TeamID }) {
			s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: choose an existing team", i+1))
			return
		}
	}
	if err := s.Engine.SetRoutingRules(ctx, app.ID, req.Rules); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeRouting(w, r, app.ID)
}
