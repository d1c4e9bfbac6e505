package admin

import (
	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/wechat"
)

// pushAttemptView is a push attempt as the push inspector shows it: with an
// encrypted push's plaintext beside its envelope, decrypted here with the
// app's key (current or previous) so the admin sees what the developer got.
type pushAttemptView struct {
	*kefu.PushAttempt
	RequestPlaintext string `json:"request_plaintext,omitempty"`
}

// pushPlaintext decrypts an attempt's request body, if it is an envelope of
// app's. It is empty for plaintext pushes and bodies it cannot open.
func pushPlaintext(a *kefu.PushAttempt, app *kefu.App) string {
	if app == nil || app.Push.Mode == kefu.PushPlaintext || app.Push.EncodingAESKey == "" {
		return ""
	}
	env, _, err := wechat.DecodeEnvelope([]byte(a.RequestBody))
	if err != nil {
		return ""
	}
	var previous []string
	if app.Push.PreviousAESKey != "" {
		previous = append(previous, app.Push.PreviousAESKey)
	}
	c, err := wechat.NewCipher(app.Push.EncodingAESKey, app.ID, previous...)
	if err != nil {
		return ""
	}
	msg, err := c.Decrypt(env.Encrypt)
	if err != nil {
		return ""
	}
	return string(msg)
}
