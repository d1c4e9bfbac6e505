package wechat_test

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

const (
	testAESKey    = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testOldAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
	testAppID     = "wx0123456789abcdef"
)

func testEndpoint(mode wechat.Mode, f wechat.Format) wechat.Endpoint {
	return wechat.Endpoint{Token: "tok", EncodingAESKey: testAESKey, AppID: testAppID, OriginalID: "gh_test", Mode: mode, Format: f}
}

// kindSamples are one message of every inbound kind, plus one WeChat may
// add later.
var kindSamples = []wechat.Message{
	{ToUserName: "gh_test", FromUserName: "openid-1", CreateTime: 1714112445, MsgType: wechat.MsgTypeText, Content: "你好 <b>&</b> ]]> \r\n", MsgID: 1234567890123456},
	{ToUserName: "gh_test", FromUserName: "openid-1", CreateTime: 1714112446, MsgType: wechat.MsgTypeImage, PicURL: "https://mmbiz.example/pic?a=1&b=2", MediaID: "media-1", MsgID: 1234567890123457},
	{ToUserName: "gh_test", FromUserName: "openid-1", CreateTime: 1714112447, MsgType: wechat.MsgTypeMiniProgramPage, MsgID: 1234567890123458, Title: "标题", AppID: "wxapp", PagePath: "pages/index?id=1", ThumbURL: "https://cdn.example/t.jpg", ThumbMediaID: "thumb-1"},
	{ToUserName: "gh_test", FromUserName: "openid-1", CreateTime: 1714112448, MsgType: wechat.MsgTypeEvent, Event: wechat.EventUserEnterTempSession, SessionFrom: `{"from":"cart"}`},
	{ToUserName: "gh_test", FromUserName: "openid-1", CreateTime: 1714112449, MsgType: "video", MediaID: "media-2", MsgID: 7, Extra: map[string]string{"Duration": "12", "debug_str": "hello world"}},
}

var (
	allFormats = []wechat.Format{wechat.FormatXML, wechat.FormatJSON}
	allModes   = []wechat.Mode{wechat.ModePlaintext, wechat.ModeCompatible, wechat.ModeSafe}
)

func TestPushRoundTrip(t *testing.T) {
	for _, mode := range allModes {
		for _, f := range allFormats {
			for _, m := range kindSamples {
				t.Run(mode.String()+"/"+f.String()+"/"+m.MsgType, func(t *testing.T) {
					e := testEndpoint(mode, f)
					query, body, err := wechat.BuildPush(e, &m, "1714112445", "415670741")
					if err != nil {
						t.Fatal(err)
					}
					checkPushShape(t, e, query, body)
					got, gotF, err := wechat.ParsePush(e, query, body)
					if err != nil {
						t.Fatal(err)
					}
					if gotF != f {
						t.Errorf("format = %v, want %v", gotF, f)
					}
					assertMessage(t, got, &m)

					// Compatible pushes also read in the clear.
					if mode == wechat.ModeCompatible {
						plainQuery := url.Values{"signature": query["signature"], "timestamp": query["timestamp"], "nonce": query["nonce"]}
						got, _, err := wechat.ParsePush(e, plainQuery, body)
						if err != nil {
							t.Fatal(err)
						}
						assertMessage(t, got, &m)
					}
				})
			}
		}
	}
}

