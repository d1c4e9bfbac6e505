package clientapi

import (
	"net/http"

	"github.com/kefuhq/kefu/httpapi/edge"
)

// clientUpload stores an image the customer sends.
func (s *Server) clientUpload(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	data, name, ct, err := edge.ReadUpload(w, r, s.Config.MaxUploadBytes)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	m, err := s.Engine.PutMedia(r.Context(), cl.App, data, name, ct)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, edge.UploadResponse{MediaID: m.ID, URL: "/media/" + m.ID})
}
