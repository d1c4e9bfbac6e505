package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi"
	"github.com/kefuhq/kefu/kefutest"
)

// openAPIValidator parses the served description and checks it against
// the OpenAPI 3.1 schema.
func openAPIValidator(t *testing.T) (libopenapi.Document, validator.Validator) {
	t.Helper()
	doc, err := libopenapi.NewDocument(httpapi.OpenAPIDescription())
	if err != nil {
		t.Fatalf("parse the OpenAPI description: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("build a validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("the description is not valid OpenAPI: %s", e.Error())
		}
		t.FailNow()
	}
	return doc, v
}

// TestOpenAPIDescribesEveryRoute: every client, desk and admin route is in
// the description, and every described operation is a route.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	doc, _ := openAPIValidator(t)
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build the model: %v", err)
	}
	described := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			described[strings.ToUpper(method)+" "+path] = true
		}
	}

	s := kefutest.NewServer(t, kefutest.Options{})
	registered := map[string]bool{}
	for _, r := range httpapi.AllRoutes(s.HTTP) {
		method, path, ok := strings.Cut(r, " ")
		if !ok || !strings.HasPrefix(path, "/api/") {
			continue // pages, /cgi-bin (docs/cgi-bin.md), health and metrics
		}
		registered[method+" "+path] = true
		if !described[method+" "+path] {
			t.Errorf("route %q is not in httpapi/openapi.yaml", r)
		}
	}
	for op := range described {
		if !registered[op] {
			t.Errorf("httpapi/openapi.yaml describes %q, which the server does not route", op)
		}
	}
	if len(registered) < 50 {
		t.Fatalf("only %d API routes recorded: the route table was not read", len(registered))
	}
}

