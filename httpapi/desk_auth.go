package httpapi

import (
	"crypto/hmac"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// The desk signs agents in with a password and keeps them signed in with an
// HttpOnly, SameSite=Strict cookie. Every state-changing request must carry
// the session's CSRF token in X-CSRF-Token. Disabling an agent or "sign out
// everywhere" bumps the agent's auth version, which voids every cookie
// issued before.

const (
	deskCookie      = "kefu_desk"
	deskSessionLife = 12 * time.Hour
	csrfHeader      = "X-CSRF-Token"
)

// deskClaims is what the desk cookie says.
type deskClaims struct {
	Agent   int64  `json:"a"`
	Version int64  `json:"v"`
	Expires int64  `json:"e"`
	Nonce   string `json:"n"`
}

func (s *Server) setDeskCookie(w http.ResponseWriter, a *kefu.Agent) string {
	exp := s.clock.Now().Add(deskSessionLife)
	val := s.sealToken("desk", deskClaims{Agent: a.ID, Version: a.AuthVersion, Expires: exp.Unix(), Nonce: engine.NewMediaID()[:12]})
	http.SetCookie(w, &http.Cookie{Name: deskCookie, Value: val, Path: "/", Expires: exp, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	return s.csrfToken(val)
}

func (s *Server) clearDeskCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: deskCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// csrfToken derives the CSRF token of a session from its cookie.
func (s *Server) csrfToken(cookie string) string { return s.sign("csrf", []byte(cookie)) }

// deskAgent returns the signed-in agent of a request, checking the cookie,
// the auth version and that the agent is enabled.
func (s *Server) deskAgent(r *http.Request) (*kefu.Agent, string, error) {
	ck, err := r.Cookie(deskCookie)
	if err != nil || ck.Value == "" {
		return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "sign in to continue")
	}
	var cl deskClaims
	if !s.openToken("desk", ck.Value, &cl) || s.clock.Now().Unix() >= cl.Expires {
		return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	a, err := s.read.Agent(r.Context(), cl.Agent)
	if err != nil {
		if errors.Is(err, kefu.ErrNotFound) {
			return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "sign in to continue")
		}
		return nil, "", err
	}
	if a.Disabled || a.AuthVersion != cl.Version {
		return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	return a, ck.Value, nil
}

// deskHandler is a handler for a signed-in agent.
type deskHandler func(w http.ResponseWriter, r *http.Request, a *kefu.Agent)

// withAgent requires a signed-in agent and, for anything but GET and HEAD,
// the CSRF token.
func (s *Server) withAgent(h deskHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, cookie, err := s.deskAgent(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !hmac.Equal([]byte(r.Header.Get(csrfHeader)), []byte(s.csrfToken(cookie))) {
				s.writeError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "missing or wrong CSRF token: reload the page"))
				return
			}
		}
		h(w, r, a)
	}
}

// withAdmin requires a signed-in admin.
func (s *Server) withAdmin(h deskHandler) http.HandlerFunc {
	return s.withAgent(func(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
		if a.Role != kefu.RoleAdmin {
			s.writeError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "only admins can do this"))
			return
		}
		h(w, r, a)
	})
}

// loginLimiter slows password guessing: 10 tries a minute per client address.
type loginLimiter struct {
	mu sync.Mutex
	by map[string]*rate.Limiter
}

func (l *loginLimiter) allow(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil || len(l.by) > 10000 {
		l.by = map[string]*rate.Limiter{}
	}
	lim := l.by[host]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(6*time.Second), 10)
		l.by[host] = lim
	}
	return lim.Allow()
}

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type meResponse struct {
	Agent *kefu.Agent `json:"agent"`
	CSRF  string      `json:"csrf_token"`
}

func (s *Server) deskLogin(w http.ResponseWriter, r *http.Request) {
	if !s.logins.allow(r) {
		s.writeError(w, r, kefu.Errorf(kefu.ERATE, "too many sign-in attempts; wait a minute"))
		return
	}
	var req loginRequest
	if err := decodeJSON(r, s.cfg.MaxBodyBytes, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.read.AgentByLogin(r.Context(), req.Login)
	if err != nil && !errors.Is(err, kefu.ErrNotFound) {
		s.writeError(w, r, err)
		return
	}
	hash := dummyHash
	if a != nil {
		hash = a.PasswordHash
	}
	// Check a hash even for unknown logins, so timing does not tell which exist.
	ok := CheckPassword(hash, req.Password) && a != nil
	if !ok || a.Disabled {
		s.writeError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "wrong login or password"))
		return
	}
	csrf := s.setDeskCookie(w, a)
	writeJSON(w, http.StatusOK, meResponse{Agent: a, CSRF: csrf})
}

var dummyHash = HashPassword("kefu: not a password")

func (s *Server) deskMe(w http.ResponseWriter, r *http.Request) {
	a, cookie, err := s.deskAgent(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, meResponse{Agent: a, CSRF: s.csrfToken(cookie)})
}

func (s *Server) deskLogout(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	s.clearDeskCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

// deskLogoutEverywhere voids every session of the agent, on every device,
// and sets them offline (their sessions return to the queue).
func (s *Server) deskLogoutEverywhere(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
	ctx := r.Context()
	if err := s.eng.SignOutEverywhere(ctx, a.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.clearDeskCookie(w)
	w.WriteHeader(http.StatusNoContent)
}
