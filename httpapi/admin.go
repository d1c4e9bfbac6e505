package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// The admin API: agents, teams, routing rules, apps and the push inspector,
// for admins only (withAdmin: signed in, CSRF on every change, role admin).
// Secrets (app secret, push Token, EncodingAESKey, identity secret) are
// never part of a listing; an admin reveals them one app at a time. See
// docs/admin.md.
func (s *Server) adminRoutes(mux routeMux) {
	mux.HandleFunc("GET /api/admin/agents", s.withAdmin(s.adminAgents))
	mux.HandleFunc("POST /api/admin/agents", s.withAdmin(s.adminCreateAgent))
	mux.HandleFunc("PATCH /api/admin/agents/{id}", s.withAdmin(s.adminEditAgent))
	mux.HandleFunc("POST /api/admin/agents/{id}/sign-out", s.withAdmin(s.adminSignOutAgent))
	mux.HandleFunc("GET /api/admin/teams", s.withAdmin(s.adminTeams))
	mux.HandleFunc("POST /api/admin/teams", s.withAdmin(s.adminCreateTeam))
	mux.HandleFunc("PATCH /api/admin/teams/{id}", s.withAdmin(s.adminRenameTeam))
	mux.HandleFunc("DELETE /api/admin/teams/{id}", s.withAdmin(s.adminDeleteTeam))
	mux.HandleFunc("GET /api/admin/apps", s.withAdmin(s.adminApps))
	mux.HandleFunc("POST /api/admin/apps", s.withAdmin(s.adminCreateApp))
	mux.HandleFunc("PATCH /api/admin/apps/{appid}", s.withAdmin(s.adminEditApp))
	mux.HandleFunc("POST /api/admin/apps/{appid}/reveal", s.withAdmin(s.adminRevealApp))
	mux.HandleFunc("POST /api/admin/apps/{appid}/identity-secret", s.withAdmin(s.adminNewIdentitySecret))
	mux.HandleFunc("GET /api/admin/apps/{appid}/routing", s.withAdmin(s.adminRouting))
	mux.HandleFunc("PUT /api/admin/apps/{appid}/routing", s.withAdmin(s.adminSetRouting))
	mux.HandleFunc("GET /api/admin/push-attempts", s.withAdmin(s.adminPushAttempts))
	mux.HandleFunc("POST /api/admin/messages/{id}/push", s.withAdmin(s.adminRepush))
}

// routeMux is what route tables are registered on: an *http.ServeMux, or a
// recorder in tests that checks every route's authorisation.
type routeMux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// pathID reads a numeric path value, or answers not found.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, kefu.Errorf(kefu.ENOTFOUND, "no such %s", what)
	}
	return id, nil
}

// --- agents -----------------------------------------------------------------

func (s *Server) adminAgents(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	agents, err := s.store.Agents(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if agents == nil {
		agents = []*kefu.Agent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": agents, "max_per_app": kefu.MaxAgentsPerApp})
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
		a.PasswordHash = HashPassword(*req.Password)
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
		if _, err := s.store.App(ctx, id); err != nil {
			if errors.Is(err, kefu.ErrNotFound) {
				return kefu.Errorf(kefu.EINVALID, "no app %q", id)
			}
			return err
		}
	}
	for _, id := range a.Teams {
		if _, err := s.store.Team(ctx, id); err != nil {
			if errors.Is(err, kefu.ErrNotFound) {
				return kefu.Errorf(kefu.EINVALID, "no team %d", id)
			}
			return err
		}
	}
	if len(a.Apps) == 0 {
		return nil
	}
	all, err := s.store.Agents(ctx)
	if err != nil {
		return err
	}
	for _, app := range a.Apps {
		n := 1
		for _, other := range all {
			if other.ID != a.ID && !other.Disabled && contains(other.Apps, app) {
				n++
			}
		}
		if n > kefu.MaxAgentsPerApp {
			return kefu.Errorf(kefu.EINVALID, "%s already has the maximum of %d agents", app, kefu.MaxAgentsPerApp)
		}
	}
	return nil
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Server) adminCreateAgent(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var req agentRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Password == nil {
		s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "a new agent needs a password"))
		return
	}
	ctx := r.Context()
	a := &kefu.Agent{Role: kefu.RoleAgent, MaxSessions: kefu.DefaultMaxSessions, AutoAccept: true, Status: kefu.StatusOffline,
		Apps: []string{}, Teams: []int64{}, CreatedAt: s.clock.Now()}
	if err := req.apply(a); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Disabled != nil {
		a.Disabled = *req.Disabled
	}
	if err := s.checkMemberships(ctx, a); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, a) }); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAgent(w, r, a.ID, http.StatusCreated)
}