// checkPushShape checks what WeChat puts in a push's query and body.
func checkPushShape(t *testing.T, e wechat.Endpoint, query url.Values, body []byte) {
	t.Helper()
	ts, nonce := query.Get("timestamp"), query.Get("nonce")
	if !wechat.VerifySignature(e.Token, ts, nonce, query.Get("signature")) {
		t.Error("query signature is wrong")
	}
	if query.Get("openid") != "openid-1" {
		t.Errorf("openid = %q", query.Get("openid"))
	}
	if f, _ := wechat.SniffFormat(body); f != e.Format {
		t.Errorf("body is %v, want %v", f, e.Format)
	}
	if e.Mode == wechat.ModePlaintext {
		if query.Has("encrypt_type") || query.Has("msg_signature") || strings.Contains(string(body), "Encrypt") {
			t.Errorf("plaintext push has encryption: %v %s", query, body)
		}
		return
	}
	if query.Get("encrypt_type") != "aes" {
		t.Errorf("encrypt_type = %q, want aes", query.Get("encrypt_type"))
	}
	env, _, err := wechat.DecodeEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	if !wechat.VerifyMsgSignature(e.Token, ts, nonce, env.Encrypt, query.Get("msg_signature")) {
		t.Error("msg_signature is wrong")
	}
	if env.ToUserName != "gh_test" {
		t.Errorf("envelope ToUserName = %q", env.ToUserName)
	}
	hasPlainFields := strings.Contains(string(body), "MsgType")
	if hasPlainFields != (e.Mode == wechat.ModeCompatible) {
		t.Errorf("%v mode body has plaintext fields: %v\n%s", e.Mode, hasPlainFields, body)
	}
}

func TestBuildPushFillsOriginalID(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatXML)
	m := kindSamples[0]
	m.ToUserName = ""
	query, body, err := wechat.BuildPush(e, &m, "1", "2")
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := wechat.ParsePush(e, query, body)
	if err != nil {
		t.Fatal(err)
	}
	if got.ToUserName != "gh_test" || m.ToUserName != "" {
		t.Errorf("ToUserName = %q (input left %q), want gh_test filled in a copy", got.ToUserName, m.ToUserName)
	}
}

