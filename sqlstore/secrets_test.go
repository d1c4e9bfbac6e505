package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

// The secrets a test stores, each distinct enough to be found in a dump.
var storedSecrets = []string{
	"appsecret-0123456789abcdef", "identity-secret-0123456789", "pushtoken-zz01",
	"PushAESKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "PrevAESKeyBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
	"upstreamtoken-zz02", "UpAESKeyCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC", "upstream-access-token-zz03",
	"server-key-0123456789abcdef0123456789", "stable-nonce-zz04",
}

func secretApp() *kefu.App {
	return &kefu.App{ID: "wxsecrets000000001", OriginalID: "gh_secrets00001", Name: "Secrets", Secret: storedSecrets[0],
		IdentitySecret: storedSecrets[1], CreatedAt: time.UnixMilli(1_700_000_000_000),
		Push: kefu.PushConfig{URL: "https://dev.example.com/push", Token: storedSecrets[2], EncodingAESKey: storedSecrets[3],
			PreviousAESKey: storedSecrets[4], Mode: kefu.PushSafe, Format: kefu.PushJSON},
		Upstream: &kefu.Upstream{BaseURL: "https://api.weixin.qq.com", Token: storedSecrets[5], EncodingAESKey: storedSecrets[6],
			Mode: kefu.PushSafe, Format: kefu.PushJSON}}
}

// storeSecrets writes one of every kind of secret the store keeps.
func storeSecrets(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	at := time.UnixMilli(1_700_000_000_000)
	mustUpdate(t, s, func(tx kefu.Tx) error {
		if err := tx.CreateApp(ctx, secretApp()); err != nil {
			return err
		}
		if err := tx.PutUpstreamToken(ctx, &kefu.UpstreamToken{AppID: "wxsecrets000000001", Token: storedSecrets[7], ExpiresAt: at.Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.PutSetting(ctx, "server_key", storedSecrets[8]); err != nil {
			return err
		}
		return tx.PutAccessToken(ctx, &kefu.AccessToken{Hash: "hash-of-stable-token", Nonce: storedSecrets[9], AppID: "wxsecrets000000001",
			Stable: true, ExpiresAt: at.Add(time.Hour), CreatedAt: at}, at)
	})
}

// checkSecrets reads every secret back through the store: plain values.
func checkSecrets(t *testing.T, s *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	a, err := s.App(ctx, "wxsecrets000000001")
	if err != nil {
		t.Fatalf("read app: %v", err)
	}
	want := secretApp()
	if a.Secret != want.Secret || a.IdentitySecret != want.IdentitySecret || a.Push != want.Push || a.Upstream == nil || *a.Upstream != *want.Upstream {
		t.Fatalf("app reads back %+v / %+v, want %+v / %+v", a, a.Upstream, want, want.Upstream)
	}
	if apps, err := s.Apps(ctx); err != nil || len(apps) != 1 || apps[0].Secret != want.Secret {
		t.Fatalf("apps = %v, %v", apps, err)
	}
	if a, err := s.AppByOriginalID(ctx, want.OriginalID); err != nil || a.Push.Token != want.Push.Token {
		t.Fatalf("app by original id = %+v, %v", a, err)
	}
	if tok, err := s.UpstreamToken(ctx, want.ID); err != nil || tok.Token != storedSecrets[7] {
		t.Fatalf("upstream token = %+v, %v", tok, err)
	}
	if v, err := s.Setting(ctx, "server_key"); err != nil || v != storedSecrets[8] {
		t.Fatalf("server key = %q, %v", v, err)
	}
	now := time.UnixMilli(1_700_000_000_000)
	if tok, err := s.LatestAccessToken(ctx, want.ID, true, now); err != nil || tok.Nonce != storedSecrets[9] {
		t.Fatalf("latest access token = %+v, %v", tok, err)
	}
	if tok, err := s.AccessToken(ctx, "hash-of-stable-token", now); err != nil || tok.Nonce != storedSecrets[9] {
		t.Fatalf("access token = %+v, %v", tok, err)
	}
}

// rawDB opens the database behind dsn directly, as someone holding a copy
// of it would.
func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	driver, name := "sqlite", "file:"+dsn
	if strings.HasPrefix(dsn, "postgres") {
		driver, name = "pgx", dsn
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// rawDump is every text of every row of the tables that hold secrets.
func rawDump(t *testing.T, dsn string) string {
	t.Helper()
	db := openRaw(t, dsn)
	var b strings.Builder
	for _, table := range []string{"apps", "upstream_tokens", "settings", "access_tokens"} {
		rows, err := db.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					b.WriteString(v + "\n")
				case []byte:
					b.WriteString(string(v) + "\n")
				}
			}
		}
		rows.Close()
	}
	return b.String()
}

