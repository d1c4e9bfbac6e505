package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

type componentView struct {
	kefu.Component
	FrameURL string `json:"frame_url"`
	Context  struct {
		Version      int `json:"version"`
		Conversation struct {
			ID int64 `json:"id"`
		} `json:"conversation"`
		Customer struct {
			OpenID  string       `json:"openid"`
			Channel kefu.Channel `json:"channel"`
		} `json:"customer"`
		Agent struct {
			Name string `json:"name"`
		} `json:"agent"`
		Token string `json:"token"`
	} `json:"context"`
}

// TestComponentsOverTheDeskAPI: the components' rules hold for anyone
// calling the desk API directly, exactly as for a component in the browser.
func TestComponentsOverTheDeskAPI(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	s.Agent("bob", kefu.RoleAgent, app.ID)
	root, alice, bob := s.SignIn("root"), s.SignIn("alice"), s.SignIn("bob")
	alice.Status(kefu.StatusOnline)

	var comp kefu.Component
	if st := root.Do("POST", "/api/admin/components", map[string]any{"name": "Picker", "url": "/components/product-picker",
		"icon": "🛍", "apps": []string{app.ID}, "enabled": true}, &comp); st != http.StatusCreated {
		t.Fatalf("register: HTTP %d", st)
	}
	var e apiError
	if st := alice.Do("POST", "/api/admin/components", map[string]any{"name": "x", "url": "/x", "enabled": true}, &e); st != http.StatusForbidden {
		t.Errorf("an agent registered a component: HTTP %d", st)
	}
	if st := root.Do("POST", "/api/admin/components", map[string]any{"name": "x", "url": "https://a.example/x", "origin": "https://b.example", "enabled": true}, &e); st != http.StatusBadRequest {
		t.Errorf("an origin that is not the url's: HTTP %d", st)
	}

	web := s.Customer(app.ID, kefu.ChannelWeb, "component-web")
	mp := s.Customer(app.ID, kefu.ChannelMiniProgram, "component-mp")
	web.Connect(0)
	convs := map[*kefutest.Customer]int64{}
	for _, c := range []*kefutest.Customer{web, mp} {
		c.Say("hi")
		q := alice.Queue()
		convs[c] = q[len(q)-1].ID
		alice.Accept(convs[c])
	}

	// The workspace lists the component with a context and a token.
	var list struct {
		Components []componentView `json:"components"`
	}
	if st := alice.Do("GET", fmt.Sprintf("/api/desk/conversations/%d/components", convs[web]), nil, &list); st != http.StatusOK || len(list.Components) != 1 {
		t.Fatalf("components: HTTP %d, %d listed", st, len(list.Components))
	}
	ctx := list.Components[0].Context
	if ctx.Version != 1 || ctx.Conversation.ID != convs[web] || ctx.Customer.OpenID != web.OpenID || ctx.Agent.Name != "alice" || ctx.Token == "" {
		t.Fatalf("context: %+v", ctx)
	}
	// The component's back end verifies the token with Kefu.
	var verified struct {
		Customer struct {
			OpenID string `json:"openid"`
		} `json:"customer"`
	}
	if st := web.Do("POST", "/api/components/verify", map[string]string{"token": ctx.Token}, &verified); st != http.StatusOK || verified.Customer.OpenID != web.OpenID {
		t.Errorf("verify: HTTP %d %+v", st, verified)
	}
	if st := web.Do("POST", "/api/components/verify", map[string]string{"token": ctx.Token + "x"}, nil); st != http.StatusUnauthorized {
		t.Errorf("verify a forged token: HTTP %d", st)
	}
	s.Clock.Advance(11 * time.Minute)
	if st := web.Do("POST", "/api/components/verify", map[string]string{"token": ctx.Token}, nil); st != http.StatusUnauthorized {
		t.Errorf("verify an expired token: HTTP %d", st)
	}

	send := func(d *kefutest.Desk, conv int64, typ string, content any) (int, apiError) {
		s.Clock.Advance(kefu.ComponentRate)
		var e apiError
		st := d.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/component-messages", conv),
			map[string]any{"component_id": comp.ID, "method": "sendMsg", "type": typ, "content": content}, &e)
		return st, e
	}
	product := map[string]any{"name": "Phone", "url": "/pages/p?id=1", "imgUrl": "https://img.example/p.png",
		"params": []map[string]any{{"text": "¥1", "color": "#FF0000", "size": 12}}}
	card := map[string]any{"title": "Phone", "pagepath": "pages/p?id=1", "pic_url": "https://img.example/p.png"}
	cases := []struct {
		name    string
		conv    int64
		typ     string
		content any
		status  int
		code    string
	}{
		{"text", convs[web], "text", "hello", http.StatusCreated, ""},
		{"rich", convs[web], "rich", "<b>bold</b><script>alert(1)</script>", http.StatusCreated, ""},
		{"product on web", convs[web], "product", product, http.StatusCreated, ""},
		{"product on mini program", convs[mp], "product", product, http.StatusBadRequest, kefu.ECHANNEL},
		{"card on mini program", convs[mp], "miniprogrampage", card, http.StatusCreated, ""},
		{"card on web", convs[web], "miniprogrampage", card, http.StatusBadRequest, kefu.ECHANNEL},
		{"card without image", convs[mp], "miniprogrampage", map[string]any{"title": "t", "pagepath": "p"}, http.StatusBadRequest, kefu.EINVALID},
		{"bad colour", convs[web], "product", map[string]any{"name": "x", "params": []map[string]any{{"text": "a", "color": "expression(x)"}}}, http.StatusBadRequest, kefu.EINVALID},
	}
	for _, c := range cases {
		st, e := send(alice, c.conv, c.typ, c.content)
		if st != c.status || e.Error.Code != c.code {
			t.Errorf("%s: HTTP %d %q (%s), want %d %q", c.name, st, e.Error.Code, e.Error.Message, c.status, c.code)
		}
	}
	// One a second.
	if st, _ := send(alice, convs[web], "text", "one"); st != http.StatusCreated {
		t.Fatalf("HTTP %d", st)
	}
	var e2 apiError
	st := alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/component-messages", convs[web]),
		map[string]any{"component_id": comp.ID, "method": "sendMsg", "type": "text", "content": "two"}, &e2)
	if st != http.StatusTooManyRequests || e2.Error.Code != kefu.ERATE {
		t.Errorf("second message within a second: HTTP %d %q", st, e2.Error.Code)
	}
	// Another agent who does not serve the conversation is refused.
	if st, e := send(bob, convs[web], "text", "hijack"); st != http.StatusConflict {
		t.Errorf("bob sending into alice's conversation: HTTP %d %q", st, e.Error.Code)
	}
	// The customer received what was sent, sanitised.
	web.WaitMessage("the product card", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindProduct && m.Product.Name == "Phone" })
	rich := web.WaitMessage("the rich message", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindRich })
	if rich.Rich.HTML != "<b>bold</b>" {
		t.Errorf("rich html reached the customer as %q", rich.Rich.HTML)
	}
}

