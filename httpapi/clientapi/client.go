// Package clientapi is Kefu's client API, used by the chat widget, the mini
// program simulator and app SDKs: a customer identifies, enters the chat,
// sends and reads messages, uploads images and (for the simulator) reads
// the pushes of their conversation. The wire format is package client's.
// See docs/client-api.md.
package clientapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// Server serves the client API.
type Server struct {
	edge.Surface
	limits edge.Limits
	// The message rates of customers and of addresses, shared by the
	// client API and the customer's WebSocket (both send through Receive).
	customers, addresses *edge.RateLimiter
}

// maxLimitedKeys bounds how many customers and addresses the message
// limiters hold at once (see edge.RateLimiter).
const maxLimitedKeys = 100_000

// New returns the client API.
func New(s edge.Surface) *Server {
	l := s.Config.Limits.WithDefaults()
	return &Server{Surface: s, limits: l,
		customers: edge.NewRateLimiter(l.CustomerRate, l.CustomerBurst, maxLimitedKeys),
		addresses: edge.NewRateLimiter(l.AddressRate, l.AddressBurst, maxLimitedKeys)}
}

// Routes mounts the client API (its WebSocket is package httpapi's): what the widget, the mini program simulator and app SDKs
// use. A customer identifies once, then carries a bearer token that opens
// their own conversation and nothing else. See docs/client-api.md.
func (s *Server) Routes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/client/apps/{appid}", s.clientApp)
	mux.HandleFunc("GET /api/client/demo-app", s.clientDemoApp)
	mux.HandleFunc("POST /api/client/sessions", s.clientIdentify)
	mux.HandleFunc("POST /api/client/enter", s.withClient(s.clientEnter))
	mux.HandleFunc("GET /api/client/state", s.withClient(s.clientGetState))
	mux.HandleFunc("GET /api/client/messages", s.withClient(s.clientMessages))
	mux.HandleFunc("POST /api/client/messages", s.withClient(s.clientSend))
	mux.HandleFunc("POST /api/client/media", s.withClient(s.clientUpload))
	mux.HandleFunc("POST /api/client/typing", s.withClient(s.clientTyping))
	mux.HandleFunc("POST /api/client/read", s.withClient(s.clientRead))
	mux.HandleFunc("GET /api/client/pushes", s.withClient(s.clientPushes))
	mux.HandleFunc("POST /api/client/rating", s.withClient(s.clientRate))
}

// publicApp is what anyone may know about an app: the chat shows its name,
// and checks its host page against the origins allowed to embed it (they
// are in the chat page's frame-ancestors header anyway).
type publicApp struct {
	AppID         string   `json:"appid"`
	Name          string   `json:"name"`
	WidgetOrigins []string `json:"widget_origins"`
}

// clientApp answers GET /api/client/apps/{appid}.
func (s *Server) clientApp(w http.ResponseWriter, r *http.Request) {
	s.clientAppByID(w, r, r.PathValue("appid"))
}

func (s *Server) clientAppByID(w http.ResponseWriter, r *http.Request, id string) {
	app, err := s.Read.App(r.Context(), id)
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "app"))
		return
	}
	origins := app.WidgetOrigins
	if origins == nil {
		origins = []string{}
	}
	edge.WriteJSON(w, http.StatusOK, publicApp{AppID: app.ID, Name: app.Name, WidgetOrigins: origins})
}

// clientDemoApp answers GET /api/client/demo-app: the demo mini program a
// first start created, so /demo, /sim and /sdk-demo work without ?appid=.
func (s *Server) clientDemoApp(w http.ResponseWriter, r *http.Request) {
	id, err := s.Read.Setting(r.Context(), "demo_app")
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "demo app"))
		return
	}
	s.clientAppByID(w, r, id)
}

// identifyRequest is the body of POST /api/client/sessions.
type identifyRequest struct {
	AppID   string       `json:"appid"`
	Channel kefu.Channel `json:"channel"`
	// VisitorID is an anonymous browser's or simulated user's own random id
	// (at least 16 characters), kept by the client.
	VisitorID string `json:"visitor_id"`
	// Identity is a host site's signed user, instead of VisitorID.
	Identity   *signedIdentity `json:"identity"`
	SDKVersion string          `json:"sdk_version"`
	Name       string          `json:"name"`
}

