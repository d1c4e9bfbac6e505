package wechat

import (
	"fmt"
	"strconv"
)

// Envelope is the encrypted form of a body. A safe-mode push is
// {ToUserName, Encrypt} (its msg_signature travels in the query); an
// encrypted reply is {Encrypt, MsgSignature, TimeStamp, Nonce}, with
// TimeStamp a JSON number and Nonce a JSON string. A compatible-mode push
// also decodes as an Envelope, ignoring its plaintext fields.
type Envelope struct {
	ToUserName   string // push only: the mini program's original id
	Encrypt      string
	MsgSignature string // reply only
	TimeStamp    int64  // reply only
	Nonce        string // reply only
}

// NewReplyEnvelope returns the reply envelope around encrypt, signed with
// token over timestamp and nonce.
func NewReplyEnvelope(token string, timestamp int64, nonce, encrypt string) *Envelope {
	return &Envelope{
		Encrypt:      encrypt,
		MsgSignature: MsgSignature(token, strconv.FormatInt(timestamp, 10), nonce, encrypt),
		TimeStamp:    timestamp,
		Nonce:        nonce,
	}
}

// SealReply encrypts a reply body with c and wraps it in a signed reply
// envelope.
func SealReply(c *Cipher, token string, plaintext []byte, timestamp int64, nonce string) (*Envelope, error) {
	enc, err := c.Encrypt(plaintext)
	if err != nil {
		return nil, fmt.Errorf("wechat: seal reply: %w", err)
	}
	return NewReplyEnvelope(token, timestamp, nonce, enc), nil
}

// Encode writes the envelope in format f: ToUserName if set, Encrypt, and
// the reply fields if MsgSignature is set.
func (e *Envelope) Encode(f Format) []byte {
	return appendFields(make([]byte, 0, len(e.Encrypt)+160), e.fields(), f)
}

func (e *Envelope) fields() []field {
	fs := make([]field, 0, 4)
	if e.ToUserName != "" {
		fs = append(fs, textField("ToUserName", e.ToUserName))
	}
	fs = append(fs, textField("Encrypt", e.Encrypt))
	if e.MsgSignature != "" {
		fs = append(fs,
			textField("MsgSignature", e.MsgSignature),
			numberField("TimeStamp", e.TimeStamp),
			textField("Nonce", e.Nonce))
	}
	return fs
}

// Verify reports whether the envelope's MsgSignature matches token and its
// own TimeStamp, Nonce and Encrypt (reply envelopes).
func (e *Envelope) Verify(token string) bool {
	return VerifyMsgSignature(token, strconv.FormatInt(e.TimeStamp, 10), e.Nonce, e.Encrypt, e.MsgSignature)
}

// Open verifies a reply envelope with token, then decrypts it with c.
func (e *Envelope) Open(c *Cipher, token string) ([]byte, error) {
	msg, err := e.open(c, token)
	if err != nil {
		return nil, fmt.Errorf("wechat: open envelope: %w", err)
	}
	return msg, nil
}

func (e *Envelope) open(c *Cipher, token string) ([]byte, error) {
	if e.MsgSignature == "" {
		return nil, fmt.Errorf("%w: the envelope has no MsgSignature", ErrSignature)
	}
	if !e.Verify(token) {
		return nil, fmt.Errorf("%w: MsgSignature does not match token, TimeStamp, Nonce and Encrypt", ErrSignature)
	}
	return c.decrypt(e.Encrypt)
}

// DecodeEnvelope decodes a push or reply envelope in either format, with
// the structural checks of DecodeMessage (size, UTF-8, root, declarations,
// duplicate fields). Encrypt is required; TimeStamp may be a JSON number
// or a string of digits.
func DecodeEnvelope(body []byte) (*Envelope, Format, error) {
	e, f, err := decodeEnvelope(body, 0)
	if err != nil {
		return nil, f, fmt.Errorf("wechat: decode envelope: %w", err)
	}
	return e, f, nil
}

func decodeEnvelope(body []byte, limit int) (*Envelope, Format, error) {
	if err := checkSize(body, limit); err != nil {
		return nil, 0, err
	}
	fields, f, err := decodeBody(body)
	if err != nil {
		return nil, f, err
	}
	e, ok, err := envelopeFromFields(fields, f)
	if err == nil && !ok {
		err = fieldError("Encrypt", ErrMissingField, "the body has no Encrypt, which an encrypted body always carries")
	}
	return e, f, err
}

// envelopeFromFields picks the envelope fields out of fields and reports
// whether there was an Encrypt field.
func envelopeFromFields(fields []field, f Format) (*Envelope, bool, error) {
	e := new(Envelope)
	found := false
	for _, fl := range fields {
		var err error
		switch fl.name {
		case "ToUserName":
			e.ToUserName, err = fl.text()
		case "Encrypt":
			e.Encrypt, err = fl.text()
			found = true
		case "MsgSignature":
			e.MsgSignature, err = fl.text()
		case "TimeStamp":
			e.TimeStamp, err = fl.uint(f, true)
		case "Nonce":
			e.Nonce, err = fl.nonce()
		}
		if err != nil {
			return nil, false, err
		}
	}
	return e, found, nil
}

// nonce accepts a nonce written as a string (as documented) or a number.
func (f field) nonce() (string, error) {
	if f.kind == kindNumber {
		return f.value, nil
	}
	return f.text()
}
