package webtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/kefutest"
)

// TestAdminConnectedAppInBrowser adds an app connected to a real mini
// program in the admin page: a bad Token is refused with the domain's
// sentence; once saved, the page shows the URL to paste into WeChat's
// console with a copy button that copies it, the console settings beside
// it and the note about WeChat's own assistant; the secrets are not in
// the page afterwards, and the app's row says it is connected.
func TestAdminConnectedAppInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	s := kefutest.NewServer(t, kefutest.Options{})
	s.Agent("root", kefu.RoleAdmin)
	const appID, secret = "wxrealshop1234567", "realappsecret0123456789"
	p := newDeskTab(t, kefutest.Browser(t))
	p.noExceptions()
	for _, perm := range []string{"clipboard-read", "clipboard-write"} { // to read back what the copy button copied
		if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: perm}, Setting: browser.PermissionSettingGranted, Origin: s.URL}); err != nil {
			t.Fatal(err)
		}
	}
	p.signIn(s.URL+"/admin#apps", "root")

	p.click("#app-add")
	p.click("#app-kind-connected")
	p.wait("the console settings", `!document.querySelector("#app-up-token").closest(".inline").hidden`)
	p.fill("#app-appid", appID)
	p.fill("#app-original", "gh_realshop123")
	p.fill("#app-name", "Real Shop")
	p.fill("#app-secret", secret)
	p.fill("#app-up-token", "no!")
	p.click("#app-up-aes + button") // generate an EncodingAESKey
	p.click("#dialog-save")
	p.wait("the refusal", `document.querySelector("#dialog-result").classList.contains("is-error")`)
	if got := p.text("#dialog-result"); !strings.Contains(got, "pstream token must be 3 to 32 letters or digits") {
		t.Errorf("the refusal says %q", got)
	}
	p.fill("#app-up-token", "consoletoken42")
	deskJS[any](p, `(() => { const m = document.querySelector("#app-up-format"); m.value = "xml"; m.dispatchEvent(new Event("change")); })()`)
	p.click("#dialog-save")
	p.wait("saved", `document.querySelector("#dialog-result").classList.contains("is-ok")`)

	app, err := s.Store.App(context.Background(), appID)
	if err != nil || app.Upstream == nil || app.Upstream.Token != "consoletoken42" || len(app.Upstream.EncodingAESKey) != 43 ||
		app.Upstream.Mode != kefu.PushSafe || app.Upstream.Format != kefu.PushXML || app.Upstream.BaseURL != kefu.DefaultUpstreamURL || app.Secret != secret {
		t.Fatalf("saved app: %+v %+v %v", app, app.Upstream, err)
	}
	want := connector.URL(s.URL, appID)
	if got := deskJS[string](p, `document.querySelector("#app-connect-url").value`); got != want {
		t.Errorf("the URL to paste is %q, want %q", got, want)
	}
	paste := p.text("#app-console")
	for _, s := range []string{"consoletoken42", app.Upstream.EncodingAESKey, "Safe (安全模式)", "XML", "客服小助手", "quota"} {
		if !strings.Contains(paste, s) {
			t.Errorf("what to paste lacks %q: %q", s, paste)
		}
	}
	p.click("#app-copy-url")
	p.wait("copied", `document.querySelector("#app-copy-url").dataset.copied === "true"`)
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil || v != want {
		t.Errorf("the clipboard holds %q (%v), want %q", v, err, want)
	}
	p.screenshot("admin-connected-app")
	p.do(chromedp.EmulateViewport(390, 844))
	p.screenshot("admin-connected-app-phone")
	p.do(chromedp.EmulateViewport(1280, 800))

	// Closed and opened again: the URL is there, the secrets are not.
	deskJS[any](p, `document.querySelector("dialog").close()`)
	p.wait("the row", `document.querySelector("#apps-table").innerText.includes("Connected")`)
	if got := p.text(`#apps-table tr[data-appid="` + appID + `"]`); !strings.Contains(got, want) || !strings.Contains(got, "no relay") {
		t.Errorf("the app's row: %q", got)
	}
	p.click(`#apps-table tr[data-appid="` + appID + `"] button`)
	p.wait("the URL to paste", `!!document.querySelector("#app-connect-url")`)
	for _, secretValue := range []string{secret, "consoletoken42", app.Upstream.EncodingAESKey} {
		if strings.Contains(deskJS[string](p, `document.body.innerHTML`), secretValue) {
			t.Fatalf("a secret is on the page before reveal: %q", secretValue)
		}
	}
	p.click("#app-reveal")
	p.wait("the console secrets", `document.querySelector("#app-secrets").innerText.includes("consoletoken42")`)
}
