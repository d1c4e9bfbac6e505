package engine

import (
	"context"
	"time"

	"github.com/kefuhq/kefu"
)

// SendRequest is a message to a customer from an agent (the workspace or an
// assistant component), or from the developer's server through /cgi-bin.
type SendRequest struct {
	ConversationID int64
	Sender         kefu.Sender // SenderAgent or SenderDeveloper
	Agent          *kefu.Agent // for SenderAgent
	Source         string      // "desk", "api", "component:<id>"
	Message        *kefu.Message
	// RateKey, when set, allows one send per RateEvery for that key
	// (assistant components: one message a second per conversation).
	RateKey   string
	RateEvery time.Duration
}

// AgentWindow is how long after the customer's last message an agent may
// still write to a mini program user (48 hours, docs/wechat.md#the-agent-side).
const AgentWindow = 48 * time.Hour

// Send validates, sanitises and stores a message to a customer and
// publishes it. Developers spend the reply quota (45015/45047 when it is
// gone); agents must be serving the session (internal notes excepted) and,
// on the mini program channel, write within 48 hours of the customer.
func (e *Engine) Send(ctx context.Context, req SendRequest) (*kefu.Message, error) {
	m := *req.Message
	m.ID, m.Seq, m.Sender, m.Source, m.Push = 0, 0, req.Sender, req.Source, kefu.PushNone
	if len(m.ClientMsgID) > 64 {
		return nil, kefu.Errorf(kefu.EINVALID, "client message id must be at most 64 characters")
	}
	switch req.Sender {
	case kefu.SenderAgent:
		if req.Agent == nil {
			return nil, kefu.Errorf(kefu.EUNAUTHORIZED, "sign in to send")
		}
		m.AgentID = req.Agent.ID
	case kefu.SenderDeveloper:
		m.AgentID, m.Internal = 0, false
	default:
		return nil, kefu.Errorf(kefu.EINVALID, "unknown sender %q", req.Sender)
	}
	if m.Internal && m.Kind != kefu.KindText {
		return nil, kefu.Errorf(kefu.EINVALID, "internal notes are text")
	}
	if m.Kind == kefu.KindNotice || m.Kind == kefu.KindEvent {
		return nil, kefu.Errorf(kefu.EINVALID, "%s messages cannot be sent", m.Kind)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// The customer's channel and SDK version decide what may be sent; they
	// come from the engine's cache (see CacheTTL).
	ref, err := e.conversationRef(ctx, req.ConversationID)
	if err != nil {
		return nil, err
	}
	cust, err := e.customer(ctx, ref.customerID)
	if err != nil {
		return nil, err
	}
	app, err := e.App(ctx, ref.appID)
	if err != nil {
		return nil, err
	}
	// A connected customer's messages go to WeChat's send API (see
	// upstream.go), which holds every sender to the reply quota.
	upstream := app.Connected() && cust.Channel == kefu.ChannelMiniProgram && !m.Internal
	if !m.Internal {
		if err := kefu.AllowedOn(m.Kind, cust.Channel, cust.SDKVersion); err != nil {
			return nil, err
		}
	}
	if m.Kind == kefu.KindRich {
		if err := e.prepareRich(&m, cust.Channel); err != nil {
			return nil, err
		}
	}
	if m.Kind == kefu.KindImage {
		if err := e.checkMedia(ctx, ref.appID, m.Image.MediaID); err != nil {
			return nil, err
		}
	}
	// A card's picture by media id must be the app's own upload, whoever sends it.
	if p := m.MiniProgramPage; m.Kind == kefu.KindMiniProgramPage && p.ThumbMediaID != "" {
		if err := e.checkMedia(ctx, ref.appID, p.ThumbMediaID); err != nil {
			return nil, kefu.Errorf(kefu.EINVALID, "thumb_media_id is not a media of this app")
		}
	}
	var c *kefu.Conversation
	var stored *kefu.Message
	var dup, expired bool
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		stored, dup, expired = nil, false, false
		now := e.now()
		var err error
		if c, err = tx.LockConversation(ctx, req.ConversationID); err != nil {
			return err
		}
		if expired, err = e.expireIfDue(ctx, tx, c, now); err != nil {
			return err
		}
		msg := m
		msg.Phase, msg.CreatedAt = c.State, now
		if err := e.checkSend(c, cust, &req, &msg, now); err != nil {
			if expired {
				// Keep the expiry; refuse only the send.
				if serr := tx.SaveConversation(ctx, c); serr != nil {
					return serr
				}
				return &deferredError{err}
			}
			return err
		}
		if req.Sender == kefu.SenderDeveloper || upstream {
			if c.Quota, err = c.Quota.Use(now); err != nil {
				return err
			}
		}
		if req.RateKey != "" {
			ok, err := tx.TouchRate(ctx, req.RateKey, now, req.RateEvery)
			if err != nil {
				return err
			}
			if !ok {
				return kefu.Errorf(kefu.ERATE, "at most one message every %s from here: wait a moment", req.RateEvery)
			}
		}
		if upstream {
			msg.Upstream = &kefu.UpstreamStatus{State: kefu.UpstreamPending}
		}
		if stored, dup, err = tx.AppendMessage(ctx, c, &msg); err != nil || dup {
			return err
		}
		if upstream {
			if err := enqueueUpstream(ctx, tx, c, stored, now); err != nil {
				return err
			}
		}
		if c.State != kefu.StateDeveloper && !msg.Internal {
			c.LastActivityAt = now
		}
		c.UpdatedAt = now
		return tx.SaveConversation(ctx, c)
	})
	if d, ok := err.(*deferredError); ok {
		e.publishConversation(c)
		return nil, d.err
	}
	if err != nil {
		return nil, err
	}
	if expired {
		e.kickRouter()
	}
	if upstream && !dup {
		e.wakeUpstream()
	}
	if !dup {
		who := kefu.SenderAgent
		if req.Sender == kefu.SenderDeveloper {
			who = kefu.SenderDeveloper
		}
		if !stored.Internal && e.typing.clear(c.ID, who) {
			e.publish(&Event{Type: EventTyping, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID, Typing: &Typing{Who: who, On: false}})
			e.upstream.typed(c, who, false)
		}
	}
	// A repeated send is published again, as in Receive: the first try's
	// publish may never have happened.
	e.publishMessage(c, stored)
	return stored, nil
}