func leaked(dump string) []string {
	var out []string
	for _, s := range storedSecrets {
		if strings.Contains(dump, s) {
			out = append(out, s)
		}
	}
	return out
}

func openWith(t *testing.T, dsn string, keys *sqlstore.Keyring) (*sqlstore.Store, error) {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{Keys: keys})
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

func mustOpenWith(t *testing.T, dsn string, keys *sqlstore.Keyring) *sqlstore.Store {
	t.Helper()
	s, err := openWith(t, dsn, keys)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	return s
}

func ring(t *testing.T, keys ...[]byte) *sqlstore.Keyring {
	t.Helper()
	k, err := sqlstore.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestSecretsNeverInRawRows: every secret the store keeps is in its rows
// only encrypted, and reads back plain.
func TestSecretsNeverInRawRows(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		dsn := kefutest.StoreDSN(t, engine)
		s := mustOpenWith(t, dsn, ring(t, sqlstore.NewKey()))
		storeSecrets(t, s)
		checkSecrets(t, s)
		dump := rawDump(t, dsn)
		if l := leaked(dump); len(l) > 0 {
			t.Fatalf("secrets in clear in the database: %q", l)
		}
		if n := strings.Count(dump, "enc:v1:"); n != len(storedSecrets) {
			t.Fatalf("%d encrypted values in the database, want %d:\n%s", n, len(storedSecrets), dump)
		}
		// A save rewrites them sealed too.
		ctx := context.Background()
		a := secretApp()
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SaveApp(ctx, a) })
		if l := leaked(rawDump(t, dsn)); len(l) > 0 {
			t.Fatalf("secrets in clear after a save: %q", l)
		}
		checkSecrets(t, s)
	})
}

// TestSecretsInClearEncryptedOnOpen: a database written before secrets were
// encrypted (here: by a store without keys) has them encrypted when a store
// with a key opens it, and reads the same.
func TestSecretsInClearEncryptedOnOpen(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		dsn := kefutest.StoreDSN(t, engine)
		old := mustOpenWith(t, dsn, nil)
		storeSecrets(t, old)
		old.Close()
		if l := leaked(rawDump(t, dsn)); len(l) != len(storedSecrets) {
			t.Fatalf("the keyless store should have written every secret in clear; found %d of %d", len(l), len(storedSecrets))
		}
		key := sqlstore.NewKey()
		s := mustOpenWith(t, dsn, ring(t, key))
		if rep := s.OpenReport(); rep.Sealed != len(storedSecrets) || rep.ByKey[sqlstore.KeyID(key)] != len(storedSecrets) {
			t.Fatalf("open report = %+v, want %d sealed", rep, len(storedSecrets))
		}
		if l := leaked(rawDump(t, dsn)); len(l) > 0 {
			t.Fatalf("secrets still in clear after opening with a key: %q", l)
		}
		checkSecrets(t, s)
		s.Close()
		// Opening again seals nothing more.
		s = mustOpenWith(t, dsn, ring(t, key))
		if rep := s.OpenReport(); rep.Sealed != 0 {
			t.Fatalf("second open sealed %d values again", rep.Sealed)
		}
		checkSecrets(t, s)
		// And a store without the key refuses to open rather than hand out ciphertext.
		s.Close()
		if _, err := openWith(t, dsn, nil); !errors.Is(err, sqlstore.ErrUnknownKey) {
			t.Fatalf("keyless open of an encrypted database: %v, want ErrUnknownKey", err)
		}
	})
}

