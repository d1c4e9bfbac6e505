package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/netguard"
	"github.com/kefuhq/kefu/wechat"
)

const appUsage = `Usage: kefu app add|list|set [flags]

  add   add a mini program: --appid --original-id --secret [--name]
        [--push-url --token --aes-key --mode --format --allow-private-push]
        [--connect --upstream-token --upstream-aes-key --upstream-mode
         --upstream-format --upstream-url]
  list  list mini programs
  set   change one: --appid and the flags to change

A push URL is verified with WeChat's handshake before it is saved. It may
point to loopback, private or other internal addresses only with
--allow-private-push (a developer's server on Kefu's own network).

--connect connects Kefu to a real mini program (see docs/connect.md):
--appid, --original-id and --secret are its real AppID, gh_ id and
AppSecret; the --upstream-* flags are what you set on WeChat's console
(消息推送), where you paste the URL this command prints as the push URL.
--push-url is then the relay to your own backend (optional).
`

// appCommand manages apps straight in the store (the server may be running).
func appCommand(args []string, env lookupEnv, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, appUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add", "list", "set":
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, appUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "kefu app: unknown subcommand %q\n\n%s", sub, appUsage)
		return 2
	}
	fs := flag.NewFlagSet("kefu app "+sub, flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintf(fs.Output(), "%s\nFlags:\n", appUsage); fs.PrintDefaults() }
	var sf storeFlags
	sf.register(fs)
	appID := fs.String("appid", "", "the AppID (wx…)")
	originalID := fs.String("original-id", "", "the original id (gh_…)")
	name := fs.String("name", "", "a name for people")
	secret := fs.String("secret", "", "the AppSecret used with /cgi-bin/token")
	pushURL := fs.String("push-url", "", "the developer's message push URL (empty: messages go straight to customer service)")
	token := fs.String("token", "", "the push Token")
	aesKey := fs.String("aes-key", "", "the EncodingAESKey (43 characters; \"generate\" makes one)")
	mode := fs.String("mode", "", "push mode: plaintext, compatible or safe")
	format := fs.String("format", "", "push format: xml or json")
	allowPrivate := fs.Bool("allow-private-push", false, "let pushes reach loopback, private and other internal addresses")
	origins := fs.String("widget-origins", "", "comma-separated origins allowed to embed the chat widget")
	connect := fs.Bool("connect", false, "connect to a real mini program on WeChat (false with set: disconnect)")
	upURL := fs.String("upstream-url", kefu.DefaultUpstreamURL, "WeChat's API host, for a connected app")
	upToken := fs.String("upstream-token", "", "the Token set on WeChat's console, for a connected app")
	upKey := fs.String("upstream-aes-key", "", "the EncodingAESKey set on WeChat's console (\"generate\" makes one)")
	upMode := fs.String("upstream-mode", "safe", "the console's encryption mode: plaintext, compatible or safe")
	upFormat := fs.String("upstream-format", "json", "the console's data format: xml or json")
	publicURL := fs.String("public-url", "", "Kefu's public https URL, to print the push URL of a connected app")
	vars := settingsFromEnv(fs, "KEFU_", "data", "db", "secret-key-file", "public-url") // the settings shared with kefu serve
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if err := vars.apply(fs, env); err != nil {
		fmt.Fprintf(stderr, "kefu app: %v\n", err)
		return 2
	}
	ctx := context.Background()
	store, err := sf.open(ctx, env)
	if err != nil {
		fmt.Fprintf(stderr, "kefu app: %v\n", err)
		return 1
	}
	defer store.Close()
	hc := &http.Client{Timeout: wechat.VerifyURLTimeout, Transport: netguard.Transport(nil)}
	eng := engine.New(store, nopBus{}, kefu.SystemClock{}, nil, nil, engine.Config{
		VerifyPushURL: func(ctx context.Context, url, token string) error { return wechat.VerifyURL(ctx, hc, url, token) }})
	if *aesKey == "generate" {
		*aesKey = engine.NewAlnum(43)
	}
	if *upKey == "generate" {
		*upKey = engine.NewAlnum(43)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	apply := func(a *kefu.App) {
		for flagName, apply := range map[string]func(){
			"original-id": func() { a.OriginalID = *originalID }, "name": func() { a.Name = *name },
			"secret": func() { a.Secret = *secret }, "push-url": func() { a.Push.URL = *pushURL },
			"token": func() { a.Push.Token = *token }, "aes-key": func() { a.Push.EncodingAESKey = *aesKey },
			"mode": func() { a.Push.Mode = kefu.PushMode(*mode) }, "format": func() { a.Push.Format = kefu.PushFormat(*format) },
			"widget-origins":     func() { a.WidgetOrigins = splitList(*origins) },
			"allow-private-push": func() { a.Push.AllowPrivate = *allowPrivate },
		} {
			if set[flagName] {
				apply()
			}
		}
		if set["connect"] && !*connect {
			a.Upstream = nil
			return
		}
		if set["connect"] && a.Upstream == nil {
			a.Upstream = &kefu.Upstream{BaseURL: *upURL, Token: *upToken, EncodingAESKey: *upKey,
				Mode: kefu.PushMode(*upMode), Format: kefu.PushFormat(*upFormat)}
			return
		}
		if a.Upstream != nil {
			for flagName, apply := range map[string]func(){
				"upstream-url": func() { a.Upstream.BaseURL = *upURL }, "upstream-token": func() { a.Upstream.Token = *upToken },
				"upstream-aes-key": func() { a.Upstream.EncodingAESKey = *upKey },
				"upstream-mode":    func() { a.Upstream.Mode = kefu.PushMode(*upMode) },
				"upstream-format":  func() { a.Upstream.Format = kefu.PushFormat(*upFormat) },
			} {
				if set[flagName] {
					apply()
				}
			}
		}
	}
	printConnect := func(a *kefu.App) {
		if a.Upstream == nil {
			return
		}
		base := strings.TrimRight(*publicURL, "/")
		if base == "" {
			base = "https://<kefu>"
		}
		fmt.Fprintf(stdout, "Connected. On WeChat's console (开发管理 → 开发设置 → 消息推送) set:\n")
		fmt.Fprintf(stdout, "  URL             %s\n  Token           %s\n", base+"/connect/"+a.ID, a.Upstream.Token)
		if a.Upstream.EncodingAESKey != "" {
			fmt.Fprintf(stdout, "  EncodingAESKey  %s\n", a.Upstream.EncodingAESKey)
		}
		fmt.Fprintf(stdout, "  mode            %s\n  format          %s\n", a.Upstream.Mode, a.Upstream.Format)
	}
	switch sub {
	case "add":
		a := &kefu.App{ID: *appID}
		apply(a)
		err = eng.CreateApp(ctx, a)
		if err == nil {
			fmt.Fprintf(stdout, "added %s (%s)\n", a.ID, a.OriginalID)
			if set["aes-key"] {
				fmt.Fprintf(stdout, "EncodingAESKey: %s\n", a.Push.EncodingAESKey)
			}
			printConnect(a)
		}
	case "set":
		var a *kefu.App
		if a, err = store.App(ctx, *appID); errors.Is(err, kefu.ErrNotFound) {
			err = fmt.Errorf("no app %q", *appID)
			break
		} else if err != nil {
			break
		}
		apply(a)
		if err = eng.SaveApp(ctx, a); err == nil {
			fmt.Fprintf(stdout, "saved %s\n", a.ID)
			printConnect(a)
		}
	case "list":
		var apps []*kefu.App
		if apps, err = store.Apps(ctx); err == nil {
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "APPID\tORIGINAL ID\tNAME\tPUSH URL\tMODE\tFORMAT\tCONNECTED TO")
			for _, a := range apps {
				up := "-"
				if a.Upstream != nil {
					up = a.Upstream.BaseURL
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.OriginalID, a.Name, orDash(a.Push.URL), a.Push.Mode, a.Push.Format, up)
			}
			tw.Flush()
		}
	}
	if err != nil {
		msg := err.Error()
		if kefu.ErrorCode(err) != kefu.EINTERNAL {
			msg = kefu.ErrorMessage(err)
		}
		fmt.Fprintf(stderr, "kefu app %s: %s\n", sub, msg)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// nopBus drops events: the app command changes settings only, which no
// live client watches.
type nopBus struct{}

func (nopBus) Publish(string, []byte, any) {}
