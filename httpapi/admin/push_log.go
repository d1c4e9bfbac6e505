package admin

import (
	"net/http"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// adminPushAttempts lists push attempts newest first: ?appid=&conversation=
// &message=&failed=1&before=ID&limit=N. Anything that looks like one of the
// app's secrets is blanked, as a second line of defence.
func (s *Server) adminPushAttempts(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	ctx := r.Context()
	q := r.URL.Query()
	f := kefu.PushLogFilter{AppID: q.Get("appid"), FailedOnly: q.Get("failed") == "1" || q.Get("failed") == "true"}
	for name, dst := range map[string]*int64{"conversation": &f.ConversationID, "message": &f.MessageID, "before": &f.BeforeID} {
		v, err := edge.QueryInt(r, name, 0)
		if err != nil {
			s.WriteError(w, r, err)
			return
		}
		*dst = v
	}
	limit, err := edge.QueryInt(r, "limit", 50)
	if err != nil || limit <= 0 || limit > 200 {
		limit = 50
	}
	f.Limit = int(limit) + 1 // one more says whether there is a next page
	attempts, err := s.Read.PushAttempts(ctx, f)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	more := len(attempts) > int(limit)
	if more {
		attempts = attempts[:limit]
	}
	apps := map[string]*kefu.App{}
	views := make([]pushAttemptView, 0, len(attempts))
	for _, a := range attempts {
		app, ok := apps[a.AppID]
		if !ok {
			app, _ = s.Read.App(ctx, a.AppID)
			apps[a.AppID] = app
		}
		plain := &kefu.PushAttempt{RequestBody: pushPlaintext(a, app)} // decrypted before the key is redacted
		edge.RedactAttempt(a, app)
		edge.RedactAttempt(plain, app)
		views = append(views, pushAttemptView{PushAttempt: a, RequestPlaintext: plain.RequestBody})
	}
	edge.WriteJSON(w, http.StatusOK, map[string]any{"attempts": views, "more": more})
}

// adminRepush is the push inspector's "send again": the message's push
// starts over from its first try.
func (s *Server) adminRepush(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	id, err := edge.PathID(r, "id", "message")
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if err := s.Engine.RequeuePush(r.Context(), id); err != nil {
		s.WriteError(w, r, edge.NotFoundAs(err, "message"))
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
