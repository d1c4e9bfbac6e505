package deskapi

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// loginLimiter slows password guessing: 10 tries a minute per client
// address (an IPv6 address by its /64, so spraying the addresses of one
// network gains nothing). It holds at most maxLoginAddrs addresses and
// never forgets one still being limited to make room (edge.RateLimiter):
// spraying addresses does not unlock anyone.
type loginLimiter struct {
	once sync.Once
	lim  *edge.RateLimiter
}

const maxLoginAddrs = 10_000

func (l *loginLimiter) allow(r *http.Request, now time.Time) bool {
	l.once.Do(func() { l.lim = edge.NewRateLimiter(rate.Every(6*time.Second), 10, maxLoginAddrs) })
	return l.lim.Allow(edge.PeerKey(r.RemoteAddr), now)
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type meResponse struct {
	Agent *kefu.Agent        `json:"agent"`
	CSRF  string             `json:"csrf_token"`
	Away  *engine.AwayNotice `json:"away,omitempty"` // presence set the agent offline while they were gone
}

func (s *Server) deskLogin(w http.ResponseWriter, r *http.Request) {
	// A body that is not a sign-in at all is refused before it counts as
	// an attempt: only what reaches the password check is rationed.
	var req loginRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	if !s.logins.allow(r, time.Now()) {
		s.Metrics.Limited.WithLabelValues("sign_in").Inc()
		s.WriteError(w, r, kefu.Errorf(kefu.ERATE, "too many sign-in attempts; wait a minute"))
		return
	}
	a, err := s.Read.AgentByLogin(r.Context(), req.Login)
	if err != nil && !errors.Is(err, kefu.ErrNotFound) {
		s.WriteError(w, r, err)
		return
	}
	hash := dummyHash
	if a != nil {
		hash = a.PasswordHash
	}
	// Check a hash even for unknown logins, so timing does not tell which exist.
	ok := edge.CheckPassword(hash, req.Password) && a != nil
	if !ok || a.Disabled {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "wrong login or password"))
		return
	}
	csrf := s.SetDeskCookie(w, a)
	edge.WriteJSON(w, http.StatusOK, meResponse{Agent: a, CSRF: csrf, Away: s.Engine.AwayNoticeOf(r.Context(), a)})
}

var dummyHash = edge.HashPassword("kefu: not a password")

func (s *Server) deskMe(w http.ResponseWriter, r *http.Request) {
	a, cookie, err := s.DeskAgent(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, meResponse{Agent: a, CSRF: s.CSRFToken(cookie), Away: s.Engine.AwayNoticeOf(r.Context(), a)})
}

func (s *Server) deskLogout(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	s.ClearDeskCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

// deskLogoutEverywhere voids every session of the agent, on every device,
// and sets them offline (their sessions return to the queue).
func (s *Server) deskLogoutEverywhere(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	ctx := r.Context()
	if err := s.Engine.SignOutEverywhere(ctx, a.ID); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.ClearDeskCookie(w)
	w.WriteHeader(http.StatusNoContent)
}
