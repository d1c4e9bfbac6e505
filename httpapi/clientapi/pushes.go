package clientapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/wechat"
)

// The simulator shows, beside each message, the push the developer received
// for it. GET /api/client/pushes needs two credentials: the customer's token
// (which conversation) and the desk cookie of an agent or admin serving the
// app (who may look). A customer alone never sees pushes: their signatures
// are computed with the app's push token, and would let anyone try to guess
// that token offline. Secrets are never in a push, and are blanked anyway.

// simPush is one try of a push, as the simulator shows it.
type simPush struct {
	ID        int64      `json:"id"`
	MessageID int64      `json:"message_id"`
	Try       int        `json:"try"`
	URL       string     `json:"url"`
	Query     url.Values `json:"query"`
	Body      string     `json:"body"`
	// Plain is the decrypted body of a safe- or compatible-mode push.
	Plain         string          `json:"plain,omitempty"`
	Message       json.RawMessage `json:"message,omitempty"` // the push as the developer decodes it, in WeChat's JSON
	Status        int             `json:"status_code"`
	Response      string          `json:"response"`
	ResponsePlain string          `json:"response_plain,omitempty"` // a decrypted reply envelope
	Error         string          `json:"error,omitempty"`
	Warning       string          `json:"warning,omitempty"`
	Result        kefu.PushStatus `json:"result"`
	LatencyMS     float64         `json:"latency_ms"`
	CreatedAt     time.Time       `json:"created_at"`
}

func (s *Server) clientPushes(w http.ResponseWriter, r *http.Request, cl *edge.ClientClaims) {
	ctx := r.Context()
	a, _, err := s.DeskAgent(r)
	if err != nil {
		s.WriteError(w, r, kefu.Errorf(kefu.EUNAUTHORIZED, "sign in to the workspace as an agent of this app to see its pushes"))
		return
	}
	if !a.Serves(cl.App, 0) {
		s.WriteError(w, r, kefu.Errorf(kefu.EFORBIDDEN, "you do not serve this app, so you may not see its pushes"))
		return
	}
	app, err := s.Read.App(ctx, cl.App)
	if err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "app"))
		return
	}
	after, err := edge.QueryInt(r, "after", 0)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	attempts, err := s.Read.PushAttempts(ctx, kefu.PushLogFilter{AppID: app.ID, ConversationID: cl.Conversation, Limit: 200})
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := make([]*simPush, 0, len(attempts))
	for i := len(attempts) - 1; i >= 0; i-- { // oldest first
		if at := attempts[i]; at.ID > after {
			out = append(out, simPushOf(app, at))
		}
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"pushes": out})
}

// simPushOf decodes an attempt the way the developer's server would.
func simPushOf(app *kefu.App, at *kefu.PushAttempt) *simPush {
	edge.RedactAttempt(at, app)
	p := &simPush{ID: at.ID, MessageID: at.MessageID, Try: at.Try, URL: at.URL, Body: at.RequestBody, Status: at.StatusCode,
		Response: at.ResponseBody, Error: at.Error, Warning: at.Warning, Result: at.Result,
		LatencyMS: float64(at.Latency.Microseconds()) / 1000, CreatedAt: at.CreatedAt}
	p.Query, _ = url.ParseQuery(at.RequestQuery)
	if at.RequestBody == "" {
		return p
	}
	var cipher *wechat.Cipher
	if app.Push.EncodingAESKey != "" {
		var prev []string
		if app.Push.PreviousAESKey != "" {
			prev = append(prev, app.Push.PreviousAESKey)
		}
		cipher, _ = wechat.NewCipher(app.Push.EncodingAESKey, app.ID, prev...)
	}
	plain := []byte(at.RequestBody)
	if cipher != nil && wechat.IsEncrypted(p.Query) {
		if env, _, err := wechat.DecodeEnvelope(plain); err == nil && env.Encrypt != "" {
			if b, err := cipher.Decrypt(env.Encrypt); err == nil {
				plain, p.Plain = b, string(b)
			}
		}
	}
	if m, _, err := wechat.DecodeMessage(plain); err == nil {
		if b, err := wechat.EncodeMessage(m, wechat.FormatJSON); err == nil {
			p.Message = b
		}
	}
	if cipher != nil && at.ResponseBody != "" {
		if env, _, err := wechat.DecodeEnvelope([]byte(at.ResponseBody)); err == nil && env.Encrypt != "" {
			if b, err := cipher.Decrypt(env.Encrypt); err == nil {
				p.ResponsePlain = string(b)
			}
		}
	}
	return p
}
