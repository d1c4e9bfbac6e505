package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestClientPushes: the simulator's view of what the developer received
// needs both the customer's token (which conversation) and the desk
// session of an agent serving the app; it shows each try decoded and, in
// safe mode, decrypted — and never the app's secrets.
func TestClientPushes(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushXML)
	other := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("ann", kefu.RoleAgent, app.ID)
	s.Agent("oscar", kefu.RoleAgent, other.ID)
	s.Agent("root", kefu.RoleAdmin)

	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "pushes-user")
	user.Enter("from-test", nil)
	user.Say("where is my order?")
	hook.WaitPushes(2)
	neighbour := s.Customer(app.ID, kefu.ChannelMiniProgram, "pushes-neighbour")
	neighbour.Say("not yours")
	hook.WaitPushes(3)

	get := func(d *kefutest.Desk, c *kefutest.Customer) (int, string) {
		req, _ := http.NewRequest("GET", s.URL+"/api/client/pushes", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		hc := http.DefaultClient
		if d != nil {
			hc = d.HTTP
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get(nil, user); st != http.StatusUnauthorized {
		t.Errorf("without a desk session: HTTP %d, want 401", st)
	}
	if st, _ := get(s.SignIn("oscar"), user); st != http.StatusForbidden {
		t.Errorf("an agent of another app: HTTP %d, want 403", st)
	}
	if st, _ := get(s.SignIn("root"), user); st != http.StatusOK {
		t.Errorf("an admin: HTTP %d, want 200", st)
	}
	st, body := get(s.SignIn("ann"), user)
	if st != http.StatusOK {
		t.Fatalf("an agent of the app: HTTP %d %s", st, body)
	}
	var out struct {
		Pushes []struct {
			MessageID int64               `json:"message_id"`
			Try       int                 `json:"try"`
			Query     map[string][]string `json:"query"`
			Body      string              `json:"body"`
			Plain     string              `json:"plain"`
			Message   map[string]any      `json:"message"`
			Status    int                 `json:"status_code"`
			Response  string              `json:"response"`
			Result    kefu.PushStatus     `json:"result"`
		} `json:"pushes"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Pushes) != 2 {
		t.Fatalf("%d pushes, want the customer's own 2: %s", len(out.Pushes), body)
	}
	enter, text := out.Pushes[0], out.Pushes[1]
	if enter.Message["MsgType"] != "event" || enter.Message["Event"] != "user_enter_tempsession" || enter.Message["SessionFrom"] != "from-test" {
		t.Errorf("enter push decoded as %v", enter.Message)
	}
	if text.Message["Content"] != "where is my order?" || !strings.Contains(text.Plain, "<Content><![CDATA[where is my order?]]></Content>") {
		t.Errorf("text push: message %v, plain %q", text.Message, text.Plain)
	}
	if !strings.Contains(text.Body, "<Encrypt>") || text.Query["encrypt_type"][0] != "aes" || text.Query["msg_signature"][0] == "" {
		t.Errorf("the raw push is not shown as sent: %q %v", text.Body, text.Query)
	}
	if text.Status != 200 || text.Result != kefu.PushDelivered || text.Try != 1 || text.Response != "success" {
		t.Errorf("text push answer: %d %s try %d %q", text.Status, text.Result, text.Try, text.Response)
	}
	for _, secret := range []string{app.Secret, app.Push.Token, app.Push.EncodingAESKey} {
		if strings.Contains(body, secret) {
			t.Fatalf("an app secret is in the answer")
		}
	}
}
