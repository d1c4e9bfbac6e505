package wechat_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/kefuhq/kefu/wechat"
)

// addPushSeeds adds every sample kind in every format and mode.
func addPushSeeds(f *testing.F, add func(query url.Values, body []byte)) {
	f.Helper()
	for _, mode := range allModes {
		for _, format := range allFormats {
			for _, m := range kindSamples {
				q, body, err := wechat.BuildPush(testEndpoint(mode, format), &m, "1714112445", "415670741")
				if err != nil {
					f.Fatal(err)
				}
				add(q, body)
			}
		}
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, ex := range recvExamples {
		f.Add([]byte(ex.xml))
		f.Add([]byte(ex.json))
	}
	f.Add([]byte(vecPlaintext))
	f.Add([]byte(`<xml><A><B>x</B><![CDATA[y]]></A><MsgType>t</MsgType></xml>`))
	f.Add([]byte(`{"MsgType":"x","MsgId":"12","O":{"a":[1,"\u2028"]},"N":null}`))
	addPushSeeds(f, func(_ url.Values, body []byte) { f.Add(body) })
	f.Fuzz(func(t *testing.T, body []byte) {
		m, _, err := wechat.DecodeMessage(body)
		if err != nil {
			if !errors.Is(err, wechat.ErrFormat) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		for _, format := range allFormats {
			b1, err := wechat.EncodeMessage(m, format)
			if err != nil {
				if format == wechat.FormatXML {
					continue // a JSON key that is no XML name
				}
				t.Fatalf("EncodeMessage(%v): %v", format, err)
			}
			m2, gotF, err := wechat.DecodeMessage(b1)
			if err != nil {
				t.Fatalf("%v: decoding what EncodeMessage wrote: %v\n%s", format, err, b1)
			}
			if gotF != format {
				t.Fatalf("encoded as %v, sniffed as %v", format, gotF)
			}
			b2, err := wechat.EncodeMessage(m2, format)
			if err != nil || !bytes.Equal(b1, b2) {
				t.Fatalf("%v: encoding is not stable:\n%s\n%s\n%v", format, b1, b2, err)
			}
			// JSON carries any valid UTF-8 unchanged.
			if format == wechat.FormatJSON && validUTF8(m) && !reflect.DeepEqual(m, m2) {
				t.Fatalf("JSON round trip changed the message:\n%+v\n%+v", m, m2)
			}
		}
	})
}

func validUTF8(m *wechat.Message) bool {
	for _, s := range []string{m.ToUserName, m.FromUserName, m.MsgType, m.Content, m.PicURL, m.MediaID, m.Title, m.AppID, m.PagePath, m.ThumbURL, m.ThumbMediaID, m.Event, m.SessionFrom} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for k, v := range m.Extra {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

func FuzzDecrypt(f *testing.F) {
	c, err := wechat.NewCipher(vecAESKey, vecAppID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(vecEncrypt))
	f.Add([]byte(vecReplyEncrypt))
	f.Add([]byte("===="))
	ct, _ := base64.StdEncoding.DecodeString(vecEncrypt)
	f.Add(ct)
	f.Fuzz(func(t *testing.T, data []byte) {
		// As an Encrypt value, and as a ciphertext to reach past base64.
		for _, enc := range []string{string(data), base64.StdEncoding.EncodeToString(data)} {
			msg, err := c.Decrypt(enc)
			if err != nil {
				if !errors.Is(err, wechat.ErrBase64) && !errors.Is(err, wechat.ErrLength) && !errors.Is(err, wechat.ErrPadding) && !errors.Is(err, wechat.ErrAppID) {
					t.Fatalf("unexpected error class: %v", err)
				}
				continue
			}
			again, err := c.Encrypt(msg)
			if err != nil {
				t.Fatal(err)
			}
			if back, err := c.Decrypt(again); err != nil || !bytes.Equal(back, msg) {
				t.Fatalf("re-encrypting the decrypted message: %q, %v", back, err)
			}
		}
	})
}

func FuzzEncryptDecrypt(f *testing.F) {
	f.Add([]byte(vecReplyPlain), []byte(vecReplyRandom))
	f.Add([]byte{}, []byte("0123456789abcdef"))
	c, err := wechat.NewCipher(vecAESKey, vecAppID)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg, random []byte) {
		enc, err := c.EncryptWithRandom(random, msg)
		if len(random) != 16 {
			if err == nil {
				t.Fatalf("EncryptWithRandom accepted a %d-byte prefix", len(random))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("Decrypt(Encrypt(%q)) = %q, %v", msg, got, err)
		}
	})
}

func FuzzParsePush(f *testing.F) {
	addPushSeeds(f, func(q url.Values, body []byte) { f.Add(q.Get("encrypt_type"), body) })
	f.Add("aes", []byte(vecPushBody))
	f.Add("raw", []byte("<xml/>"))
	f.Fuzz(func(t *testing.T, encryptType string, body []byte) {
		for _, mode := range allModes {
			e := testEndpoint(mode, wechat.FormatJSON)
			e.EncodingAESKey, e.AppID = vecAESKey, vecAppID
			// Sign whatever the body holds, so the fuzzer gets past the
			// signatures to decryption and decoding.
			ts, nonce := "1714112445", "415670741"
			q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wechat.Signature(e.Token, ts, nonce)}, "encrypt_type": {encryptType}}
			if env, _, err := wechat.DecodeEnvelope(body); err == nil {
				q.Set("msg_signature", wechat.MsgSignature(e.Token, ts, nonce, env.Encrypt))
			}
			m, _, err := wechat.ParsePush(e, q, body)
			if err == nil && (m == nil || m.MsgType == "") {
				t.Fatalf("ParsePush succeeded with %+v", m)
			}
		}
	})
}

func FuzzParseReply(f *testing.F) {
	for _, format := range allFormats {
		e := testEndpoint(wechat.ModeSafe, format)
		e.EncodingAESKey, e.AppID = vecAESKey, vecAppID
		for _, encrypt := range []bool{false, true} {
			b, err := wechat.EncodeReply(e, wechat.ReplyTransfer, &kindSamples[0], format, encrypt)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("success"))
	f.Add([]byte(""))
	f.Add([]byte(`<xml><MsgType>text</MsgType></xml>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, mode := range allModes {
			e := testEndpoint(mode, wechat.FormatJSON)
			e.EncodingAESKey, e.AppID = vecAESKey, vecAppID
			kind, err := wechat.ParseReply(e, body)
			if err == nil && kind != wechat.ReplySuccess && kind != wechat.ReplyEmpty && kind != wechat.ReplyTransfer {
				t.Fatalf("ParseReply = %v", kind)
			}
			// Re-sign an envelope, so the fuzzer reaches decryption.
			if env, format, err := wechat.DecodeEnvelope(body); err == nil {
				resigned := wechat.NewReplyEnvelope(e.Token, env.TimeStamp, env.Nonce, env.Encrypt).Encode(format)
				wechat.ParseReply(e, resigned)
			}
		}
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte(vecPushBody))
	env := wechat.NewReplyEnvelope(vecToken, vecReplyTimestamp, vecNonce, vecReplyEncrypt)
	f.Add(env.Encode(wechat.FormatJSON))
	f.Add(env.Encode(wechat.FormatXML))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, _, err := wechat.DecodeEnvelope(body)
		if err != nil {
			return
		}
		for _, format := range allFormats {
			back, _, err := wechat.DecodeEnvelope(env.Encode(format))
			if err != nil {
				t.Fatalf("%v: decoding what Encode wrote: %v\n%s", format, err, env.Encode(format))
			}
			if back.MsgSignature != "" && *back != *env && utf8.ValidString(env.Encrypt+env.MsgSignature+env.Nonce+env.ToUserName) {
				t.Fatalf("%v: round trip changed the envelope:\n%+v\n%+v", format, env, back)
			}
		}
	})
}
