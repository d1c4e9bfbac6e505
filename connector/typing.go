package connector

import (
	"context"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// typingRenew is how often an agent who keeps typing renews WeChat's
// typing status, which lasts 15 seconds.
const typingRenew = 10 * time.Second

// onTyping hands a typing change to typingLoop without waiting: it runs on
// the goroutine of whoever typed, and typing is best-effort.
func (c *Connector) onTyping(tc engine.TypingChange) {
	select {
	case c.typing <- tc:
	default:
	}
}

// typingLoop shows agents' typing to connected customers in WeChat
// (message/custom/typing). Failures — WeChat allows it only within 30
// seconds of the customer's last message (45080) — are logged and dropped.
func (c *Connector) typingLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case tc := <-c.typing:
			c.showTyping(ctx, tc)
		}
	}
}

func (c *Connector) showTyping(ctx context.Context, tc engine.TypingChange) {
	app, err := c.eng.App(ctx, tc.Conversation.AppID)
	if err != nil || !app.Connected() {
		return
	}
	conv := tc.Conversation.ID
	now := time.Now()
	c.typedMu.Lock()
	last, was := c.typed[conv]
	if tc.On && was && now.Sub(last) < typingRenew || !tc.On && !was {
		c.typedMu.Unlock()
		return
	}
	if tc.On {
		c.typed[conv] = now
	} else {
		delete(c.typed, conv)
	}
	c.typedMu.Unlock()
	cust, err := c.eng.CustomerOf(ctx, conv)
	if err != nil || cust.Channel != kefu.ChannelMiniProgram {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	if err := c.client(app).Typing(cctx, cust.OpenID, tc.On); err != nil {
		c.log.Info("connect: typing not shown in WeChat", "app", app.ID, "on", tc.On, "err", err)
	}
}
