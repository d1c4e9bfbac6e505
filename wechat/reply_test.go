package wechat_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

func TestReplyRoundTrip(t *testing.T) {
	push := &kindSamples[0]
	for _, mode := range allModes {
		for _, f := range allFormats {
			e := testEndpoint(mode, f)
			for _, encrypt := range []bool{false, true} {
				if mode == wechat.ModePlaintext && encrypt || mode == wechat.ModeSafe && !encrypt {
					continue // WeChat never sends these combinations
				}
				for _, kind := range []wechat.ReplyKind{wechat.ReplySuccess, wechat.ReplyEmpty, wechat.ReplyTransfer} {
					name := mode.String() + "/" + f.String() + "/" + kind.String()
					if encrypt {
						name += "/encrypted"
					}
					t.Run(name, func(t *testing.T) {
						body, err := wechat.EncodeReply(e, kind, push, f, encrypt)
						if err != nil {
							t.Fatal(err)
						}
						checkReplyShape(t, e, kind, f, encrypt, body)
						got, err := wechat.ParseReply(e, body)
						if err != nil {
							t.Fatal(err)
						}
						if got != kind {
							t.Errorf("ParseReply = %v, want %v", got, kind)
						}
					})
				}
			}
		}
	}
}

func checkReplyShape(t *testing.T, e wechat.Endpoint, kind wechat.ReplyKind, f wechat.Format, encrypt bool, body []byte) {
	t.Helper()
	switch kind {
	case wechat.ReplySuccess:
		if string(body) != "success" {
			t.Errorf("body = %q, want success", body)
		}
		return
	case wechat.ReplyEmpty:
		if len(body) != 0 {
			t.Errorf("body = %q, want empty", body)
		}
		return
	}
	if got, _ := wechat.SniffFormat(body); got != f {
		t.Errorf("reply is %v, want the push's format %v:\n%s", got, f, body)
	}
	plain := body
	if encrypt {
		env, _, err := wechat.DecodeEnvelope(body)
		if err != nil {
			t.Fatal(err)
		}
		if env.MsgSignature == "" || env.Nonce == "" || env.TimeStamp == 0 {
			t.Errorf("envelope lacks reply fields: %+v", env)
		}
		if f == wechat.FormatJSON && !strings.Contains(string(body), `"TimeStamp":`+strconv.FormatInt(env.TimeStamp, 10)+`,"Nonce":"`) {
			t.Errorf("JSON envelope must have TimeStamp as a number and Nonce as a string: %s", body)
		}
		c, _ := e.Cipher()
		if plain, err = env.Open(c, e.Token); err != nil {
			t.Fatal(err)
		}
		if got, _ := wechat.SniffFormat(plain); got != f {
			t.Errorf("encrypted reply is %v, want %v", got, f)
		}
	}
	m, _, err := wechat.DecodeMessage(plain)
	if err != nil {
		t.Fatal(err)
	}
	if m.MsgType != wechat.MsgTypeTransfer || m.ToUserName != "openid-1" || m.FromUserName != "gh_test" || m.CreateTime == 0 {
		t.Errorf("transfer reply = %+v", m)
	}
}

