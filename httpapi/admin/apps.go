package admin

import (
	"net/http"
	"slices"
	"strings"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// adminAppView is an app as the admin pages list it: no secret values, only
// whether each is set. A connected app also carries the URL to paste into
// WeChat's console.
type adminAppView struct {
	*kefu.App
	HasSecret         bool   `json:"has_secret"`
	HasToken          bool   `json:"has_token"`
	HasAESKey         bool   `json:"has_aes_key"`
	HasUpstreamToken  bool   `json:"has_upstream_token,omitempty"`
	HasUpstreamAESKey bool   `json:"has_upstream_aes_key,omitempty"`
	ConnectURL        string `json:"connect_url,omitempty"`
	Agents            int    `json:"agents"`
}

func (s *Server) appView(a *kefu.App, agents []*kefu.Agent) adminAppView {
	v := adminAppView{App: a, HasSecret: a.Secret != "", HasToken: a.Push.Token != "", HasAESKey: a.Push.EncodingAESKey != ""}
	if up := a.Upstream; up != nil {
		v.HasUpstreamToken, v.HasUpstreamAESKey = up.Token != "", up.EncodingAESKey != ""
		v.ConnectURL = connector.URL(s.Config.PublicURL, a.ID)
	}
	for _, x := range agents {
		if !x.Disabled && (x.Role == kefu.RoleAdmin || slices.Contains(x.Apps, a.ID)) { // admins serve every app
			v.Agents++
		}
	}
	return v
}

func (s *Server) adminApps(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	apps, err := s.Read.Apps(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	agents, err := s.Read.Agents(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := make([]adminAppView, 0, len(apps))
	for _, a := range apps {
		out = append(out, s.appView(a, agents))
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"apps": out})
}

// appRequest creates or edits an app. On edit, nil fields and empty
// secrets are left as they are. Connected (true) makes the app one in front
// of a real mini program, with the Upstream* fields as on WeChat's console;
// the push fields are then its relay to the developer's own server.
type appRequest struct {
	AppID          string           `json:"appid"`
	OriginalID     *string          `json:"original_id"`
	Name           *string          `json:"name"`
	Secret         string           `json:"secret"`
	PushURL        *string          `json:"push_url"`
	Token          string           `json:"token"`
	EncodingAESKey string           `json:"encoding_aes_key"`
	Mode           *kefu.PushMode   `json:"mode"`
	Format         *kefu.PushFormat `json:"format"`
	AllowPrivate   *bool            `json:"allow_private"`
	WidgetOrigins  *[]string        `json:"widget_origins"`

	Connected      *bool            `json:"connected"`
	UpstreamURL    *string          `json:"upstream_url"`
	UpstreamToken  string           `json:"upstream_token"`
	UpstreamAESKey string           `json:"upstream_aes_key"`
	UpstreamMode   *kefu.PushMode   `json:"upstream_mode"`
	UpstreamFormat *kefu.PushFormat `json:"upstream_format"`
}

func (req *appRequest) apply(a *kefu.App) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&a.OriginalID, req.OriginalID)
	set(&a.Name, req.Name)
	set(&a.Push.URL, req.PushURL)
	if req.Secret != "" {
		a.Secret = strings.TrimSpace(req.Secret)
	}
	if req.Token != "" {
		a.Push.Token = strings.TrimSpace(req.Token)
	}
	if req.EncodingAESKey != "" {
		a.Push.EncodingAESKey = strings.TrimSpace(req.EncodingAESKey)
	}
	if req.Mode != nil {
		a.Push.Mode = *req.Mode
	}
	if req.Format != nil {
		a.Push.Format = *req.Format
	}
	if req.AllowPrivate != nil {
		a.Push.AllowPrivate = *req.AllowPrivate
	}
	if req.Connected != nil && !*req.Connected {
		a.Upstream = nil
	} else if req.Connected != nil || a.Upstream != nil {
		if a.Upstream == nil {
			a.Upstream = &kefu.Upstream{}
		}
		up := a.Upstream
		set(&up.BaseURL, req.UpstreamURL)
		if req.UpstreamToken != "" {
			up.Token = strings.TrimSpace(req.UpstreamToken)
		}
		if req.UpstreamAESKey != "" {
			up.EncodingAESKey = strings.TrimSpace(req.UpstreamAESKey)
		}
		if req.UpstreamMode != nil {
			up.Mode = *req.UpstreamMode
		}
		if req.UpstreamFormat != nil {
			up.Format = *req.UpstreamFormat
		}
	}
	if req.WidgetOrigins != nil {
		a.WidgetOrigins = []string{}
		for _, o := range *req.WidgetOrigins {
			if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
				a.WidgetOrigins = append(a.WidgetOrigins, o)
			}
		}
	}
}

// adminCreateApp adds an app. A push URL must pass WeChat's handshake; a
// failing one is refused with the reason, which the page shows.
func (s *Server) adminCreateApp(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	var req appRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	a := &kefu.App{ID: strings.TrimSpace(req.AppID), WidgetOrigins: []string{}}
	req.apply(a)
	if a.Secret == "" && !a.Connected() { // a connected app's secret is the real AppSecret: the domain asks for it
		a.Secret = engine.NewSecret(16)
	}
	if err := s.Engine.CreateApp(r.Context(), a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeApp(w, r, a.ID, http.StatusCreated)
}

func (s *Server) adminEditApp(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	var req appRequest
	if err := edge.DecodeJSON(r, s.Config.MaxBodyBytes, &req); err != nil {
		s.WriteError(w, r, err)
		return
	}
	req.apply(a)
	if err := s.Engine.SaveApp(r.Context(), a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	s.writeApp(w, r, a.ID, http.StatusOK)
}

func (s *Server) writeApp(w http.ResponseWriter, r *http.Request, id string, status int) {
	ctx := r.Context()
	a, err := s.Read.App(ctx, id)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	agents, err := s.Read.Agents(ctx)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, status, s.appView(a, agents))
}

// appSecrets is what an admin sees on an explicit reveal.
type appSecrets struct {
	Secret         string `json:"secret"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	IdentitySecret string `json:"identity_secret"`
	UpstreamToken  string `json:"upstream_token,omitempty"`
	UpstreamAESKey string `json:"upstream_aes_key,omitempty"`
}

// adminRevealApp shows an app's secrets to an admin who asked (a POST, so
// it needs the CSRF token and is never cached or prefetched).
func (s *Server) adminRevealApp(w http.ResponseWriter, r *http.Request, admin *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	s.Log.Info("admin revealed app secrets", "admin", admin.Login, "appid", a.ID)
	if err := s.Engine.RecordAlone(r.Context(), "app.reveal_secrets", "app", a.ID, nil); err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := appSecrets{Secret: a.Secret, Token: a.Push.Token, EncodingAESKey: a.Push.EncodingAESKey, IdentitySecret: a.IdentitySecret}
	if up := a.Upstream; up != nil {
		out.UpstreamToken, out.UpstreamAESKey = up.Token, up.EncodingAESKey
	}
	edge.WriteJSON(w, http.StatusOK, out)
}

// adminNewIdentitySecret replaces the secret host sites sign identities
// with; identities signed with the old one stop working.
func (s *Server) adminNewIdentitySecret(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	a, ok := s.adminApp(w, r)
	if !ok {
		return
	}
	a.IdentitySecret = engine.NewSecret(32)
	if err := s.Engine.SaveApp(r.Context(), a); err != nil {
		s.WriteError(w, r, err)
		return
	}
	edge.WriteJSON(w, http.StatusOK, map[string]string{"identity_secret": a.IdentitySecret})
}
