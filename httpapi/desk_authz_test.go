package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi"
	"github.com/kefuhq/kefu/kefutest"
)

// routeScope says what a desk or admin route touches, and so who may use it.
type routeScope int

const (
	scopePublic       routeScope = iota // sign-in and "who am I": answer anyone
	scopeSelf                           // the signed-in agent's own things (status, sign-out, canned list)
	scopeList                           // lists filtered to what the agent serves
	scopeConversation                   // one conversation: only agents serving its app and team
	scopeApp                            // an app's upload: only agents serving the app
	scopeCanned                         // one canned reply: only its owner
	scopeAdmin                          // admins only
	scopeSocket                         // the live WebSocket
	scopeToken                          // a component token check: anyone may ask, the token in the body is the credential
)

// routeScopes classifies every route. A route missing here fails the test,
// so a new route cannot be added without deciding who may call it.
var routeScopes = map[string]routeScope{
	"POST /api/desk/login":                              scopePublic,
	"GET /api/desk/me":                                  scopePublic,
	"POST /api/desk/logout":                             scopeSelf,
	"POST /api/desk/logout-everywhere":                  scopeSelf,
	"POST /api/desk/status":                             scopeSelf,
	"GET /api/desk/queue":                               scopeList,
	"GET /api/desk/conversations":                       scopeList,
	"GET /api/desk/conversations/{id}":                  scopeConversation,
	"GET /api/desk/conversations/{id}/messages":         scopeConversation,
	"POST /api/desk/conversations/{id}/messages":        scopeConversation,
	"POST /api/desk/conversations/{id}/accept":          scopeConversation,
	"POST /api/desk/conversations/{id}/close":           scopeConversation,
	"POST /api/desk/conversations/{id}/transfer":        scopeConversation,
	"POST /api/desk/conversations/{id}/read":            scopeConversation,
	"POST /api/desk/conversations/{id}/typing":          scopeConversation,
	"GET /api/desk/conversations/{id}/transfer-targets": scopeConversation,
	"POST /api/desk/media":                              scopeApp,
	"GET /api/desk/canned":                              scopeSelf,
	"POST /api/desk/canned":                             scopeSelf,
	"PATCH /api/desk/canned/{id}":                       scopeCanned,
	"DELETE /api/desk/canned/{id}":                      scopeCanned,
	"GET /api/desk/ws":                                  scopeSocket,
	"GET /api/admin/agents":                             scopeAdmin,
	"POST /api/admin/agents":                            scopeAdmin,
	"PATCH /api/admin/agents/{id}":                      scopeAdmin,
	"POST /api/admin/agents/{id}/sign-out":              scopeAdmin,
	"GET /api/admin/teams":                              scopeAdmin,
	"POST /api/admin/teams":                             scopeAdmin,
	"PATCH /api/admin/teams/{id}":                       scopeAdmin,
	"DELETE /api/admin/teams/{id}":                      scopeAdmin,
	"GET /api/admin/apps":                               scopeAdmin,
	"POST /api/admin/apps":                              scopeAdmin,
	"PATCH /api/admin/apps/{appid}":                     scopeAdmin,
	"POST /api/admin/apps/{appid}/reveal":               scopeAdmin,
	"POST /api/admin/apps/{appid}/identity-secret":      scopeAdmin,
	"GET /api/admin/apps/{appid}/routing":               scopeAdmin,
	"PUT /api/admin/apps/{appid}/routing":               scopeAdmin,
	"GET /api/admin/push-attempts":                      scopeAdmin,
	"POST /api/admin/messages/{id}/push":                scopeAdmin,
	// Tags, attributes, activity log, export (tags.go, attributes.go, activity.go, export.go).
	"GET /api/desk/tags":                             scopeSelf,
	"GET /api/desk/conversations/{id}/tags":          scopeConversation,
	"PUT /api/desk/conversations/{id}/tags/{tag}":    scopeConversation,
	"DELETE /api/desk/conversations/{id}/tags/{tag}": scopeConversation,
	"GET /api/desk/conversations/{id}/attributes":    scopeConversation,
	"PATCH /api/desk/conversations/{id}/attributes":  scopeConversation,
	"GET /api/admin/tags":                            scopeAdmin,
	"POST /api/admin/tags":                           scopeAdmin,
	"PATCH /api/admin/tags/{id}":                     scopeAdmin,
	"DELETE /api/admin/tags/{id}":                    scopeAdmin,
	"GET /api/admin/attributes":                      scopeAdmin,
	"POST /api/admin/attributes":                     scopeAdmin,
	"PATCH /api/admin/attributes/{id}":               scopeAdmin,
	"DELETE /api/admin/attributes/{id}":              scopeAdmin,
	"GET /api/admin/activity":                        scopeAdmin,
	"GET /api/admin/export":                          scopeAdmin,
	"GET /api/admin/reports":                         scopeAdmin,
	// Assistant components (components.go).
	"GET /api/admin/components":                            scopeAdmin,
	"POST /api/admin/components":                           scopeAdmin,
	"PUT /api/admin/components/{cid}":                      scopeAdmin,
	"DELETE /api/admin/components/{cid}":                   scopeAdmin,
	"GET /api/desk/conversations/{id}/components":          scopeConversation,
	"POST /api/desk/conversations/{id}/component-messages": scopeConversation,
	"POST /api/components/verify":                          scopeToken,
}

