package wechat

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"slices"
)

// Signature returns the signature WeChat puts in the query of the URL
// verification GET and of every push: hex(sha1(sorted(token, timestamp,
// nonce) concatenated)).
func Signature(token, timestamp, nonce string) string {
	sum := sha1Sorted(token, timestamp, nonce)
	return hex.EncodeToString(sum[:])
}

// MsgSignature returns the msg_signature of an encrypted push (query
// parameter) or of an encrypted reply (envelope field MsgSignature): the same
// construction as Signature with the Encrypt value as a fourth string.
func MsgSignature(token, timestamp, nonce, encrypt string) string {
	sum := sha1Sorted(token, timestamp, nonce, encrypt)
	return hex.EncodeToString(sum[:])
}

// VerifySignature reports whether signature is Signature(token, timestamp,
// nonce). Hex case is ignored; the comparison takes constant time.
func VerifySignature(token, timestamp, nonce, signature string) bool {
	return verifySorted(signature, token, timestamp, nonce)
}

// VerifyMsgSignature reports whether msgSignature is MsgSignature(token,
// timestamp, nonce, encrypt). Hex case is ignored; the comparison takes
// constant time.
func VerifyMsgSignature(token, timestamp, nonce, encrypt, msgSignature string) bool {
	return verifySorted(msgSignature, token, timestamp, nonce, encrypt)
}

// sha1Sorted hashes the concatenation of parts in lexical order. It sorts
// parts in place: callers pass a fresh variadic slice.
func sha1Sorted(parts ...string) [sha1.Size]byte {
	slices.Sort(parts)
	h := sha1.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	var sum [sha1.Size]byte
	h.Sum(sum[:0])
	return sum
}

func verifySorted(signature string, parts ...string) bool {
	if len(signature) != 2*sha1.Size {
		return false
	}
	var got [sha1.Size]byte
	if _, err := hex.Decode(got[:], []byte(signature)); err != nil {
		return false
	}
	want := sha1Sorted(parts...)
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
