package wechat

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzDecryptPlaintext encrypts arbitrary plaintext blocks (no padding or
// structure imposed), so the fuzzer controls what Decrypt finds after AES:
// the padding, msg_len and appid checks.
func FuzzDecryptPlaintext(f *testing.F) {
	c, err := NewCipher("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("0123456789abcdef\x00\x00\x00\x02hiwxba5fad812f8e6fb9\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a"))
	f.Add([]byte("0123456789abcdef\xff\xff\xff\xffwxba5fad812f8e6fb9\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c"))
	f.Add([]byte("0123456789abcdef\x00\x00\x00\x0chello, worldwxba5fad812f8e6fb9\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e\x0e"))
	f.Add([]byte("\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20\x20"))
	f.Fuzz(func(t *testing.T, plain []byte) {
		// Whole AES blocks, as a 16-byte-padding sender writes them.
		if len(plain) == 0 || len(plain)%aes.BlockSize != 0 {
			plain = append(plain, make([]byte, aes.BlockSize-len(plain)%aes.BlockSize)...)
		}
		ct := make([]byte, len(plain))
		k := c.keys[0]
		cipher.NewCBCEncrypter(k.block, k.iv).CryptBlocks(ct, plain)
		msg, err := c.Decrypt(base64.StdEncoding.EncodeToString(ct))
		if err != nil {
			if !errors.Is(err, ErrLength) && !errors.Is(err, ErrPadding) && !errors.Is(err, ErrAppID) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		// Success means the plaintext was well formed: check it was.
		pad := int(plain[len(plain)-1])
		if want := len(plain) - pad - 20 - len(c.appID); len(msg) != want {
			t.Fatalf("message of %d bytes from a plaintext of %d with pad %d", len(msg), len(plain), pad)
		}
	})
}
