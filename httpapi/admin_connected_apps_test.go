package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/kefutest"
)

// adminApp is an app as the admin API answers it.
type adminApp struct {
	AppID    string `json:"appid"`
	Upstream *struct {
		BaseURL string `json:"base_url"`
		Mode    string `json:"mode"`
		Format  string `json:"format"`
	} `json:"upstream"`
	Push struct {
		URL  string `json:"url"`
		Mode string `json:"mode"`
	} `json:"push"`
	HasUpstreamToken  bool   `json:"has_upstream_token"`
	HasUpstreamAESKey bool   `json:"has_upstream_aes_key"`
	ConnectURL        string `json:"connect_url"`
}

// TestAdminConnectedApp adds an app in front of a real mini program through
// the admin API, as the admin page does: the answer holds the URL to paste
// into WeChat's console and no secret; a relay passes its handshake; the
// domain's sentences come back for bad fields; an edit that leaves the
// secrets empty keeps them; and reveal shows them.
func TestAdminConnectedApp(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	s.Agent("root", kefu.RoleAdmin)
	root := s.SignIn("root")
	hook := kefutest.NewHook(t)
	const appID, secret, token = "wxconnected123456", "0123456789abcdef0123", "consoletoken"
	key := strings.Repeat("k", 43)
	relayKey := strings.Repeat("r", 43)
	body := map[string]any{"appid": appID, "original_id": "gh_connected12", "name": "Real Shop", "secret": secret,
		"connected": true, "upstream_url": "", "upstream_token": token, "upstream_aes_key": key, "upstream_mode": "safe", "upstream_format": "xml",
		"push_url": hook.URL, "token": "relaytoken", "encoding_aes_key": relayKey, "mode": "safe", "format": "json",
		"allow_private": true} // the relay hook listens on loopback
	hook.Configure(&kefu.App{ID: appID, Push: kefu.PushConfig{URL: hook.URL, Token: "relaytoken", EncodingAESKey: relayKey, Mode: kefu.PushSafe, Format: kefu.PushJSON}})

	// The domain's sentences, for what WeChat's console would refuse.
	for _, bad := range []struct {
		field, value, want string
	}{
		{"upstream_token", "a!", "upstream token must be 3 to 32 letters or digits"},
		{"upstream_aes_key", "short", "upstream EncodingAESKey must be 43 letters or digits"},
		{"upstream_url", "ftp://x", "upstream URL must be an absolute http(s) URL"},
		{"secret", "", "secret must be 16 to 64 characters"}, // a connected app's secret is never made up
	} {
		b := map[string]any{}
		for k, v := range body {
			b[k] = v
		}
		b[bad.field] = bad.value
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if st := root.Do("POST", "/api/admin/apps", b, &e); st != http.StatusBadRequest || !strings.Contains(e.Error.Message, bad.want) {
			t.Errorf("%s=%q: HTTP %d %q, want 400 %q", bad.field, bad.value, st, e.Error.Message, bad.want)
		}
	}

	var created adminApp
	if st := root.Do("POST", "/api/admin/apps", body, &created); st != http.StatusCreated {
		t.Fatalf("create connected app: HTTP %d", st)
	}
	if want := connector.URL(s.URL, appID); created.ConnectURL != want {
		t.Errorf("connect_url %q, want %q", created.ConnectURL, want)
	}
	if u := created.Upstream; u == nil || u.BaseURL != kefu.DefaultUpstreamURL || u.Mode != "safe" || u.Format != "xml" || !created.HasUpstreamToken || !created.HasUpstreamAESKey {
		t.Errorf("created %+v (upstream %+v)", created, created.Upstream)
	}
	if created.Push.URL != hook.URL {
		t.Errorf("relay %q, want %q", created.Push.URL, hook.URL)
	}
	var raw json.RawMessage
	root.Do("GET", "/api/admin/apps", nil, &raw)
	listing := string(raw)
	for _, secretValue := range []string{secret, token, key, relayKey} {
		if strings.Contains(listing, secretValue) {
			t.Fatalf("the listing shows a secret %q: %s", secretValue, listing)
		}
	}

	// An edit that sends no secrets keeps them; the mode changes.
	var edited adminApp
	if st := root.Do("PATCH", "/api/admin/apps/"+appID, map[string]any{"upstream_mode": "compatible", "upstream_url": s.URL}, &edited); st != http.StatusOK {
		t.Fatalf("edit: HTTP %d", st)
	}
	a, err := s.Store.App(context.Background(), appID)
	if err != nil || a.Upstream == nil || a.Upstream.Token != token || a.Upstream.EncodingAESKey != key || a.Upstream.Mode != kefu.PushCompatible ||
		a.Upstream.BaseURL != s.URL || a.Secret != secret {
		t.Fatalf("after the edit: %+v %+v %v", a, a.Upstream, err)
	}

	var revealed map[string]string
	if st := root.Do("POST", "/api/admin/apps/"+appID+"/reveal", struct{}{}, &revealed); st != http.StatusOK ||
		revealed["upstream_token"] != token || revealed["upstream_aes_key"] != key || revealed["secret"] != secret {
		t.Errorf("reveal: HTTP %d %v", st, revealed)
	}

	// A simulated app has no connect URL.
	plain := s.App("", kefu.PushSafe, kefu.PushJSON)
	var out struct {
		Apps []adminApp `json:"apps"`
	}
	root.Do("GET", "/api/admin/apps", nil, &out)
	for _, x := range out.Apps {
		if x.AppID == plain.ID && (x.ConnectURL != "" || x.Upstream != nil) {
			t.Errorf("a simulated app shows %+v", x)
		}
	}
}
