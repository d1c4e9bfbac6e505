package edge

import (
	"crypto/hmac"
	"errors"
	"net/http"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// The desk signs agents in with a password and keeps them signed in with an
// HttpOnly, SameSite=Strict cookie. Every state-changing request must carry
// the session's CSRF token in X-CSRF-Token. Disabling an agent or "sign out
// everywhere" bumps the agent's auth version, which voids every cookie
// issued before.
//
// The token stays although Go has http.CrossOriginProtection: that check
// allows any request with neither Sec-Fetch-Site nor Origin (old browsers'
// cross-site posts among them) and, behind a proxy that rewrites Host,
// refuses legitimate agents by their Origin unless configured; the token
// holds in both cases and every desk client already sends it (see
// docs/desk-api.md).

// The desk cookie, its life and the header that carries its CSRF token.
const (
	DeskCookie      = "kefu_desk"
	DeskSessionLife = 12 * time.Hour
	CSRFHeader      = "X-CSRF-Token"
)

// deskClaims is what the desk cookie says.
type deskClaims struct {
	Agent   int64  `json:"a"`
	Version int64  `json:"v"`
	Expires int64  `json:"e"`
	Nonce   string `json:"n"`
}

// SetDeskCookie signs an agent in on this browser and returns the session's
// CSRF token.
func (s *Surface) SetDeskCookie(w http.ResponseWriter, a *kefu.Agent) string {
	exp := s.Clock.Now().Add(DeskSessionLife)
	val := s.SealToken("desk", deskClaims{Agent: a.ID, Version: a.AuthVersion, Expires: exp.Unix(), Nonce: engine.NewMediaID()[:12]})
	http.SetCookie(w, &http.Cookie{Name: DeskCookie, Value: val, Path: "/", Expires: exp, HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteStrictMode})
	return s.CSRFToken(val)
}

// ClearDeskCookie signs this browser out.
func (s *Surface) ClearDeskCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: DeskCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.Config.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// CSRFToken derives the CSRF token of a session from its cookie.
func (s *Surface) CSRFToken(cookie string) string { return s.Sign("csrf", []byte(cookie)) }

// DeskAgent returns the signed-in agent of a request, checking the cookie,
// the auth version and that the agent is enabled.
func (s *Surface) DeskAgent(r *http.Request) (*kefu.Agent, string, error) {
	ck, err := r.Cookie(DeskCookie)
	if err != nil || ck.Value == "" {
		return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "sign in to continue")
	}
	var cl deskClaims
	if !s.OpenToken("desk", ck.Value, &cl) || s.Clock.Now().Unix() >= cl.Expires {
		return nil, "", kefu.Errorf(kefu.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	a, err := s.Read.Agent(r.Context(), cl.Agent)
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

// DeskHandler is a handler for a signed-in agent.
type DeskHandler func(w http.ResponseWriter, r *http.Request, a *kefu.Agent)

// WithAgent requires a signed-in agent and, for anything but GET and HEAD,
// the CSRF token.
func (s *Surface) WithAgent(h DeskHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, cookie, err := s.DeskAgent(r)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if !hmac.Equal([]byte(r.Header.Get(CSRFHeader)), []byte(s.CSRFToken(cookie))) {
				s.WriteError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "missing or wrong CSRF token: reload the page"))
				return
			}
		}
		h(w, r, a)
	}
}

// WithAdmin requires a signed-in admin.
func (s *Surface) WithAdmin(h DeskHandler) http.HandlerFunc {
	return s.WithAgent(func(w http.ResponseWriter, r *http.Request, a *kefu.Agent) {
		if a.Role != kefu.RoleAdmin {
			s.WriteError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "only admins can do this"))
			return
		}
		h(w, r.WithContext(engine.WithActor(r.Context(), a)), a) // the activity log's "who"
	})
}
