package kefu

import (
	"strconv"
	"strings"
	"time"
)

// AutoReplyKind is which automatic reply a customer gets.
type AutoReplyKind string

const (
	// AutoWelcome greets a customer whose session opens (they are
	// transferred to the desk and wait in the queue) while the desk is open
	// and an agent is online.
	AutoWelcome AutoReplyKind = "welcome"
	// AutoOutOfHours answers a session that opens while the desk is closed.
	AutoOutOfHours AutoReplyKind = "out_of_hours"
	// AutoNobodyOnline answers a session that opens in hours while no agent
	// of its app (and team) is online.
	AutoNobodyOnline AutoReplyKind = "nobody_online"
	// AutoQueueTimeout tells a customer that their wait ended without an
	// agent; {minutes} is the session timeout.
	AutoQueueTimeout AutoReplyKind = "queue_timeout"
)

// AutoReplyKinds lists every kind, in the admin form's order.
var AutoReplyKinds = []AutoReplyKind{AutoWelcome, AutoOutOfHours, AutoNobodyOnline, AutoQueueTimeout}

// Reply languages.
const (
	LangZH = "zh-CN"
	LangEN = "en"
)

// AutoReplies are an app's or a team's automatic replies. A text left
// empty is the default of its language (DefaultAutoReply).
type AutoReplies struct {
	Lang  string                          `json:"lang"` // zh-CN (default) or en; the app's decides
	Texts map[AutoReplyKind]AutoReplyText `json:"texts"`
}

// AutoReplyText is one reply, on or off, with its text in each language.
type AutoReplyText struct {
	On bool   `json:"on"`
	ZH string `json:"zh-CN,omitempty"`
	EN string `json:"en,omitempty"`
}

var defaultAutoReplies = map[AutoReplyKind][2]string{
	AutoWelcome:      {"您好，已为您转接人工客服，请稍候。", "Hello, you are through to customer service. An agent will be with you shortly."},
	AutoOutOfHours:   {"您好，现在不是客服工作时间，我们上班后会尽快回复您。", "Hello, customer service is closed right now. We will answer as soon as we open."},
	AutoNobodyOnline: {"您好，暂时没有客服在线，请稍后再联系我们。", "Hello, no agent is online right now. Please try again a little later."},
	AutoQueueTimeout: {"抱歉，已等待 {minutes} 分钟仍没有客服接入，本次会话已结束。您可以稍后再联系客服。", "Sorry, no agent could take your conversation within {minutes} minutes, so it has ended. You are welcome to contact us again later."},
}

// DefaultAutoReply is the text Kefu uses for a kind in a language when the
// admin left it empty.
func DefaultAutoReply(k AutoReplyKind, lang string) string {
	d := defaultAutoReplies[k]
	if lang == LangEN {
		return d[1]
	}
	return d[0]
}

// DefaultAutoReplies are the replies of an app nobody configured: the
// queue-timeout notice on (the customer deserves to know), the others off.
func DefaultAutoReplies() AutoReplies {
	return AutoReplies{Lang: LangZH, Texts: map[AutoReplyKind]AutoReplyText{AutoQueueTimeout: {On: true}}}
}

// Validate reports the first problem with r.
func (r *AutoReplies) Validate() error {
	if r.Lang != "" && r.Lang != LangZH && r.Lang != LangEN {
		return Errorf(EINVALID, "the language of automatic replies is zh-CN or en")
	}
	for k, t := range r.Texts {
		if _, ok := defaultAutoReplies[k]; !ok {
			return Errorf(EINVALID, "%q is not an automatic reply", k)
		}
		for _, s := range []string{t.ZH, t.EN} {
			if TextTooLong(s) {
				return Errorf(EINVALID, "an automatic reply must be at most %d characters", MaxTextRunes)
			}
		}
	}
	return nil
}

// Text is the reply of kind k in lang, with {minutes} filled in from
// timeout; ok is false when the reply is off.
func (r *AutoReplies) Text(k AutoReplyKind, lang string, timeout time.Duration) (text string, ok bool) {
	t, found := r.Texts[k]
	if !found || !t.On {
		return "", false
	}
	text = t.ZH
	if lang == LangEN {
		text = t.EN
	}
	if strings.TrimSpace(text) == "" {
		text = DefaultAutoReply(k, lang)
	}
	minutes := strconv.Itoa(max(int(timeout.Round(time.Minute)/time.Minute), 1))
	return strings.ReplaceAll(text, "{minutes}", minutes), true
}

// NoticeAutoReplySkipped tells agents that an automatic reply was not sent
// (params: reply, the AutoReplyKind; reason, a sentence).
const NoticeAutoReplySkipped = "auto_reply_skipped"

// AutoReplyReserve is how many messages of a WeChat customer's reply quota
// an automatic reply leaves for the agents: it is skipped rather than spend
// the last one.
const AutoReplyReserve = 1
