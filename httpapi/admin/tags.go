package admin

import (
	"net/http"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// operationsRoutes are the tag list, the custom attributes, the activity
// log and the export (docs/tags-and-attributes.md, docs/activity-log.md,
// docs/export.md).
func (s *Server) operationsRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/admin/tags", s.WithAdmin(s.adminTags))
	mux.HandleFunc("POST /api/admin/tags", s.WithAdmin(s.adminCreateTag))
	mux.HandleFunc("PATCH /api/admin/tags/{id}", s.WithAdmin(s.adminEditTag))
	mux.HandleFunc("DELETE /api/admin/tags/{id}", s.WithAdmin(s.adminDeleteTag))
	mux.HandleFunc("GET /api/admin/attributes", s.WithAdmin(s.adminAttributes))
	mux.HandleFunc("POST /api/admin/attributes", s.WithAdmin(s.adminCreateAttribute))
	mux.HandleFunc("PATCH /api/admin/attributes/{id}", s.WithAdmin(s.adminEditAttribute))
	mux.HandleFunc("DELETE /api/admin/attributes/{id}", s.WithAdmin(s.adminDeleteAttribute))
	mux.HandleFunc("GET /api/admin/activity", s.WithAdmin(s.adminActivity))
	mux.HandleFunc("GET /api/admin/export", s.WithAdmin(s.adminExport))
}

func (s *Server) adminTags(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	tags, err := s.Read.Tags(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if tags == nil {
		tags = []*kefu.Tag{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"tags": tags})
}

func (s *Server) adminCreateTag(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var t kefu.Tag
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &t); err != nil {
		s.WriteError(w, r, err)
		return
	}
	t.ID = 0
	if err := s.Engine.CreateTag(r.Context(), &t); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, &t)
}

func (s *Server) adminEditTag(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "tag")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	var t kefu.Tag
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &t); err != nil {
		s.WriteError(w, r, err)
		return
	}
	t.ID = id
	if err := s.Engine.SaveTag(r.Context(), &t); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "tag"))
		return
	}
	edge.WriteJSON(w, http.StatusOK, &t)
}

func (s *Server) adminDeleteTag(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "tag")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.DeleteTag(r.Context(), id); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "tag"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
