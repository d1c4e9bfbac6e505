package deskapi

import (
	"net/http"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// tagRoutes are the side pane's tags and custom attributes (see
// docs/tags-and-attributes.md).
func (s *Server) tagRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/desk/tags", s.WithAgent(s.deskTags))
	mux.HandleFunc("GET /api/desk/conversations/{id}/tags", s.WithAgent(s.withConversation(s.deskConversationTags)))
	mux.HandleFunc("PUT /api/desk/conversations/{id}/tags/{tag}", s.WithAgent(s.withConversation(s.deskTagOn)))
	mux.HandleFunc("DELETE /api/desk/conversations/{id}/tags/{tag}", s.WithAgent(s.withConversation(s.deskTagOff)))
	mux.HandleFunc("GET /api/desk/conversations/{id}/attributes", s.WithAgent(s.withConversation(s.deskAttributes)))
	mux.HandleFunc("PATCH /api/desk/conversations/{id}/attributes", s.WithAgent(s.withConversation(s.deskSetAttributes)))
}

func (s *Server) deskTags(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	tags, err := s.Read.Tags(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"tags": nonNil(tags)})
}

func (s *Server) deskConversationTags(w http.ResponseWriter, r *http.Request, _ *kefu.Agent, c *kefu.Conversation) {
	on, err := s.Read.ConversationTags(r.Context(), []int64{c.ID})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"tags": nonNil(on[c.ID])})
}

func (s *Server) deskTagOn(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	s.setTag(w, r, a, c, true)
}

func (s *Server) deskTagOff(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	s.setTag(w, r, a, c, false)
}

func (s *Server) setTag(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation, on bool) {
	id, err := edge.PathID(r, "tag", "tag")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.TagConversation(r.Context(), c.ID, a, id, on); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.deskConversationTags(w, r, a, c)
}

// attributesView is the side pane's custom attributes: every definition and
// the customer's values by key.
type attributesView struct {
	Attributes []*kefu.Attribute `json:"attributes"`
	Values     map[string]string `json:"values"`
}

func (s *Server) deskAttributes(w http.ResponseWriter, r *http.Request, _ *kefu.Agent, c *kefu.Conversation) {
	ctx := r.Context()
	defs, err := s.Read.Attributes(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	values, err := s.Read.CustomerAttributes(ctx, c.CustomerID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, attributesView{Attributes: nonNil(defs), Values: values})
}

func (s *Server) deskSetAttributes(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req struct {
		Attributes map[string]string `json:"attributes"`
	}
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if _, err := s.Engine.SetCustomerAttributes(r.Context(), c.CustomerID, a, req.Attributes); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.deskAttributes(w, r, a, c)
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
