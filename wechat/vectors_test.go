package wechat_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

// WeChat's official vectors, from its message push page (docs/wechat.md#test-vectors).
const (
	vecToken     = "AAAAA"
	vecAESKey    = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" // 43 × A
	vecAppID     = "wxba5fad812f8e6fb9"
	vecTimestamp = "1714112445"
	vecNonce     = "415670741"
	vecEncrypt   = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
	vecPushBody  = `{"ToUserName":"gh_97417a04a28d","Encrypt":"` + vecEncrypt + `"}`
	vecPushQuery = "signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&timestamp=1714112445&nonce=415670741&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"
	vecPlaintext = `{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}`

	vecReplyPlain     = `{"demo_resp":"good luck"}`
	vecReplyRandom    = "707722b803182950"
	vecReplyEncrypt   = "ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ=="
	vecReplyTimestamp = 1713424427
	vecReplySignature = "1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1"
)

func vecEndpoint() wechat.Endpoint {
	return wechat.Endpoint{Token: vecToken, EncodingAESKey: vecAESKey, AppID: vecAppID, OriginalID: "gh_97417a04a28d", Mode: wechat.ModeSafe, Format: wechat.FormatJSON}
}

func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		name, timestamp, nonce, want string
	}{
		{"URL verification", "1714036504", "1514711492", "f464b24fc39322e44b38aa78f5edd27bd1441696"},
		{"plaintext push", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"},
		{"safe push query signature", vecTimestamp, vecNonce, "6c5c811b55cc85e0e1b54100749188c20beb3f5d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := wechat.Signature(vecToken, tt.timestamp, tt.nonce); got != tt.want {
				t.Errorf("Signature = %s, want %s", got, tt.want)
			}
			if !wechat.VerifySignature(vecToken, tt.timestamp, tt.nonce, tt.want) {
				t.Error("VerifySignature rejects the official signature")
			}
			if !wechat.VerifySignature(vecToken, tt.timestamp, tt.nonce, strings.ToUpper(tt.want)) {
				t.Error("VerifySignature rejects the official signature in upper case")
			}
			for _, bad := range []string{"", tt.want[:39], tt.want + "0", "0" + tt.want[1:], strings.Repeat("z", 40)} {
				if wechat.VerifySignature(vecToken, tt.timestamp, tt.nonce, bad) {
					t.Errorf("VerifySignature accepts %q", bad)
				}
			}
			if wechat.VerifySignature("AAAAB", tt.timestamp, tt.nonce, tt.want) {
				t.Error("VerifySignature accepts the signature with another token")
			}
		})
	}
}

func TestMsgSignatureVectors(t *testing.T) {
	if got, want := wechat.MsgSignature(vecToken, vecTimestamp, vecNonce, vecEncrypt), "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"; got != want {
		t.Errorf("push msg_signature = %s, want %s", got, want)
	}
	if got := wechat.MsgSignature(vecToken, "1713424427", vecNonce, vecReplyEncrypt); got != vecReplySignature {
		t.Errorf("reply MsgSignature = %s, want %s", got, vecReplySignature)
	}
	if !wechat.VerifyMsgSignature(vecToken, vecTimestamp, vecNonce, vecEncrypt, "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3") {
		t.Error("VerifyMsgSignature rejects the official msg_signature")
	}
	if wechat.VerifyMsgSignature(vecToken, vecTimestamp, vecNonce, vecEncrypt+"x", "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3") {
		t.Error("VerifyMsgSignature accepts a changed Encrypt")
	}
}

