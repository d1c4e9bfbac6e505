package edge

import (
	"encoding/json"
	"net/http"

	"github.com/kefuhq/kefu"
)

// ErrorBody is the JSON error shape of the client and desk APIs:
//
//	{"error": {"code": "invalid", "message": "text content is empty"}}
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is an error's code and its sentence for a person.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// StatusOf maps a domain error code to an HTTP status — the only place
// that does.
func StatusOf(code string) int {
	switch code {
	case kefu.EINVALID, kefu.ECHANNEL:
		return http.StatusBadRequest
	case kefu.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case kefu.EFORBIDDEN:
		return http.StatusForbidden
	case kefu.ENOTFOUND:
		return http.StatusNotFound
	case kefu.ECONFLICT, kefu.ECAPACITY, kefu.EDUPLICATE:
		return http.StatusConflict
	case kefu.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case kefu.EQUOTA, kefu.EWINDOW, kefu.ERATE:
		return http.StatusTooManyRequests
	case kefu.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteJSON writes v with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// WriteError answers with the error in the JSON API shape. Internal errors
// are logged and shown as "internal error" only.
func (s *Surface) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	code := kefu.ErrorCode(err)
	if code == kefu.EINTERNAL {
		s.Log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	WriteJSON(w, StatusOf(code), ErrorBody{Error: ErrorDetail{Code: code, Message: kefu.ErrorMessage(err)}})
}
