package clientapi

import (
	"net/http"

	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// rateRequest is the body of POST /api/client/rating: the customer's
// rating of their last chat with an agent (or of session_id).
type rateRequest struct {
	SessionID int64  `json:"session_id"`
	Score     int    `json:"score"`
	Comment   string `json:"comment"`
}

// clientRate stores the rating; sending it again returns the first one.
func (s *Server) clientRate(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	var req rateRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	got, err := s.Engine.Rate(r.Context(), engine.RateRequest{ConversationID: cl.Conversation, SessionID: req.SessionID, Score: req.Score, Comment: req.Comment})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, got)
}
