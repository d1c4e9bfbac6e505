package edge

import (
	"strings"

	"github.com/kefuhq/kefu"
)

// RedactAttempt blanks an app's secrets wherever they would appear.
func RedactAttempt(a *kefu.PushAttempt, app *kefu.App) {
	if app == nil {
		return
	}
	var pairs []string
	for _, secret := range []string{app.Secret, app.Push.Token, app.Push.EncodingAESKey, app.Push.PreviousAESKey, app.IdentitySecret} {
		if len(secret) >= 8 { // shorter ones would blank ordinary words
			pairs = append(pairs, secret, "[redacted]")
		}
	}
	if len(pairs) == 0 {
		return
	}
	rep := strings.NewReplacer(pairs...)
	a.URL, a.RequestQuery, a.RequestBody = rep.Replace(a.URL), rep.Replace(a.RequestQuery), rep.Replace(a.RequestBody)
	a.ResponseBody, a.Error = rep.Replace(a.ResponseBody), rep.Replace(a.Error)
}
