package httpapi

import (
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/cgibin"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// recoverPanics turns a panicking handler into a 500 and a log line instead
// of a dropped connection. The answer has the surface's own shape: WeChat's
// errcode -1 on /cgi-bin (with status 200, as WeChat's errors), the JSON
// error and a 500 on /api, a plain-text 500 elsewhere.
// (If the handler had already begun its answer, the status stays its own.)
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				switch {
				case strings.HasPrefix(r.URL.Path, "/cgi-bin/"):
					cgibin.WriteBusy(w) // WeChat answers errors with 200
				case strings.HasPrefix(r.URL.Path, "/api/"):
					edge.WriteJSON(w, http.StatusInternalServerError, edge.ErrorBody{Error: edge.ErrorDetail{Code: kefu.EINTERNAL, Message: "internal error"}})
				default:
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}
		}()
		next.ServeHTTP(w, r)
	})
}
