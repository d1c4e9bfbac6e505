package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// The desk API: what the agents' workspace uses. Every conversation an
// agent touches is checked against the apps and teams they serve. See
// docs/desk-api.md.
func (s *Server) deskRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/desk/login", s.deskLogin)
	mux.HandleFunc("GET /api/desk/me", s.deskMe)
	mux.HandleFunc("POST /api/desk/logout", s.withAgent(s.deskLogout))
	mux.HandleFunc("POST /api/desk/logout-everywhere", s.withAgent(s.deskLogoutEverywhere))
	mux.HandleFunc("POST /api/desk/status", s.withAgent(s.deskStatus))
	mux.HandleFunc("GET /api/desk/queue", s.withAgent(s.deskQueue))
	mux.HandleFunc("GET /api/desk/conversations", s.withAgent(s.deskConversations))
	mux.HandleFunc("GET /api/desk/conversations/{id}", s.withAgent(s.withConversation(s.deskConversation)))
	mux.HandleFunc("GET /api/desk/conversations/{id}/messages", s.withAgent(s.withConversation(s.deskMessages)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/messages", s.withAgent(s.withConversation(s.deskSend)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/accept", s.withAgent(s.withConversation(s.deskAccept)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/close", s.withAgent(s.withConversation(s.deskClose)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/transfer", s.withAgent(s.withConversation(s.deskTransfer)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/read", s.withAgent(s.withConversation(s.deskRead)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/typing", s.withAgent(s.withConversation(s.deskTyping)))
	mux.HandleFunc("POST /api/desk/media", s.withAgent(s.deskUpload))
	mux.HandleFunc("GET /api/desk/ws", s.deskWS)
}

// convHandler is a handler for a conversation the agent may see.
type convHandler func(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation)

// withConversation loads {id} and checks the agent serves its app and team.
// A conversation the agent may not see is reported as not found.
func (s *Server) withConversation(h convHandler) deskHandler {
	return func(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.writeError(w, r, kefu.Errorf(kefu.ENOTFOUND, "no such conversation"))
			return
		}
		c, err := s.store.Conversation(r.Context(), id)
		if err != nil || !a.Serves(c.AppID, c.TeamID) && !servedBefore(r.Context(), s, a, c) {
			if err == nil || errors.Is(err, kefu.ErrNotFound) {
				err = kefu.Errorf(kefu.ENOTFOUND, "no such conversation")
			}
			s.writeError(w, r, err)
			return
		}
		h(w, r, a, c)
	}
}

// servedBefore lets an agent keep reading a conversation of an app they
// serve that has since moved to a team they are not in — they served it.
func servedBefore(ctx context.Context, s *Server, a *kefu.Agent, c *kefu.Conversation) bool {
	if !a.Serves(c.AppID, 0) {
		return false
	}
	sessions, err := s.store.Sessions(ctx, c.ID)
	if err != nil {
		return false
	}
	for _, x := range sessions {
		if x.AgentID == a.ID {
			return true
		}
	}
	return false
}

// deskConversationView is a conversation as the workspace shows it.
type deskConversationView struct {
	*kefu.Conversation
	Customer      *kefu.Customer  `json:"customer"`
	AgentName     string          `json:"agent_name,omitempty"`
	Unread        int             `json:"unread"`
	QueuePosition int             `json:"queue_position,omitempty"`
	LastMessage   *kefu.Message   `json:"last_message,omitempty"`
	Window        *replyWindow    `json:"window,omitempty"`
	Sessions      []*kefu.Session `json:"sessions,omitempty"`
}

// replyWindow is what may still be sent to a mini program user (PROTOCOL
// §4 and §6): the developer API's quota, and the agents' 48-hour window.
type replyWindow struct {
	APIRemaining int       `json:"api_remaining"`
	APIUntil     time.Time `json:"api_until,omitzero"`
	AgentUntil   time.Time `json:"agent_until,omitzero"`
}

func (s *Server) deskView(ctx context.Context, c *kefu.Conversation, detail bool, names agentNames) (*deskConversationView, error) {
	v := &deskConversationView{Conversation: c}
	var err error
	if v.Customer, err = s.store.Customer(ctx, c.CustomerID); err != nil {
		return nil, err
	}
	if v.Unread, err = s.store.UnreadCount(ctx, c); err != nil {
		return nil, err
	}
	v.AgentName = s.agentName(ctx, c.AgentID, names)
	if c.State == kefu.StateQueued {
		pos, err := s.store.QueuePosition(ctx, c)
		if err != nil {
			return nil, err
		}
		v.QueuePosition = pos + 1
	}
	if v.Customer.Channel == kefu.ChannelMiniProgram {
		now := s.clock.Now()
		w := &replyWindow{}
		if now.Before(c.Quota.Until) {
			w.APIRemaining, w.APIUntil = c.Quota.Remaining, c.Quota.Until
		}
		if !c.LastUserAt.IsZero() && now.Before(c.LastUserAt.Add(engine.AgentWindow)) {
			w.AgentUntil = c.LastUserAt.Add(engine.AgentWindow)
		}
		v.Window = w
	}
	// The last message worth a preview line.
	from := max(c.LastSeq-5, 0)
	if msgs, err := s.store.Messages(ctx, c.ID, from, 0, 10); err == nil {
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].VisibleToAgents() {
				v.LastMessage = msgs[i]
				break
			}
		}
	}
	if detail {
		if v.Sessions, err = s.store.Sessions(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) deskViews(ctx context.Context, a *kefu.Agent, convs []*kefu.Conversation) ([]*deskConversationView, error) {
	names := agentNames{}
	out := make([]*deskConversationView, 0, len(convs))
	for _, c := range convs {
		if !a.Serves(c.AppID, c.TeamID) {
			continue
		}
		v, err := s.deskView(ctx, c, false, names)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

type statusRequest struct {
	Status   kefu.Status `json:"status"`
	Reassign bool        `json:"reassign"`
}

func (s *Server) deskStatus(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	var req statusRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.eng.SetStatus(r.Context(), a.ID, req.Status, req.Reassign); err != nil {
		s.writeError(w, r, err)
		return
	}
	cur, err := s.store.Agent(r.Context(), a.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, cur)
}

// servedApps returns the app ids an agent serves (nil: all, for admins).
func servedApps(a *kefu.Agent) []string {
	if a.Role == kefu.RoleAdmin {
		return nil
	}
	if len(a.Apps) == 0 {
		return []string{""} // matches nothing
	}
	return a.Apps
}

func (s *Server) deskQueue(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	q, err := s.store.Queue(r.Context(), kefu.QueueFilter{AppIDs: servedApps(a), Limit: 500})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.deskViews(r.Context(), a, q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": views})
}

// deskConversations lists the agent's own sessions (?mine=1, the default
// when no filter is given) or searches: ?state=queued|active|developer|closed
// &q=text&agent=ID&from=RFC3339&to=RFC3339&before=RFC3339.
func (s *Server) deskConversations(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	ctx := r.Context()
	q := r.URL.Query()
	if q.Get("mine") == "1" || len(q) == 0 {
		convs, err := s.store.AgentConversations(ctx, a.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		views, err := s.deskViews(ctx, a, convs)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"conversations": views})
		return
	}
	f := kefu.ConversationFilter{AppIDs: servedApps(a), State: kefu.State(q.Get("state")), Text: strings.TrimSpace(q.Get("q")), Limit: 50}
	switch f.State {
	case "", kefu.StateDeveloper, kefu.StateQueued, kefu.StateActive, kefu.StateClosed:
	default:
		s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "state must be developer, queued, active or closed"))
		return
	}
	if len(f.Text) > 200 {
		s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "the search text is too long"))
		return
	}
	if v := q.Get("agent"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "agent must be an agent id"))
			return
		}
		f.AgentID = id
	}
	if v := q.Get("customer"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "customer must be a customer id"))
			return
		}
		f.CustomerID = id
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To, "before": &f.Before} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				s.writeError(w, r, kefu.Errorf(kefu.EINVALID, "%s must be a time like 2026-11-21T09:00:00Z", name))
				return
			}
			*dst = t
		}
	}
	if a.Role != kefu.RoleAdmin {
		f.TeamIDs = a.Teams
		f.NoTeamOnly = len(a.Teams) == 0
	}
	convs, err := s.store.Conversations(ctx, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views, err := s.deskViews(ctx, a, convs)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": views})
}

