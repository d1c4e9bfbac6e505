package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"

	"github.com/kefuhq/kefu/sqlstore"
)

// open opens the store the flags name with the secret keys of
// KEFU_SECRET_KEY or the key file, as kefu serve would.
func (s *storeFlags) open(ctx context.Context, env lookupEnv) (*sqlstore.Store, error) {
	dsn := s.db
	if dsn == "" {
		dsn = filepath.Join(s.data, "kefu.db")
	}
	path := s.secretKeyFile
	if path == "" {
		path = filepath.Join(s.data, sqlstore.DefaultKeyFile)
	}
	v, _ := env(sqlstore.KeyEnv)
	keys, _, err := sqlstore.LoadKeyring(v, path)
	if err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, dsn, sqlstore.Options{Keys: keys})
}

const secretsUsage = `Usage:
  kefu secrets new-key          print a new random key (base64 of 32 bytes)
  kefu secrets rotate [flags]   encrypt every secret in the database again under the first key

Keys come from ` + sqlstore.KeyEnv + ` (base64, comma-separated) or the key file (one a line);
the first key encrypts, every key decrypts. See docs/operations.md.

Flags of rotate:
`

// secretsCommand manages the keys that encrypt the secrets in the store.
func secretsCommand(args []string, env lookupEnv, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kefu secrets", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), secretsUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	vars := settingsFromEnv(fs, "KEFU_", "data", "db", "secret-key-file")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fs.SetOutput(stdout)
		fs.Usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	sub, args := args[0], args[1:]
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := vars.apply(fs, env); err != nil {
		fmt.Fprintf(stderr, "kefu secrets: %v\n", err)
		return 2
	}
	switch sub {
	case "new-key":
		fmt.Fprintln(stdout, sqlstore.EncodeKey(sqlstore.NewKey()))
		return 0
	case "rotate":
		ctx := context.Background()
		store, err := sf.open(ctx, env)
		if err != nil {
			fmt.Fprintf(stderr, "kefu secrets rotate: %v\n", err)
			return 1
		}
		defer store.Close()
		rep, err := store.RotateSecrets(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "kefu secrets rotate: %v\n", err)
			return 1
		}
		ids := make([]string, 0, len(rep.ByKey))
		for id := range rep.ByKey {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		fmt.Fprintf(stdout, "encrypted %d secrets again under key %s (%d were in clear)\n", rep.Resealed+rep.Sealed, rep.Primary, rep.Sealed)
		for _, id := range ids {
			fmt.Fprintf(stdout, "key %s: %d secrets\n", id, rep.ByKey[id])
		}
		if rep.Remaining == 0 {
			fmt.Fprintln(stdout, "no secret is under another key: older keys can be removed once every node has the new one first")
		}
		return 0
	default:
		fmt.Fprintf(stderr, "kefu secrets: unknown command %q\n\n%s", sub, secretsUsage)
		return 2
	}
}