// A component token ends with the sessions of the agent it was issued to:
// signing out everywhere refuses it at once, not when it expires.
func TestComponentTokenEndsWithSignOutEverywhere(t *testing.T) {
	s, app, root, alice := adminAndAgent(t)
	root.RegisterComponent(map[string]any{"name": "Picker", "url": "/components/product-picker", "apps": []string{app.ID}, "enabled": true})
	user := s.Customer(app.ID, kefu.ChannelWeb, "token-user")
	user.Say("hi")
	conv := alice.Queue()[0].ID
	alice.Accept(conv)
	var list struct {
		Components []componentView `json:"components"`
	}
	if st := alice.Do("GET", fmt.Sprintf("/api/desk/conversations/%d/components", conv), nil, &list); st != http.StatusOK || len(list.Components) != 1 {
		t.Fatalf("components: HTTP %d, %d listed", st, len(list.Components))
	}
	token := map[string]string{"token": list.Components[0].Context.Token}
	if st := user.Do("POST", "/api/components/verify", token, nil); st != http.StatusOK {
		t.Fatalf("verify a fresh token: HTTP %d", st)
	}
	if st := alice.Do("POST", "/api/desk/logout-everywhere", nil, nil); st != http.StatusNoContent && st != http.StatusOK {
		t.Fatalf("sign out everywhere: HTTP %d", st)
	}
	var e apiError
	if st := user.Do("POST", "/api/components/verify", token, &e); st != http.StatusUnauthorized || !strings.Contains(e.Error.Message, "signed out") {
		t.Errorf("verify after signing out everywhere: HTTP %d %+v, want 401 saying the agent signed out", st, e)
	}
}

// adminAndAgent starts a server with a mini program without a push URL
// (sessions go straight to the queue), an admin "root" and an agent "alice"
// of the app, online; both signed in.
func adminAndAgent(t *testing.T) (s *kefutest.Server, app *kefu.App, root, alice *kefutest.Desk) {
	t.Helper()
	s = kefutest.NewServer(t, kefutest.Options{})
	app = s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	root, alice = s.SignIn("root"), s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	return s, app, root, alice
}