func TestParseReplyAccepts(t *testing.T) {
	e := testEndpoint(wechat.ModeCompatible, wechat.FormatXML)
	tests := []struct {
		name, body string
		want       wechat.ReplyKind
	}{
		{"success", "success", wechat.ReplySuccess},
		{"success with newline", "success\n", wechat.ReplySuccess},
		{"empty", "", wechat.ReplyEmpty},
		{"white space", " \r\n", wechat.ReplyEmpty},
		{"TRANS XML, with the doc's own odd tag", `<xml>
<ToUser ><![CDATA[touser]]></ToUser >
<FromUserName><![CDATA[fromuser]]></FromUserName>
<CreateTime>1399197672</CreateTime>
<MsgType ><![CDATA[transfer_customer_service]]></MsgType >
</xml>`, wechat.ReplyTransfer},
		{"cloud function JSON", `{"MsgType":"transfer_customer_service","ToUserName":"touser","FromUserName":"fromuser","CreateTime":1714112445}`, wechat.ReplyTransfer},
	}
	for _, tt := range tests {
		got, err := wechat.ParseReply(e, []byte(tt.body))
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseReply = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	// An envelope may also carry success.
	c, _ := e.Cipher()
	env, err := wechat.SealReply(c, e.Token, []byte("success"), 1714112445, "1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := wechat.ParseReply(e, env.Encode(wechat.FormatJSON)); err != nil || got != wechat.ReplySuccess {
		t.Errorf("encrypted success: %v, %v", got, err)
	}
}

func TestParseReplyRejects(t *testing.T) {
	safe := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	compat := testEndpoint(wechat.ModeCompatible, wechat.FormatJSON)
	c, _ := safe.Cipher()
	seal := func(plain string) string {
		env, err := wechat.SealReply(c, safe.Token, []byte(plain), 1714112445, "415670741")
		if err != nil {
			t.Fatal(err)
		}
		return string(env.Encode(wechat.FormatJSON))
	}
	transfer := `{"ToUserName":"o","FromUserName":"gh","CreateTime":1,"MsgType":"transfer_customer_service"}`
	good := seal(transfer)
	tests := []struct {
		name string
		e    wechat.Endpoint
		body string
		want error
		text string
	}{
		{"SUCCESS", compat, "SUCCESS", wechat.ErrReply, `"SUCCESS"`},
		{"an HTML error page", compat, "<html><body>oops</body></html>", wechat.ErrReply, "the root element must be <xml>"},
		{"a passive text reply", compat, `<xml><MsgType>text</MsgType><Content>hi</Content></xml>`, wechat.ErrReply, "no passive replies"},
		{"broken JSON", compat, `{"MsgType":`, wechat.ErrReply, "JSON"},
		{"an empty XML message", compat, `<xml/>`, wechat.ErrReply, "missing field: MsgType"},
		{"plaintext transfer in safe mode", safe, transfer, wechat.ErrMode, "safe mode"},
		{"envelope signed with another token", safe, resign(t, good, "other"), wechat.ErrSignature, "MsgSignature"},
		{"envelope without MsgSignature", safe, `{"Encrypt":"` + envField(t, good) + `"}`, wechat.ErrSignature, "no MsgSignature"},
		{"envelope TimeStamp changed", safe, strings.Replace(good, `"TimeStamp":1714112445`, `"TimeStamp":1714112446`, 1), wechat.ErrSignature, ""},
		{"envelope TimeStamp not a number", safe, strings.Replace(good, `"TimeStamp":1714112445`, `"TimeStamp":"soon"`, 1), wechat.ErrReply, "TimeStamp"},
		{"encrypted passive reply", safe, seal(`{"MsgType":"text"}`), wechat.ErrReply, "no passive replies"},
		{"encrypted garbage", safe, seal(`hello`), wechat.ErrReply, "decrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wechat.ParseReply(tt.e, []byte(tt.body))
			assertOnly(t, err, tt.want)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("err = %q, want it to mention %q", err, tt.text)
			}
		})
	}
	noKey := compat
	noKey.EncodingAESKey = ""
	if _, err := wechat.ParseReply(noKey, []byte(good)); err == nil || !strings.Contains(err.Error(), "EncodingAESKey") {
		t.Errorf("encrypted reply, endpoint without key: err = %v", err)
	}
	if got, err := wechat.ParseReply(safe, []byte(good)); err != nil || got != wechat.ReplyTransfer {
		t.Errorf("the untampered envelope: %v, %v", got, err)
	}
}

// resign returns the reply envelope body re-signed with another token.
func resign(t *testing.T, body, token string) string {
	t.Helper()
	env, f, err := wechat.DecodeEnvelope([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return string(wechat.NewReplyEnvelope(token, env.TimeStamp, env.Nonce, env.Encrypt).Encode(f))
}

func envField(t *testing.T, body string) string {
	t.Helper()
	env, _, err := wechat.DecodeEnvelope([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return env.Encrypt
}

func TestEncodeReplyErrors(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	if _, err := wechat.EncodeReply(e, wechat.ReplyTransfer, nil, wechat.FormatJSON, false); err == nil {
		t.Error("transfer without the push: no error")
	}
	if _, err := wechat.EncodeReply(e, wechat.ReplyKind(9), &kindSamples[0], wechat.FormatJSON, false); err == nil {
		t.Error("unknown kind: no error")
	}
	noKey := e
	noKey.EncodingAESKey = ""
	if _, err := wechat.EncodeReply(noKey, wechat.ReplyTransfer, &kindSamples[0], wechat.FormatJSON, true); err == nil {
		t.Error("encrypted transfer without key: no error")
	}
	// Success and empty are never encrypted, even in safe mode.
	if b, err := wechat.EncodeReply(noKey, wechat.ReplySuccess, nil, wechat.FormatJSON, true); err != nil || string(b) != "success" {
		t.Errorf("success = %q, %v", b, err)
	}
	if got := wechat.ReplyKind(9).String(); got != "ReplyKind(9)" {
		t.Errorf("String() = %q", got)
	}
}

func TestDecodeEnvelope(t *testing.T) {
	env, f, err := wechat.DecodeEnvelope([]byte(`<xml><Encrypt><![CDATA[abc]]></Encrypt><MsgSignature>s</MsgSignature><TimeStamp>12</TimeStamp><Nonce>34</Nonce></xml>`))
	if err != nil || f != wechat.FormatXML {
		t.Fatal(f, err)
	}
	if *env != (wechat.Envelope{Encrypt: "abc", MsgSignature: "s", TimeStamp: 12, Nonce: "34"}) {
		t.Errorf("envelope = %+v", env)
	}
	// Liberal: TimeStamp as a string, Nonce as a number.
	env, _, err = wechat.DecodeEnvelope([]byte(`{"Encrypt":"abc","TimeStamp":"12","Nonce":34}`))
	if err != nil || env.TimeStamp != 12 || env.Nonce != "34" {
		t.Errorf("envelope = %+v, %v", env, err)
	}
	for _, bad := range []string{``, `{}`, `{"Encrypt":5}`, `<xml><ToUserName>x</ToUserName></xml>`} {
		if _, _, err := wechat.DecodeEnvelope([]byte(bad)); !errors.Is(err, wechat.ErrFormat) {
			t.Errorf("DecodeEnvelope(%q): err = %v, want ErrFormat", bad, err)
		}
	}
}
