package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/sqlstore"
)

// TestSecretsRotateCommand: kefu app writes an app's secret encrypted under
// the key file it creates; with a new key put first, kefu secrets rotate
// moves every secret to it, after which the new key alone reads the app.
func TestSecretsRotateCommand(t *testing.T) {
	data := t.TempDir()
	secret := "rotatesecret0123456789"
	code, _, errs := kefuRun("app", "add", "--data", data, "--appid", "wxcmdrotate000000001", "--original-id", "gh_cmdrotate01",
		"--name", "Rotate", "--secret", secret)
	if code != 0 {
		t.Fatalf("kefu app add: exit %d, %s", code, errs)
	}
	db, err := os.ReadFile(filepath.Join(data, "kefu.db"))
	if err != nil || strings.Contains(string(db), secret) {
		t.Fatalf("the AppSecret is in clear in the database file (%v)", err)
	}
	keyFile := filepath.Join(data, sqlstore.DefaultKeyFile)
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := kefuRun("secrets", "new-key")
	if code != 0 {
		t.Fatalf("new-key: exit %d, %s", code, errs)
	}
	newKey := strings.TrimSpace(out)
	keys, err := sqlstore.ParseKeys(newKey)
	if err != nil || len(keys) != 1 || len(keys[0]) != sqlstore.KeySize {
		t.Fatalf("new-key printed %q: %v", out, err)
	}
	env := map[string]string{sqlstore.KeyEnv: newKey + "," + strings.TrimSpace(lastLine(string(old)))}
	code, out, errs = kefuRunEnv(env, "secrets", "rotate", "--data", data)
	if code != 0 || !strings.Contains(out, "under key "+sqlstore.KeyID(keys[0])) || !strings.Contains(out, "no secret is under another key") {
		t.Fatalf("rotate: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = kefuRunEnv(map[string]string{sqlstore.KeyEnv: newKey}, "app", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "wxcmdrotate000000001") {
		t.Fatalf("app list with the new key alone: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = kefuRun("app", "list", "--data", data) // the old key file
	if code == 0 || !strings.Contains(errs, "not configured") {
		t.Fatalf("app list with the retired key: exit %d, %s", code, errs)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
