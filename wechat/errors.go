package wechat

import "errors"

// Sentinel errors. Every error this package returns for a bad input wraps
// exactly one of them, with details, so callers can branch with errors.Is and
// still show people what went wrong.
var (
	// ErrSignature means signature or msg_signature does not match the
	// token, timestamp, nonce (and Encrypt) it is supposed to cover, or is
	// missing.
	ErrSignature = errors.New("signature mismatch")
	// ErrBase64 means Encrypt is not standard base64.
	ErrBase64 = errors.New("Encrypt is not valid base64")
	// ErrLength means the ciphertext is not a non-empty multiple of 32 bytes,
	// or the decrypted msg_len field does not fit the plaintext.
	ErrLength = errors.New("bad ciphertext length")
	// ErrPadding means the decrypted PKCS#7 padding (32-byte blocks) is
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
)
