package cgibin

import (
	"errors"
	"fmt"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/wechat"
)

// TestCGIErrcodeMapping pins the one mapping from Kefu's error codes to
// WeChat's errcodes, including what no request can easily provoke.
func TestCGIErrcodeMapping(t *testing.T) {
	cases := []struct {
		call cgiCall
		err  error
		want int
	}{
		{callSend, kefu.Errorf(kefu.EWINDOW, "closed"), wechat.CodeResponseOutOfTime},
		{callTyping, kefu.Errorf(kefu.EWINDOW, "closed"), wechat.CodeTypingNoExchange},
		{callSend, kefu.Errorf(kefu.EQUOTA, "used up"), wechat.CodeOutOfResponseCount},
		{callTyping, kefu.Errorf(kefu.ECONFLICT, "already"), wechat.CodeTypingAlready},
		{callSend, kefu.Errorf(kefu.ECONFLICT, "?"), wechat.CodeSystemBusy},
		{callSend, kefu.Errorf(kefu.ECHANNEL, "web"), wechat.CodeInvalidSendType},
		{callSend, kefu.Errorf(kefu.ENOTFOUND, "no customer"), wechat.CodeInvalidOpenID},
		{callTyping, kefu.Errorf(kefu.ENOTFOUND, "no customer"), wechat.CodeInvalidOpenID},
		{callToken, kefu.Errorf(kefu.ENOTFOUND, "no app"), wechat.CodeInvalidAppID},
		{callMediaGet, kefu.Errorf(kefu.ENOTFOUND, "no media"), wechat.CodeInvalidMediaID},
		{callSend, kefu.Errorf(kefu.EINVALID, "bad"), wechat.CodeDataFormatError},
		{callToken, kefu.Errorf(kefu.EINVALID, "bad"), wechat.CodeDataFormatError},
		{callUpload, kefu.Errorf(kefu.EINVALID, "not an image"), wechat.CodeInvalidMediaType},
		{callMediaGet, kefu.Errorf(kefu.EINVALID, "bad"), wechat.CodeInvalidMediaID},
		{callUpload, kefu.Errorf(kefu.ETOOLARGE, "big"), codeMediaSize},
		{callSend, kefu.Errorf(kefu.ETOOLARGE, "big"), codeContentSize},
		{callTyping, kefu.Errorf(kefu.ETOOLARGE, "big"), wechat.CodeDataFormatError},
		{callSend, kefu.Errorf(kefu.EUNAUTHORIZED, "who"), wechat.CodeInvalidCredential},
		{callSend, kefu.Errorf(kefu.EUNAVAILABLE, "db down"), wechat.CodeSystemBusy},
		{callSend, errors.New("disk on fire"), wechat.CodeSystemBusy},
		{callSend, fmt.Errorf("wrapped: %w", wechat.NewAPIError(wechat.CodeInvalidMediaID)), wechat.CodeInvalidMediaID},
	}
	for _, tc := range cases {
		got := errcodeOf(tc.call, tc.err)
		if got.Code != tc.want || got.Msg == "" {
			t.Errorf("call %d, %v: errcode %d %q, want %d", tc.call, tc.err, got.Code, got.Msg, tc.want)
		}
	}
	// Internal failures show nothing of their cause.
	if got := errcodeOf(callSend, errors.New("secret detail")); got.Msg != "system error" {
		t.Errorf("internal error shown as %q", got.Msg)
	}
	// Domain messages add to WeChat's errmsg, never replace it.
	if got := errcodeOf(callSend, kefu.Errorf(kefu.EINVALID, "text content is empty")); got.Msg != "data format error: text content is empty" {
		t.Errorf("errmsg %q", got.Msg)
	}
}
