package node

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/kefuhq/kefu/sqlstore"
)

// keyring loads the keys that encrypt the secrets in the store (see
// sqlstore/keyring.go): cfg.SecretKeys when given (the KEFU_SECRET_KEY
// variable of kefu serve), else the key file, by default secret.key in the
// data directory, created on first start. created names a file this call
// made, to remove if the store then refuses to open with it.
func keyring(cfg *Config) (keys *sqlstore.Keyring, created string, err error) {
	path := cfg.SecretKeyFile
	if path == "" {
		path = filepath.Join(cfg.DataDir, sqlstore.DefaultKeyFile)
	}
	keys, made, err := sqlstore.LoadKeyring(cfg.SecretKeys, path)
	if err != nil {
		return nil, "", err
	}
	if made {
		created = path
	}
	return keys, created, nil
}

// openStore opens the store with the secret keys, saying once what it did
// with them, and turning a key that does not fit the database into an
// error an admin can act on.
func openStore(cfg *Config, open func(*sqlstore.Keyring) (*sqlstore.Store, error)) (*sqlstore.Store, error) {
	keys := cfg.Store.Keys
	created := ""
	if keys == nil {
		var err error
		if keys, created, err = keyring(cfg); err != nil {
			return nil, err
		}
	}
	s, err := open(keys)
	if err != nil {
		if created != "" {
			os.Remove(created) // a key that opens nothing here is no key to keep
		}
		if errors.Is(err, sqlstore.ErrUnknownKey) {
			return nil, fmt.Errorf("the secrets in the database were encrypted with a key this node does not have; "+
				"give it with %s or --secret-key-file (the old key first, or after the new one while rotating): %w", sqlstore.KeyEnv, err)
		}
		return nil, err
	}
	if created != "" {
		cfg.Log.Warn("created the secret key file that encrypts the secrets in the database: back it up, they cannot be read without it",
			slog.String("path", created), slog.String("key_id", keys.Primary()))
	}
	if rep := s.OpenReport(); rep != nil && rep.Sealed > 0 {
		cfg.Log.Info("encrypted the secrets found in clear", slog.Int("count", rep.Sealed), slog.String("key_id", keys.Primary()))
	}
	if rep := s.OpenReport(); rep != nil && rep.Remaining > 0 {
		cfg.Log.Info("secrets remain under older keys; run kefu secrets rotate to move them", slog.Int("count", rep.Remaining))
	}
	return s, nil
}
