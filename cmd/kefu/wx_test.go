package main

import (
	"bytes"
	"strings"
	"testing"
)

// WeChat's official vectors (docs/wechat.md#test-vectors).
const (
	vecToken   = "AAAAA"
	vecAESKey  = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	vecAppID   = "wxba5fad812f8e6fb9"
	vecEncrypt = "+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="
	vecPlain   = `{"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}`
	vecReply   = `{"Encrypt":"ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==","MsgSignature":"1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1","TimeStamp":1713424427,"Nonce":"415670741"}`
)

func runWx(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"wx"}, args...), noEnv, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestWxSign(t *testing.T) {
	code, out, errOut := runWx(t, "", "sign", "--token", "AAAAA", "--timestamp", "1714036504", "--nonce", "1514711492")
	if code != 0 || out != "signature=f464b24fc39322e44b38aa78f5edd27bd1441696\n" {
		t.Errorf("sign = %d %q %q", code, out, errOut)
	}
	code, out, _ = runWx(t, "", "sign", "-token=AAAAA", "-timestamp=1714112445", "-nonce=415670741", "-encrypt="+vecEncrypt)
	want := "signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d\nmsg_signature=046e02f8204d34f8ba5fa3b1db94908f3df2e9b3\n"
	if code != 0 || out != want {
		t.Errorf("sign with encrypt = %d %q, want %q", code, out, want)
	}
}

func TestWxDecrypt(t *testing.T) {
	pushFlags := []string{"decrypt", "--token", vecToken, "--aes-key", vecAESKey, "--appid", vecAppID, "--timestamp", "1714112445", "--nonce", "415670741"}
	good := append(pushFlags, "--msg-signature", "046e02f8204d34f8ba5fa3b1db94908f3df2e9b3")
	bodies := map[string]string{
		"json push": `{"ToUserName":"gh_97417a04a28d","Encrypt":"` + vecEncrypt + `"}`,
		"xml push":  "<xml>\n<ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n<Encrypt><![CDATA[" + vecEncrypt + "]]></Encrypt>\n</xml>\n",
		"bare":      vecEncrypt + "\n",
	}
	for name, body := range bodies {
		code, out, errOut := runWx(t, body, good...)
		if code != 0 || out != vecPlain+"\n" {
			t.Errorf("%s: decrypt = %d %q %q", name, code, out, errOut)
		}
	}
	// A reply envelope carries its own signature, timestamp and nonce.
	code, out, errOut := runWx(t, vecReply, "decrypt", "--token", vecToken, "--aes-key", vecAESKey, "--appid", vecAppID)
	if code != 0 || out != `{"demo_resp":"good luck"}`+"\n" {
		t.Errorf("reply: decrypt = %d %q %q", code, out, errOut)
	}

	failures := []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"bad signature", bodies["json push"], append(pushFlags, "--msg-signature", "0000000000000000000000000000000000000000"), "give 046e02f8204d34f8ba5fa3b1db94908f3df2e9b3"},
		{"missing verification flags", bodies["bare"], []string{"decrypt", "--aes-key", vecAESKey, "--appid", vecAppID}, "verifying needs --token, --timestamp, --nonce, --msg-signature"},
		{"missing key", bodies["bare"], []string{"decrypt", "--appid", vecAppID}, "missing --aes-key"},
		{"bad key", bodies["bare"], []string{"decrypt", "--aes-key", "short", "--appid", vecAppID}, "43"},
		{"wrong appid", bodies["bare"], []string{"decrypt", "--no-verify", "--aes-key", vecAESKey, "--appid", "wxother"}, "appid mismatch"},
		{"wrong key", bodies["bare"], []string{"decrypt", "--no-verify", "--aes-key", strings.Repeat("B", 43), "--appid", vecAppID}, "bad padding"},
		{"empty stdin", "", append(pushFlags, "--msg-signature", "x"), "stdin is empty"},
		{"broken envelope", `{"ToUserName":"gh"}`, good, "no Encrypt"},
	}
	for _, tt := range failures {
		code, out, errOut := runWx(t, tt.stdin, tt.args...)
		if code != 1 || out != "" || !strings.Contains(errOut, tt.want) || !strings.HasPrefix(errOut, "kefu wx decrypt: ") {
			t.Errorf("%s: %d %q %q, want exit 1 and %q", tt.name, code, out, errOut, tt.want)
		}
	}
	// --no-verify shows what a body holds whatever the signature.
	code, out, _ = runWx(t, bodies["bare"], "decrypt", "--no-verify", "--aes-key", vecAESKey, "--appid", vecAppID)
	if code != 0 || out != vecPlain+"\n" {
		t.Errorf("--no-verify: %d %q", code, out)
	}
}