// TestOpenAPIServed: GET /api/openapi.yaml is the description in the
// repository.
func TestOpenAPIServed(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	resp, err := http.Get(s.URL + "/api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	want, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, want) {
		t.Fatalf("GET /api/openapi.yaml: HTTP %d, %d bytes; want 200 and the %d bytes of openapi.yaml", resp.StatusCode, len(got), len(want))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
}

// specClient calls the APIs and checks every request it makes and every
// answer it gets against the description.
type specClient struct {
	t     *testing.T
	s     *kefutest.Server
	v     validator.Validator
	http  *http.Client
	token string // a customer's bearer token
	csrf  string // a desk session's CSRF token
}

func (c *specClient) do(method, path string, body any, out any) int {
	c.t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	newRequest := func() *http.Request {
		req, _ := http.NewRequest(method, c.s.URL+path, bytes.NewReader(raw))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if c.csrf != "" {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
		return req
	}
	req := newRequest()
	if c.http.Jar != nil {
		// The validator checks the cookie scheme by name; the jar adds it
		// on the real request.
		for _, ck := range c.http.Jar.Cookies(req.URL) {
			req.AddCookie(ck)
		}
	}
	if ok, errs := c.v.ValidateHttpRequest(req); !ok {
		for _, e := range errs {
			c.t.Errorf("%s %s: the request does not match the description: %s", method, path, e.Error())
		}
	}
	resp, err := c.http.Do(newRequest())
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if ok, errs := c.v.ValidateHttpResponse(newRequest(), resp); !ok {
		for _, e := range errs {
			c.t.Errorf("%s %s: HTTP %d %s does not match the description: %s", method, path, resp.StatusCode, data, e.Error())
		}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// TestOpenAPIMatchesWhatTheServerSays: a conversation from a customer's
// first message to an agent's close, through the client, desk and admin
// APIs, with each request and answer checked against the description.
func TestOpenAPIMatchesWhatTheServerSays(t *testing.T) {
	_, v := openAPIValidator(t)
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	jar, _ := cookiejar.New(nil)
	desk := &specClient{t: t, s: s, v: v, http: &http.Client{Jar: jar}}
	customer := &specClient{t: t, s: s, v: v, http: &http.Client{}}
	expect := func(what string, got int, want ...int) {
		t.Helper()
		if !slices.Contains(want, got) {
			t.Fatalf("%s: HTTP %d, want %v", what, got, want)
		}
	}

	var me struct {
		CSRF string `json:"csrf_token"`
	}
	expect("sign in", desk.do("POST", "/api/desk/login", map[string]string{"login": "root", "password": kefutest.AgentPassword}, &me), 200)
	desk.csrf = me.CSRF
	expect("me", desk.do("GET", "/api/desk/me", nil, nil), 200)
	expect("go online", desk.do("POST", "/api/desk/status", map[string]any{"status": "online"}, nil), 200)
	expect("public app", customer.do("GET", "/api/client/apps/"+app.ID, nil, nil), 200)
	expect("no such app", customer.do("GET", "/api/client/apps/wx0000000000000000", nil, nil), 404)

	var session struct {
		Token string `json:"token"`
	}
	expect("identify", customer.do("POST", "/api/client/sessions", map[string]any{"appid": app.ID, "channel": "web",
		"visitor_id": "openapi-visitor-0001", "name": "Lin"}, &session), 200)
	customer.token = session.Token
	expect("enter", customer.do("POST", "/api/client/enter", map[string]any{"session_from": "openapi",
		"card": map[string]string{"title": "Order 42", "path": "pages/order?id=42", "img": "https://shop.example/42.png"}}, nil), 200)
	var sent struct {
		ID  int64 `json:"id"`
		Seq int64 `json:"seq"`
	}
	expect("send", customer.do("POST", "/api/client/messages", map[string]any{"client_msg_id": "openapi-1", "kind": "text",
		"text": map[string]string{"content": "hello"}}, &sent), 201)
	expect("send again", customer.do("POST", "/api/client/messages", map[string]any{"client_msg_id": "openapi-1", "kind": "text",
		"text": map[string]string{"content": "hello"}}, nil), 200)
	expect("an empty text", customer.do("POST", "/api/client/messages", map[string]any{"client_msg_id": "openapi-2", "kind": "text",
		"text": map[string]string{"content": ""}}, nil), 400)
	expect("history", customer.do("GET", "/api/client/messages?after=0", nil, nil), 200)
	expect("read", customer.do("POST", "/api/client/read", map[string]any{"delivered": sent.Seq, "read": sent.Seq}, nil), 204)
	expect("typing", customer.do("POST", "/api/client/typing", map[string]any{"on": true}, nil), 204)

	var queue struct {
		Conversations []struct {
			ID int64 `json:"id"`
		} `json:"conversations"`
	}
	kefutest.UntilTrue(t, "the customer waits in the queue", func() bool {
		st := customer.do("GET", "/api/client/state", nil, nil)
		desk.do("GET", "/api/desk/queue", nil, &queue)
		return st == 200 && len(queue.Conversations) == 1
	})
	conv := fmt.Sprintf("/api/desk/conversations/%d", queue.Conversations[0].ID)
	expect("accept", desk.do("POST", conv+"/accept", nil, nil), 200)
	expect("the conversation", desk.do("GET", conv, nil, nil), 200)
	expect("its messages", desk.do("GET", conv+"/messages?after=0", nil, nil), 200)
	expect("answer", desk.do("POST", conv+"/messages", map[string]any{"client_msg_id": "desk-1", "kind": "text",
		"text": map[string]string{"content": "Hello, how can I help?"}}, nil), 201)
	expect("a note", desk.do("POST", conv+"/messages", map[string]any{"client_msg_id": "desk-2", "kind": "text", "internal": true,
		"text": map[string]string{"content": "VIP"}}, nil), 201)
	expect("read", desk.do("POST", conv+"/read", map[string]any{"seq": sent.Seq}, nil), 204)
	expect("transfer targets", desk.do("GET", conv+"/transfer-targets", nil, nil), 200)
	expect("mine", desk.do("GET", "/api/desk/conversations", nil, nil), 200)
	expect("search", desk.do("GET", "/api/desk/conversations?q=hello&state=active", nil, nil), 200)
	expect("close", desk.do("POST", conv+"/close", nil, nil), 200)
	expect("a conversation that does not exist", desk.do("GET", "/api/desk/conversations/999999", nil, nil), 404)

	expect("canned", desk.do("POST", "/api/desk/canned", map[string]any{"shortcut": "hi", "text": "Hello!"}, nil), 201)
	expect("canned list", desk.do("GET", "/api/desk/canned", nil, nil), 200)
	expect("agents", desk.do("GET", "/api/admin/agents", nil, nil), 200)
	expect("add an agent", desk.do("POST", "/api/admin/agents", map[string]any{"login": "lin", "name": "Lin", "password": "a long enough password",
		"role": "agent", "max_sessions": 5, "apps": []string{app.ID}}, nil), 201)
	expect("add a team", desk.do("POST", "/api/admin/teams", map[string]any{"name": "VIP"}, nil), 201)
	expect("teams", desk.do("GET", "/api/admin/teams", nil, nil), 200)
	expect("apps", desk.do("GET", "/api/admin/apps", nil, nil), 200)
	expect("routing", desk.do("GET", "/api/admin/apps/"+app.ID+"/routing", nil, nil), 200)
	expect("push log", desk.do("GET", "/api/admin/push-attempts?limit=10", nil, nil), 200)
	expect("components", desk.do("GET", "/api/admin/components", nil, nil), 200)
}
