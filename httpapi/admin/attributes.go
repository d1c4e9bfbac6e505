package admin

import (
	"net/http"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

func (s *Server) adminAttributes(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	defs, err := s.Read.Attributes(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if defs == nil {
		defs = []*kefu.Attribute{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"attributes": defs})
}

func (s *Server) adminCreateAttribute(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var a kefu.Attribute
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	a.ID = 0
	if err := s.Engine.SaveAttribute(r.Context(), &a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, &a)
}

// adminEditAttribute changes a label or the options; key and type stay.
func (s *Server) adminEditAttribute(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "attribute")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	cur, err := s.Read.Attribute(r.Context(), id)
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "attribute"))
		return
	}
	var req struct {
		Label   *string  `json:"label"`
		Options []string `json:"options"`
	}
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if req.Label != nil {
		cur.Label = *req.Label
	}
	if req.Options != nil {
		cur.Options = req.Options
	}
	if err := s.Engine.SaveAttribute(r.Context(), cur); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "attribute"))
		return
	}
	edge.WriteJSON(w, http.StatusOK, cur)
}

func (s *Server) adminDeleteAttribute(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "attribute")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.DeleteAttribute(r.Context(), id); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "attribute"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