// TestSecretsRotation: with the new key first and the old one after it,
// everything reads; rotate moves every secret to the new key, after which
// the old key is no longer needed, and the new one alone opens the store.
func TestSecretsRotation(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		dsn := kefutest.StoreDSN(t, engine)
		oldKey, newKey := sqlstore.NewKey(), sqlstore.NewKey()
		s := mustOpenWith(t, dsn, ring(t, oldKey))
		storeSecrets(t, s)
		s.Close()

		s = mustOpenWith(t, dsn, ring(t, newKey, oldKey))
		if rep := s.OpenReport(); rep.Remaining != len(storedSecrets) || rep.Sealed != 0 {
			t.Fatalf("open report with the new key first = %+v, want every secret remaining under the old key", rep)
		}
		checkSecrets(t, s)
		rep, err := s.RotateSecrets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Resealed != len(storedSecrets) || rep.Remaining != 0 || rep.ByKey[sqlstore.KeyID(newKey)] != len(storedSecrets) {
			t.Fatalf("rotate = %+v", rep)
		}
		dump := rawDump(t, dsn)
		if strings.Contains(dump, "enc:v1:"+sqlstore.KeyID(oldKey)+":") || len(leaked(dump)) > 0 {
			t.Fatalf("after rotation the database still holds the old key's ciphertext or clear text:\n%s", dump)
		}
		checkSecrets(t, s)
		s.Close()

		s = mustOpenWith(t, dsn, ring(t, newKey))
		checkSecrets(t, s)
		s.Close()
		_, err = openWith(t, dsn, ring(t, oldKey))
		if !errors.Is(err, sqlstore.ErrUnknownKey) || !strings.Contains(err.Error(), sqlstore.KeyID(newKey)) {
			t.Fatalf("opening with only the retired key: %v, want ErrUnknownKey naming key %s", err, sqlstore.KeyID(newKey))
		}
	})
}

// TestSecretsWrongKeyAndTampering: a wrong key is an error when the store
// opens, naming the key ids, never garbage later; a ciphertext moved to
// another row does not open there.
func TestSecretsWrongKeyAndTampering(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		dsn := kefutest.StoreDSN(t, engine)
		key, wrong := sqlstore.NewKey(), sqlstore.NewKey()
		s := mustOpenWith(t, dsn, ring(t, key))
		storeSecrets(t, s)
		s.Close()
		_, err := openWith(t, dsn, ring(t, wrong))
		if !errors.Is(err, sqlstore.ErrUnknownKey) || !strings.Contains(err.Error(), sqlstore.KeyID(key)) || !strings.Contains(err.Error(), sqlstore.KeyID(wrong)) {
			t.Fatalf("open with a wrong key: %v", err)
		}
		for _, sec := range storedSecrets {
			if strings.Contains(err.Error(), sec) {
				t.Fatalf("the error tells a secret: %v", err)
			}
		}
		// Copy the AppSecret's ciphertext over the push token's.
		db := openRaw(t, dsn)
		if _, err := db.Exec(`UPDATE apps SET push_token = secret`); err != nil {
			t.Fatal(err)
		}
		_, err = openWith(t, dsn, ring(t, key))
		if err == nil || errors.Is(err, sqlstore.ErrUnknownKey) || !strings.Contains(err.Error(), "apps.push_token") {
			t.Fatalf("open with a ciphertext moved to another column: %v", err)
		}
	})
}

// TestLoadKeyring: a missing key file is created, owner-only, and read
// back the same; the environment wins over the file; bad keys are refused
// with what is wrong.
func TestLoadKeyring(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", sqlstore.DefaultKeyFile)
	k, created, err := sqlstore.LoadKeyring("", path)
	if err != nil || !created {
		t.Fatalf("first load: created %v, %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	again, created, err := sqlstore.LoadKeyring("", path)
	if err != nil || created || again.Primary() != k.Primary() {
		t.Fatalf("second load: %v / %v, created %v, %v", again.IDs(), k.IDs(), created, err)
	}
	a, b := sqlstore.NewKey(), sqlstore.NewKey()
	env, _, err := sqlstore.LoadKeyring(sqlstore.EncodeKey(a)+", "+sqlstore.EncodeKey(b), path)
	if err != nil || strings.Join(env.IDs(), ",") != sqlstore.KeyID(a)+","+sqlstore.KeyID(b) {
		t.Fatalf("keys from the environment: %v, %v", env.IDs(), err)
	}
	if err := os.WriteFile(path, []byte("# rotated\n"+sqlstore.EncodeKey(b)+"\n"+sqlstore.EncodeKey(a)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if f, _, err := sqlstore.LoadKeyring("", path); err != nil || f.Primary() != sqlstore.KeyID(b) || len(f.IDs()) != 2 {
		t.Fatalf("two keys from the file: %v, %v", f.IDs(), err)
	}
	for _, bad := range []string{"not base64!", sqlstore.EncodeKey(a[:16])} {
		if _, _, err := sqlstore.LoadKeyring(bad, path); err == nil || !strings.Contains(err.Error(), sqlstore.KeyEnv) {
			t.Errorf("key %q: %v, want an error naming %s", bad, err, sqlstore.KeyEnv)
		}
	}
}
