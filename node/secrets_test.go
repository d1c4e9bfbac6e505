package node_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/node"
	"github.com/kefuhq/kefu/sqlstore"
)

// TestSecretKeyFileAndWrongKey: a first start creates the key file, 0600,
// and says so once in the log without the key; a later start with another
// key refuses to start with a sentence naming the setting, and leaves no
// stray key file behind.
func TestSecretKeyFileAndWrongKey(t *testing.T) {
	dir := t.TempDir()
	var logs bytes.Buffer
	cfg := node.Config{Addr: "127.0.0.1:0", DataDir: dir, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Shutdown(context.Background())
	path := filepath.Join(dir, sqlstore.DefaultKeyFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v", fi, err)
	}
	data, _ := os.ReadFile(path)
	keys, err := sqlstore.ParseKeys(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if c := strings.Count(logs.String(), "created the secret key file"); c != 1 || strings.Contains(logs.String(), sqlstore.EncodeKey(keys[0])) {
		t.Fatalf("log tells of the key file %d times, or tells the key:\n%s", c, logs.String())
	}
	logs.Reset()
	n, err = node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Shutdown(context.Background())
	if strings.Contains(logs.String(), "created the secret key file") {
		t.Fatalf("second start created a key file again:\n%s", logs.String())
	}

	cfg.SecretKeys = sqlstore.EncodeKey(sqlstore.NewKey())
	if _, err := node.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), sqlstore.KeyEnv) ||
		!strings.Contains(err.Error(), sqlstore.KeyID(keys[0])) {
		t.Fatalf("start with another key: %v", err)
	}
	cfg.SecretKeys = ""
	cfg.SecretKeyFile = filepath.Join(t.TempDir(), "new.key")
	if _, err := node.Open(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "--secret-key-file") {
		t.Fatalf("start with a fresh key file on an encrypted database: %v", err)
	}
	if _, err := os.Stat(cfg.SecretKeyFile); !os.IsNotExist(err) {
		t.Fatalf("the key file made for a database it cannot read was kept: %v", err)
	}
}