// deferredError carries a refusal out of an Update whose other writes (an
// expiry) must still commit.
type deferredError struct{ err error }

func (d *deferredError) Error() string { return d.err.Error() }

// checkSend applies the rules of who may send what, now.
func (e *Engine) checkSend(c *kefu.Conversation, cust *kefu.Customer, req *SendRequest, m *kefu.Message, now time.Time) error {
	if req.Sender != kefu.SenderAgent {
		return nil
	}
	a := req.Agent
	if !a.Serves(c.AppID, c.TeamID) {
		return kefu.Errorf(kefu.EFORBIDDEN, "you do not serve this conversation")
	}
	if m.Internal {
		return nil
	}
	if c.State != kefu.StateActive || c.AgentID != a.ID {
		return kefu.Errorf(kefu.ECONFLICT, "accept the session before replying: it is not yours")
	}
	if cust.Channel == kefu.ChannelMiniProgram && !now.Before(c.LastUserAt.Add(AgentWindow)) {
		return kefu.Errorf(kefu.EWINDOW, "mini program users can be answered for 48 hours after their last message")
	}
	return nil
}

// prepareRich sanitises rich HTML and, for the mini program channel, turns it
// into WeChat text with mini program links.
func (e *Engine) prepareRich(m *kefu.Message, ch kefu.Channel) error {
	clean := e.rich.Sanitize(m.Rich.HTML)
	if clean == "" {
		return kefu.Errorf(kefu.EINVALID, "the rich message is empty once unsafe markup is removed")
	}
	if ch == kefu.ChannelMiniProgram {
		text := e.rich.MiniProgramText(clean)
		if text == "" {
			return kefu.Errorf(kefu.EINVALID, "the rich message has no text for the mini program channel")
		}
		m.Kind, m.Rich, m.Text = kefu.KindText, nil, &kefu.Text{Content: text}
		return m.Validate()
	}
	m.Rich = &kefu.Rich{HTML: clean}
	return nil
}

// checkMedia makes sure the app may send an image (see UsableMedia).
func (e *Engine) checkMedia(ctx context.Context, appID, mediaID string) error {
	_, err := e.UsableMedia(ctx, appID, mediaID)
	return err
}
