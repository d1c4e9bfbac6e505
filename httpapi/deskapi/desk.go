// Package deskapi is the agents' workspace API: signing in, status, the
// queue, conversations and their messages, accept, transfer and close,
// canned replies, uploads and the assistant components (agents use them;
// admins register them). Its WebSocket is package httpapi's.
package deskapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// Server serves the desk API.
type Server struct {
	edge.Surface
	logins loginLimiter
}

// New returns the desk API.
func New(s edge.Surface) *Server { return &Server{Surface: s} }

// The desk API: what the agents' workspace uses. Every conversation an
// agent touches is checked against the apps and teams they serve. See
// docs/desk-api.md.
func (s *Server) Routes(mux edge.RouteMux) {
	mux.HandleFunc("POST /api/desk/login", s.deskLogin)
	mux.HandleFunc("GET /api/desk/me", s.deskMe)
	mux.HandleFunc("POST /api/desk/logout", s.WithAgent(s.deskLogout))
	mux.HandleFunc("POST /api/desk/logout-everywhere", s.WithAgent(s.deskLogoutEverywhere))
	mux.HandleFunc("POST /api/desk/status", s.WithAgent(s.deskStatus))
	mux.HandleFunc("GET /api/desk/queue", s.WithAgent(s.deskQueue))
	mux.HandleFunc("GET /api/desk/conversations", s.WithAgent(s.deskConversations))
	mux.HandleFunc("GET /api/desk/conversations/{id}", s.WithAgent(s.withConversation(s.deskConversation)))
	mux.HandleFunc("GET /api/desk/conversations/{id}/messages", s.WithAgent(s.withConversation(s.deskMessages)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/messages", s.WithAgent(s.withConversation(s.deskSend)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/accept", s.WithAgent(s.withConversation(s.deskAccept)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/close", s.WithAgent(s.withConversation(s.deskClose)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/transfer", s.WithAgent(s.withConversation(s.deskTransfer)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/read", s.WithAgent(s.withConversation(s.deskRead)))
	mux.HandleFunc("POST /api/desk/conversations/{id}/typing", s.WithAgent(s.withConversation(s.deskTyping)))
	mux.HandleFunc("GET /api/desk/conversations/{id}/transfer-targets", s.WithAgent(s.withConversation(s.deskTransferTargets)))
	mux.HandleFunc("POST /api/desk/media", s.WithAgent(s.deskUpload))
	mux.HandleFunc("GET /api/desk/canned", s.WithAgent(s.deskCanned))
	mux.HandleFunc("POST /api/desk/canned", s.WithAgent(s.deskCreateCanned))
	mux.HandleFunc("PATCH /api/desk/canned/{id}", s.WithAgent(s.deskEditCanned))
	mux.HandleFunc("DELETE /api/desk/canned/{id}", s.WithAgent(s.deskDeleteCanned))
	s.componentRoutes(mux)
	s.tagRoutes(mux)
}

// convHandler is a handler for a conversation the agent may see.
type convHandler func(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation)

// withConversation loads {id} and checks the agent serves its app and team.
// A conversation the agent may not see is reported as not found.
func (s *Server) withConversation(h convHandler) edge.DeskHandler {
	return func(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.WriteError(w, r, kefu.Errorf(kefu.ENOTFOUND, "no such conversation"))
			return
		}
		c, err := s.Read.Conversation(r.Context(), id)
		if err != nil || !a.Serves(c.AppID, c.TeamID) && !servedBefore(r.Context(), s, a, c) {
			if err == nil || errors.Is(err, kefu.ErrNotFound) {
				err = kefu.Errorf(kefu.ENOTFOUND, "no such conversation")
			}
			s.WriteError(w, r, err)
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
	sessions, err := s.Read.Sessions(ctx, c.ID)
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

// replyWindow is what may still be sent to a mini program user (see
// docs/wechat.md): the developer API's quota, and the agents' 48-hour window.
type replyWindow struct {
	APIRemaining int       `json:"api_remaining"`
	APIUntil     time.Time `json:"api_until,omitzero"`
	AgentUntil   time.Time `json:"agent_until,omitzero"`
	// Connected: the customer is on a real mini program (kefu.Upstream),
	// where agents spend the same quota as the developer.
	Connected bool `json:"connected,omitempty"`
}

func (s *Server) deskView(ctx context.Context, c *kefu.Conversation, detail bool, names edge.AgentNames) (*deskConversationView, error) {
	v := &deskConversationView{Conversation: c}
	var err error
	if v.Customer, err = s.Read.Customer(ctx, c.CustomerID); err != nil {
		return nil, err
	}
	if v.Unread, err = s.Read.UnreadCount(ctx, c); err != nil {
		return nil, err
	}
	v.AgentName = s.AgentName(ctx, c.AgentID, names)
	if c.State == kefu.StateQueued {
		pos, err := s.Read.QueuePosition(ctx, c)
		if err != nil {
			return nil, err
		}
		v.QueuePosition = pos + 1
	}
	if v.Customer.Channel == kefu.ChannelMiniProgram {
		now := s.Clock.Now()
		w := &replyWindow{}
		if now.Before(c.Quota.Until) {
			w.APIRemaining, w.APIUntil = c.Quota.Remaining, c.Quota.Until
		}
		if !c.LastUserAt.IsZero() && now.Before(c.LastUserAt.Add(engine.AgentWindow)) {
			w.AgentUntil = c.LastUserAt.Add(engine.AgentWindow)
		}
		if app, err := s.Engine.App(ctx, c.AppID); err == nil {
			w.Connected = app.Connected()
		}
		v.Window = w
	}
	// The last message worth a preview line.
	from := max(c.LastSeq-5, 0)
	if msgs, err := s.Read.Messages(ctx, c.ID, from, 0, 10); err == nil {
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].VisibleToAgents() {
				v.LastMessage = msgs[i]
				break
			}
		}
	}
	if detail {
		if v.Sessions, err = s.Read.Sessions(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) deskViews(ctx context.Context, a *kefu.Agent, convs []*kefu.Conversation) ([]*deskConversationView, error) {
	names := edge.AgentNames{}
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
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.SetStatus(r.Context(), a.ID, req.Status, req.Reassign); err != nil {
		s.WriteError(w, r, err)
		return
	}
	cur, err := s.Read.Agent(r.Context(), a.ID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, cur)
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
	q, err := s.Read.Queue(r.Context(), kefu.QueueFilter{AppIDs: servedApps(a), Limit: 500})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeDeskViews(w, r, a, q)
}

// writeDeskViews answers conversations as the workspace lists them.
func (s *Server) writeDeskViews(w http.ResponseWriter, r *http.Request, a *kefu.Agent, convs []*kefu.Conversation) {
	views, err := s.deskViews(r.Context(), a, convs)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"conversations": views})
}

// deskConversations lists the agent's own sessions (?mine=1, the default
// when no filter is given) or searches: ?state=queued|active|developer|closed
// &q=text&agent=ID&from=RFC3339&to=RFC3339&before=RFC3339.
func (s *Server) deskConversations(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	ctx := r.Context()
	var convs []*kefu.Conversation
	var err error
	if q := r.URL.Query(); q.Get("mine") == "1" || len(q) == 0 {
		convs, err = s.Read.AgentConversations(ctx, a.ID)
	} else {
		var f kefu.ConversationFilter
		if f, err = searchFilter(a, q); err == nil {
			convs, err = s.Read.Conversations(ctx, f)
		}
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeDeskViews(w, r, a, convs)
}

// searchFilter reads deskConversations' search parameters, limited to the
// apps and teams the agent serves.
func searchFilter(a *kefu.Agent, q url.Values) (kefu.ConversationFilter, error) {
	f := kefu.ConversationFilter{AppIDs: servedApps(a), State: kefu.State(q.Get("state")), Text: strings.TrimSpace(q.Get("q")), Limit: 50}
	switch f.State {
	case "", kefu.StateDeveloper, kefu.StateQueued, kefu.StateActive, kefu.StateClosed:
	default:
		return f, kefu.Errorf(kefu.EINVALID, "state must be developer, queued, active or closed")
	}
	if len(f.Text) > 200 {
		return f, kefu.Errorf(kefu.EINVALID, "the search text is too long")
	}
	if v := q.Get("agent"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, kefu.Errorf(kefu.EINVALID, "agent must be an agent id")
		}
		f.AgentID = id
	}
	if v := q.Get("tag"); v != "" {
		if f.TagID, _ = strconv.ParseInt(v, 10, 64); f.TagID <= 0 {
			return f, kefu.Errorf(kefu.EINVALID, "tag must be a tag id")
		}
	}
	if v := q.Get("customer"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return f, kefu.Errorf(kefu.EINVALID, "customer must be a customer id")
		}
		f.CustomerID = id
	}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To, "before": &f.Before} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, kefu.Errorf(kefu.EINVALID, "%s must be a time like 2026-11-21T09:00:00Z", name)
			}
			*dst = t
		}
	}
	if a.Role != kefu.RoleAdmin {
		f.TeamIDs = a.Teams
		f.NoTeamOnly = len(a.Teams) == 0
	}
	return f, nil
}

