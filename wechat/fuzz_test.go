package wechat_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
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
	addHostileSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		m, _, err := wechat.DecodeMessage(body)
		if err != nil {
			if !errors.Is(err, wechat.ErrFormat) && !errors.Is(err, wechat.ErrTooLarge) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		checkMessageRoundTrip(t, m)
	})
}

// checkMessageRoundTrip checks that an accepted message re-encodes, in
// both formats, to a body that decodes to the same fields: exactly in JSON,
// and in XML whenever XML can carry its text.
func checkMessageRoundTrip(t *testing.T, m *wechat.Message) {
	t.Helper()
	if !validUTF8(m) {
		t.Fatalf("accepted a message with invalid UTF-8: %+v", m)
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
		if (format == wechat.FormatJSON || xmlCarries(m)) && !reflect.DeepEqual(m, m2) {
			t.Fatalf("%v round trip changed the message:\n%+v\n%+v", format, m, m2)
		}
	}
}

// xmlCarries reports whether every string of m is text XML 1.0 can hold.
func xmlCarries(m *wechat.Message) bool {
	ok := func(s string) bool {
		for _, r := range s {
			if !(r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000) {
				return false
			}
		}
		return true
	}
	for _, s := range []string{m.ToUserName, m.FromUserName, m.MsgType, m.Content, m.PicURL, m.MediaID, m.Title, m.AppID, m.PagePath, m.ThumbURL, m.ThumbMediaID, m.Event, m.SessionFrom} {
		if !ok(s) {
			return false
		}
	}
	for k, v := range m.Extra {
		if !ok(k) || !ok(v) {
			return false
		}
	}
	return true
}

// addHostileSeeds adds the body of every corpus case that is a plain body.
func addHostileSeeds(f *testing.F) {
	for _, c := range loadHostile(f) {
		if _, ok := c.keys["repeat"]; ok || strings.Contains(c.keys["body"], "@ENC@") {
			continue
		}
		f.Add([]byte(mustUnquote(f, c.file, 0, c.keys["body"])))
	}
}

// FuzzVerifyPushEncrypted seals arbitrary plaintext as WeChat would, in a
// signed safe-mode push of either format, so the fuzzer reaches the strict
// decoding of the decrypted body through the envelope path.
func FuzzVerifyPushEncrypted(f *testing.F) {
	for _, m := range kindSamples {
		for _, format := range allFormats {
			b, err := wechat.EncodeMessage(&m, format)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b, format == wechat.FormatJSON)
		}
	}
	f.Add([]byte(vecPlaintext), true)
	f.Add([]byte(`<!DOCTYPE xml><xml/>`), false)
	f.Fuzz(func(t *testing.T, inner []byte, asJSON bool) {
		format := wechat.FormatXML
		if asJSON {
			format = wechat.FormatJSON
		}
		e := testEndpoint(wechat.ModeSafe, format)
		c, err := e.Cipher()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Encrypt(inner)
		if err != nil {
			t.Fatal(err)
		}
		ts, nonce := "1714112445", "415670741"
		body := (&wechat.Envelope{ToUserName: "gh_test", Encrypt: enc}).Encode(format)
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "encrypt_type": {"aes"},
			"signature":     {wechat.Signature(e.Token, ts, nonce)},
			"msg_signature": {wechat.MsgSignature(e.Token, ts, nonce, enc)}}
		m, gotF, err := wechat.VerifyPush(e, q, body, wechat.PushOptions{MaxClockSkew: time.Minute, Now: func() time.Time { return time.Unix(1714112445, 0) }})
		direct, directF, derr := wechat.DecodeMessage(inner)
		if err != nil {
			if !errors.Is(err, wechat.ErrFormat) && !errors.Is(err, wechat.ErrTooLarge) {
				t.Fatalf("unexpected error class: %v", err)
			}
			// Only a body of the other format may decode alone.
			if derr == nil && directF == format {
				t.Fatalf("refused through the envelope (%v) what DecodeMessage accepts", err)
			}
			return
		}
		if gotF != format || derr != nil || !reflect.DeepEqual(m, direct) {
			t.Fatalf("through the envelope %+v (%v), directly %+v (%v)", m, gotF, direct, derr)
		}
		checkMessageRoundTrip(t, m)
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
			format, err := wechat.SniffFormat(body)
			if err != nil {
				format = wechat.FormatJSON
			}
			e := testEndpoint(mode, format)
			e.EncodingAESKey, e.AppID = vecAESKey, vecAppID
			// Sign whatever the body holds, so the fuzzer gets past the
			// signatures to decryption and decoding.
			ts, nonce := "1714112445", "415670741"
			q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wechat.Signature(e.Token, ts, nonce)}, "encrypt_type": {encryptType}}
			if env, _, err := wechat.DecodeEnvelope(body); err == nil {
				q.Set("msg_signature", wechat.MsgSignature(e.Token, ts, nonce, env.Encrypt))
			}
			m, _, err := wechat.ParsePush(e, q, body)
			if err == nil {
				if m == nil || m.MsgType == "" {
					t.Fatalf("ParsePush succeeded with %+v", m)
				}
				checkMessageRoundTrip(t, m)
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
	addHostileSeeds(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		env, _, err := wechat.DecodeEnvelope(body)
		if err != nil {
			if !errors.Is(err, wechat.ErrFormat) && !errors.Is(err, wechat.ErrTooLarge) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		if !utf8.ValidString(env.Encrypt + env.MsgSignature + env.Nonce + env.ToUserName) {
			t.Fatalf("accepted an envelope with invalid UTF-8: %+v", env)
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
