package wechat_test

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu/wechat"
)

// hostileCase is one input of testdata/hostile. The files hold cases
// introduced by "== name" and followed by "key: value" lines:
//
//	via:      message (DecodeMessage), envelope (DecodeEnvelope), push
//	          (VerifyPush), decrypt (Cipher.Decrypt of body) or reply
//	          (ParseReply); message by default
//	endpoint: mode and format of the endpoint for push and reply, e.g.
//	          "safe json"; "plaintext xml" by default
//	body:     the input, a Go string literal; "@ENC@" in it is replaced by
//	          the Encrypt value made from inner or raw, "@@" by repeat
//	inner:    a Go string literal, encrypted as WeChat does (with appid,
//	          pad16 and cut changing how)
//	raw:      hex of plaintext blocks, encrypted without any padding
//	appid:    the appid to seal inner with instead of the endpoint's
//	pad16:    yes: pad inner to a multiple of 16 instead of 32
//	cut:      bytes to cut off the end of the ciphertext
//	repeat:   a Go string literal and a count, e.g. "a" 2000000
//	query:    query parameters set after signing (url-encoded)
//	sign:     bad: wrong signature and msg_signature; none: no signatures
//	skew:     VerifyPush's MaxClockSkew in seconds, the clock at the
//	          default timestamp 1714112445
//	timestamp: the push's timestamp (signed)
//	want:     the error (ErrDoctype, …) or accepted
//	field:    an accepted message's field and its value, e.g.
//	          MsgType "text"; CreateTime and MsgId in decimal
type hostileCase struct {
	file, name string
	keys       map[string]string
	fields     [][2]string
}