// TestCiphertextStructure checks the published facts about the example
// ciphertext with AES directly, independently of Cipher, then checks that
// Cipher agrees with them.
func TestCiphertextStructure(t *testing.T) {
	key, err := base64.StdEncoding.DecodeString(vecAESKey + "=")
	if err != nil || len(key) != 32 {
		t.Fatalf("AES key: %d bytes, %v", len(key), err)
	}
	ct, _ := base64.StdEncoding.DecodeString(vecEncrypt)
	if len(ct) != 224 {
		t.Fatalf("ciphertext is %d bytes, want 224", len(ct))
	}
	block, _ := aes.NewCipher(key)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad != 19 {
		t.Fatalf("pad = %d, want 19", pad)
	}
	for i, b := range pt[len(pt)-pad:] {
		if b != 19 {
			t.Fatalf("pad byte %d = %d, want 19", i, b)
		}
	}
	if got := string(pt[:16]); got != "a8eedb185eb2fecf" {
		t.Errorf("random prefix = %q, want a8eedb185eb2fecf", got)
	}
	msgLen := binary.BigEndian.Uint32(pt[16:20])
	if msgLen != 167 {
		t.Errorf("msg_len = %d, want 167", msgLen)
	}
	if got := string(pt[20+msgLen : len(pt)-pad]); got != vecAppID {
		t.Errorf("appid tail = %q, want %q", got, vecAppID)
	}

	c, err := wechat.NewCipher(vecAESKey, vecAppID)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := c.Decrypt(vecEncrypt)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg) != 167 || string(msg) != string(pt[20:20+msgLen]) {
		t.Errorf("Decrypt = %q (%d bytes), want the 167 bytes of the example", msg, len(msg))
	}
	// Sealing the same message with the same prefix gives WeChat's bytes.
	again, err := c.EncryptWithRandom([]byte("a8eedb185eb2fecf"), msg)
	if err != nil {
		t.Fatal(err)
	}
	if again != vecEncrypt {
		t.Errorf("EncryptWithRandom(a8eedb185eb2fecf) =\n%s\nwant\n%s", again, vecEncrypt)
	}
}

func TestDecryptExamplePush(t *testing.T) {
	query, err := url.ParseQuery(vecPushQuery)
	if err != nil {
		t.Fatal(err)
	}
	m, f, err := wechat.ParsePush(vecEndpoint(), query, []byte(vecPushBody))
	if err != nil {
		t.Fatal(err)
	}
	if f != wechat.FormatJSON {
		t.Errorf("format = %v, want json", f)
	}
	want := wechat.Message{
		ToUserName:   "gh_97417a04a28d",
		FromUserName: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY",
		CreateTime:   1714112445,
		MsgType:      "event",
		Event:        "debug_demo",
		Extra:        map[string]string{"debug_str": "hello world"},
	}
	assertMessage(t, m, &want)

	// The decrypted text itself parses to the same fields.
	plain, _, err := wechat.DecodeMessage([]byte(vecPlaintext))
	if err != nil {
		t.Fatal(err)
	}
	assertMessage(t, plain, &want)
}

func TestEncryptedReplyVector(t *testing.T) {
	c, err := wechat.NewCipher(vecAESKey, vecAppID)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := c.EncryptWithRandom([]byte(vecReplyRandom), []byte(vecReplyPlain))
	if err != nil {
		t.Fatal(err)
	}
	if enc != vecReplyEncrypt {
		t.Fatalf("Encrypt =\n%s\nwant\n%s", enc, vecReplyEncrypt)
	}
	env := wechat.NewReplyEnvelope(vecToken, vecReplyTimestamp, vecNonce, enc)
	if env.MsgSignature != vecReplySignature {
		t.Errorf("MsgSignature = %s, want %s", env.MsgSignature, vecReplySignature)
	}
	wantJSON := `{"Encrypt":"` + vecReplyEncrypt + `","MsgSignature":"` + vecReplySignature + `","TimeStamp":1713424427,"Nonce":"415670741"}`
	if got := string(env.Encode(wechat.FormatJSON)); got != wantJSON {
		t.Errorf("JSON envelope =\n%s\nwant\n%s", got, wantJSON)
	}
	wantXML := `<xml><Encrypt><![CDATA[` + vecReplyEncrypt + `]]></Encrypt><MsgSignature><![CDATA[` + vecReplySignature + `]]></MsgSignature><TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>`
	if got := string(env.Encode(wechat.FormatXML)); got != wantXML {
		t.Errorf("XML envelope =\n%s\nwant\n%s", got, wantXML)
	}
	for _, f := range []wechat.Format{wechat.FormatJSON, wechat.FormatXML} {
		back, gotF, err := wechat.DecodeEnvelope(env.Encode(f))
		if err != nil || gotF != f {
			t.Fatalf("DecodeEnvelope(%v): %v, %v", f, gotF, err)
		}
		plain, err := back.Open(c, vecToken)
		if err != nil || string(plain) != vecReplyPlain {
			t.Errorf("Open(%v) = %q, %v", f, plain, err)
		}
	}
}

func assertMessage(t *testing.T, got, want *wechat.Message) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("message =\n%+v\nwant\n%+v", got, want)
	}
}
