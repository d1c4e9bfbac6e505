package cgibin

import (
	"context"
	"errors"
	"net/http"
	"unicode/utf8"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/wechat"
)

// maxLinkDescriptionRunes bounds a link card's description, which the
// domain leaves free.
const maxLinkDescriptionRunes = 512

// cgiSend is POST /cgi-bin/message/custom/send (and .../business/send):
// one message from the developer to a customer of the app. It goes through
// the engine like every other reply, so the reply quota applies (45015,
// 45047) and the message appears in the conversation for the customer and
// for agents.
func (s *Server) cgiSend(w http.ResponseWriter, r *http.Request, appID string) {
	var req wechat.CustomMessage
	if err := decodeCGI(w, r, s.Config.MaxBodyBytes, &req); err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	if err := req.Validate(); err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	ctx := r.Context()
	c, err := s.conversationOfOpenID(ctx, appID, req.ToUser)
	if err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	m, err := s.customMessage(ctx, appID, &req)
	if err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	if _, err := s.Engine.Send(ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderDeveloper, Source: "api", Message: m}); err != nil {
		s.writeCGIError(w, r, callSend, err)
		return
	}
	s.Metrics.Sent.WithLabelValues("developer").Inc()
	writeCGIOK(w)
}

// conversationOfOpenID finds the conversation of the app's customer
// touser; anyone else's openid is 40003.
func (s *Server) conversationOfOpenID(ctx context.Context, appID, openID string) (*kefu.Conversation, error) {
	if openID == "" {
		return nil, cgiError(wechat.CodeInvalidOpenID, "touser is empty")
	}
	cust, err := s.Read.CustomerByOpenID(ctx, appID, openID)
	if err == nil {
		var c *kefu.Conversation
		if c, err = s.Read.ConversationByCustomer(ctx, cust.ID); err == nil {
			return c, nil
		}
	}
	if errors.Is(err, kefu.ErrNotFound) {
		return nil, cgiError(wechat.CodeInvalidOpenID, "touser is not a user of this mini program")
	}
	return nil, err
}

// customMessage turns a validated send body into a message, checking what
// only the /cgi-bin surface knows: sizes (45002) and media (40007). The
// engine's Message.Validate checks every field (47001 with its sentence).
func (s *Server) customMessage(ctx context.Context, appID string, req *wechat.CustomMessage) (*kefu.Message, error) {
	tooLong := func(what string) error { return cgiError(codeContentSize, what+" is too long") }
	switch req.MsgType {
	case wechat.CustomText:
		// Kept as text, <a data-miniprogram-path> links included: that is
		// how WeChat's clients show them.
		if kefu.TextTooLong(req.Text.Content) {
			return nil, tooLong("text.content")
		}
		return &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: req.Text.Content}}, nil
	case wechat.CustomImage:
		if _, err := s.appMedia(ctx, appID, req.Image.MediaID); err != nil {
			return nil, err
		}
		return &kefu.Message{Kind: kefu.KindImage, Image: &kefu.Image{MediaID: req.Image.MediaID}}, nil
	case wechat.CustomLink:
		l := req.Link
		switch {
		case utf8.RuneCountInString(l.Title) > kefu.MaxTitleRunes:
			return nil, tooLong("link.title")
		case utf8.RuneCountInString(l.Description) > maxLinkDescriptionRunes:
			return nil, tooLong("link.description")
		}
		return &kefu.Message{Kind: kefu.KindLink, Link: &kefu.Link{Title: l.Title, Description: l.Description, URL: l.URL, ThumbURL: l.ThumbURL}}, nil
	case wechat.CustomMiniProgramPage:
		p := req.MiniProgramPage
		switch {
		case utf8.RuneCountInString(p.Title) > kefu.MaxTitleRunes:
			return nil, tooLong("miniprogrampage.title")
		case len(p.PagePath) > kefu.MaxURLBytes:
			return nil, tooLong("miniprogrampage.pagepath")
		}
		if _, err := s.appMedia(ctx, appID, p.ThumbMediaID); err != nil {
			return nil, err
		}
		return &kefu.Message{Kind: kefu.KindMiniProgramPage, MiniProgramPage: &kefu.MiniProgramPage{Title: p.Title, AppID: appID,
			PagePath: p.PagePath, ThumbMediaID: p.ThumbMediaID}}, nil
	}
	// Validate has refused every other msgtype.
	return nil, cgiError(wechat.CodeInvalidMessageType, req.MsgType)
}

// cgiTyping is POST /cgi-bin/message/custom/typing (and .../business/typing):
// {"touser","command":"Typing"|"CancelTyping"}. The customer's client shows
// it for 15 seconds or until the developer's next message.
func (s *Server) cgiTyping(w http.ResponseWriter, r *http.Request, appID string) {
	var req wechat.TypingRequest
	if err := decodeCGI(w, r, s.Config.MaxBodyBytes, &req); err != nil {
		s.writeCGIError(w, r, callTyping, err)
		return
	}
	if req.Command != wechat.TypingCommandTyping && req.Command != wechat.TypingCommandCancel {
		s.writeCGIError(w, r, callTyping, cgiError(wechat.CodeInvalidTypingCommand, "command must be Typing or CancelTyping"))
		return
	}
	ctx := r.Context()
	c, err := s.conversationOfOpenID(ctx, appID, req.ToUser)
	if err != nil {
		s.writeCGIError(w, r, callTyping, err)
		return
	}
	if err := s.Engine.DeveloperTyping(ctx, c, req.Command == wechat.TypingCommandTyping); err != nil {
		s.writeCGIError(w, r, callTyping, err)
		return
	}
	writeCGIOK(w)
}