func loadHostile(t testing.TB) []hostileCase {
	t.Helper()
	files, err := filepath.Glob("testdata/hostile/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no hostile corpus: %v", err)
	}
	var cases []hostileCase
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		line := 0
		for sc.Scan() {
			line++
			s := sc.Text()
			switch {
			case strings.TrimSpace(s) == "" || strings.HasPrefix(s, "#"):
			case strings.HasPrefix(s, "== "):
				cases = append(cases, hostileCase{file: filepath.Base(file), name: strings.TrimPrefix(s, "== "), keys: map[string]string{}})
			default:
				k, v, ok := strings.Cut(s, ": ")
				if !ok || len(cases) == 0 {
					t.Fatalf("%s:%d: want \"== name\" or \"key: value\", got %q", file, line, s)
				}
				c := &cases[len(cases)-1]
				if k == "field" {
					name, val, _ := strings.Cut(v, " ")
					c.fields = append(c.fields, [2]string{name, mustUnquote(t, file, line, val)})
				} else {
					c.keys[k] = v
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return cases
}

func mustUnquote(t testing.TB, file string, line int, s string) string {
	t.Helper()
	v, err := strconv.Unquote(s)
	if err != nil {
		t.Fatalf("%s:%d: %s is not a Go string literal: %v", file, line, s, err)
	}
	return v
}

var hostileErrors = map[string]error{
	"ErrSignature": wechat.ErrSignature, "ErrBase64": wechat.ErrBase64, "ErrLength": wechat.ErrLength,
	"ErrPadding": wechat.ErrPadding, "ErrAppID": wechat.ErrAppID, "ErrFormat": wechat.ErrFormat,
	"ErrMode": wechat.ErrMode, "ErrReply": wechat.ErrReply, "ErrTooLarge": wechat.ErrTooLarge,
	"ErrTimestamp": wechat.ErrTimestamp, "ErrDoctype": wechat.ErrDoctype, "ErrProcInst": wechat.ErrProcInst,
	"ErrRootElement": wechat.ErrRootElement, "ErrDuplicateField": wechat.ErrDuplicateField,
	"ErrNamespace": wechat.ErrNamespace, "ErrFieldName": wechat.ErrFieldName,
	"ErrMissingField": wechat.ErrMissingField, "ErrFieldType": wechat.ErrFieldType, "ErrNumber": wechat.ErrNumber,
	"ErrInvalidUTF8": wechat.ErrInvalidUTF8, "ErrBOM": wechat.ErrBOM, "ErrWrongFormat": wechat.ErrWrongFormat,
}

// seal encrypts inner as WeChat does, or with another appid, 16-byte
// padding or a cut, which only a hand-made ciphertext can have.
func seal(t *testing.T, key string, inner []byte, appID string, pad16 bool, cut int) string {
	t.Helper()
	pt := make([]byte, 0, len(inner)+64)
	pt = append(pt, "0123456789abcdef"...)
	pt = binary.BigEndian.AppendUint32(pt, uint32(len(inner)))
	pt = append(pt, inner...)
	pt = append(pt, appID...)
	block := 32
	if pad16 {
		block = 16
	}
	pad := block - len(pt)%block
	pt = append(pt, bytes.Repeat([]byte{byte(pad)}, pad)...)
	return encryptBlocks(t, key, pt, cut)
}

func encryptBlocks(t *testing.T, key string, pt []byte, cut int) string {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil {
		t.Fatal(err)
	}
	b, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	if len(pt)%16 != 0 {
		t.Fatalf("raw plaintext of %d bytes is not whole AES blocks", len(pt))
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, k[:16]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct[:len(ct)-cut])
}

func (c hostileCase) endpoint(t *testing.T) wechat.Endpoint {
	t.Helper()
	spec := c.keys["endpoint"]
	if spec == "" {
		spec = "plaintext xml"
	}
	ms, fs, _ := strings.Cut(spec, " ")
	mode, err := wechat.ParseMode(ms)
	if err != nil {
		t.Fatal(err)
	}
	format, err := wechat.ParseFormat(fs)
	if err != nil {
		t.Fatal(err)
	}
	return testEndpoint(mode, format)
}

func (c hostileCase) body(t *testing.T, e wechat.Endpoint) []byte {
	t.Helper()
	body := mustUnquote(t, c.file, 0, c.keys["body"])
	cut, _ := strconv.Atoi(c.keys["cut"])
	if in, ok := c.keys["inner"]; ok {
		appID := e.AppID
		if a, ok := c.keys["appid"]; ok {
			appID = a
		}
		enc := seal(t, e.EncodingAESKey, []byte(mustUnquote(t, c.file, 0, in)), appID, c.keys["pad16"] == "yes", cut)
		body = strings.ReplaceAll(body, "@ENC@", enc)
	}
	if raw, ok := c.keys["raw"]; ok {
		pt, err := hex.DecodeString(raw)
		if err != nil {
			t.Fatal(err)
		}
		body = strings.ReplaceAll(body, "@ENC@", encryptBlocks(t, e.EncodingAESKey, pt, cut))
	}
	if rep, ok := c.keys["repeat"]; ok {
		i := strings.LastIndexByte(rep, ' ')
		n, err := strconv.Atoi(rep[i+1:])
		if err != nil {
			t.Fatal(err)
		}
		body = strings.Replace(body, "@@", strings.Repeat(mustUnquote(t, c.file, 0, rep[:i]), n), 1)
	}
	return []byte(body)
}

func (c hostileCase) run(t *testing.T) (*wechat.Message, error) {
	e := c.endpoint(t)
	body := c.body(t, e)
	switch via := c.keys["via"]; via {
	case "", "message":
		m, _, err := wechat.DecodeMessage(body)
		return m, err
	case "envelope":
		env, _, err := wechat.DecodeEnvelope(body)
		if err != nil {
			return nil, err
		}
		return &wechat.Message{ToUserName: env.ToUserName, Extra: map[string]string{"Encrypt": env.Encrypt}}, nil
	case "decrypt":
		ci, err := e.Cipher()
		if err != nil {
			t.Fatal(err)
		}
		msg, err := ci.Decrypt(string(body))
		if err != nil {
			return nil, err
		}
		return &wechat.Message{Content: string(msg)}, nil
	case "reply":
		kind, err := wechat.ParseReply(e, body)
		if err != nil {
			return nil, err
		}
		return &wechat.Message{MsgType: kind.String()}, nil
	case "push":
		ts := "1714112445"
		if v, ok := c.keys["timestamp"]; ok {
			ts = v
		}
		nonce := "415670741"
		q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {wechat.Signature(e.Token, ts, nonce)}}
		if e.Mode != wechat.ModePlaintext {
			q.Set("encrypt_type", "aes")
			if env, _, err := wechat.DecodeEnvelope(body); err == nil {
				q.Set("msg_signature", wechat.MsgSignature(e.Token, ts, nonce, env.Encrypt))
			}
		}
		switch c.keys["sign"] {
		case "bad":
			q.Set("signature", strings.Repeat("0", 40))
			q.Set("msg_signature", strings.Repeat("0", 40))
		case "none":
			q.Del("signature")
			q.Del("msg_signature")
		}
		extra, err := url.ParseQuery(c.keys["query"])
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range extra {
			q[k] = v
		}
		var opts wechat.PushOptions
		if s, ok := c.keys["skew"]; ok {
			n, _ := strconv.Atoi(s)
			opts.MaxClockSkew = time.Duration(n) * time.Second
			opts.Now = func() time.Time { return time.Unix(1714112445, 0) }
		}
		m, _, err := wechat.VerifyPush(e, q, body, opts)
		return m, err
	default:
		t.Fatalf("unknown via %q", via)
		return nil, nil
	}
}

// wireValue returns the field of m WeChat calls name, as the corpus writes
// it.
func wireValue(m *wechat.Message, name string) (string, bool) {
	switch name {
	case "ToUserName":
		return m.ToUserName, true
	case "FromUserName":
		return m.FromUserName, true
	case "CreateTime":
		return strconv.FormatInt(m.CreateTime, 10), true
	case "MsgType":
		return m.MsgType, true
	case "MsgId":
		return strconv.FormatInt(m.MsgID, 10), true
	case "Content":
		return m.Content, true
	case "PicUrl":
		return m.PicURL, true
	case "MediaId":
		return m.MediaID, true
	case "Title":
		return m.Title, true
	case "AppId":
		return m.AppID, true
	case "PagePath":
		return m.PagePath, true
	case "ThumbUrl":
		return m.ThumbURL, true
	case "ThumbMediaId":
		return m.ThumbMediaID, true
	case "Event":
		return m.Event, true
	case "SessionFrom":
		return m.SessionFrom, true
	}
	v, ok := m.Extra[name]
	return v, ok
}

// TestHostileCorpus runs every input of testdata/hostile and checks it is
// refused with the error it names, and by no other of the package's
// refinements of ErrFormat, or accepted with the fields it lists.
func TestHostileCorpus(t *testing.T) {
	cases := loadHostile(t)
	if len(cases) < 150 {
		t.Errorf("the corpus has %d cases, want at least 150", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.file+"/"+c.name] {
			t.Errorf("%s: case %q appears twice", c.file, c.name)
		}
		names[c.file+"/"+c.name] = true
		t.Run(c.file+"/"+c.name, func(t *testing.T) {
			want := c.keys["want"]
			m, err := c.run(t)
			if want == "accepted" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(c.fields) == 0 {
					t.Fatal("an accepted case must list the fields it expects")
				}
				for _, f := range c.fields {
					if got, ok := wireValue(m, f[0]); !ok || got != f[1] {
						t.Errorf("%s = %q (present %v), want %q", f[0], got, ok, f[1])
					}
				}
				return
			}
			wantErr, ok := hostileErrors[want]
			if !ok {
				t.Fatalf("unknown want %q", want)
			}
			if err == nil {
				t.Fatalf("accepted as %+v, want %s", m, want)
			}
			if !errors.Is(err, wantErr) {
				t.Fatalf("err = %v, want %s", err, want)
			}
			for name, other := range hostileErrors {
				if other != wantErr && other != wechat.ErrFormat && errors.Is(err, other) {
					t.Errorf("err = %v is also %s", err, name)
				}
			}
			if fe := new(wechat.FieldError); errors.As(err, &fe) {
				if f, ok := c.keys["missing"]; ok && fe.Field != f {
					t.Errorf("FieldError.Field = %q, want %q", fe.Field, f)
				}
			}
		})
	}
}
