// Package kefu is the domain of Kefu, a self-hosted customer-service platform
// for WeChat Mini Programs: the types every part shares (apps, customers,
// conversations, messages, agents), the session rules of WeChat's customer
// service as pure functions, and the error codes that each surface maps to its
// own shape (HTTP status, WeChat errcode, a sentence in the UI).
//
// Nothing here does I/O. The engine (package engine) applies these rules
// inside store transactions; the HTTP layer (package httpapi) speaks them.
package kefu

import (
	"errors"
	"fmt"
)

// Error codes. Only the edges map them to statuses or WeChat errcodes.
const (
	EINVALID      = "invalid"      // the request is malformed or breaks a rule
	ENOTFOUND     = "not_found"    // the thing does not exist (or the caller may not know it does)
	ECONFLICT     = "conflict"     // the state changed under the caller (already claimed, closed…)
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	EUNAUTHORIZED = "unauthorized" // the caller is not signed in
	EQUOTA        = "quota"        // a reply quota or rate is used up
	EWINDOW       = "window"       // the reply window has closed
	EUNAVAILABLE  = "unavailable"  // a dependency is down; try again
	EINTERNAL     = "internal"     // a bug or an unexpected failure; details only in logs
	ETOOLARGE     = "too_large"    // a body or upload exceeds its limit
	ECHANNEL      = "channel"      // the message kind is not allowed on the customer's channel
	ERATE         = "rate_limited" // too many requests in a short time
	ECAPACITY     = "capacity"     // the agent has no free session slot
	EDUPLICATE    = "duplicate"    // the same client message id was already accepted
)

// Error is a domain error: a code the edges map, and a message a person can
// read. Internal errors carry their cause for the logs only.
type Error struct {
	Code    string
	Message string
	Err     error // cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a domain error with the given code and message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first domain error in err's chain, or
// EINTERNAL when there is none.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of a domain error, or "internal
// error" for anything else, so that internals never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}

// ErrNotFound is returned by stores when a row does not exist.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "not found"}
