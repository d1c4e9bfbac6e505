package node_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// A hostile card, link or product gets the same answer on every surface it
// can come through — the desk, the client API, /cgi-bin and an assistant
// component — because one domain check decides: refused with the same
// sentence, as a JSON error on the Kefu APIs and as errcode 47001 on
// /cgi-bin. Nothing is stored.
func TestHostileFieldsAreRefusedAlikeOnEverySurface(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("root", kefu.RoleAdmin)
	root := s.SignIn("root")
	alice := s.OnlineAgent("alice", app.ID)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "hostile-user")
	user.Say("hello")
	queue := alice.Queue()
	if len(queue) != 1 {
		t.Fatalf("queue has %d conversations, want 1", len(queue))
	}
	conv := queue[0].ID
	alice.Accept(conv)
	thumb := user.Upload("thumb.png", pngBytes())
	var tool kefu.Component
	if st := root.Do("POST", "/api/admin/components", map[string]any{"name": "Tool", "url": "https://tool.example/tool",
		"apps": []string{app.ID}, "enabled": true}, &tool); st != http.StatusCreated {
		t.Fatalf("register component: HTTP %d", st)
	}
	token := cgiToken(t, s, app)

	type answer struct {
		status, errcode int
		code, message   string
	}
	kefuAnswer := func(st int, body json.RawMessage) answer {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		return answer{status: st, code: e.Error.Code, message: e.Error.Message}
	}
	surfaces := map[string]func(kind string, body map[string]any) answer{
		"desk": func(kind string, body map[string]any) answer {
			var out json.RawMessage
			st := alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), map[string]any{"kind": kind, kind: body}, &out)
			return kefuAnswer(st, out)
		},
		"client": func(kind string, body map[string]any) answer {
			var out json.RawMessage
			st := user.Do("POST", "/api/client/messages", map[string]any{"kind": kind, kind: body}, &out)
			return kefuAnswer(st, out)
		},
		"component": func(kind string, body map[string]any) answer {
			// The components' protocol names a card's picture pic_url.
			if u, ok := body["thumb_url"]; ok && kind == "miniprogrampage" {
				body = clone(body)
				delete(body, "thumb_url")
				body["pic_url"] = u
			}
			s.Clock.Advance(kefu.ComponentRate)
			var out json.RawMessage
			st := alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/component-messages", conv),
				map[string]any{"component_id": tool.ID, "method": "sendMsg", "type": kind, "content": body}, &out)
			return kefuAnswer(st, out)
		},
		"cgi-bin": func(kind string, body map[string]any) answer {
			b, _ := json.Marshal(map[string]any{"touser": user.OpenID, "msgtype": kind, kind: body})
			resp, err := http.Post(s.URL+"/cgi-bin/message/custom/send?access_token="+url.QueryEscape(token), "application/json", bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e wechat.ErrorResponse
			json.NewDecoder(resp.Body).Decode(&e)
			return answer{status: resp.StatusCode, errcode: e.ErrCode, message: e.ErrMsg}
		},
	}

	card := func(kv ...string) map[string]any {
		m := map[string]any{"title": "Order 1234", "pagepath": "pages/order?id=1234", "thumb_media_id": thumb}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		kind     string
		body     map[string]any
		want     string
		surfaces []string
	}{
		{"javascript pagepath", "miniprogrampage", card("pagepath", "javascript:alert(1)"),
			"mini program card pagepath must be a mini program path", []string{"desk", "client", "component", "cgi-bin"}},
		{"absolute URL pagepath", "miniprogrampage", card("pagepath", "https://evil.example/phish"),
			"mini program card pagepath must be a mini program path", []string{"desk", "client", "component", "cgi-bin"}},
		{"protocol-relative pagepath", "miniprogrampage", card("pagepath", "//evil.example/phish"),
			"mini program card pagepath must be a mini program path", []string{"desk", "client", "component", "cgi-bin"}},
		{"markup pagepath", "miniprogrampage", card("pagepath", `pages/a"><img src=x onerror=alert(1)>`),
			"mini program card pagepath must be a mini program path", []string{"desk", "client", "component", "cgi-bin"}},
		{"javascript thumbnail", "miniprogrampage", card("thumb_media_id", "", "thumb_url", "javascript:alert(1)"),
			"mini program card thumb_url must be an http(s) URL", []string{"desk", "client", "component"}},
		{"no picture", "miniprogrampage", card("thumb_media_id", ""),
			"mini program card needs a picture", []string{"desk", "client", "component"}},
		{"another app's picture", "miniprogrampage", card("thumb_media_id", "not-an-upload-of-this-app"),
			"thumb_media_id is not a media of this app", []string{"desk", "component"}},
		{"control characters in the title", "miniprogrampage", card("title", "Order\x1b[2J"),
			"must not hold control characters", []string{"desk", "client", "component", "cgi-bin"}},
		{"javascript link", "link", map[string]any{"title": "Sale", "url": "javascript:alert(1)"},
			"link url must be an http(s) URL", []string{"desk", "cgi-bin"}},
		{"javascript link thumbnail", "link", map[string]any{"title": "Sale", "url": "https://shop.example/", "thumb_url": "javascript:alert(1)"},
			"link thumb_url must be an http(s) URL", []string{"desk", "cgi-bin"}},
		{"javascript product", "product", map[string]any{"name": "Shoes", "url": "javascript:alert(1)"},
			"product url must be an http(s) URL or a mini program path", []string{"desk", "component"}},
		{"style in a product colour", "product", map[string]any{"name": "Shoes", "params": []map[string]any{{"text": "red", "color": "red;background:url(x)"}}},
			"product param 1: color must be a hex colour", []string{"desk", "component"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first string
			for _, name := range tc.surfaces {
				a := surfaces[name](tc.kind, tc.body)
				if name == "cgi-bin" {
					if a.status != http.StatusOK || a.errcode != wechat.CodeDataFormatError || !strings.Contains(a.message, tc.want) {
						t.Errorf("%s answered HTTP %d errcode %d %q, want 47001 saying %q", name, a.status, a.errcode, a.message, tc.want)
					}
				} else if a.status != http.StatusBadRequest || a.code != kefu.EINVALID || !strings.Contains(a.message, tc.want) {
					t.Errorf("%s answered HTTP %d %q %q, want 400 invalid saying %q", name, a.status, a.code, a.message, tc.want)
				}
				// The same sentence everywhere (/cgi-bin puts WeChat's text first).
				if name == "cgi-bin" {
					continue
				}
				if first == "" {
					first = a.message
				} else if a.message != first {
					t.Errorf("%s said %q, another surface %q", name, a.message, first)
				}
			}
		})
	}
	for _, m := range user.History(0) {
		if m.Kind != kefu.KindText && m.Kind != kefu.KindNotice {
			t.Errorf("a refused message was stored: %+v", m)
		}
	}
}

// cgiToken fetches an access token the way a developer's server does.
func cgiToken(t *testing.T, s *kefutest.Server, app *kefu.App) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/cgi-bin/token?grant_type=client_credential&appid=" + app.ID + "&secret=" + url.QueryEscape(app.Secret))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out wechat.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.AccessToken == "" {
		t.Fatalf("token: %v %+v", err, out)
	}
	return out.AccessToken
}

func pngBytes() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 2, 2)))
	return b.Bytes()
}

func clone(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
