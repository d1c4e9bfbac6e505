package kefutest

import (
	"crypto/sha256"

	"github.com/kefuhq/kefu/sqlstore"
)

// SecretKey is the key that encrypts the secrets of every store and node
// the helpers open, so that a node opened on a store a test filled (or
// several nodes on one database) read the same secrets. Tests only.
var SecretKey = sqlstore.EncodeKey(func() []byte { k := sha256.Sum256([]byte("kefutest secret key")); return k[:] }())

// SecretKeys is SecretKey as a keyring.
func SecretKeys() *sqlstore.Keyring {
	keys, err := sqlstore.ParseKeys(SecretKey)
	if err != nil {
		panic(err)
	}
	k, err := sqlstore.NewKeyring(keys...)
	if err != nil {
		panic(err)
	}
	return k
}
