package engine

import (
	"context"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// TypingLifetime is how long a typing indicator lasts unless renewed or
// cancelled (WeChat: 15 seconds; sending a message cancels it).
const TypingLifetime = 15 * time.Second

// typingExchangeWindow: the developer may only show typing within 30
// seconds of the customer's last message (WeChat errcode 45080).
const typingExchangeWindow = 30 * time.Second

type typingKey struct {
	conv int64
	who  kefu.Sender
}

// typingState remembers who is typing where. It is per node and
// short-lived by nature, so it is not stored.
type typingState struct {
	mu    sync.Mutex
	until map[typingKey]time.Time
}

func (t *typingState) set(conv int64, who kefu.Sender, until time.Time) {
	t.mu.Lock()
	t.until[typingKey{conv, who}] = until
	t.mu.Unlock()
}

// clear forgets a typing indicator and reports whether one was on.
func (t *typingState) clear(conv int64, who kefu.Sender) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := typingKey{conv, who}
	_, on := t.until[k]
	delete(t.until, k)
	return on
}

func (t *typingState) active(conv int64, who kefu.Sender, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	u, ok := t.until[typingKey{conv, who}]
	if ok && !now.Before(u) {
		delete(t.until, typingKey{conv, who})
		return false
	}
	return ok
}

// Typing shows or hides a typing indicator to the other side of a
// conversation. who is the customer (seen by agents), an agent or the
// developer (both seen by the customer).
func (e *Engine) Typing(ctx context.Context, c *kefu.Conversation, who kefu.Sender, on bool) {
	now := e.now()
	ev := &Typing{Who: who, On: on}
	if on {
		ev.Until = now.Add(TypingLifetime)
		e.typing.set(c.ID, who, ev.Until)
	} else if !e.typing.clear(c.ID, who) {
		return
	}
	e.publish(&Event{Type: EventTyping, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID, Typing: ev})
	e.upstream.typed(c, who, on)
}

// DeveloperTyping applies /cgi-bin/message/custom/typing's rules: typing
// needs a customer message in the last 30 seconds (45080) and may not be
// started twice (45081).
func (e *Engine) DeveloperTyping(ctx context.Context, c *kefu.Conversation, on bool) error {
	now := e.now()
	if on {
		if c.LastUserAt.IsZero() || now.Sub(c.LastUserAt) > typingExchangeWindow {
			return kefu.Errorf(kefu.EWINDOW, "no message exchange with the user in the last 30 seconds")
		}
		if e.typing.active(c.ID, kefu.SenderDeveloper, now) {
			return kefu.Errorf(kefu.ECONFLICT, "already typing")
		}
	}
	e.Typing(ctx, c, kefu.SenderDeveloper, on)
	return nil
}