func (s *Server) deskConversation(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	v, err := s.deskView(r.Context(), c, true, agentNames{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// deskMessages lists messages: ?after=N (newer than N, oldest first) or
// ?before=N (the page of up to limit messages before N). Events are never
// included; the developer phase is marked on each message.
func (s *Server) deskMessages(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	after, err := queryInt(r, "after", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	before, err := queryInt(r, "before", 0)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 200)
	if err != nil || limit == 0 || limit > 500 {
		limit = 200
	}
	to := int64(0)
	if before > 0 {
		to, after = before-1, max(before-1-limit, 0)
	}
	msgs, err := s.store.Messages(r.Context(), c.ID, after, to, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	last := after
	out := make([]*kefu.Message, 0, len(msgs))
	for _, m := range msgs {
		last = m.Seq
		if m.VisibleToAgents() {
			out = append(out, m)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out, "last_seq": last})
}

// deskSendRequest is an agent's message (or internal note).
type deskSendRequest struct {
	ClientMsgID     string                `json:"client_msg_id"`
	Kind            kefu.Kind             `json:"kind"`
	Internal        bool                  `json:"internal"`
	Text            *kefu.Text            `json:"text"`
	Image           *kefu.Image           `json:"image"`
	MiniProgramPage *kefu.MiniProgramPage `json:"miniprogrampage"`
	Link            *kefu.Link            `json:"link"`
	Rich            *kefu.Rich            `json:"rich"`
	Product         *kefu.Product         `json:"product"`
}

func (req *deskSendRequest) message() *kefu.Message {
	return &kefu.Message{ClientMsgID: req.ClientMsgID, Kind: req.Kind, Internal: req.Internal, Text: req.Text, Image: req.Image,
		MiniProgramPage: req.MiniProgramPage, Link: req.Link, Rich: req.Rich, Product: req.Product}
}

func (s *Server) deskSend(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req deskSendRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.agentSend(r.Context(), a, c.ID, "desk", req.message())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

// agentSend sends a message from an agent through the engine.
func (s *Server) agentSend(ctx context.Context, a *kefu.Agent, convID int64, source string, m *kefu.Message) (*kefu.Message, error) {
	stored, err := s.eng.Send(ctx, engine.SendRequest{ConversationID: convID, Sender: kefu.SenderAgent, Agent: a, Source: source, Message: m})
	if err == nil && !stored.Internal {
		s.metrics.sent.WithLabelValues("agent").Inc()
	}
	return stored, err
}

func (s *Server) deskAccept(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	c, err := s.eng.Accept(r.Context(), c.ID, a.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.deskConversation(w, r, a, c)
}

func (s *Server) deskClose(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	c, err := s.eng.Close(r.Context(), c.ID, a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.deskConversation(w, r, a, c)
}

type transferRequest struct {
	AgentID int64  `json:"agent_id"`
	TeamID  int64  `json:"team_id"`
	Note    string `json:"note"`
}

func (s *Server) deskTransfer(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req transferRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.eng.TransferTo(r.Context(), c.ID, a, engine.TransferTarget{AgentID: req.AgentID, TeamID: req.TeamID, Note: strings.TrimSpace(req.Note)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

type deskReadRequest struct {
	Seq int64 `json:"seq"`
}

func (s *Server) deskRead(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req deskReadRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.eng.MarkAgentRead(r.Context(), c.ID, req.Seq); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deskTyping(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req typingRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.State != kefu.StateActive || c.AgentID != a.ID {
		s.writeError(w, r, kefu.Errorf(kefu.ECONFLICT, "only the agent serving the session can type to the customer"))
		return
	}
	s.eng.Typing(r.Context(), c, kefu.SenderAgent, req.On)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deskUpload(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	appID := r.URL.Query().Get("appid")
	if !a.Serves(appID, 0) || appID == "" {
		s.writeError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "upload for an app you serve (?appid=…)"))
		return
	}
	data, name, ct, err := readUpload(w, r, s.cfg.MaxUploadBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.storeMedia(r.Context(), appID, data, name, ct)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadResponse{MediaID: m.ID, URL: "/media/" + m.ID})
}
