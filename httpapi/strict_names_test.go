package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/wechat"
)

// TestCaseVariantAndUnknownNamesRefused: on the client, desk and component
// APIs a name that differs from a field's only by case, or that no field
// has, is refused with a JSON error saying which; nothing is stored. On
// /cgi-bin a case variant is refused with WeChat's 47001, while a name no
// field has is ignored, as WeChat ignores it (SDKs send fields Kefu does
// not use).
func TestCaseVariantAndUnknownNamesRefused(t *testing.T) {
	t.Parallel()
	f := newJSONSurfaces(t, "strict-names-user")
	s, user, root, conv, comp, tok, before := f.s, f.user, f.root, f.conv, f.comp, f.tok, f.before
	client, desk, convPath := f.client, f.desk, f.convPath
	compMsg := `"component_id":` + itoa(comp.ID) + `,"method":"sendMsg","type":"text"`
	for _, c := range []struct {
		surface, path string
		hc            *http.Client
		header        http.Header
		body, want    string
	}{
		{"client send", "/api/client/messages", http.DefaultClient, client, `{"KIND":"text","text":{"content":"hi"}}`, `"KIND" differs from a field's name only by case`},
		{"client send", "/api/client/messages", http.DefaultClient, client, `{"kind":"text","Text":{"content":"hi"}}`, `"Text" differs from a field's name only by case`},
		{"client send", "/api/client/messages", http.DefaultClient, client, `{"kind":"text","text":{"CONTENT":"hi"}}`, `"CONTENT" in text differs from a field's name only by case`},
		{"client send", "/api/client/messages", http.DefaultClient, client, `{"kind":"text","text":{"content":"hi"},"colour":"red"}`, `"colour" is not a field here`},
		{"client read", "/api/client/read", http.DefaultClient, client, `{"Delivered":1,"read":1}`, `"Delivered" differs from a field's name only by case`},
		{"desk send", convPath + "/messages", root.HTTP, desk, `{"kind":"text","text":{"Content":"hello"}}`, `"Content" in text differs from a field's name only by case`},
		{"desk send", convPath + "/messages", root.HTTP, desk, `{"kind":"text","text":{"content":"hello"},"urgent":true}`, `"urgent" is not a field here`},
		{"admin teams", "/api/admin/teams", root.HTTP, desk, `{"Name":"Night shift"}`, `"Name" differs from a field's name only by case`},
		{"component message", convPath + "/component-messages", root.HTTP, desk, `{` + compMsg + `,"Content":"from the picker"}`, `"Content" differs from a field's name only by case`},
		{"component message", convPath + "/component-messages", root.HTTP, desk, `{` + compMsg + `,"content":"x","sneaky":1}`, `"sneaky" is not a field here`},
	} {
		st, e := rawCall(t, c.hc, "POST", s.URL+c.path, c.header, []byte(c.body))
		if st != http.StatusBadRequest || e.Error.Code != kefu.EINVALID || !strings.Contains(e.Error.Message, c.want) {
			t.Errorf("%s %s: HTTP %d %q %q; want 400 %q naming %q", c.surface, c.body, st, e.Error.Code, e.Error.Message, kefu.EINVALID, c.want)
		}
	}
	if after := messageCount(t, s, conv); after != before {
		t.Errorf("refused bodies stored %d messages", after-before)
	}

	send := url.Values{"access_token": {tok}}
	for _, body := range []string{
		`{"TOUSER":"` + user.OpenID + `","msgtype":"text","text":{"content":"x"}}`,
		`{"touser":"` + user.OpenID + `","msgtype":"text","text":{"Content":"x"}}`,
		`{"touser":"` + user.OpenID + `","MsgType":"text","text":{"content":"x"},"extra":1}`,
	} {
		a := cgi(t, s, "POST", "/cgi-bin/message/custom/send", send, []byte(body))
		if wantCode(t, "cgi-bin send "+body, a, wechat.CodeDataFormatError); !strings.Contains(a.ErrMsg, "only by case") {
			t.Errorf("cgi-bin send %s: errmsg %q, want it to name the case variant", body, a.ErrMsg)
		}
	}
	if after := messageCount(t, s, conv); after != before {
		t.Errorf("refused /cgi-bin bodies stored %d messages", after-before)
	}
	a := cgi(t, s, "POST", "/cgi-bin/message/custom/send", send,
		[]byte(`{"touser":"`+user.OpenID+`","msgtype":"text","text":{"content":"from an SDK"},"customservice":{"kf_account":"x"}}`))
	wantCode(t, "cgi-bin send with a name Kefu does not use", a, 0)
	if after := messageCount(t, s, conv); after != before+1 {
		t.Errorf("the /cgi-bin send with an unknown name stored %d messages, want 1", after-before)
	}
}
