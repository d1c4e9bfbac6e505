package edge

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/kefuhq/kefu"
)

// RouteMux is what route tables are registered on: an *http.ServeMux, or a
// recorder in tests that checks every route's authorisation and that the
// OpenAPI description lists it.
type RouteMux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// PathID reads a numeric path value, or answers not found.
func PathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, kefu.Errorf(kefu.ENOTFOUND, "no such %s", what)
	}
	return id, nil
}

// QueryInt reads a non-negative integer query parameter.
func QueryInt(r *http.Request, name string, def int64) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, kefu.Errorf(kefu.EINVALID, "%s must be a non-negative integer", name)
	}
	return n, nil
}

// NotFoundAs names what was not found.
func NotFoundAs(err error, what string) error {
	if errors.Is(err, kefu.ErrNotFound) {
		return kefu.Errorf(kefu.ENOTFOUND, "no such %s", what)
	}
	return err
}