func (s *Server) deskConversation(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	v, err := s.deskView(r.Context(), c, true, edge.AgentNames{})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, v)
}

// deskMessages lists messages: ?after=N (newer than N, oldest first) or
// ?before=N (the page of up to limit messages before N). Events are never
// included; the developer phase is marked on each message.
func (s *Server) deskMessages(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	after, err := edge.QueryInt(r, "after", 0)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	before, err := edge.QueryInt(r, "before", 0)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	limit, err := edge.QueryInt(r, "limit", 200)
	if err != nil || limit == 0 || limit > 500 {
		limit = 200
	}
	to := int64(0)
	if before > 0 {
		to, after = before-1, max(before-1-limit, 0)
	}
	msgs, err := s.Read.Messages(r.Context(), c.ID, after, to, int(limit))
	if err != nil {
		s.WriteError(w, r, err)
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
	edge.WriteJSON(w, http.StatusOK, map[string]any{"messages": out, "last_seq": last})
}

// SendRequest is an agent's message (or internal note).
type SendRequest struct {
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

// ToMessage is the message the request asks to send.
func (req *SendRequest) ToMessage() *kefu.Message {
	return &kefu.Message{ClientMsgID: req.ClientMsgID, Kind: req.Kind, Internal: req.Internal, Text: req.Text, Image: req.Image,
		MiniProgramPage: req.MiniProgramPage, Link: req.Link, Rich: req.Rich, Product: req.Product}
}

func (s *Server) deskSend(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req SendRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	m, err := s.AgentSend(r.Context(), a, c.ID, "desk", req.ToMessage())
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, m)
}

// AgentSend sends a message from an agent through the engine.
func (s *Server) AgentSend(ctx context.Context, a *kefu.Agent, convID int64, source string, m *kefu.Message) (*kefu.Message, error) {
	stored, err := s.Engine.Send(ctx, engine.SendRequest{ConversationID: convID, Sender: kefu.SenderAgent, Agent: a, Source: source, Message: m})
	if err == nil && !stored.Internal {
		s.Metrics.Sent.WithLabelValues("agent").Inc()
	}
	return stored, err
}

func (s *Server) deskAccept(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	c, err := s.Engine.Accept(r.Context(), c.ID, a.ID)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.deskConversation(w, r, a, c)
}

func (s *Server) deskClose(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	c, err := s.Engine.Close(r.Context(), c.ID, a)
	if err != nil {
		s.WriteError(w, r, err)
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
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	c, err := s.Engine.TransferTo(r.Context(), c.ID, a, engine.TransferTarget{AgentID: req.AgentID, TeamID: req.TeamID, Note: strings.TrimSpace(req.Note)})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, c)
}

type deskReadRequest struct {
	Seq int64 `json:"seq"`
}

func (s *Server) deskRead(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req deskReadRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.MarkAgentRead(r.Context(), c.ID, req.Seq); err != nil {
		s.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deskTyping(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	var req typingRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if c.State != kefu.StateActive || c.AgentID != a.ID {
		s.WriteError(w, r, kefu.Errorf(kefu.ECONFLICT, "only the agent serving the session can type to the customer"))
		return
	}
	s.Engine.Typing(r.Context(), c, kefu.SenderAgent, req.On)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deskUpload(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	appID := r.URL.Query().Get("appid")
	if !a.Serves(appID, 0) || appID == "" {
		s.WriteError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "upload for an app you serve (?appid=…)"))
		return
	}
	data, name, ct, err := edge.ReadUpload(w, r, s.Config.MaxUploadBytes)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	m, err := s.Engine.PutMedia(r.Context(), appID, data, name, ct)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, edge.UploadResponse{MediaID: m.ID, URL: "/media/" + m.ID})
}

// transferTarget is an agent a session can be handed to.
type transferTarget struct {
	ID          int64       `json:"id"`
	Name        string      `json:"name"`
	Status      kefu.Status `json:"status"`
	ActiveCount int         `json:"active_count"`
	MaxSessions int         `json:"max_sessions"`
}

// deskTransferTargets lists who a conversation can be transferred to: the
// other enabled agents of its app who are not offline, and every team.
func (s *Server) deskTransferTargets(w http.ResponseWriter, r *http.Request, a *kefu.Agent, c *kefu.Conversation) {
	ctx := r.Context()
	agents, err := s.Read.Agents(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	teams, err := s.Read.Teams(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := []transferTarget{}
	for _, x := range agents {
		if x.ID == a.ID || x.ID == c.AgentID || x.Status == kefu.StatusOffline || !x.Serves(c.AppID, 0) {
			continue
		}
		out = append(out, transferTarget{ID: x.ID, Name: x.Name, Status: x.Status, ActiveCount: x.ActiveCount, MaxSessions: x.MaxSessions})
	}
	if teams == nil {
		teams = []*kefu.Team{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"agents": out, "teams": teams})
}

// cannedTeams are the teams whose canned replies an agent uses and edits:
// their own, or every team for admins.
func (s *Server) cannedTeams(ctx context.Context, a *kefu.Agent) ([]*kefu.Team, error) {
	teams, err := s.Read.Teams(ctx)
	if err != nil || a.Role == kefu.RoleAdmin {
		return teams, err
	}
	out := []*kefu.Team{}
	for _, t := range teams {
		for _, id := range a.Teams {
			if id == t.ID {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// deskCanned lists the agent's canned replies (personal, then by team) and
// the teams they may share replies with.
func (s *Server) deskCanned(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	ctx := r.Context()
	teams, err := s.cannedTeams(ctx, a)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	ids := make([]int64, 0, len(teams))
	for _, t := range teams {
		ids = append(ids, t.ID)
	}
	replies, err := s.Read.CannedReplies(ctx, a.ID, ids)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if replies == nil {
		replies = []*kefu.CannedReply{}
	}
	if teams == nil {
		teams = []*kefu.Team{}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"replies": replies, "teams": teams})
}

type cannedRequest struct {
	TeamID   int64  `json:"team_id"`
	Shortcut string `json:"shortcut"`
	Text     string `json:"text"`
}

// mayEditCanned reports whether a may change a canned reply: their own, or
// one of a team they are in (admins: any team's).
func (s *Server) mayEditCanned(ctx context.Context, a *kefu.Agent, c *kefu.CannedReply) bool {
	if c.AgentID != 0 {
		return c.AgentID == a.ID
	}
	teams, err := s.cannedTeams(ctx, a)
	if err != nil {
		return false
	}
	for _, t := range teams {
		if t.ID == c.TeamID {
			return true
		}
	}
	return false
}

func (s *Server) deskCreateCanned(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	var req cannedRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	c := &kefu.CannedReply{TeamID: req.TeamID, Shortcut: strings.TrimSpace(req.Shortcut), Text: req.Text, UpdatedAt: s.Clock.Now()}
	if c.TeamID == 0 {
		c.AgentID = a.ID
	}
	if err := c.Validate(); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if !s.mayEditCanned(ctx, a, c) {
		s.WriteError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "you can share replies only with your own teams"))
		return
	}
	if err := s.Engine.CreateCannedReply(ctx, c); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusCreated, c)
}

// cannedOf loads {id} if the agent may change it; others' replies are not found.
func (s *Server) cannedOf(w http.ResponseWriter, r *http.Request, a *kefu.Agent) (*kefu.CannedReply, bool) {
	id, err := edge.PathID(r, "id", "canned reply")
	if err == nil {
		var c *kefu.CannedReply
		if c, err = s.Read.CannedReply(r.Context(), id); err == nil && s.mayEditCanned(r.Context(), a, c) {
			return c, true
		}
	}
	if err == nil || errors.Is(err, kefu.ErrNotFound) {
		err = kefu.Errorf(kefu.ENOTFOUND, "no such canned reply")
	}
	s.WriteError(w, r, err)
	return nil, false
}

func (s *Server) deskEditCanned(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	c, ok := s.cannedOf(w, r, a)
	if !ok {
		return
	}
	var req cannedRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	c.Shortcut, c.Text, c.UpdatedAt = strings.TrimSpace(req.Shortcut), req.Text, s.Clock.Now()
	if err := c.Validate(); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.Engine.SaveCannedReply(ctx, c); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, c)
}

func (s *Server) deskDeleteCanned(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	c, ok := s.cannedOf(w, r, a)
	if !ok {
		return
	}
	ctx := r.Context()
	if err := s.Engine.DeleteCannedReply(ctx, c.ID); err != nil {
		s.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// typingRequest turns the agent's typing indicator on or off.
type typingRequest struct {
	On bool `json:"on"`
}
