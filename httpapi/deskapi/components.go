package deskapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// Assistant components. Admins register them; the workspace
// hangs the ones an agent may use beside the conversation, hands each a
// versioned context with a short-lived signed token, and relays what they
// post to the server, which enforces every rule. See
// docs/assistant-components.md.
func (s *Server) componentRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/admin/components", s.WithAdmin(s.listComponents))
	mux.HandleFunc("POST /api/admin/components", s.WithAdmin(s.saveComponent))
	mux.HandleFunc("PUT /api/admin/components/{cid}", s.WithAdmin(s.saveComponent))
	mux.HandleFunc("DELETE /api/admin/components/{cid}", s.WithAdmin(s.deleteComponent))
	mux.HandleFunc("GET /api/desk/conversations/{id}/components", s.WithAgent(s.withConversation(s.conversationComponents)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/component-messages", s.WithAgent(s.withConversation(s.componentSend)))
	mux.HandleFunc("POST /api/components/verify", s.verifyComponentToken)
}

func (s *Server) listComponents(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	list, err := s.Read.Components(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if list == nil {
		list = []*kefu.Component{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"components": list})
}

func (s *Server) saveComponent(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	var c kefu.Component
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &c); err != nil {
		s.WriteError(w, r, err)
		return
	}
	c.ID = 0
	status := http.StatusCreated
	if r.PathValue("cid") != "" {
		id, err := edge.PathID(r, "cid", "component")
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		c.ID, status = id, http.StatusOK
	}
	if err := s.Engine.SaveComponent(r.Context(), &c); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "component"))
		return
	}
	edge.WriteJSON(w, status, &c)
}

func (s *Server) deleteComponent(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	id, err := edge.PathID(r, "cid", "component")
	if err == nil {
		err = s.Engine.DeleteComponent(r.Context(), id)
	}
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "component"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ComponentContextVersion is the version of the context message components
// receive; it grows only by adding fields.
const ComponentContextVersion = 1

// componentContextLife is how long a component's context token is valid.
const componentContextLife = 10 * time.Minute

// componentContext is what a component is told about where it is (posted to
// its frame as {type: "context", ...}).
type componentContext struct {
	Version      int             `json:"version"`
	Component    componentRef    `json:"component"`
	Conversation contextConv     `json:"conversation"`
	Customer     contextCustomer `json:"customer"`
	Agent        contextAgent    `json:"agent"`
	AppID        string          `json:"appid"`
	Token        string          `json:"token,omitempty"`
	ExpiresAt    time.Time       `json:"expires_at"`
}

type componentRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type contextConv struct {
	ID          int64             `json:"id"`
	State       kefu.State        `json:"state"`
	SessionFrom string            `json:"session_from"`
	Card        *kefu.MessageCard `json:"card,omitempty"`
}

type contextCustomer struct {
	OpenID     string       `json:"openid"`
	Channel    kefu.Channel `json:"channel"`
	SDKVersion string       `json:"sdk_version,omitempty"`
	Name       string       `json:"name,omitempty"`
	Verified   bool         `json:"verified"`
}

type contextAgent struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// componentClaims is what a component's context token says.
type componentClaims struct {
	Component    int64 `json:"k"`
	Conversation int64 `json:"v"`
	Agent        int64 `json:"a"`
	// AuthVersion is the agent's at issue: signing out everywhere (or a
	// new password) ends the agent's component tokens with their sessions.
	AuthVersion int64 `json:"s"`
	Expires     int64 `json:"e"`
}

// contextFor builds a component's context for a conversation, its
// customer and an agent.
func (s *Server) contextFor(comp *kefu.Component, c *kefu.Conversation, cust *kefu.Customer, a *kefu.Agent, withToken bool) *componentContext {
	exp := s.Clock.Now().Add(componentContextLife).Truncate(time.Second)
	ctx := &componentContext{Version: ComponentContextVersion, Component: componentRef{ID: comp.ID, Name: comp.Name},
		Conversation: contextConv{ID: c.ID, State: c.State, SessionFrom: c.SessionFrom, Card: c.Card},
		Customer:     contextCustomer{OpenID: cust.OpenID, Channel: cust.Channel, SDKVersion: cust.SDKVersion, Name: cust.Name, Verified: cust.Verified},
		Agent:        contextAgent{ID: a.ID, Name: a.Name}, AppID: c.AppID, ExpiresAt: exp}
	if withToken {
		ctx.Token = s.SealToken("component", componentClaims{Component: comp.ID, Conversation: c.ID, Agent: a.ID, AuthVersion: a.AuthVersion, Expires: exp.Unix()})
	}
	return ctx
}

// componentView is a component as the workspace mounts it.
type componentView struct {
	*kefu.Component
	FrameURL string            `json:"frame_url"`
	Context  *componentContext `json:"context"`
}

// conversationComponents lists the components the agent may use in this
// conversation, each with a fresh context (and token) to post to it.
func (s *Server) conversationComponents(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	list, err := s.Read.Components(r.Context())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := []*componentView{}
	var cust *kefu.Customer // read for the first visible component, if any
	for _, comp := range list {
		if !comp.VisibleTo(a, c.AppID, c.TeamID) {
			continue
		}
		if cust == nil {
			if cust, err = s.Engine.CustomerOf(r.Context(), c.ID); err != nil {
				s.WriteError(w, r, err)
				return
			}
		}
		out = append(out, &componentView{Component: comp, FrameURL: comp.URL, Context: s.contextFor(comp, c, cust, a, true)})
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"components": out})
}

