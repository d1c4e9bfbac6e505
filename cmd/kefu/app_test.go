package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

func kefuRun(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, noEnv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestAppCommand adds, lists and changes an app from the command line; a
// push URL must pass WeChat's handshake first.
func TestAppCommand(t *testing.T) {
	data := t.TempDir()
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if wechat.VerifySignature("hooktoken", q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
			w.Write([]byte(q.Get("echostr")))
			return
		}
		http.Error(w, "bad signature", http.StatusForbidden)
	}))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hello")) }))
	defer bad.Close()

	// The test servers listen on 127.0.0.1: refused unless allowed.
	code, _, errs := kefuRun("app", "add", "--data", data, "--appid", "wxcmdtest000000000001", "--original-id", "gh_cmdtest0001",
		"--secret", "0123456789abcdef0123", "--name", "Shop", "--push-url", good.URL, "--token", "hooktoken", "--aes-key", "generate",
		"--mode", "safe", "--format", "xml")
	if code == 0 || !strings.Contains(errs, "127.0.0.1 is a loopback address; allow private addresses for this app to push there") {
		t.Fatalf("a loopback push URL was accepted without --allow-private-push: exit %d %s", code, errs)
	}
	code, out, errs := kefuRun("app", "add", "--data", data, "--appid", "wxcmdtest000000000001", "--original-id", "gh_cmdtest0001",
		"--secret", "0123456789abcdef0123", "--name", "Shop", "--push-url", good.URL, "--token", "hooktoken", "--aes-key", "generate",
		"--mode", "safe", "--format", "xml", "--allow-private-push")
	if code != 0 || !strings.Contains(out, "added wxcmdtest000000000001") || !strings.Contains(out, "EncodingAESKey: ") {
		t.Fatalf("add: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = kefuRun("app", "add", "--data", data, "--appid", "wxcmdtest000000000002", "--original-id", "gh_cmdtest0002",
		"--secret", "0123456789abcdef0123", "--push-url", bad.URL, "--token", "hooktoken", "--mode", "plaintext", "--format", "json", "--allow-private-push")
	if code == 0 || !strings.Contains(errs, "handshake") {
		t.Fatalf("a URL that fails the handshake was accepted: exit %d %s", code, errs)
	}
	code, _, errs = kefuRun("app", "add", "--data", data, "--appid", "nope", "--original-id", "gh_cmdtest0003", "--secret", "0123456789abcdef0123")
	if code == 0 || !strings.Contains(errs, "appid must look like") {
		t.Fatalf("a bad appid: exit %d %s", code, errs)
	}
	code, _, errs = kefuRun("app", "set", "--data", data, "--appid", "wxcmdtest000000000001", "--push-url", bad.URL)
	if code == 0 || !strings.Contains(errs, "handshake") {
		t.Fatalf("set to a failing URL: exit %d %s", code, errs)
	}
	if code, out, errs = kefuRun("app", "set", "--data", data, "--appid", "wxcmdtest000000000001", "--name", "Renamed", "--format", "json"); code != 0 {
		t.Fatalf("set: exit %d %s%s", code, out, errs)
	}
	code, out, _ = kefuRun("app", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "wxcmdtest000000000001") || !strings.Contains(out, "Renamed") || !strings.Contains(out, "json") ||
		strings.Contains(out, "wxcmdtest000000000002") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	if code, _, errs = kefuRun("app", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: exit %d %s", code, errs)
	}
}

// TestAppAddConnect adds a connected app from the command line and prints
// what to paste into WeChat's console; --connect=false disconnects it.
func TestAppAddConnect(t *testing.T) {
	data := t.TempDir()
	code, out, errs := kefuRun("app", "add", "--data", data, "--appid", "wxcmdconnect00000001", "--original-id", "gh_cmdconnect1",
		"--secret", "0123456789abcdef0123", "--connect", "--upstream-token", "consoletoken", "--upstream-aes-key", "generate",
		"--upstream-mode", "safe", "--upstream-format", "xml", "--public-url", "https://kefu.example")
	if code != 0 || !strings.Contains(out, "https://kefu.example/connect/wxcmdconnect00000001") || !strings.Contains(out, "consoletoken") ||
		!strings.Contains(out, "EncodingAESKey") {
		t.Fatalf("add --connect: exit %d\n%s%s", code, out, errs)
	}
	code, _, errs = kefuRun("app", "add", "--data", data, "--appid", "wxcmdconnect00000002", "--original-id", "gh_cmdconnect2",
		"--secret", "0123456789abcdef0123", "--connect", "--upstream-mode", "safe")
	if code == 0 || !strings.Contains(errs, "upstream token") {
		t.Fatalf("a connected app without the console's token: exit %d %s", code, errs)
	}
	code, out, _ = kefuRun("app", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "https://api.weixin.qq.com") {
		t.Fatalf("list does not show the connection: exit %d\n%s", code, out)
	}
	if code, _, errs = kefuRun("app", "set", "--data", data, "--appid", "wxcmdconnect00000001", "--connect=false"); code != 0 {
		t.Fatalf("disconnect: exit %d %s", code, errs)
	}
	if _, out, _ = kefuRun("app", "list", "--data", data); strings.Contains(out, "api.weixin.qq.com") {
		t.Fatalf("still connected after --connect=false:\n%s", out)
	}
}
