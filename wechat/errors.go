package wechat

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns for a bad input wraps
// exactly one of the first group, with details, so callers can branch with
// errors.Is and still show people what went wrong. A malformed body wraps
// ErrFormat and, where the decoders can say more, also one of the second
// group, which tells what exactly was refused.
var (
	// ErrSignature means signature or msg_signature does not match the
	// token, timestamp, nonce (and Encrypt) it is supposed to cover, or is
	// missing.
	ErrSignature = errors.New("signature mismatch")
	// ErrBase64 means Encrypt is not standard base64.
	ErrBase64 = errors.New("Encrypt is not valid base64")
	// ErrLength means the ciphertext is not a non-empty multiple of the
	// 16-byte AES block, or the decrypted msg_len field does not fit the
	// plaintext.
	ErrLength = errors.New("bad ciphertext length")
	// ErrPadding means the decrypted PKCS#7 padding (pad values 1..32) is
	// wrong: usually the EncodingAESKey does not match the sender's.
	ErrPadding = errors.New("bad padding (wrong EncodingAESKey?)")
	// ErrAppID means the appid at the end of the decrypted plaintext is not
	// the expected one.
	ErrAppID = errors.New("appid mismatch")
	// ErrAESKey means an EncodingAESKey is not 43 base64 characters.
	ErrAESKey = errors.New("bad EncodingAESKey")
	// ErrFormat means a body is neither well-formed XML nor JSON of the
	// expected shape.
	ErrFormat = errors.New("malformed body")
	// ErrMode means a push or reply is encrypted when it must not be, or
	// plaintext when the endpoint is in safe mode.
	ErrMode = errors.New("encryption mode mismatch")
	// ErrReply means a developer's answer to a push is none of the answers
	// a mini program may give: "success", an empty body, or
	// transfer_customer_service.
	ErrReply = errors.New("invalid reply")
	// ErrTooLarge means a body is longer than the decoder's limit
	// (DefaultMaxBodyBytes unless configured).
	ErrTooLarge = errors.New("body too large")
	// ErrTimestamp means a push's timestamp query parameter is not a Unix
	// time within the configured clock skew (PushOptions.MaxClockSkew).
	ErrTimestamp = errors.New("stale or invalid timestamp")
)

// Refinements of ErrFormat: an error wrapping one of these also wraps
// ErrFormat.
var (
	// ErrDoctype means an XML body holds a <!DOCTYPE …> or another <!…>
	// declaration. WeChat never sends one; refusing them keeps entity
	// tricks (XXE, billion laughs) out, whatever parses the body later.
	ErrDoctype = errors.New("XML declarations (DOCTYPE, ENTITY) are not allowed")
	// ErrProcInst means an XML body holds a processing instruction other
	// than the XML declaration at its very start.
	ErrProcInst = errors.New("XML processing instructions are not allowed")
	// ErrRootElement means an XML body's root element is not a plain <xml>
	// without attributes.
	ErrRootElement = errors.New("the root element must be <xml>")
	// ErrDuplicateField means a field appears twice in one body (JSON keys
	// compared after unescaping and, to close case tricks, ignoring case).
	ErrDuplicateField = errors.New("duplicate field")
	// ErrNamespace means an XML field has a namespace prefix or declares a
	// namespace.
	ErrNamespace = errors.New("namespaced field")
	// ErrFieldName means a field is spelled like one of WeChat's but in
	// another case ("msgtype" for "MsgType").
	ErrFieldName = errors.New("field name in the wrong case")
	// ErrMissingField means a field the message's kind always carries is
	// absent (see FieldError.Field).
	ErrMissingField = errors.New("missing field")
	// ErrFieldType means a field has the wrong JSON type: null, an object,
	// an array or a boolean where a string or number belongs, or a number
	// where a string belongs.
	ErrFieldType = errors.New("field of the wrong type")
	// ErrNumber means an integer field (CreateTime, MsgId, TimeStamp) is not
	// a non-negative decimal integer of 64 bits in the accepted form.
	ErrNumber = errors.New("bad number")
	// ErrInvalidUTF8 means a body is not valid UTF-8, or a JSON string
	// escapes half of a surrogate pair.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrBOM means a JSON body starts with a byte order mark, which JSON
	// (RFC 8259) forbids. XML bodies may have one.
	ErrBOM = errors.New("byte order mark before JSON")
	// ErrWrongFormat means a body (or the decrypted body inside an
	// envelope) is XML where the endpoint is configured for JSON, or the
	// other way round.
	ErrWrongFormat = errors.New("body in the wrong data format")
)

// FieldError is a malformed body's problem with one field. It wraps
// ErrFormat and Err (ErrMissingField, ErrDuplicateField, ErrNamespace,
// ErrFieldName, ErrFieldType or ErrNumber).
type FieldError struct {
	Field  string // the field's name, as WeChat spells it where known
	Err    error
	Detail string // what was wrong with the value, if anything to add
}

// Error returns "malformed body: missing field: CreateTime" and the like.
func (e *FieldError) Error() string {
	s := fmt.Sprintf("%v: %v: %s", ErrFormat, e.Err, e.Field)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns ErrFormat and Err, for errors.Is and errors.As.
func (e *FieldError) Unwrap() []error { return []error{ErrFormat, e.Err} }

func fieldError(name string, err error, detail string, args ...any) error {
	return &FieldError{Field: name, Err: err, Detail: fmt.Sprintf(detail, args...)}
}

// malformed returns an error wrapping ErrFormat and kind.
func malformed(kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrFormat, kind, fmt.Sprintf(format, args...))
}
