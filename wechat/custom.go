package wechat

import (
	"context"
	"fmt"
	"html"
)

// Kinds of customer-service message (CustomMessage.MsgType).
const (
	CustomText            = "text"
	CustomImage           = "image"
	CustomLink            = "link"
	CustomMiniProgramPage = "miniprogrampage"
)

// CustomMessage is the body of /cgi-bin/message/custom/send: one message to
// one user, with exactly the content field that MsgType names.
type CustomMessage struct {
	ToUser          string                  `json:"touser"`
	MsgType         string                  `json:"msgtype"`
	Text            *TextContent            `json:"text,omitempty"`
	Image           *MediaContent           `json:"image,omitempty"`
	Link            *LinkContent            `json:"link,omitempty"`
	MiniProgramPage *MiniProgramPageContent `json:"miniprogrampage,omitempty"`
}

// TextContent is a text message. Content may hold mini program links, see
// MiniProgramLink.
type TextContent struct {
	Content string `json:"content"`
}

// MediaContent is an image message: a media_id from UploadTempMedia.
type MediaContent struct {
	MediaID string `json:"media_id"`
}

// LinkContent is a link card.
type LinkContent struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	ThumbURL    string `json:"thumb_url"`
}

// MiniProgramPageContent is a mini program card; the thumbnail is a
// media_id from UploadTempMedia.
type MiniProgramPageContent struct {
	Title        string `json:"title"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id"`
}

// Validate checks that m has a touser, a known msgtype, and the matching
// content with its required fields, returning the *APIError WeChat would
// answer (40003, 40008 or 47001). Kefu's /cgi-bin uses it; Send does not,
// leaving the verdict to the server.
func (m *CustomMessage) Validate() error {
	if m.ToUser == "" {
		return &APIError{Code: CodeInvalidOpenID, Msg: ErrorMessage(CodeInvalidOpenID) + ": touser is empty"}
	}
	missing := func(what string) error {
		return &APIError{Code: CodeDataFormatError, Msg: ErrorMessage(CodeDataFormatError) + ": msgtype " + m.MsgType + " needs " + what}
	}
	switch m.MsgType {
	case CustomText:
		if m.Text == nil {
			return missing("text.content")
		}
	case CustomImage:
		if m.Image == nil || m.Image.MediaID == "" {
			return missing("image.media_id")
		}
	case CustomLink:
		if m.Link == nil || m.Link.URL == "" || m.Link.Title == "" {
			return missing("link.title and link.url")
		}
	case CustomMiniProgramPage:
		if m.MiniProgramPage == nil || m.MiniProgramPage.PagePath == "" || m.MiniProgramPage.ThumbMediaID == "" {
			return missing("miniprogrampage.pagepath and miniprogrampage.thumb_media_id")
		}
	default:
		return &APIError{Code: CodeInvalidMessageType, Msg: fmt.Sprintf("%s: %q", ErrorMessage(CodeInvalidMessageType), m.MsgType)}
	}
	return nil
}

// MiniProgramLink returns the text-message form of a link that opens a mini
// program page: <a href="href" data-miniprogram-appid="appID"
// data-miniprogram-path="pagePath">text</a>, escaped. Clients that cannot
// open mini programs follow href.
func MiniProgramLink(text, href, appID, pagePath string) string {
	return fmt.Sprintf(`<a href="%s" data-miniprogram-appid="%s" data-miniprogram-path="%s">%s</a>`,
		html.EscapeString(href), html.EscapeString(appID), html.EscapeString(pagePath), html.EscapeString(text))
}

// Send posts m to /cgi-bin/message/custom/send. Errors from WeChat are
// *APIError: 45015 when the user's 48-hour window is closed, 45047 when the
// window's quota is used up.
func (c *Client) Send(ctx context.Context, m *CustomMessage) error {
	if err := c.postJSON(ctx, "/cgi-bin/message/custom/send", m, nil); err != nil {
		return fmt.Errorf("wechat: send %s: %w", m.MsgType, err)
	}
	return nil
}

// SendText sends a text message (see MiniProgramLink for links in it).
func (c *Client) SendText(ctx context.Context, toUser, content string) error {
	return c.Send(ctx, &CustomMessage{ToUser: toUser, MsgType: CustomText, Text: &TextContent{Content: content}})
}

// SendImage sends an image uploaded with UploadTempMedia.
func (c *Client) SendImage(ctx context.Context, toUser, mediaID string) error {
	return c.Send(ctx, &CustomMessage{ToUser: toUser, MsgType: CustomImage, Image: &MediaContent{MediaID: mediaID}})
}

// SendLink sends a link card.
func (c *Client) SendLink(ctx context.Context, toUser string, link LinkContent) error {
	return c.Send(ctx, &CustomMessage{ToUser: toUser, MsgType: CustomLink, Link: &link})
}

// SendMiniProgramPage sends a mini program card.
func (c *Client) SendMiniProgramPage(ctx context.Context, toUser string, page MiniProgramPageContent) error {
	return c.Send(ctx, &CustomMessage{ToUser: toUser, MsgType: CustomMiniProgramPage, MiniProgramPage: &page})
}

// Typing commands (TypingRequest.Command).
const (
	TypingCommandTyping = "Typing"
	TypingCommandCancel = "CancelTyping"
)

// TypingRequest is the body of /cgi-bin/message/custom/typing.
type TypingRequest struct {
	ToUser  string `json:"touser"`
	Command string `json:"command"`
}

// Typing shows (typing true) or cancels the "typing…" status to a user.
// WeChat keeps it 15 seconds, or until the next message; it needs an
// exchange with the user in the last 30 seconds (45080).
func (c *Client) Typing(ctx context.Context, toUser string, typing bool) error {
	cmd := TypingCommandCancel
	if typing {
		cmd = TypingCommandTyping
	}
	if err := c.postJSON(ctx, "/cgi-bin/message/custom/typing", TypingRequest{ToUser: toUser, Command: cmd}, nil); err != nil {
		return fmt.Errorf("wechat: typing %s: %w", cmd, err)
	}
	return nil
}