func TestBuildPushErrors(t *testing.T) {
	m := &kindSamples[0]
	tests := []struct {
		name string
		e    wechat.Endpoint
		m    *wechat.Message
	}{
		{"no token", wechat.Endpoint{}, m},
		{"nil message", testEndpoint(wechat.ModePlaintext, wechat.FormatXML), nil},
		{"no MsgType", testEndpoint(wechat.ModePlaintext, wechat.FormatXML), &wechat.Message{}},
		{"safe without key", wechat.Endpoint{Token: "t", AppID: "wx", Mode: wechat.ModeSafe}, m},
		{"bad key", wechat.Endpoint{Token: "t", AppID: "wx", EncodingAESKey: "short", Mode: wechat.ModeCompatible}, m},
		{"no appid", wechat.Endpoint{Token: "t", EncodingAESKey: testAESKey, Mode: wechat.ModeSafe}, m},
		{"unknown mode", wechat.Endpoint{Token: "t", Mode: 7}, m},
	}
	for _, tt := range tests {
		if _, _, err := wechat.BuildPush(tt.e, tt.m, "1", "2"); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestTampering changes one part of a valid safe-mode push at a time and
// expects the error for exactly that part.
func TestTampering(t *testing.T) {
	for _, f := range allFormats {
		e := testEndpoint(wechat.ModeSafe, f)
		c, err := e.Cipher()
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := wechat.EncodeMessage(&kindSamples[0], f)
		random := []byte("0123456789abcdef") // fixed, so wrong-key results are stable
		enc, err := c.EncryptWithRandom(random, plain)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := base64.StdEncoding.DecodeString(enc)
		// flip returns the Encrypt with one ciphertext byte changed. In CBC,
		// changing byte i of a block flips byte i of the next plaintext block.
		flip := func(i int) string {
			b := append([]byte(nil), ct...)
			b[i] ^= 0x01
			return base64.StdEncoding.EncodeToString(b)
		}
		appIDAt := 16 + 4 + len(plain) // first appid byte in the plaintext
		otherApp, _ := wechat.NewCipher(testAESKey, "wxsomeoneelse")
		otherAppEnc, _ := otherApp.EncryptWithRandom(random, plain)
		otherKey, _ := wechat.NewCipher(testOldAESKey, testAppID)
		otherKeyEnc, _ := otherKey.EncryptWithRandom(random, plain)

		tests := []struct {
			name    string
			encrypt string
			resign  bool // sign the changed Encrypt, so the signature passes
			want    error
		}{
			{"Encrypt changed, not re-signed", flip(0), false, wechat.ErrSignature},
			{"not base64", enc[:10] + "!" + enc[11:], true, wechat.ErrBase64},
			{"base64 cut by one character", enc[:len(enc)-1], true, wechat.ErrBase64},
			{"ciphertext cut by half an AES block", base64.StdEncoding.EncodeToString(ct[:len(ct)-8]), true, wechat.ErrLength},
			{"ciphertext cut by one AES block", base64.StdEncoding.EncodeToString(ct[:len(ct)-16]), true, wechat.ErrPadding},
			{"ciphertext empty", "", true, wechat.ErrLength},
			{"msg_len changed", flip(0), true, wechat.ErrLength},
			{"last pad byte changed", flip(len(ct) - 17), true, wechat.ErrPadding},
			{"wrong key", otherKeyEnc, true, wechat.ErrPadding},
			{"appid byte changed", flip(appIDAt - 16), true, wechat.ErrAppID},
			{"other appid", otherAppEnc, true, wechat.ErrAppID},
		}
		for _, tt := range tests {
			t.Run(f.String()+"/"+tt.name, func(t *testing.T) {
				ts, nonce := "1714112445", "415670741"
				sig := wechat.MsgSignature(e.Token, ts, nonce, enc)
				if tt.resign {
					sig = wechat.MsgSignature(e.Token, ts, nonce, tt.encrypt)
				}
				query := url.Values{"timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {"aes"}, "msg_signature": {sig}}
				body := (&wechat.Envelope{ToUserName: "gh_test", Encrypt: tt.encrypt}).Encode(f)
				_, _, err := wechat.ParsePush(e, query, body)
				assertOnly(t, err, tt.want)
			})
		}
	}
}

// assertOnly checks that err is want and none of the other sentinel errors.
func assertOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, other := range []error{wechat.ErrSignature, wechat.ErrBase64, wechat.ErrLength, wechat.ErrPadding, wechat.ErrAppID, wechat.ErrAESKey, wechat.ErrFormat, wechat.ErrMode, wechat.ErrReply} {
		if other != want && errors.Is(err, other) {
			t.Errorf("err = %v is also %v", err, other)
		}
	}
}

func TestParsePushRejects(t *testing.T) {
	safe := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	plainEP := testEndpoint(wechat.ModePlaintext, wechat.FormatJSON)
	sq, sbody, _ := wechat.BuildPush(safe, &kindSamples[0], "1", "2")
	pq, pbody, _ := wechat.BuildPush(plainEP, &kindSamples[0], "1", "2")
	without := func(q url.Values, key string) url.Values {
		c := url.Values{}
		for k, v := range q {
			if k != key {
				c[k] = v
			}
		}
		return c
	}
	with := func(q url.Values, key, value string) url.Values {
		c := without(q, key)
		c.Set(key, value)
		return c
	}
	tests := []struct {
		name  string
		e     wechat.Endpoint
		query url.Values
		body  []byte
		want  error
	}{
		{"safe push without msg_signature", safe, without(sq, "msg_signature"), sbody, wechat.ErrSignature},
		// The pitfall: a valid signature must not stand in for msg_signature.
		{"safe push with only signature", safe, with(sq, "msg_signature", sq.Get("signature")), sbody, wechat.ErrSignature},
		{"safe push timestamp changed", safe, with(sq, "timestamp", "3"), sbody, wechat.ErrSignature},
		{"safe endpoint, plaintext push", safe, pq, pbody, wechat.ErrMode},
		{"unknown encrypt_type", plainEP, with(pq, "encrypt_type", "des"), pbody, wechat.ErrMode},
		{"plaintext push bad signature", plainEP, with(pq, "signature", strings.Repeat("0", 40)), pbody, wechat.ErrSignature},
		{"plaintext push no signature", plainEP, without(pq, "signature"), pbody, wechat.ErrSignature},
		{"plaintext push nonce changed", plainEP, with(pq, "nonce", "9"), pbody, wechat.ErrSignature},
		{"envelope without Encrypt", safe, sq, []byte(`{"ToUserName":"gh"}`), wechat.ErrFormat},
		{"garbage body", plainEP, pq, []byte("hello"), wechat.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := wechat.ParsePush(tt.e, tt.query, tt.body)
			assertOnly(t, err, tt.want)
		})
	}
	if _, _, err := wechat.ParsePush(wechat.Endpoint{}, pq, pbody); err == nil {
		t.Error("endpoint without Token: no error")
	}
	noKey := plainEP
	noKey.EncodingAESKey = ""
	if _, _, err := wechat.ParsePush(noKey, sq, sbody); err == nil || !strings.Contains(err.Error(), "EncodingAESKey") {
		t.Errorf("encrypted push to an endpoint without key: err = %v", err)
	}
}

func TestPreviousAESKey(t *testing.T) {
	old := testEndpoint(wechat.ModeSafe, wechat.FormatXML)
	old.EncodingAESKey = testOldAESKey
	query, body, err := wechat.BuildPush(old, &kindSamples[1], "1", "2")
	if err != nil {
		t.Fatal(err)
	}
	rotated := testEndpoint(wechat.ModeSafe, wechat.FormatXML)
	if _, _, err := wechat.ParsePush(rotated, query, body); !errors.Is(err, wechat.ErrPadding) {
		t.Errorf("without the previous key: err = %v, want ErrPadding", err)
	}
	rotated.PreviousAESKey = testOldAESKey
	got, _, err := wechat.ParsePush(rotated, query, body)
	if err != nil {
		t.Fatal(err)
	}
	assertMessage(t, got, &kindSamples[1])

	// New pushes use the new key only.
	query, body, _ = wechat.BuildPush(rotated, &kindSamples[1], "1", "2")
	if _, _, err := wechat.ParsePush(old, query, body); !errors.Is(err, wechat.ErrPadding) {
		t.Errorf("old key reading a new push: err = %v, want ErrPadding", err)
	}
}

func TestNewCipherErrors(t *testing.T) {
	tests := []struct{ name, key, appID, prev string }{
		{"short key", "abc", "wx", ""},
		{"44 characters", testAESKey + "A", "wx", ""},
		{"not base64", strings.Repeat("*", 43), "wx", ""},
		{"bad previous key", testAESKey, "wx", "nope"},
	}
	for _, tt := range tests {
		if _, err := wechat.NewCipher(tt.key, tt.appID, tt.prev); !errors.Is(err, wechat.ErrAESKey) {
			t.Errorf("%s: err = %v, want ErrAESKey", tt.name, err)
		}
	}
	if _, err := wechat.NewCipher(testAESKey, ""); err == nil {
		t.Error("no appid: no error")
	}
	c, err := wechat.NewCipher(testAESKey, "wx", "")
	if err != nil {
		t.Fatalf("empty previous key: %v", err)
	}
	if _, err := c.EncryptWithRandom([]byte("short"), nil); err == nil {
		t.Error("EncryptWithRandom with a 5-byte prefix: no error")
	}
	if c.AppID() != "wx" {
		t.Errorf("AppID() = %q", c.AppID())
	}
}

// TestPadding checks the 32-byte PKCS#7 padding at every message length
// around block boundaries, including a full block of padding.
func TestPadding(t *testing.T) {
	c, _ := wechat.NewCipher(testAESKey, "wx") // 16+4+len(msg)+2 bytes before padding
	for n := 0; n <= 70; n++ {
		msg := []byte(strings.Repeat("m", n))
		enc, err := c.Encrypt(msg)
		if err != nil {
			t.Fatal(err)
		}
		ct, _ := base64.StdEncoding.DecodeString(enc)
		if len(ct)%32 != 0 || len(ct) < 22+n || len(ct) > 22+n+32 {
			t.Errorf("len(msg) = %d: ciphertext of %d bytes", n, len(ct))
		}
		got, err := c.Decrypt(enc)
		if err != nil || string(got) != string(msg) {
			t.Errorf("len(msg) = %d: Decrypt = %q, %v", n, got, err)
		}
	}
}