// adminEditAgent changes an agent. Disabling signs them out everywhere and
// returns their sessions to the queue.
func (s *Server) adminEditAgent(w http.ResponseWriter, r *http.Request, admin *kefu.Agent) {
	id, err := pathID(r, "id", "agent")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req agentRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	cur, err := s.store.Agent(ctx, id)
	if err != nil {
		s.writeError(w, r, notFoundAs(err, "agent"))
		return
	}
	if id == admin.ID && (req.Disabled != nil && *req.Disabled || req.Role != nil && *req.Role != kefu.RoleAdmin) {
		s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "you cannot disable yourself or take away your own admin role"))
		return
	}
	if err := req.apply(cur); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkMemberships(ctx, cur); err != nil {
		s.writeError(w, r, err)
		return
	}
	disabling := false
	err = s.store.Update(ctx, func(tx kefu.Tx) error {
		a, err := tx.Agent(ctx, id)
		if err != nil {
			return err
		}
		disabling = req.Disabled != nil && *req.Disabled && !a.Disabled
		// Fields the agent or the engine change meanwhile stay theirs.
		cur.Status, cur.AuthVersion, cur.LastSeenAt, cur.Disabled = a.Status, a.AuthVersion, a.LastSeenAt, a.Disabled
		if req.Password == nil {
			cur.PasswordHash = a.PasswordHash
		}
		if req.Disabled != nil {
			cur.Disabled = *req.Disabled
		}
		if disabling || req.Password != nil {
			cur.AuthVersion++ // every session of theirs ends
		}
		return tx.SaveAgent(ctx, cur)
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if disabling {
		err = s.eng.SetStatus(ctx, id, kefu.StatusOffline, true)
	} else {
		err = s.eng.SetStatus(ctx, id, cur.Status, false) // tells workspaces the agent changed
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeAgent(w, r, id, http.StatusOK)
}

// adminSignOutAgent ends every session of an agent on every device and sets
// them offline, their sessions returning to the queue.
func (s *Server) adminSignOutAgent(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := pathID(r, "id", "agent")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.signOutEverywhere(r.Context(), id); err != nil {
		s.writeError(w, r, notFoundAs(err, "agent"))
		return
	}
	s.writeAgent(w, r, id, http.StatusOK)
}

// signOutEverywhere voids every cookie of an agent and sets them offline.
func (s *Server) signOutEverywhere(ctx context.Context, id int64) error {
	err := s.store.Update(ctx, func(tx kefu.Tx) error {
		a, err := tx.Agent(ctx, id)
		if err != nil {
			return err
		}
		a.AuthVersion++
		return tx.SaveAgent(ctx, a)
	})
	if err != nil {
		return err
	}
	return s.eng.SetStatus(ctx, id, kefu.StatusOffline, true)
}

func (s *Server) writeAgent(w http.ResponseWriter, r *http.Request, id int64, status int) {
	a, err := s.store.Agent(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, a)
}

// notFoundAs names what was not found.
func notFoundAs(err error, what string) error {
	if errors.Is(err, kefu.ErrNotFound) {
		return kefu.Errorf(kefu.ENOTFOUND, "no such %s", what)
	}
	return err
}

// --- teams ------------------------------------------------------------------

// teamView is a team with its members' ids.
type teamView struct {
	*kefu.Team
	Members []int64 `json:"members"`
}

func (s *Server) adminTeams(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	teams, err := s.store.Teams(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	agents, err := s.store.Agents(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]teamView, 0, len(teams))
	for _, t := range teams {
		v := teamView{Team: t, Members: []int64{}}
		for _, a := range agents {
			if contains(a.Teams, t.ID) {
				v.Members = append(v.Members, a.ID)
			}
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": out})
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
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	t := &kefu.Team{Name: req.Name, CreatedAt: s.clock.Now()}
	if err := s.store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateTeam(ctx, t) }); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, teamView{Team: t, Members: []int64{}})
}

func (s *Server) adminRenameTeam(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := pathID(r, "id", "team")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req teamRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := req.validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	var t *kefu.Team
	err = s.store.Update(ctx, func(tx kefu.Tx) error {
		var err error
		if t, err = tx.Team(ctx, id); err != nil {
			return err
		}
		t.Name = req.Name
		return tx.SaveTeam(ctx, t)
	})
	if err != nil {
		s.writeError(w, r, notFoundAs(err, "team"))
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) adminDeleteTeam(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := pathID(r, "id", "team")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.eng.DeleteTeam(ctx, id); err != nil {
		s.writeError(w, r, notFoundAs(err, "team"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// --- routing rules ----------------------------------------------------------

func (s *Server) adminApp(w http.ResponseWriter, r *http.Request) (*kefu.App, bool) {
	app, err := s.store.App(r.Context(), r.PathValue("appid"))
	if err != nil {
		s.writeError(w, r, notFoundAs(err, "app"))
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
	rules, err := s.store.RoutingRules(r.Context(), appID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rules == nil {
		rules = []kefu.RoutingRule{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"rules": rules})
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
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if len(req.Rules) > 100 {
		s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "at most 100 routing rules per app"))
		return
	}
	teams, err := s.store.Teams(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i := range req.Rules {
		x := &req.Rules[i]
		x.AppID, x.Position = app.ID, i
		if x.Channel != "" && !x.Channel.Valid() {
			s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: channel must be miniprogram, web, sdk or empty", i+1))
			return
		}
		if len(x.SessionFromPrefix) > kefu.MaxSessionFromBytes {
			s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: the sessionFrom prefix is too long", i+1))
			return
		}
		if !slices.ContainsFunc(teams, func(t *kefu.Team) bool { return t.ID == x.TeamID }) {
			s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "rule %d: choose an existing team", i+1))
			return
		}
	}
	if err := s.store.Update(ctx, func(tx kefu.Tx) error { return tx.SetRoutingRules(ctx, app.ID, req.Rules) }); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeRouting(w, r, app.ID)
}

// --- apps -------------------------------------------------------------------

// adminAppView is an app as the admin pages list it: no secret values, only
// whether each is set.
type adminAppView struct {
	*kefu.App
	HasSecret bool `json:"has_secret"`
	HasToken  bool `json:"has_token"`
	HasAESKey bool `json:"has_aes_key"`
	Agents    int  `json:"agents"`
}

func appView(a *kefu.App, agents []*kefu.Agent) adminAppView {
	v := adminAppView{App: a, HasSecret: a.Secret != "", HasToken: a.Push.Token != "", HasAESKey: a.Push.EncodingAESKey != ""}
	for _, x := range agents {
		if !x.Disabled && contains(x.Apps, a.ID) {
			v.Agents++
		}
	}
	return v
}

func (s *Server) adminApps(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	apps, err := s.store.Apps(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	agents, err := s.store.Agents(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]adminAppView, 0, len(apps))
	for _, a := range apps {
		out = append(out, appView(a, agents))
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": out})
}

// appRequest creates or edits an app. On edit, nil fields and empty
// secrets are left as they are.
type appRequest struct {
	AppID          string           `json:"appid"`
	OriginalID     *string          `json:"original_id"`
	Name           *string          `json:"name"`
	Secret         string           `json:"secret"`
	PushURL        *string          `json:"push_url"`
	Token          string           `json:"token"`
	EncodingAESKey string           `json:"encoding_aes_key"`
	Mode           *kefu.PushMode   `json:"mode"`
	Format         *kefu.PushFormat `json:"format"`
	AllowPrivate   *bool            `json:"allow_private"`
	WidgetOrigins  *[]string        `json:"widget_origins"`
}

func (req *appRequest) apply(a *kefu.App) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.OriginalID, req.OriginalID)
	set(&a.Name, req.Name)
	set(&a.Push.URL, req.PushURL)
	if req.Secret != "" {
		a.Secret = strings.TrimSpace(req.Secret)
	}
	if req.Token != "" {
		a.Push.Token = strings.TrimSpace(req.Token)
	}
	if req.EncodingAESKey != "" {
		a.Push.EncodingAESKey = strings.TrimSpace(req.EncodingAESKey)
	}
	if req.Mode != nil {
		a.Push.Mode = *req.Mode
	}
	if req.Format != nil {
		a.Push.Format = *req.Format
	}
	if req.AllowPrivate != nil {
		a.Push.AllowPrivate = *req.AllowPrivate
	}
	if req.WidgetOrigins != nil {
		a.WidgetOrigins = []string{}
		for _, o := range *req.WidgetOrigins {
			if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
				a.WidgetOrigins = append(a.WidgetOrigins, o)
			}
		}
	}
}

// adminCreateApp adds an app. A push URL must pass WeChat's handshake; a
// failing one is refused with the reason, which the page shows.
func (s *Server) adminCreateApp(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var req appRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a := &kefu.App{ID: strings.TrimSpace(req.AppID), WidgetOrigins: []string{}}
	req.apply(a)
	if a.Secret == "" {
		a.Secret = engine.NewSecret(16)
	}
	if err := s.eng.CreateApp(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeApp(w, r, a.ID, http.StatusCreated)
}

func (s *Server) adminEditApp(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	var req appRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.apply(a)
	if err := s.eng.SaveApp(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeApp(w, r, a.ID, http.StatusOK)
}

func (s *Server) writeApp(w http.ResponseWriter, r *http.Request, id string, status int) {
	ctx := r.Context()
	a, err := s.store.App(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	agents, err := s.store.Agents(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, appView(a, agents))
}

// appSecrets is what an admin sees on an explicit reveal.
type appSecrets struct {
	Secret         string `json:"secret"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	IdentitySecret string `json:"identity_secret"`
}

// adminRevealApp shows an app's secrets to an admin who asked (a POST, so
// it needs the CSRF token and is never cached or prefetched).
func (s *Server) adminRevealApp(w http.ResponseWriter, r *http.Request, admin *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	s.log.Info("admin revealed app secrets", "admin", admin.Login, "appid", a.ID)
	writeJSON(w, http.StatusOK, appSecrets{Secret: a.Secret, Token: a.Push.Token, EncodingAESKey: a.Push.EncodingAESKey, IdentitySecret: a.IdentitySecret})
}

// adminNewIdentitySecret replaces the secret host sites sign identities
// with; identities signed with the old one stop working.
func (s *Server) adminNewIdentitySecret(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	a.IdentitySecret = engine.NewSecret(32)
	if err := s.eng.SaveApp(r.Context(), a); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"identity_secret": a.IdentitySecret})
}

// --- push inspector ---------------------------------------------------------

// adminPushAttempts lists push attempts newest first: ?appid=&conversation=
// &message=&failed=1&before=ID&limit=N. Anything that looks like one of the
// app's secrets is blanked, as a second line of defence.
func (s *Server) adminPushAttempts(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	q := r.URL.Query()
	f := kefu.PushLogFilter{AppID: q.Get("appid"), FailedOnly: q.Get("failed") == "1" || q.Get("failed") == "true"}
	for name, dst := range map[string]*int64{"conversation": &f.ConversationID, "message": &f.MessageID, "before": &f.BeforeID} {
		v, err := queryInt(r, name, 0)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		*dst = v
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil || limit <= 0 || limit > 200 {
		limit = 50
	}
	f.Limit = int(limit) + 1 // one more says whether there is a next page
	attempts, err := s.store.PushAttempts(ctx, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	more := len(attempts) > int(limit)
	if more {
		attempts = attempts[:limit]
	}
	apps := map[string]*kefu.App{}
	for _, a := range attempts {
		app, ok := apps[a.AppID]
		if !ok {
			app, _ = s.store.App(ctx, a.AppID)
			apps[a.AppID] = app
		}
		redactAttempt(a, app)
	}
	if attempts == nil {
		attempts = []*kefu.PushAttempt{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": attempts, "more": more})
}

// redactAttempt blanks an app's secrets wherever they would appear.
func redactAttempt(a *kefu.PushAttempt, app *kefu.App) {
	if app == nil {
		return
	}
	var pairs []string
	for _, secret := range []string{app.Secret, app.Push.Token, app.Push.EncodingAESKey, app.Push.PreviousAESKey, app.IdentitySecret} {
		if len(secret) >= 8 { // shorter ones would blank ordinary words
			pairs = append(pairs, secret, "[redacted]")
		}
	}
	if len(pairs) == 0 {
		return
	}
	rep := strings.NewReplacer(pairs...)
	a.URL, a.RequestQuery, a.RequestBody = rep.Replace(a.URL), rep.Replace(a.RequestQuery), rep.Replace(a.RequestBody)
	a.ResponseBody, a.Error = rep.Replace(a.ResponseBody), rep.Replace(a.Error)
}

// adminRepush is the push inspector's "send again": the message's push
// starts over from its first try.
func (s *Server) adminRepush(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := pathID(r, "id", "message")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.eng.RequeuePush(r.Context(), id); err != nil {
		s.writeError(w, r, notFoundAs(err, "message"))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
