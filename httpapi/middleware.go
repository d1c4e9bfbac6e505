package httpapi

import (
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/wechat"
)

// securityHeaders sets the headers every response carries. Pages set their
// own Content-Security-Policy (see pages.go); API responses get one that
// allows nothing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/cgi-bin/") {
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

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
				s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				switch {
				case strings.HasPrefix(r.URL.Path, "/cgi-bin/"):
					writeCGI(w, cgiError(wechat.CodeSystemBusy, "")) // WeChat answers errors with 200
				case strings.HasPrefix(r.URL.Path, "/api/"):
					writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: kefu.EINTERNAL, Message: "internal error"}})
				default:
					http.Error(w, "internal error", http.StatusInternalServerError)
				}
			}
		}()
		next.ServeHTTP(w, r)
	})
}
