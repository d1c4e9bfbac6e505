// Command devhook runs Kefu's demo developer hook (node/demohook, a push
// server written with the wechat package) on its own:
//
//	go run ./examples/devhook/cmd/devhook --kefu http://127.0.0.1:8080 \
//	    --appid wx… --secret … --original-id gh_… --token … --aes-key … --mode safe --format json
//
// then set the app's push URL to http://127.0.0.1:9090/ (kefu app set …).
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/kefuhq/kefu/node/demohook"
	"github.com/kefuhq/kefu/wechat"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9090", "address to listen on")
	base := flag.String("kefu", "http://127.0.0.1:8080", "base URL of the /cgi-bin API (Kefu, or https://api.weixin.qq.com)")
	appID := flag.String("appid", "", "the mini program's AppID")
	secret := flag.String("secret", "", "the AppSecret")
	originalID := flag.String("original-id", "", "the mini program's original id (gh_…)")
	token := flag.String("token", "", "the push Token")
	aesKey := flag.String("aes-key", "", "the EncodingAESKey (compatible and safe mode)")
	mode := flag.String("mode", "safe", "push mode: plaintext, compatible or safe")
	format := flag.String("format", "json", "push format: xml or json")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	m, err := wechat.ParseMode(*mode)
	if err != nil {
		fail(err)
	}
	f, err := wechat.ParseFormat(*format)
	if err != nil {
		fail(err)
	}
	if *appID == "" || *secret == "" || *token == "" {
		fail(fmt.Errorf("--appid, --secret and --token are required"))
	}
	h := demohook.New(demohook.Config{
		Endpoint: wechat.Endpoint{Token: *token, EncodingAESKey: *aesKey, AppID: *appID, OriginalID: *originalID, Mode: m, Format: f},
		Client:   wechat.NewClient(*appID, *secret, wechat.WithBaseURL(*base)),
		Log:      log,
	})
	log.Info("devhook listening", "addr", *addr, "kefu", *base)
	if err := http.ListenAndServe(*addr, h); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "devhook:", err)
	os.Exit(2)
}