type signedIdentity struct {
	UserID    string `json:"user_id"`
	Timestamp int64  `json:"timestamp"`
	Signature string `json:"signature"`
}

func (s *Server) clientIdentify(w http.ResponseWriter, r *http.Request) {
	var req identifyRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	ctx := r.Context()
	app, err := s.Read.App(ctx, req.AppID)
	if err != nil {
		if errors.Is(err, kefu.ErrNotFound) {
			err = kefu.Errorf(kefu.ENOTFOUND, "no app %q", req.AppID)
		}
		s.WriteError(w, r, err)
		return
	}
	if req.Channel == "" {
		req.Channel = kefu.ChannelWeb
	}
	ident := engine.IdentifyRequest{AppID: app.ID, Channel: req.Channel, SDKVersion: req.SDKVersion, Name: strings.TrimSpace(req.Name)}
	switch {
	case req.Identity != nil:
		id := req.Identity
		if err := edge.VerifyIdentity(app, id.UserID, id.Timestamp, id.Signature, s.Clock.Now()); err != nil {
			s.WriteError(w, r, err)
			return
		}
		ident.ExternalID, ident.Verified = "user:"+id.UserID, true
	case len(req.VisitorID) >= 16 && len(req.VisitorID) <= 128:
		ident.ExternalID = "visitor:" + req.VisitorID
	default:
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "send a visitor_id of 16 to 128 characters, or a signed identity"))
		return
	}
	if req.Channel == kefu.ChannelSDK && req.SDKVersion == "" {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "the sdk channel needs sdk_version"))
		return
	}
	cust, c, err := s.Engine.Identify(ctx, ident)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	st, err := s.StateOf(ctx, c)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	tok, exp := s.ClientToken(cust, c)
	edge.WriteJSON(w, http.StatusOK, client.Session{Token: tok, ExpiresAt: exp, OpenID: cust.OpenID, Channel: cust.Channel, State: st})
}

// clientHandler is a handler for an authenticated customer.
type clientHandler func(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims)

// withClient checks the bearer token.
func (s *Server) withClient(h clientHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		cl, err := s.ParseClientToken(tok)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		h(w, r, cl)
	}
}

// enterRequest is the body of POST /api/client/enter (the customer-service
// button's attributes).
type enterRequest struct {
	SessionFrom string            `json:"session_from"`
	Card        *kefu.MessageCard `json:"card"`
}

func (s *Server) clientEnter(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	var req enterRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if _, err := s.Engine.Enter(r.Context(), cl.Conversation, req.SessionFrom, req.Card); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.clientGetState(w, r, cl)
}

func (s *Server) clientGetState(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	c, err := s.Read.Conversation(r.Context(), cl.Conversation)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	st, err := s.StateOf(r.Context(), c)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, st)
}

// clientMessages lists the customer's messages after a sequence number:
// GET /api/client/messages?after=12&limit=100. Internal notes and events
// are never included.
func (s *Server) clientMessages(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	after, err := edge.QueryInt(r, "after", 0)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	limit, err := edge.QueryInt(r, "limit", 200)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	msgs, last, err := s.Backlog(r.Context(), cl.Conversation, after, int(limit))
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"messages": msgs, "last_seq": last})
}

// Backlog returns the customer-visible messages after a seq, and the
// last seq looked at (so a client can continue from there even if the last
// messages were hidden ones).
func (s *Server) Backlog(ctx context.Context, convID, after int64, limit int) ([]*client.Message, int64, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	msgs, err := s.Read.Messages(ctx, convID, after, 0, limit)
	if err != nil {
		return nil, after, err
	}
	names := edge.AgentNames{}
	out := make([]*client.Message, 0, len(msgs))
	last := after
	for _, m := range msgs {
		last = m.Seq
		if m.VisibleToUser() {
			out = append(out, s.MessageOf(ctx, m, names))
		}
	}
	return out, last, nil
}

