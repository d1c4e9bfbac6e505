package cgibin

import (
	"net/http"

	"github.com/kefuhq/kefu/wechat"
)

// cgiCustomerAttributes sets custom attributes of a customer (Kefu's own
// call, in /cgi-bin's shape): {"touser": openid, "attributes": {key: value}}.
// An unknown openid is 40003; an unknown key or a value that does not fit
// its attribute is 47001 with the reason, and nothing is set. The answer
// carries every value after the change. See docs/cgi-bin.md.
func (s *Server) cgiCustomerAttributes(w http.ResponseWriter, r *http.Request, appID string) {
	var req struct {
		ToUser     string            `json:"touser"`
		Attributes map[string]string `json:"attributes"`
	}
	if err := decodeCGI(w, r, s.Config.MaxBodyBytes, &req); err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	ctx := r.Context()
	c, err := s.conversationOfOpenID(ctx, appID, req.ToUser)
	if err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	after, err := s.Engine.SetCustomerAttributes(ctx, c.CustomerID, nil, req.Attributes)
	if err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	writeCGI(w, struct {
		ErrCode    int               `json:"errcode"`
		ErrMsg     string            `json:"errmsg"`
		Attributes map[string]string `json:"attributes"`
	}{wechat.CodeOK, wechat.ErrorMessage(wechat.CodeOK), after})
}