// componentMessage is what the workspace relays from a component's frame:
// the protocol's {method: "sendMsg", type, content}, and which component sent it.
type componentMessage struct {
	ComponentID int64           `json:"component_id"`
	Method      string          `json:"method"`
	Type        string          `json:"type"`
	Content     json.RawMessage `json:"content"`
}

func (s *Server) componentSend(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req componentMessage
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if req.Method != "sendMsg" {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "method must be sendMsg"))
		return
	}
	m, err := s.Engine.SendFromComponent(r.Context(), c.ID, a, req.ComponentID, req.Type, req.Content)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.Metrics.Sent.WithLabelValues("agent").Inc()
	edge.WriteJSON(w, http.StatusCreated, m)
}

// verifyComponentToken lets a component's own back end check the token its
// frame received: POST /api/components/verify {"token": "..."} answers the
// current context (200) or a JSON error (401). The token is the credential.
func (s *Server) verifyComponentToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	var cl componentClaims
	if !s.OpenToken("component", req.Token, &cl) || s.Clock.Now().Unix() >= cl.Expires {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "the component token is not valid or has expired"))
		return
	}
	ctx := r.Context()
	comp, err1 := s.Read.Component(ctx, cl.Component)
	c, err2 := s.Read.Conversation(ctx, cl.Conversation)
	a, err3 := s.Read.Agent(ctx, cl.Agent)
	if err := errors.Join(err1, err2, err3); err != nil {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "the component token refers to something that no longer exists"))
		return
	}
	if a.AuthVersion != cl.AuthVersion {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "the agent has signed out since the component token was issued"))
		return
	}
	if !comp.VisibleTo(a, c.AppID, c.TeamID) {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "the agent may no longer use this component here"))
		return
	}
	cust, err := s.Read.Customer(ctx, c.CustomerID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := s.contextFor(comp, c, cust, a, false)
	out.ExpiresAt = time.Unix(cl.Expires, 0).UTC()
	edge.WriteJSON(w, http.StatusOK, out)
}

// ComponentOrigins lists the origins of enabled components, which the
// workspace may frame.
func (s *Server) ComponentOrigins(r *http.Request) []string {
	list, err := s.Read.Components(r.Context())
	if err != nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, c := range list {
		if c.Enabled && c.Origin != "" && !seen[c.Origin] {
			seen[c.Origin] = true
			out = append(out, c.Origin)
		}
	}
	return out
}
