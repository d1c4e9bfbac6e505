package edge

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
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

// DecodeJSON reads a JSON request body of at most limit bytes into v,
// turning every way it can be wrong into a clear EINVALID or ETOOLARGE.
// Like WeChat's API, it reads JSON whatever the Content-Type says, except
// a multipart upload sent to the wrong place.
func DecodeJSON(r *http.Request, limit int64, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return kefu.Errorf(kefu.EINVALID, "send the body as JSON, not multipart/form-data")
	}
	body := http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(body)
	if err := dec.Decode(v); err != nil {
		return JSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return kefu.Errorf(kefu.EINVALID, "the body must hold a single JSON value")
	}
	return nil
}

// JSONError explains a JSON decoding failure to a person.
func JSONError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return kefu.Errorf(kefu.ETOOLARGE, "the body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return kefu.Errorf(kefu.EINVALID, "the body is empty; send a JSON object")
	case errors.As(err, &syntax):
		return kefu.Errorf(kefu.EINVALID, "the body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		return kefu.Errorf(kefu.EINVALID, "%s must be a %s, not a %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return kefu.Errorf(kefu.EINVALID, "the body ends in the middle of a JSON value")
	}
	return kefu.Errorf(kefu.EINVALID, "the body is not valid JSON: %v", err)
}

func jsonKind(k string) string {
	switch k {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	}
	return k
}