// adminStatus pins what an admin gets, calling with the empty JSON object,
// from routes where "not refused" says too little.
var adminStatus = map[string]int{
	"GET /api/admin/components": http.StatusOK,
	// {} has no name: the component is invalid.
	"POST /api/admin/components": http.StatusBadRequest,
	// The same: the body is validated before the component is looked up.
	"PUT /api/admin/components/{cid}": http.StatusBadRequest,
	// The spare component goes (the picker, whose tokens are checked, stays).
	"DELETE /api/admin/components/{cid}":          http.StatusNoContent,
	"GET /api/desk/conversations/{id}/components": http.StatusOK,
	// {} has no method: refused as invalid ("method must be sendMsg") before
	// component 0 is looked up, so 400 and not 404 — and nothing is sent.
	"POST /api/desk/conversations/{id}/component-messages": http.StatusBadRequest,
}

// TestDeskAuthorization calls every desk and admin route, and opens the
// WebSocket, as each kind of caller: anonymous, an agent of another team of
// the same app, an agent of another app, a disabled agent, and an admin.
func TestDeskAuthorization(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	appA := s.App("", kefu.PushSafe, kefu.PushJSON)
	appB := s.App("", kefu.PushSafe, kefu.PushJSON)
	vip, other := &kefu.Team{Name: "VIP", CreatedAt: s.Clock.Now()}, &kefu.Team{Name: "General", CreatedAt: s.Clock.Now()}
	spare := &kefu.Team{Name: "Spare", CreatedAt: s.Clock.Now()}
	mustStore(t, s, func(tx kefu.Tx) error {
		for _, team := range []*kefu.Team{vip, other, spare} {
			if err := tx.CreateTeam(ctx, team); err != nil {
				return err
			}
		}
		return tx.SetRoutingRules(ctx, appA.ID, []kefu.RoutingRule{{SessionFromPrefix: "vip", TeamID: vip.ID}})
	})
	member := agentIn(t, s, "member", kefu.RoleAgent, []int64{vip.ID}, appA.ID)
	agentIn(t, s, "otherteam", kefu.RoleAgent, []int64{other.ID}, appA.ID)
	agentIn(t, s, "otherapp", kefu.RoleAgent, nil, appB.ID)
	disabled := agentIn(t, s, "disabled", kefu.RoleAgent, []int64{vip.ID}, appA.ID)
	spareAgent := agentIn(t, s, "spare", kefu.RoleAgent, nil, appA.ID)
	s.Agent("root", kefu.RoleAdmin)

	// A VIP customer waiting in the VIP team's queue.
	user := s.Customer(appA.ID, kefu.ChannelWeb, "authz-user")
	user.Enter("vip-gold", nil)
	hello := user.Say("secret question")
	conv := hello.ID
	var c *kefu.Conversation
	kefutest.UntilTrue(t, "queued for VIP", func() bool {
		m, _ := s.Store.Message(ctx, hello.ID)
		c, _ = s.Store.Conversation(ctx, m.ConversationID)
		return c.State == kefu.StateQueued
	})
	conv = c.ID
	if c.TeamID != vip.ID {
		t.Fatalf("routed to team %d, want VIP %d", c.TeamID, vip.ID)
	}
	memberDesk := s.SignIn("member")
	var canned kefu.CannedReply
	if st := memberDesk.Do("POST", "/api/desk/canned", map[string]any{"shortcut": "hi", "text": "Hello!"}, &canned); st != http.StatusCreated {
		t.Fatalf("create canned reply: %d", st)
	}

	desks := map[string]*kefutest.Desk{"anonymous": anonymousDesk(s), "otherteam": s.SignIn("otherteam"),
		"otherapp": s.SignIn("otherapp"), "disabled": s.SignIn("disabled"), "admin": s.SignIn("root")}
	admin := desks["admin"]

	// Two assistant components: the picker, which the VIP agents use and
	// whose tokens are checked, and a spare one for the {cid} routes, which
	// the admin changes and deletes.
	var picker, spareComp kefu.Component
	for _, c := range []struct {
		comp *kefu.Component
		name string
	}{{&picker, "Picker"}, {&spareComp, "Spare"}} {
		if st := admin.Do("POST", "/api/admin/components", map[string]any{"name": c.name, "url": "/components/product-picker",
			"apps": []string{appA.ID}, "enabled": true}, c.comp); st != http.StatusCreated {
			t.Fatalf("register the %s component: HTTP %d", c.name, st)
		}
	}
	// The tokens the workspace hands the picker, for the member and for the
	// agent about to be disabled; both valid now.
	tokens := componentTokens{client: user.Token, root: admin.Agent.ID}
	tokens.member = pickerToken(t, memberDesk, conv, picker.ID)
	tokens.disabled = pickerToken(t, desks["disabled"], conv, picker.ID)
	for _, tok := range []string{tokens.member, tokens.disabled} {
		if st, body := rawDeskBody(t, s, anonymousDesk(s), "POST", "/api/components/verify", verifyBody(tok)); st != http.StatusOK {
			t.Fatalf("verify a fresh token: HTTP %d %s", st, body)
		}
	}

	// Disable after signing in: the cookie they hold must stop working.
	if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", disabled.ID), map[string]any{"disabled": true}, nil); st != http.StatusOK {
		t.Fatalf("disable: %d", st)
	}

	spareTag := &kefu.Tag{Name: "spare", Colour: "#336699"}
	spareAttr := &kefu.Attribute{Key: "spare", Label: "Spare", Type: kefu.AttrText}
	if err := s.Engine.CreateTag(context.Background(), spareTag); err != nil {
		t.Fatal(err)
	}
	if err := s.Engine.SaveAttribute(context.Background(), spareAttr); err != nil {
		t.Fatal(err)
	}
	routes := httpapi.DeskAndAdminRoutes(s.HTTP)
	registered := map[string]bool{}
	for _, r := range routes {
		registered[r] = true
		if _, ok := routeScopes[r]; !ok {
			t.Errorf("route %q has no authorisation case: add it to routeScopes", r)
		}
	}
	// And the other way: a case for a route that is not recorded checks nothing.
	for r := range routeScopes {
		if !registered[r] {
			t.Errorf("routeScopes has %q, which DeskAndAdminRoutes does not list", r)
		}
	}
	// Signing out everywhere ends the caller's session: do it last.
	sort.SliceStable(routes, func(i, j int) bool {
		return !strings.Contains(routes[i], "logout-everywhere") && strings.Contains(routes[j], "logout-everywhere")
	})
	// Callers that may change nothing go first; the admin, whose accepts
	// and closes change the conversation, goes last.
	for _, who := range []string{"anonymous", "disabled", "otherapp", "otherteam", "admin"} {
		for _, r := range routes {
			scope := routeScopes[r]
			method, pattern, _ := strings.Cut(r, " ")
			path := strings.NewReplacer("{appid}", appA.ID, "{tag}", fmt.Sprint(spareTag.ID)).Replace(pattern)
			switch {
			case strings.Contains(pattern, "/conversations/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(conv), 1)
			case strings.Contains(pattern, "/tags/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(spareTag.ID), 1)
			case strings.Contains(pattern, "/attributes/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(spareAttr.ID), 1)
			case strings.Contains(pattern, "/canned/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(canned.ID), 1)
			case strings.Contains(pattern, "/agents/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(spareAgent.ID), 1)
			case strings.Contains(pattern, "/teams/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(spare.ID), 1)
			case strings.Contains(pattern, "/messages/{id}"):
				path = strings.Replace(path, "{id}", fmt.Sprint(hello.ID), 1)
			case strings.Contains(pattern, "/components/{cid}"):
				path = strings.Replace(path, "{cid}", fmt.Sprint(spareComp.ID), 1)
			}
			if scope == scopeApp {
				path += "?appid=" + appA.ID
			}
			if scope == scopePublic && method == "POST" && who != "anonymous" {
				continue // signing in is the same for everyone (and rate limited)
			}
			t.Run(who+"/"+r, func(t *testing.T) {
				if scope == scopeSocket {
					checkSocket(t, s, desks[who], who, conv)
					return
				}
				d := desks[who]
				if strings.HasSuffix(path, "/logout") {
					d = withSameCookies(s, d) // the caller keeps its own session
				}
				st, body := rawDesk(t, s, d, method, path)
				if !expectation(r, scope, who)(st) {
					t.Errorf("%s as %s: HTTP %d %s", r, who, st, body)
				}
				if scope == scopeList && (who == "otherapp" || who == "otherteam") && strings.Contains(body, user.OpenID) {
					t.Errorf("%s as %s lists the VIP conversation", r, who)
				}
				if st >= 400 && !strings.Contains(body, `"error":{"code":`) {
					t.Errorf("%s as %s: error not in the JSON shape: %s", r, who, body)
				}
				if scope == scopeToken {
					checkComponentTokens(t, s, d, who, tokens, user.OpenID)
				}
			})
		}
	}
	// A component token lasts ten minutes, whoever presents it.
	s.Clock.Advance(11 * time.Minute)
	if st, body := rawDeskBody(t, s, anonymousDesk(s), "POST", "/api/components/verify", verifyBody(tokens.member)); st != http.StatusUnauthorized ||
		!strings.Contains(body, `"code":"unauthorized"`) {
		t.Errorf("verify an expired token: HTTP %d %s", st, body)
	}
	if _, err := s.Store.Agent(ctx, member.ID); err != nil {
		t.Fatal(err)
	}
}

// expectation says which statuses a caller may get from a route of a scope.
func expectation(route string, scope routeScope, who string) func(int) bool {
	is := func(codes ...int) func(int) bool {
		return func(st int) bool {
			for _, c := range codes {
				if st == c {
					return true
				}
			}
			return false
		}
	}
	allowed := func(st int) bool { return st != 401 && st != 403 && st != 404 && st < 500 }
	if scope == scopeToken {
		// The same for everyone, signed in or not: {} carries no token.
		return is(401)
	}
	switch who {
	case "anonymous", "disabled":
		if scope == scopePublic {
			return func(st int) bool { return st >= 400 && st < 500 } // never signed in
		}
		return is(401)
	}
	if scope == scopePublic {
		return func(st int) bool { return st < 500 }
	}
	switch who {
	case "admin":
		if scope == scopeCanned {
			return is(404) // personal replies are private, even to admins
		}
		if st, ok := adminStatus[route]; ok {
			return is(st)
		}
		return allowed
	}
	switch scope {
	case scopeSelf, scopeList:
		return allowed
	case scopeConversation, scopeCanned:
		return is(404)
	case scopeApp:
		if who == "otherapp" {
			return is(403)
		}
		return allowed
	case scopeAdmin:
		return is(403)
	}
	return is(-1)
}

// rawDesk calls a route with a caller's cookie and CSRF token and an empty
// JSON object as the body of changes.
func rawDesk(t *testing.T, s *kefutest.Server, d *kefutest.Desk, method, path string) (int, string) {
	t.Helper()
	return rawDeskBody(t, s, d, method, path, `{}`)
}

// rawDeskBody is rawDesk with a body of the caller's choosing (none for GET).
func rawDeskBody(t *testing.T, s *kefutest.Server, d *kefutest.Desk, method, path, reqBody string) (int, string) {
	t.Helper()
	var body io.Reader
	if method != "GET" {
		body = strings.NewReader(reqBody)
	}
	req, _ := http.NewRequest(method, s.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", d.CSRF)
	resp, err := d.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// checkSocket opens the desk WebSocket as a caller: refused without a valid
// session; otherwise it must carry no event of the VIP conversation to
// agents who do not serve it, and carry them to an admin.
func checkSocket(t *testing.T, s *kefutest.Server, d *kefutest.Desk, who string, conv int64) {
	url := strings.Replace(s.URL, "http", "ws", 1) + "/api/desk/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: d.HTTP, HTTPHeader: http.Header{"Origin": {s.URL}}})
	if who == "anonymous" || who == "disabled" {
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the socket opened for %s (%v)", who, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("socket for %s: %v", who, err)
	}
	defer ws.CloseNow()
	// A cross-origin page must not open it.
	if _, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: d.HTTP, HTTPHeader: http.Header{"Origin": {"https://evil.example"}}}); err == nil {
		t.Errorf("a cross-origin WebSocket was accepted")
	}
	// Make the VIP conversation change: a typing event reaches whoever may
	// see it. Then the caller's own account "changes" (its status set to what
	// it is), an event every caller gets: once that arrives, the typing
	// event would have come before it.
	bg := context.Background()
	for { // from the hello on, the socket gets every event the caller may see
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("%s: no hello on the socket: %v", who, err)
		}
		if strings.Contains(string(data), `"type":"hello"`) {
			break
		}
	}
	c, err := s.Store.Conversation(bg, conv)
	if err != nil {
		t.Fatal(err)
	}
	s.Engine.Typing(bg, c, kefu.SenderUser, true)
	self, err := s.Store.Agent(bg, d.Agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Engine.SetStatus(bg, self.ID, self.Status, false); err != nil {
		t.Fatal(err)
	}
	ctxRead, cancelRead := context.WithTimeout(bg, 30*time.Second)
	defer cancelRead()
	saw := false
	for {
		_, data, err := ws.Read(ctxRead)
		if err != nil {
			t.Fatalf("%s: no event of its own account on the socket: %v", who, err)
		}
		if strings.Contains(string(data), `"type":"typing"`) {
			saw = true
		}
		var ev struct {
			Type  string      `json:"type"`
			Agent *kefu.Agent `json:"agent"`
		}
		if json.Unmarshal(data, &ev) == nil && ev.Type == engine.EventAgent && ev.Agent != nil && ev.Agent.ID == self.ID {
			break // the sentinel
		}
	}
	if want := who == "admin"; saw != want {
		t.Errorf("%s saw the VIP conversation's events: %v, want %v", who, saw, want)
	}
}

// componentTokens are the tokens checked at POST /api/components/verify.
type componentTokens struct {
	member   string // the picker's token for the VIP conversation, handed to the member
	disabled string // the same, handed to the agent disabled since
	client   string // the VIP customer's own client token: another kind of token
	root     int64  // the admin's agent ID, to forge the member's token with
}

// checkComponentTokens presents tokens to POST /api/components/verify as a
// caller. The caller's session counts for nothing: only a valid token is
// answered, with its context, and without a fresh token in it.
func checkComponentTokens(t *testing.T, s *kefutest.Server, d *kefutest.Desk, who string, tokens componentTokens, openID string) {
	t.Helper()
	payload, mac, _ := strings.Cut(tokens.member, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(payload)
	var c map[string]any
	if err := json.Unmarshal(claims, &c); err != nil {
		t.Fatalf("the token's claims: %v", err)
	}
	c["a"] = tokens.root // claim to be the admin, under the member's signature
	claims, _ = json.Marshal(c)
	asRoot := base64.RawURLEncoding.EncodeToString(claims) + "." + mac
	cases := []struct {
		name, token string
		status      int
	}{
		{"the member's token", tokens.member, http.StatusOK},
		{"a bad signature", tokens.member + "x", http.StatusUnauthorized},
		{"claims changed under the signature", asRoot, http.StatusUnauthorized},
		{"a token of an agent since disabled", tokens.disabled, http.StatusUnauthorized},
		{"a customer's client token", tokens.client, http.StatusUnauthorized},
		{"garbage", "garbage", http.StatusUnauthorized},
	}
	for _, tc := range cases {
		st, body := rawDeskBody(t, s, d, "POST", "/api/components/verify", verifyBody(tc.token))
		switch {
		case st != tc.status:
			t.Errorf("verify %s as %s: HTTP %d %s, want %d", tc.name, who, st, body, tc.status)
		case st == http.StatusOK && (!strings.Contains(body, openID) || strings.Contains(body, `"token"`)):
			t.Errorf("verify %s as %s: %s", tc.name, who, body)
		case st != http.StatusOK && !strings.Contains(body, `"error":{"code":"unauthorized"`):
			t.Errorf("verify %s as %s: error not in the JSON shape: %s", tc.name, who, body)
		}
	}
}

func verifyBody(token string) string {
	b, _ := json.Marshal(map[string]string{"token": token})
	return string(b)
}

// pickerToken is the token the workspace hands a desk's agent for the
// picker component in a conversation.
func pickerToken(t *testing.T, d *kefutest.Desk, conv, picker int64) string {
	t.Helper()
	var list struct {
		Components []componentView `json:"components"`
	}
	if st := d.Do("GET", fmt.Sprintf("/api/desk/conversations/%d/components", conv), nil, &list); st != http.StatusOK {
		t.Fatalf("components for %s: HTTP %d", d.Agent.Login, st)
	}
	for _, c := range list.Components {
		if c.ID == picker && c.Context.Token != "" {
			return c.Context.Token
		}
	}
	t.Fatalf("no picker token for %s: %+v", d.Agent.Login, list.Components)
	return ""
}

// withSameCookies is a copy of a caller's client with its own cookie jar.
func withSameCookies(s *kefutest.Server, d *kefutest.Desk) *kefutest.Desk {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL)
	if d.HTTP.Jar != nil {
		jar.SetCookies(u, d.HTTP.Jar.Cookies(u))
	}
	return &kefutest.Desk{HTTP: &http.Client{Jar: jar}, CSRF: d.CSRF}
}

func anonymousDesk(s *kefutest.Server) *kefutest.Desk {
	return &kefutest.Desk{HTTP: &http.Client{}}
}

// agentIn creates an agent in teams, serving apps.
func agentIn(t *testing.T, s *kefutest.Server, login string, role kefu.Role, teams []int64, apps ...string) *kefu.Agent {
	t.Helper()
	a := s.Agent(login, role, apps...)
	if len(teams) > 0 {
		a.Teams = teams
		mustStore(t, s, func(tx kefu.Tx) error { return tx.SaveAgent(context.Background(), a) })
	}
	return a
}

func mustStore(t *testing.T, s *kefutest.Server, fn func(kefu.Tx) error) {
	t.Helper()
	if err := s.Store.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
