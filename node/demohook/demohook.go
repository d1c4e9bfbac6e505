// Package demohook is Kefu's built-in demo developer hook: a small push
// server written with Kefu's
// wechat package — the kind of server a mini program developer runs at
// their message-push URL. It verifies every push, transfers the customer to
// a human when they ask for one, and otherwise answers through the
// customer-service send API (/cgi-bin/message/custom/send), asynchronously,
// as WeChat requires. The node runs it for the demo mini program;
// examples/devhook runs it on its own against any Kefu (or WeChat).
package demohook

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/kefuhq/kefu/wechat"
)

// HumanWords are what a customer says to ask for a person.
var HumanWords = []string{"人工", "客服", "转人工", "human", "agent", "person"}

// Config says which mini program the hook serves and how to answer.
type Config struct {
	Endpoint wechat.Endpoint
	// Client calls the send API (wechat.NewClient with the app's secret
	// and, for Kefu, WithBaseURL).
	Client *wechat.Client
	Log    *slog.Logger
	// ReplyTimeout bounds each asynchronous answer (default 10 s).
	ReplyTimeout time.Duration
}

// New returns the hook's http.Handler.
func New(cfg Config) *wechat.Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ReplyTimeout <= 0 {
		cfg.ReplyTimeout = 10 * time.Second
	}
	b := &bot{cfg: cfg}
	h := wechat.NewHandler(cfg.Endpoint, b.onMessage)
	h.Logger = cfg.Log
	return h
}

type bot struct{ cfg Config }

// onMessage decides the answer to one push: transfer when a customer asks
// for a human; otherwise "success" now and a reply through the API soon.
func (b *bot) onMessage(_ context.Context, m *wechat.Message) (wechat.ReplyKind, error) {
	switch {
	case m.MsgType == wechat.MsgTypeText && wantsHuman(m.Content):
		return wechat.ReplyTransfer, nil
	case m.IsEvent() && m.Event == wechat.EventUserEnterTempSession:
		b.replyLater(m.FromUserName, "您好，我是自动回复机器人。发送「人工」转接人工客服。\nHi, I'm the demo bot. Send \"human\" to talk to a person.")
	case m.MsgType == wechat.MsgTypeText:
		b.replyLater(m.FromUserName, fmt.Sprintf("机器人收到：%s\n(Bot: you said %q. Send \"human\" for a person.)", truncate(m.Content, 200), truncate(m.Content, 200)))
	case m.MsgType == wechat.MsgTypeImage:
		b.replyLater(m.FromUserName, "机器人收到了你的图片。\n(Bot: got your picture.)")
	case m.MsgType == wechat.MsgTypeMiniProgramPage:
		b.replyLater(m.FromUserName, fmt.Sprintf("机器人收到了卡片「%s」。\n(Bot: got the card %q.)", truncate(m.Title, 64), truncate(m.Title, 64)))
	}
	return wechat.ReplySuccess, nil
}

// replyLater answers through the send API after the push has been
// acknowledged: mini programs have no passive reply.
func (b *bot) replyLater(openID, text string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.ReplyTimeout)
		defer cancel()
		if err := b.cfg.Client.SendText(ctx, openID, text); err != nil {
			b.cfg.Log.Warn("demohook: reply through the send API", "openid", openID, "err", err)
		}
	}()
}

func wantsHuman(s string) bool {
	s = strings.ToLower(s)
	for _, w := range HumanWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