func TestWxEncryptReproducesTheOfficialReply(t *testing.T) {
	flags := []string{"encrypt", "--token", vecToken, "--aes-key", vecAESKey, "--appid", vecAppID, "--timestamp", "1713424427", "--nonce", "415670741", "--random", "707722b803182950"}
	code, out, errOut := runWx(t, `{"demo_resp":"good luck"}`+"\n", flags...)
	if code != 0 || out != vecReply+"\n" {
		t.Errorf("encrypt from stdin = %d\n%s\nwant\n%s\n%s", code, out, vecReply, errOut)
	}
	code, out, _ = runWx(t, "", append(flags, "--message", `{"demo_resp":"good luck"}`, "--format", "xml")...)
	wantXML := "<xml><Encrypt><![CDATA[ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==]]></Encrypt><MsgSignature><![CDATA[1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1]]></MsgSignature><TimeStamp>1713424427</TimeStamp><Nonce><![CDATA[415670741]]></Nonce></xml>\n"
	if code != 0 || out != wantXML {
		t.Errorf("encrypt --format xml = %d\n%s\nwant\n%s", code, out, wantXML)
	}

	// Without the reproducibility flags, the envelope still decrypts.
	code, sealed, _ := runWx(t, "hello", "encrypt", "--token", vecToken, "--aes-key", vecAESKey, "--appid", vecAppID)
	if code != 0 {
		t.Fatalf("encrypt: %d", code)
	}
	code, out, errOut = runWx(t, sealed, "decrypt", "--token", vecToken, "--aes-key", vecAESKey, "--appid", vecAppID)
	if code != 0 || out != "hello\n" {
		t.Errorf("decrypt(encrypt(hello)) = %d %q %q", code, out, errOut)
	}
}

func TestWxUsage(t *testing.T) {
	tests := []struct {
		args      []string
		code      int
		out, want string // want is looked for in stdout if out == "out", else stderr
	}{
		{[]string{}, 2, "err", "Commands:"},
		{[]string{"-h"}, 0, "out", "Commands:"},
		{[]string{"frobnicate"}, 2, "err", `unknown command "frobnicate"`},
		{[]string{"sign", "-h"}, 0, "out", "Usage: kefu wx sign"},
		{[]string{"decrypt", "--help"}, 0, "out", "-no-verify"},
		{[]string{"encrypt", "-h"}, 0, "out", "-random prefix"},
		{[]string{"sign", "--bogus"}, 2, "err", "flag provided but not defined: -bogus"},
		{[]string{"sign", "--token", "t", "--timestamp", "1", "--nonce", "2", "extra"}, 2, "err", `unexpected argument "extra"`},
		{[]string{"sign", "--token", "t"}, 1, "err", "missing --timestamp, --nonce"},
		{[]string{"encrypt", "--token", "t", "--aes-key", vecAESKey, "--appid", "wx", "--random", "short"}, 1, "err", "--random must be 16 bytes"},
		{[]string{"encrypt", "--token", "t", "--aes-key", vecAESKey, "--appid", "wx", "--format", "yaml"}, 2, "err", "unknown data format"},
		{[]string{"encrypt", "--token", "t", "--aes-key", vecAESKey, "--appid", "wx", "--timestamp", "soon"}, 2, "err", "invalid value"},
	}
	for _, tt := range tests {
		code, out, errOut := runWx(t, "", tt.args...)
		where := errOut
		if tt.out == "out" {
			where = out
		}
		if code != tt.code || !strings.Contains(where, tt.want) {
			t.Errorf("kefu wx %v = %d\nstdout %q\nstderr %q\nwant exit %d and %q in std%s", tt.args, code, out, errOut, tt.code, tt.want, tt.out)
		}
	}
}