// customerMessage is the message a customer sends (POST
// /api/client/messages, or a "send" frame on the WebSocket).
func customerMessage(o *client.Outgoing) *kefu.Message {
	return &kefu.Message{ClientMsgID: o.ClientMsgID, Kind: o.Kind, Text: o.Text, Image: o.Image, MiniProgramPage: o.MiniProgramPage}
}

func (s *Server) clientSend(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	var req client.Outgoing
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	m, dup, err := s.Receive(r.Context(), cl, r.RemoteAddr, &req)
	if err != nil {
		if kefu.ErrorCode(err) == kefu.ERATE {
			w.Header().Set("Retry-After", "1")
		}
		s.WriteError(w, r, err)
		return
	}
	status := http.StatusCreated
	if dup {
		status = http.StatusOK
	}
	edge.WriteJSON(w, status, m)
}

// Receive hands a customer's message, sent from the peer remoteAddr, to
// the engine. Images must be media its app may use (engine.UsableMedia).
// A customer or an address over its message rate gets ERATE
// ("rate_limited"): the client waits a moment and sends again, with the
// same client_msg_id.
func (s *Server) Receive(ctx context.Context, cl *edge.ClientClaims, remoteAddr string, req *client.Outgoing) (*client.Message, bool, error) {
	if err := s.allowMessage(cl, remoteAddr); err != nil {
		return nil, false, err
	}
	m := customerMessage(req)
	if m.Kind == kefu.KindImage && m.Image != nil {
		if !s.ownMedia(ctx, cl, m.Image.MediaID) {
			return nil, false, kefu.Errorf(kefu.EINVALID, "unknown image media_id: upload the image first")
		}
		m.Image.PicURL = "" // Kefu serves the upload itself
	}
	if p := m.MiniProgramPage; m.Kind == kefu.KindMiniProgramPage && p != nil {
		// A card's picture reaches the developer's push and every viewer:
		// only the customer's own uploads (the engine checks the rest).
		if p.ThumbMediaID != "" && !s.ownMedia(ctx, cl, p.ThumbMediaID) {
			return nil, false, kefu.Errorf(kefu.EINVALID, "unknown thumb_media_id: upload the image first")
		}
	}
	stored, dup, err := s.Engine.Receive(ctx, cl.Conversation, m)
	if err != nil {
		return nil, false, err
	}
	if !dup {
		s.Metrics.Received.Inc()
	}
	return s.MessageOf(ctx, stored, edge.AgentNames{}), dup, nil
}

// allowMessage takes a token of the customer's and the address's message
// rates.
func (s *Server) allowMessage(cl *edge.ClientClaims, remoteAddr string) error {
	now := s.Clock.Now()
	if !s.customers.Allow(strconv.FormatInt(cl.Customer, 10), now) {
		s.Metrics.Limited.WithLabelValues("customer").Inc()
		return kefu.Errorf(kefu.ERATE, "too many messages: wait a second, then send again")
	}
	if key, ok := s.limits.AddressOf(remoteAddr); ok && !s.addresses.Allow(key, now) {
		s.Metrics.Limited.WithLabelValues("address").Inc()
		return kefu.Errorf(kefu.ERATE, "too many messages from your network: wait a second, then send again")
	}
	return nil
}

// ownMedia reports whether the customer's app may use media id.
func (s *Server) ownMedia(ctx context.Context, cl *edge.ClientClaims, id string) bool {
	_, err := s.Engine.UsableMedia(ctx, cl.App, id)
	return err == nil
}

type typingRequest struct {
	On bool `json:"on"`
}

func (s *Server) clientTyping(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	var req typingRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	c, err := s.Read.Conversation(r.Context(), cl.Conversation)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.Engine.Typing(r.Context(), c, kefu.SenderUser, req.On)
	w.WriteHeader(http.StatusNoContent)
}

type readRequest struct {
	Delivered int64 `json:"delivered"`
	Read      int64 `json:"read"`
}

func (s *Server) clientRead(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	var req readRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.MarkCustomer(r.Context(), cl.Conversation, engine.CustomerMarkers{Delivered: req.Delivered, Read: req.Read}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
