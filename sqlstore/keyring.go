package sqlstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Secrets at rest: the store encrypts every secret it keeps (AppSecrets,
// identity secrets, push and upstream Tokens and EncodingAESKeys, the
// upstream access tokens, the server key that signs tokens, cookies and
// component sessions, the nonces of stable access tokens) with AES-256-GCM
// under a key of a Keyring, at the boundary: the engine and the domain see
// plain values, the database only ciphertext. A stored secret reads
//
//	enc:v1:<key id>:<base64 of nonce and sealed text>
//
// The key id names the key that sealed it, so several keys can be
// configured at once: the first seals, every one opens (rotation: see
// RotateSecrets). Each secret is sealed bound to where it is stored (table,
// column and row), so one row's ciphertext copied into another row does not
// open there.

// KeyEnv is the environment variable that gives the secret keys: base64 of
// 32 bytes each, separated by commas, the first one sealing.
const KeyEnv = "KEFU_SECRET_KEY"

// KeySize is the length of a secret key: AES-256.
const KeySize = 32

const sealedPrefix = "enc:v1:"

// Keyring holds the keys secrets are sealed with. The zero Keyring (or a
// nil one) seals nothing: secrets are stored in clear, which only tests
// and tools that never share a database with a node should do.
type Keyring struct {
	keys []ringKey
}

type ringKey struct {
	id   string
	aead cipher.AEAD
}

// ErrUnknownKey is what reading a secret sealed under a key the keyring
// does not hold wraps.
var ErrUnknownKey = errors.New("the secret was encrypted with a key that is not configured")

// NewKeyring makes a keyring of 32-byte keys; the first one seals.
func NewKeyring(keys ...[]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("secret keys: none given")
	}
	k := &Keyring{}
	seen := map[string]bool{}
	for i, key := range keys {
		if len(key) != KeySize {
			return nil, fmt.Errorf("secret key %d is %d bytes; want %d (base64 of 32 random bytes: kefu secrets new-key)", i+1, len(key), KeySize)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := KeyID(key)
		if seen[id] {
			continue
		}
		seen[id] = true
		k.keys = append(k.keys, ringKey{id: id, aead: aead})
	}
	return k, nil
}

// KeyID names a key without giving it away: the first 8 hex digits of a
// SHA-256 of it.
func KeyID(key []byte) string {
	sum := sha256.Sum256(append([]byte("kefu secret key id\x00"), key...))
	return hex.EncodeToString(sum[:4])
}

// NewKey makes a random secret key.
func NewKey() []byte {
	key := make([]byte, KeySize)
	rand.Read(key)
	return key
}

// EncodeKey writes a key the way KeyEnv and key files give it.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// ParseKeys reads keys given as base64, one per line or separated by
// commas; blank lines and lines starting with # are skipped.
func ParseKeys(s string) ([][]byte, error) {
	var keys [][]byte
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, f := range strings.Split(line, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			key, err := base64.StdEncoding.DecodeString(f)
			if err != nil {
				key, err = base64.RawStdEncoding.DecodeString(f)
			}
			if err != nil {
				return nil, fmt.Errorf("secret key %d is not base64", len(keys)+1)
			}
			keys = append(keys, key)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no secret key given")
	}
	return keys, nil
}

// IDs lists the keys' ids, the sealing one first.
func (k *Keyring) IDs() []string {
	if k == nil {
		return nil
	}
	ids := make([]string, len(k.keys))
	for i, key := range k.keys {
		ids[i] = key.id
	}
	return ids
}

// Primary is the id of the key that seals, or "" for a keyring that seals
// nothing.
func (k *Keyring) Primary() string {
	if k == nil || len(k.keys) == 0 {
		return ""
	}
	return k.keys[0].id
}

// seal encrypts a secret stored at where; an empty secret stays empty (there
// is nothing to hide, and "not set" stays readable).
func (k *Keyring) seal(plain, where string) string {
	if plain == "" || k == nil || len(k.keys) == 0 {
		return plain
	}
	key := k.keys[0]
	nonce := make([]byte, key.aead.NonceSize(), key.aead.NonceSize()+len(plain)+key.aead.Overhead())
	rand.Read(nonce)
	sealed := key.aead.Seal(nonce, nonce, []byte(plain), []byte(where))
	return sealedPrefix + key.id + ":" + base64.RawURLEncoding.EncodeToString(sealed)
}

// sealedBy names the key a stored value was sealed with, or "" for a value
// in clear.
func sealedBy(stored string) string {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// open decrypts a stored secret; a value in clear (written before secrets
// were sealed, or by a store without keys) is returned as it is.
func (k *Keyring) open(stored, where string) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealedPrefix)
	if !ok {
		return stored, nil
	}
	id, text, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("secret %s: malformed ciphertext", where)
	}
	var key *ringKey
	if k != nil {
		for i := range k.keys {
			if k.keys[i].id == id {
				key = &k.keys[i]
			}
		}
	}
	if key == nil {
		return "", fmt.Errorf("secret %s: %w (key id %s; configured: %s)", where, ErrUnknownKey, id, k.describe())
	}
	sealed, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil || len(sealed) < key.aead.NonceSize()+key.aead.Overhead() {
		return "", fmt.Errorf("secret %s: malformed ciphertext", where)
	}
	n := key.aead.NonceSize()
	plain, err := key.aead.Open(nil, sealed[:n], sealed[n:], []byte(where))
	if err != nil {
		return "", fmt.Errorf("secret %s: the ciphertext does not open under key %s (altered, or moved from another row)", where, id)
	}
	return string(plain), nil
}

func (k *Keyring) describe() string {
	if ids := k.IDs(); len(ids) > 0 {
		return strings.Join(ids, ", ")
	}
	return "none"
}

// DefaultKeyFile is the key file's name in the data directory.
const DefaultKeyFile = "secret.key"

// LoadKeyring finds the secret keys: env (the value of KeyEnv) when it is
// set, else the key file at path. A missing key file is created with a
// fresh key, readable by its owner only; created says so, so the caller
// can tell the admin once to back it up.
func LoadKeyring(env, path string) (k *Keyring, created bool, err error) {
	if strings.TrimSpace(env) != "" {
		keys, err := ParseKeys(env)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		k, err = NewKeyring(keys...)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return k, false, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key := NewKey()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("secret key file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, false, fmt.Errorf("secret key file: %w", err)
		}
		_, err = f.WriteString("# Kefu's secret key: it encrypts the secrets in the database. Back it up;\n" +
			"# without it they cannot be read. The first key encrypts, all decrypt.\n" + EncodeKey(key) + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return nil, false, fmt.Errorf("secret key file: %w", err)
		}
		k, err := NewKeyring(key)
		return k, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	keys, err := ParseKeys(string(data))
	if err != nil {
		return nil, false, fmt.Errorf("secret key file %s: %w", path, err)
	}
	k, err = NewKeyring(keys...)
	if err != nil {
		return nil, false, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return k, false, nil
}
