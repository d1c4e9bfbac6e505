package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// blockSize is the PKCS#7 block size WeChat pads to: 32 bytes, not the
// 16-byte AES block size. Pad values are therefore 1..32.
const blockSize = 32

// randomSize is the length of the random prefix of every plaintext.
const randomSize = 16

// Cipher encrypts and decrypts the Encrypt field of pushes and replies:
// AES-256-CBC with the key base64decode(EncodingAESKey+"=") and IV = key[:16],
// over random(16) | msg_len(4, big-endian) | msg | appid, PKCS#7-padded to a
// multiple of 32 bytes (decryption also accepts padding to a multiple of 16,
// as some SDKs write it). A Cipher is safe for concurrent use.
type Cipher struct {
	appID string
	keys  []cipherKey // the current key first, then previous keys
}

type cipherKey struct {
	block cipher.Block
	iv    []byte
}

// NewCipher returns a Cipher for one mini program. previousKeys are tried, in
// order, when decrypting with encodingAESKey fails, so pushes and replies
// sealed before a key change still open; empty previous keys are ignored.
// Encryption always uses encodingAESKey. appID is required: it is written
// into every plaintext and checked in every decrypted one.
func NewCipher(encodingAESKey, appID string, previousKeys ...string) (*Cipher, error) {
	c, err := newCipher(encodingAESKey, appID, previousKeys...)
	if err != nil {
		return nil, fmt.Errorf("wechat: new cipher: %w", err)
	}
	return c, nil
}

func newCipher(encodingAESKey, appID string, previousKeys ...string) (*Cipher, error) {
	if appID == "" {
		return nil, errors.New("appid is required")
	}
	c := &Cipher{appID: appID}
	for i, s := range append([]string{encodingAESKey}, previousKeys...) {
		if i > 0 && s == "" {
			continue
		}
		k, err := newCipherKey(s)
		if err != nil {
			if i > 0 {
				return nil, fmt.Errorf("previous key %d: %w", i, err)
			}
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	return c, nil
}

func newCipherKey(encodingAESKey string) (cipherKey, error) {
	if len(encodingAESKey) != 43 {
		return cipherKey{}, fmt.Errorf("%w: it has %d characters, want 43", ErrAESKey, len(encodingAESKey))
	}
	// Not Strict(): WeChat's keys are 43 random alphanumerics, so the two
	// bits the last character carries beyond the 32 bytes are often set.
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return cipherKey{}, fmt.Errorf("%w: it is not base64 (only A-Z, a-z, 0-9, + and / are allowed)", ErrAESKey)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return cipherKey{}, fmt.Errorf("%w: %v", ErrAESKey, err)
	}
	return cipherKey{block: block, iv: key[:aes.BlockSize]}, nil
}

// AppID returns the appid the Cipher writes and expects.
func (c *Cipher) AppID() string { return c.appID }

// Encrypt seals msg with a random prefix from crypto/rand and returns the
// base64 Encrypt value.
func (c *Cipher) Encrypt(msg []byte) (string, error) {
	var random [randomSize]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("wechat: encrypt: %w", err)
	}
	return c.EncryptWithRandom(random[:], msg)
}

// EncryptWithRandom is Encrypt with a caller-chosen 16-byte random prefix,
// for reproducing known ciphertexts (such as WeChat's published examples,
// whose prefixes are 16-character strings). Use Encrypt otherwise.
func (c *Cipher) EncryptWithRandom(random, msg []byte) (string, error) {
	if len(random) != randomSize {
		return "", fmt.Errorf("wechat: encrypt: random prefix is %d bytes, want %d", len(random), randomSize)
	}
	if uint64(len(msg)) > math.MaxUint32-randomSize-4-uint64(len(c.appID))-blockSize {
		return "", fmt.Errorf("wechat: encrypt: message of %d bytes is too long", len(msg))
	}
	n := randomSize + 4 + len(msg) + len(c.appID)
	pad := blockSize - n%blockSize
	buf := make([]byte, n+pad)
	copy(buf, random)
	binary.BigEndian.PutUint32(buf[randomSize:], uint32(len(msg)))
	copy(buf[randomSize+4:], msg)
	copy(buf[randomSize+4+len(msg):], c.appID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	k := c.keys[0]
	cipher.NewCBCEncrypter(k.block, k.iv).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// Decrypt opens an Encrypt value and returns the message inside. It checks,
// in order, the base64 (ErrBase64), the ciphertext length (ErrLength), every
// padding byte (ErrPadding), the msg_len field (ErrLength) and the appid
// (ErrAppID), trying previous keys when the current one fails. It never
// panics, whatever the input.
//
// Decrypt does not authenticate: verify the msg_signature over Encrypt
// first (ParsePush and ParseReply do), which also keeps padding oracles out
// of reach.
func (c *Cipher) Decrypt(encrypt string) ([]byte, error) {
	msg, err := c.decrypt(encrypt)
	if err != nil {
		return nil, fmt.Errorf("wechat: decrypt: %w", err)
	}
	return msg, nil
}

func (c *Cipher) decrypt(encrypt string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBase64, err)
	}
	// WeChat pads to 32 bytes, but some SDKs pad to the 16-byte AES block;
	// CBC needs only the latter, and the pad check below accepts both.
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext is %d bytes, want a non-zero multiple of %d", ErrLength, len(ct), aes.BlockSize)
	}
	var best error
	bestRank := -1
	for _, k := range c.keys {
		msg, err := c.open(k, ct)
		if err == nil {
			return msg, nil
		}
		// Report the key that got furthest: with the right key only the
		// appid may be wrong, with a wrong key the padding almost always is.
		if r := decryptErrorRank(err); r > bestRank {
			best, bestRank = err, r
		}
	}
	return nil, best
}

func decryptErrorRank(err error) int {
	switch {
	case errors.Is(err, ErrAppID):
		return 2
	case errors.Is(err, ErrLength):
		return 1
	default:
		return 0
	}
}

func (c *Cipher) open(k cipherKey, ct []byte) ([]byte, error) {
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(k.block, k.iv).CryptBlocks(pt, ct)

	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > blockSize || pad > len(pt) {
		return nil, fmt.Errorf("%w: last byte is %d, want 1..%d and at most the %d bytes decrypted", ErrPadding, pad, blockSize, len(pt))
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("%w: the %d padding bytes are not all %d", ErrPadding, pad, pad)
		}
	}
	pt = pt[:len(pt)-pad]

	if len(pt) < randomSize+4 {
		return nil, fmt.Errorf("%w: plaintext of %d bytes has no room for the random prefix and msg_len", ErrLength, len(pt))
	}
	n := binary.BigEndian.Uint32(pt[randomSize:])
	rest := pt[randomSize+4:]
	if uint64(n) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: msg_len %d is more than the %d bytes that follow it", ErrLength, n, len(rest))
	}
	msg, appID := rest[:n], rest[n:]
	if string(appID) != c.appID {
		return nil, fmt.Errorf("%w: plaintext ends with %s, want %q", ErrAppID, snippet(appID), c.appID)
	}
	return msg, nil
}
