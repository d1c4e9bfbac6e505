// Package admin is Kefu's administration API: agents, teams, routing rules,
// apps and the push inspector, for admins only (signed in, CSRF on every
// change, role admin). Each concept has its file. It checks what a request
// says and hands every change to the engine.
package admin

import (
	"github.com/kefuhq/kefu/httpapi/edge"
)

// Server serves the admin API.
type Server struct {
	edge.Surface
}

// New returns the admin API.
func New(s edge.Surface) *Server { return &Server{Surface: s} }

// Routes mounts the admin API: agents, teams, routing rules, apps and the push inspector,
// for admins only (WithAdmin: signed in, CSRF on every change, role admin).
// Secrets (app secret, push Token, EncodingAESKey, identity secret) are
// never part of a listing; an admin reveals them one app at a time. See
// docs/admin.md.
func (s *Server) Routes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/admin/agents", s.WithAdmin(s.adminAgents))
	mux.HandleFunc("POST /api/admin/agents", s.WithAdmin(s.adminCreateAgent))
	mux.HandleFunc("PATCH /api/admin/agents/{id}", s.WithAdmin(s.adminEditAgent))
	mux.HandleFunc("POST /api/admin/agents/{id}/sign-out", s.WithAdmin(s.adminSignOutAgent))
	mux.HandleFunc("GET /api/admin/teams", s.WithAdmin(s.adminTeams))
	mux.HandleFunc("POST /api/admin/teams", s.WithAdmin(s.adminCreateTeam))
	mux.HandleFunc("PATCH /api/admin/teams/{id}", s.WithAdmin(s.adminRenameTeam))
	mux.HandleFunc("DELETE /api/admin/teams/{id}", s.WithAdmin(s.adminDeleteTeam))
	mux.HandleFunc("GET /api/admin/apps", s.WithAdmin(s.adminApps))
	mux.HandleFunc("POST /api/admin/apps", s.WithAdmin(s.adminCreateApp))
	mux.HandleFunc("PATCH /api/admin/apps/{appid}", s.WithAdmin(s.adminEditApp))
	mux.HandleFunc("POST /api/admin/apps/{appid}/reveal", s.WithAdmin(s.adminRevealApp))
	mux.HandleFunc("POST /api/admin/apps/{appid}/identity-secret", s.WithAdmin(s.adminNewIdentitySecret))
	mux.HandleFunc("GET /api/admin/apps/{appid}/routing", s.WithAdmin(s.adminRouting))
	mux.HandleFunc("PUT /api/admin/apps/{appid}/routing", s.WithAdmin(s.adminSetRouting))
	mux.HandleFunc("GET /api/admin/push-attempts", s.WithAdmin(s.adminPushAttempts))
	mux.HandleFunc("POST /api/admin/messages/{id}/push", s.WithAdmin(s.adminRepush))
	s.operationsRoutes(mux)
	s.reportRoutes(mux)
}
