package wechat

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ReplyKind is what a developer may answer to a push. Mini programs have no
// passive replies: the answer only acknowledges the push, or hands the user
// to customer service.
type ReplyKind int

// The answers. The zero value is ReplySuccess.
const (
	// ReplySuccess is the body "success": the push was handled.
	ReplySuccess ReplyKind = iota
	// ReplyEmpty is an empty body: the push was handled.
	ReplyEmpty
	// ReplyTransfer is a transfer_customer_service message: forward the
	// user's message to customer service.
	ReplyTransfer
)

// String returns "success", "empty" or "transfer_customer_service".
func (k ReplyKind) String() string {
	switch k {
	case ReplySuccess:
		return "success"
	case ReplyEmpty:
		return "empty"
	case ReplyTransfer:
		return MsgTypeTransfer
	default:
		return fmt.Sprintf("ReplyKind(%d)", int(k))
	}
}

// EncodeReply returns the body that answers push with kind. "success" and
// the empty body are never encrypted (WeChat does not expect it). A
// transfer is a transfer_customer_service message back to the user
// (ToUserName = push.FromUserName, FromUserName = push.ToUserName or
// e.OriginalID) in format f, the push's own format; with encrypt set (a
// push that had encrypt_type=aes, see IsEncrypted) it is sealed in the
// reply envelope {Encrypt, MsgSignature, TimeStamp, Nonce} in format f.
func EncodeReply(e Endpoint, kind ReplyKind, push *Message, f Format, encrypt bool) ([]byte, error) {
	b, err := encodeReply(e, kind, push, f, encrypt, time.Now())
	if err != nil {
		return nil, fmt.Errorf("wechat: encode reply: %w", err)
	}
	return b, nil
}

func encodeReply(e Endpoint, kind ReplyKind, push *Message, f Format, encrypt bool, now time.Time) ([]byte, error) {
	switch kind {
	case ReplySuccess:
		return []byte("success"), nil
	case ReplyEmpty:
		return []byte{}, nil
	case ReplyTransfer:
	default:
		return nil, fmt.Errorf("unknown reply kind %v", kind)
	}
	if push == nil {
		return nil, errors.New("a transfer needs the push it answers")
	}
	from := push.ToUserName
	if from == "" {
		from = e.OriginalID
	}
	plain, err := encodeMessage(&Message{
		ToUserName:   push.FromUserName,
		FromUserName: from,
		CreateTime:   now.Unix(),
		MsgType:      MsgTypeTransfer,
	}, f)
	if err != nil {
		return nil, err
	}
	if !encrypt {
		return plain, nil
	}
	c, err := e.cipher()
	if err != nil {
		return nil, err
	}
	enc, err := c.Encrypt(plain)
	if err != nil {
		return nil, err
	}
	return NewReplyEnvelope(e.Token, now.Unix(), NewNonce(), enc).Encode(f), nil
}

// NewNonce returns a random nonce in WeChat's style: a string of up to ten
// decimal digits.
func NewNonce() string {
	var b [8]byte
	rand.Read(b[:]) // crypto/rand.Read never fails
	return strconv.FormatUint(binary.BigEndian.Uint64(b[:])%1e10, 10)
}

// ParseReply classifies a developer's answer to a push: "success" or an
// empty body (surrounding white space ignored), or a
// transfer_customer_service message in XML or JSON, in the clear or in an
// encrypted reply envelope, which is verified (MsgSignature with e.Token)
// and decrypted (e's keys). Anything else is an error saying what was
// wrong: ErrReply for an answer that is not one of those, ErrSignature and
// the decryption errors for a bad envelope, ErrMode for a plaintext transfer
// to a safe-mode endpoint.
func ParseReply(e Endpoint, body []byte) (ReplyKind, error) {
	k, err := parseReply(e, body)
	if err != nil {
		return 0, fmt.Errorf("wechat: parse reply: %w", err)
	}
	return k, nil
}

func parseReply(e Endpoint, body []byte) (ReplyKind, error) {
	if err := checkSize(body, 0); err != nil {
		return 0, err
	}
	fields, f, kind, done, err := readAnswer(body)
	if done {
		return kind, err
	}
	env, encrypted, err := envelopeFromFields(fields, f)
	if err != nil {
		return 0, fmt.Errorf("%w: envelope: %v", ErrReply, err)
	}
	if !encrypted {
		if e.Mode == ModeSafe {
			return 0, fmt.Errorf("%w: the endpoint is in safe mode, so a reply other than success or empty must be an encrypted envelope", ErrMode)
		}
		return transferFromFields(fields, f)
	}
	if e.Token == "" {
		return 0, errors.New("the endpoint has no Token to verify the encrypted reply with")
	}
	c, err := e.cipher()
	if err != nil {
		return 0, err
	}
	plain, err := env.open(c, e.Token)
	if err != nil {
		return 0, err
	}
	if fields, f, kind, done, err = readAnswer(plain); done {
		if err != nil {
			return 0, fmt.Errorf("decrypted reply: %w", err)
		}
		return kind, nil
	}
	return transferFromFields(fields, f)
}

// readAnswer recognises "success" and the empty body (done), and otherwise
// decodes the fields of an XML or JSON answer.
func readAnswer(body []byte) (fields []field, f Format, kind ReplyKind, done bool, err error) {
	switch b := trimBody(body); string(b) {
	case "":
		return nil, 0, ReplyEmpty, true, nil
	case "success":
		return nil, 0, ReplySuccess, true, nil
	}
	fields, f, err = decodeBody(body)
	if err != nil {
		return nil, f, 0, true, fmt.Errorf("%w: %s is not \"success\", empty, or an XML or JSON message: %v", ErrReply, snippet(trimBody(body)), err)
	}
	return fields, f, 0, false, nil
}

// transferFromFields reads a transfer reply leniently (only MsgType is
// required, integers may be strings): it is written by developers' own
// code, not by WeChat, and Kefu forwards the user either way.
func transferFromFields(fields []field, f Format) (ReplyKind, error) {
	m, err := messageFromFields(fields, f, false)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrReply, err)
	}
	if m.MsgType != MsgTypeTransfer {
		return 0, fmt.Errorf("%w: MsgType %q: mini programs have no passive replies; answer success, an empty body or %s, and send messages through the API", ErrReply, m.MsgType, MsgTypeTransfer)
	}
	return ReplyTransfer, nil
}
