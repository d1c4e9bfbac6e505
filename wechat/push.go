package wechat

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Endpoint is one mini program's message push configuration, shared by both
// ends: the platform pushing to the developer's URL and the developer's
// handler receiving there.
type Endpoint struct {
	Token          string // signs every request and encrypted reply; required
	EncodingAESKey string // 43 characters; required in compatible and safe mode
	PreviousAESKey string // the key before the last change, accepted when decrypting
	AppID          string // written into and checked in every ciphertext
	OriginalID     string // gh_…: ToUserName of pushes, FromUserName of transfer replies, when a message lacks it
	Mode           Mode
	Format         Format
}

// Cipher returns the endpoint's cipher, with PreviousAESKey as a fallback.
func (e Endpoint) Cipher() (*Cipher, error) {
	c, err := e.cipher()
	if err != nil {
		return nil, fmt.Errorf("wechat: endpoint cipher: %w", err)
	}
	return c, nil
}

func (e Endpoint) cipher() (*Cipher, error) {
	if e.EncodingAESKey == "" {
		return nil, errors.New("the endpoint has no EncodingAESKey, needed for encrypted bodies")
	}
	return newCipher(e.EncodingAESKey, e.AppID, e.PreviousAESKey)
}

// BuildPush returns the query and body of the POST that delivers m to the
// developer, exactly as WeChat sends it: query signature, timestamp, nonce
// and openid (m.FromUserName); in compatible and safe mode also
// encrypt_type=aes and msg_signature over the Encrypt value. The body is
// the message in e.Format (plaintext mode), the message plus Encrypt
// (compatible mode), or {ToUserName, Encrypt} (safe mode). Send it with
// Content-Type e.Format.ContentType().
func BuildPush(e Endpoint, m *Message, timestamp, nonce string) (url.Values, []byte, error) {
	if e.Token == "" {
		return nil, nil, errors.New("wechat: build push: the endpoint has no Token")
	}
	if m == nil {
		return nil, nil, errors.New("wechat: build push: nil message")
	}
	msg := *m
	if msg.ToUserName == "" {
		msg.ToUserName = e.OriginalID
	}
	q := url.Values{}
	q.Set("signature", Signature(e.Token, timestamp, nonce))
	q.Set("timestamp", timestamp)
	q.Set("nonce", nonce)
	if msg.FromUserName != "" {
		q.Set("openid", msg.FromUserName)
	}
	plain, err := encodeMessage(&msg, e.Format)
	if err != nil {
		return nil, nil, fmt.Errorf("wechat: build push: %w", err)
	}
	if e.Mode == ModePlaintext {
		return q, plain, nil
	}
	if e.Mode != ModeCompatible && e.Mode != ModeSafe {
		return nil, nil, fmt.Errorf("wechat: build push: unknown mode %v", e.Mode)
	}
	c, err := e.cipher()
	if err != nil {
		return nil, nil, fmt.Errorf("wechat: build push: %w", err)
	}
	enc, err := c.Encrypt(plain)
	if err != nil {
		return nil, nil, fmt.Errorf("wechat: build push: %w", err)
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", MsgSignature(e.Token, timestamp, nonce, enc))
	var body []byte
	if e.Mode == ModeSafe {
		body = (&Envelope{ToUserName: msg.ToUserName, Encrypt: enc}).Encode(e.Format)
	} else if body, err = encodeMessage(&msg, e.Format, textField("Encrypt", enc)); err != nil {
		return nil, nil, fmt.Errorf("wechat: build push: %w", err)
	}
	return q, body, nil
}

// IsEncrypted reports whether a push's query says its body is to be read
// (and its reply written) encrypted: encrypt_type=aes. Absent or "raw"
// means plaintext.
func IsEncrypted(query url.Values) bool { return query.Get("encrypt_type") == "aes" }

// ParsePush verifies, decrypts and decodes a push received at the
// developer's URL, and returns the message and the body's format (the
// format to reply in). It is VerifyPush with the default PushOptions: no
// timestamp check, DefaultMaxBodyBytes.
func ParsePush(e Endpoint, query url.Values, body []byte) (*Message, Format, error) {
	return VerifyPush(e, query, body, PushOptions{})
}

// PushOptions tunes VerifyPush. The zero value is ParsePush's behaviour.
type PushOptions struct {
	// MaxBodyBytes bounds the body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int
	// MaxClockSkew, when positive, refuses a push whose timestamp query
	// parameter is further than this from Now, in either direction
	// (ErrTimestamp). WeChat retries a push for about 15 seconds with its
	// first timestamp, so allow a few minutes.
	MaxClockSkew time.Duration
	// Now is the clock MaxClockSkew is measured against; nil means time.Now.
	Now func() time.Time
}

// VerifyPush verifies, decrypts and decodes a push received at the
// developer's URL, and returns the message and the body's format.
// Encrypted pushes (encrypt_type=aes, in compatible and safe mode) are
// verified with msg_signature over Encrypt, never with signature alone,
// and decrypted with e's keys; plaintext pushes are verified with signature
// and rejected in safe mode. The body, and the decrypted body inside an
// envelope, must be in e.Format (ErrWrongFormat) and pass DecodeMessage's
// strict checks. Errors wrap ErrTooLarge, ErrWrongFormat (and ErrFormat),
// ErrMode, ErrSignature, ErrTimestamp, the decryption errors, or
// DecodeMessage's.
func VerifyPush(e Endpoint, query url.Values, body []byte, opts PushOptions) (*Message, Format, error) {
	m, f, err := parsePush(e, query, body, opts)
	if err != nil {
		return nil, f, fmt.Errorf("wechat: parse push: %w", err)
	}
	return m, f, nil
}

// ReadPush reads the body of a push request, at most opts.MaxBodyBytes
// (ErrTooLarge past that, without reading further), and passes it to
// VerifyPush with the request's query.
func ReadPush(e Endpoint, r *http.Request, opts PushOptions) (*Message, Format, error) {
	body, err := readBody(r.Body, opts.MaxBodyBytes)
	if err != nil {
		return nil, 0, fmt.Errorf("wechat: parse push: %w", err)
	}
	return VerifyPush(e, r.URL.Query(), body, opts)
}

// readBody reads r up to limit bytes (DefaultMaxBodyBytes when 0).
func readBody(r io.Reader, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if err := checkSize(body, limit); err != nil {
		return nil, err
	}
	return body, nil
}

func checkFreshness(query url.Values, opts PushOptions) error {
	if opts.MaxClockSkew <= 0 {
		return nil
	}
	s := query.Get("timestamp")
	ts, err := strconv.ParseInt(s, 10, 64)
	if err != nil || !decimal(s) {
		return fmt.Errorf("%w: timestamp %s is not a Unix time in seconds", ErrTimestamp, snippet([]byte(s)))
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// Compare in seconds: a Duration overflows for timestamps far away.
	skew := now().Unix() - ts
	if skew < 0 {
		skew = -skew
	}
	if skew < 0 || skew > int64(opts.MaxClockSkew/time.Second) {
		return fmt.Errorf("%w: timestamp %d is %ds away from this server's clock, more than the %v allowed", ErrTimestamp, ts, now().Unix()-ts, opts.MaxClockSkew)
	}
	return nil
}

func checkFormat(what string, got, want Format) error {
	if got != want {
		return malformed(ErrWrongFormat, "%s is %v, the endpoint is configured for %v", what, got, want)
	}
	return nil
}

func parsePush(e Endpoint, query url.Values, body []byte, opts PushOptions) (*Message, Format, error) {
	if e.Token == "" {
		return nil, 0, errors.New("the endpoint has no Token")
	}
	if err := checkSize(body, opts.MaxBodyBytes); err != nil {
		return nil, 0, err
	}
	f, err := sniffFormat(body)
	if err != nil {
		return nil, 0, err
	}
	if err := checkFormat("the body", f, e.Format); err != nil {
		return nil, f, err
	}
	timestamp, nonce := query.Get("timestamp"), query.Get("nonce")
	switch et := query.Get("encrypt_type"); et {
	case "", "raw":
		if e.Mode == ModeSafe {
			return nil, f, fmt.Errorf("%w: the endpoint is in safe mode but the push is not encrypted (no encrypt_type=aes)", ErrMode)
		}
		if !VerifySignature(e.Token, timestamp, nonce, query.Get("signature")) {
			return nil, f, fmt.Errorf("%w: signature does not match token, timestamp and nonce", ErrSignature)
		}
		if err := checkFreshness(query, opts); err != nil {
			return nil, f, err
		}
		fields, _, err := decodeBody(body)
		if err != nil {
			return nil, f, err
		}
		m, err := messageFromFields(fields, f, true)
		if err != nil {
			return nil, f, err
		}
		// A compatible-mode body read in the clear still carries Encrypt.
		delete(m.Extra, "Encrypt")
		if len(m.Extra) == 0 {
			m.Extra = nil
		}
		return m, f, nil
	case "aes":
		env, _, err := decodeEnvelope(body, opts.MaxBodyBytes)
		if err != nil {
			return nil, f, err
		}
		sig := query.Get("msg_signature")
		if sig == "" {
			return nil, f, fmt.Errorf("%w: encrypt_type=aes but no msg_signature in the query", ErrSignature)
		}
		if !VerifyMsgSignature(e.Token, timestamp, nonce, env.Encrypt, sig) {
			return nil, f, fmt.Errorf("%w: msg_signature does not match token, timestamp, nonce and Encrypt", ErrSignature)
		}
		if err := checkFreshness(query, opts); err != nil {
			return nil, f, err
		}
		c, err := e.cipher()
		if err != nil {
			return nil, f, err
		}
		plain, err := c.decrypt(env.Encrypt)
		if err != nil {
			return nil, f, err
		}
		if inner, err := sniffFormat(plain); err == nil {
			if err := checkFormat("the decrypted body", inner, e.Format); err != nil {
				return nil, f, err
			}
		}
		m, _, err := decodeMessage(plain, opts.MaxBodyBytes)
		if err != nil {
			return nil, f, fmt.Errorf("decrypted body: %w", err)
		}
		return m, f, nil
	default:
		return nil, f, fmt.Errorf("%w: unknown encrypt_type %q (want aes or raw)", ErrMode, et)
	}
}
