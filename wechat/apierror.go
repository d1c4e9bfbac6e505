package wechat

import (
	"errors"
	"fmt"
)

// WeChat API error codes (errcode) a mini program's customer-service calls
// meet, named for what they mean. ErrorMessage gives WeChat's errmsg text.
const (
	CodeOK                   = 0     // "ok"
	CodeSystemBusy           = -1    // system error, retry later
	CodeInvalidCredential    = 40001 // bad AppSecret, or an access_token that is invalid or not the latest
	CodeInvalidGrantType     = 40002 // grant_type is not client_credential
	CodeInvalidOpenID        = 40003 // touser is not an openid of this mini program
	CodeInvalidMediaType     = 40004 // upload type is not a supported media type
	CodeInvalidMediaID       = 40007 // media_id unknown or expired (temporary media live 3 days)
	CodeInvalidMessageType   = 40008 // msgtype unknown
	CodeInvalidAppID         = 40013 // appid unknown
	CodeInvalidAccessToken   = 40014 // access_token malformed
	CodeInvalidAppSecret     = 40125 // AppSecret malformed
	CodeAccessTokenMissing   = 41001 // no access_token parameter
	CodeAccessTokenExpired   = 42001 // access_token expired (2 hours)
	CodeRequireSubscribe     = 43004 // the user has not subscribed / talked to the mini program
	CodeEmptyPostData        = 44002 // empty request body
	CodeResponseOutOfTime    = 45015 // no user message within 48 hours, or the session was cancelled
	CodeOutOfResponseCount   = 45047 // send quota of the current window used up
	CodeInvalidTypingCommand = 45072 // command is neither Typing nor CancelTyping
	CodeTypingNoExchange     = 45080 // typing needs a message exchange in the last 30 seconds
	CodeTypingAlready        = 45081 // already typing
	CodeInvalidSendType      = 45162 // content of a type this channel cannot send
	CodeDataFormatError      = 47001 // body is not the expected JSON
	CodeAPIUnauthorized      = 48001 // the mini program may not call this API
)

// ErrorMessage returns WeChat's errmsg for code, or "" for a code not
// listed above.
func ErrorMessage(code int) string {
	switch code {
	case CodeOK:
		return "ok"
	case CodeSystemBusy:
		return "system error"
	case CodeInvalidCredential:
		return "invalid credential, access_token is invalid or not latest"
	case CodeInvalidGrantType:
		return "invalid grant_type"
	case CodeInvalidOpenID:
		return "invalid openid"
	case CodeInvalidMediaType:
		return "invalid media type"
	case CodeInvalidMediaID:
		return "invalid media_id"
	case CodeInvalidMessageType:
		return "invalid message type"
	case CodeInvalidAppID:
		return "invalid appid"
	case CodeInvalidAccessToken:
		return "invalid access_token"
	case CodeInvalidAppSecret:
		return "invalid appsecret"
	case CodeAccessTokenMissing:
		return "access_token missing"
	case CodeAccessTokenExpired:
		return "access_token expired"
	case CodeRequireSubscribe:
		return "require subscribe"
	case CodeEmptyPostData:
		return "empty post data"
	case CodeResponseOutOfTime:
		return "response out of time limit or subscription is canceled"
	case CodeOutOfResponseCount:
		return "out of response count limit"
	case CodeInvalidTypingCommand:
		return "invalid command"
	case CodeTypingNoExchange:
		return "no message exchange with the user in the last 30 seconds"
	case CodeTypingAlready:
		return "already typing"
	case CodeInvalidSendType:
		return "invalid type"
	case CodeDataFormatError:
		return "data format error"
	case CodeAPIUnauthorized:
		return "api unauthorized"
	}
	return ""
}

// ErrorResponse is the body of every WeChat API error, and of the success
// answer of calls that return nothing else ({"errcode":0,"errmsg":"ok"}).
type ErrorResponse struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// APIError is an error answer of the WeChat API.
type APIError struct {
	Code int    // errcode
	Msg  string // errmsg
}

// NewAPIError returns the error for code with WeChat's errmsg.
func NewAPIError(code int) *APIError {
	return &APIError{Code: code, Msg: ErrorMessage(code)}
}

// Error returns "wechat: errcode 45015: response out of time limit …".
func (e *APIError) Error() string {
	return fmt.Sprintf("wechat: errcode %d: %s", e.Code, e.Msg)
}

// Is makes errors.Is(err, &APIError{Code: c}) match any APIError with
// code c, whatever its message.
func (e *APIError) Is(target error) bool {
	t, ok := target.(*APIError)
	return ok && t.Code == e.Code
}

// Response returns the error as the body WeChat answers with.
func (e *APIError) Response() ErrorResponse {
	return ErrorResponse{ErrCode: e.Code, ErrMsg: e.Msg}
}

// ErrorCode returns the errcode of the APIError in err's chain, 0 if there
// is none.
func ErrorCode(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}
