package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestClientApps: what the chat page and the demo pages may know about an
// app — its name and the origins allowed to embed its chat — and which app
// is the demo.
func TestClientApps(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{Demo: true})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	get := func(path string, out any) int {
		resp, err := http.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(out)
		return resp.StatusCode
	}
	var pub struct {
		AppID         string   `json:"appid"`
		Name          string   `json:"name"`
		WidgetOrigins []string `json:"widget_origins"`
		Secret        string   `json:"secret"`
	}
	if st := get("/api/client/apps/"+app.ID, &pub); st != http.StatusOK || pub.AppID != app.ID || pub.Name != "Test Shop" || pub.WidgetOrigins == nil {
		t.Fatalf("GET app: HTTP %d %+v", st, pub)
	}
	if st := get("/api/client/apps/wxnosuchapp0000000", &pub); st != http.StatusNotFound {
		t.Errorf("unknown app: HTTP %d", st)
	}
	var demo struct {
		AppID string `json:"appid"`
	}
	if st := get("/api/client/demo-app", &demo); st != http.StatusOK || demo.AppID != s.Demo.AppID {
		t.Errorf("demo app: HTTP %d %q, want %q", st, demo.AppID, s.Demo.AppID)
	}
	plain := kefutest.NewServer(t, kefutest.Options{})
	resp, err := http.Get(plain.URL + "/api/client/demo-app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("demo app without a demo: HTTP %d", resp.StatusCode)
	}
}
