package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/httpapi/edge"
)

// TestPanicsAnswerInTheSurfacesShape: a handler that panics is logged and
// answered as its surface answers errors, so a WeChat SDK reads errcode -1
// ("retry later") and the workspace shows its usual error.
func TestPanicsAnswerInTheSurfacesShape(t *testing.T) {
	var logged strings.Builder
	s := &Server{Surface: edge.Surface{Log: slog.New(slog.NewTextHandler(&logged, nil))}}
	h := s.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	for _, tc := range []struct {
		path        string
		status      int
		contentType string
		check       func(body []byte) bool
	}{
		{"/cgi-bin/message/custom/send", http.StatusOK, "application/json", func(b []byte) bool {
			var v struct {
				ErrCode *int   `json:"errcode"`
				ErrMsg  string `json:"errmsg"`
			}
			return json.Unmarshal(b, &v) == nil && v.ErrCode != nil && *v.ErrCode == -1 && v.ErrMsg != ""
		}},
		{"/api/desk/conversations", http.StatusInternalServerError, "application/json", func(b []byte) bool {
			var v edge.ErrorBody
			return json.Unmarshal(b, &v) == nil && v.Error.Code == "internal" && v.Error.Message == "internal error"
		}},
		{"/desk", http.StatusInternalServerError, "text/plain", func(b []byte) bool {
			return strings.TrimSpace(string(b)) == "internal error"
		}},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, tc.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.contentType) || !tc.check(body) {
			t.Errorf("%s: %d %s %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), body)
		}
	}
	if n := strings.Count(logged.String(), "handler panicked"); n != 3 {
		t.Errorf("logged %d panics, want 3:\n%s", n, logged.String())
	}
}
