package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kefuhq/kefu"
)

// IdentifyRequest says who a customer is to their channel.
type IdentifyRequest struct {
	AppID      string
	Channel    kefu.Channel
	ExternalID string // visitor id, host-site user id, or simulated WeChat user
	Verified   bool   // the host site signed the identity
	SDKVersion string
	Name       string
	// OpenID is the customer's real openid, for a connected app only (see
	// kefu.Upstream); otherwise Kefu makes one up.
	OpenID string
}

// Identify finds or creates a customer and their conversation. It pushes
// nothing: a client that reconnects identifies itself without "entering"
// the chat again.
func (e *Engine) Identify(ctx context.Context, req IdentifyRequest) (*kefu.Customer, *kefu.Conversation, error) {
	if !req.Channel.Valid() {
		return nil, nil, kefu.Errorf(kefu.EINVALID, "channel must be miniprogram, web or sdk")
	}
	if req.ExternalID == "" || len(req.ExternalID) > 160 {
		return nil, nil, kefu.Errorf(kefu.EINVALID, "a customer identity of 1 to 160 characters is required")
	}
	if len(req.SDKVersion) > 32 || len(req.Name) > 128 {
		return nil, nil, kefu.Errorf(kefu.EINVALID, "sdk version or name is too long")
	}
	app, err := e.App(ctx, req.AppID)
	if err != nil {
		return nil, nil, err
	}
	openID := NewOpenID()
	if req.OpenID != "" {
		if !app.Connected() {
			return nil, nil, kefu.Errorf(kefu.EINVALID, "only the customers of a connected mini program come with their own openid")
		}
		if len(req.OpenID) > 64 {
			return nil, nil, kefu.Errorf(kefu.EINVALID, "an openid is at most 64 characters")
		}
		openID = req.OpenID
	} else if app.Connected() && req.Channel == kefu.ChannelMiniProgram {
		// WeChat's users of a connected mini program come through
		// WeChat's pushes; a made-up openid there would be sent to WeChat.
		return nil, nil, kefu.Errorf(kefu.EINVALID, "this mini program is connected to WeChat: its users write from WeChat, not from a simulator")
	}
	// Most calls find everything as it was: answer them without a write.
	if cust, err := e.store.CustomerByExternalID(ctx, req.AppID, req.Channel, req.ExternalID); err == nil &&
		cust.SDKVersion == req.SDKVersion && cust.Verified == req.Verified && (req.Name == "" || cust.Name == req.Name) {
		if c, err := e.store.ConversationByCustomer(ctx, cust.ID); err == nil {
			return cust, c, nil
		}
	}
	var cust *kefu.Customer
	var c *kefu.Conversation
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		cust, c = nil, nil
		now := e.now()
		var err error
		cust, err = tx.CustomerByExternalID(ctx, req.AppID, req.Channel, req.ExternalID)
		switch {
		case errors.Is(err, kefu.ErrNotFound):
			cust = &kefu.Customer{AppID: req.AppID, OpenID: openID, Channel: req.Channel, SDKVersion: req.SDKVersion,
				ExternalID: req.ExternalID, Verified: req.Verified, Name: req.Name, CreatedAt: now}
			if err := tx.CreateCustomer(ctx, cust); err != nil {
				return err
			}
		case err != nil:
			return err
		case cust.SDKVersion != req.SDKVersion || cust.Verified != req.Verified || req.Name != "" && cust.Name != req.Name:
			cust.SDKVersion, cust.Verified = req.SDKVersion, req.Verified
			if req.Name != "" {
				cust.Name = req.Name
			}
			if err := tx.SaveCustomer(ctx, cust); err != nil {
				return err
			}
		}
		c, err = e.conversationOf(ctx, tx, cust, now)
		return err
	})
	if cust != nil {
		forget(e.cache, e.cache.customers, cust.ID) // its SDK version or name may have changed
	}
	if err != nil {
		return nil, nil, err
	}
	return cust, c, nil
}

// app reads an app, turning "missing" into a clear error.
func (e *Engine) app(ctx context.Context, id string) (*kefu.App, error) {
	app, err := e.store.App(ctx, id)
	if errors.Is(err, kefu.ErrNotFound) {
		return nil, kefu.Errorf(kefu.ENOTFOUND, "no app %q", id)
	}
	return app, err
}

// Enter records that the customer opened the chat: the
// user_enter_tempsession event with its sessionFrom (truncated to WeChat's
// 1000 bytes) is pushed to the developer — never shown to agents — and the
// 2-messages-in-a-minute reply quota opens.
func (e *Engine) Enter(ctx context.Context, conversationID int64, sessionFrom string, card *kefu.MessageCard) (*kefu.Message, error) {
	ev, _, err := e.enter(ctx, conversationID, sessionFrom, card, "")
	return ev, err
}

// enter is Enter, idempotent by clientMsgID when it is set: a repeated one
// changes nothing and returns the first event with dup true.
func (e *Engine) enter(ctx context.Context, conversationID int64, sessionFrom string, card *kefu.MessageCard, clientMsgID string) (*kefu.Message, bool, error) {
	if err := validateCard(card); err != nil {
		return nil, false, err
	}
	ref, err := e.conversationRef(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	app, err := e.App(ctx, ref.appID)
	if err != nil {
		return nil, false, err
	}
	sessionFrom = kefu.TruncateUTF8(sessionFrom, kefu.MaxSessionFromBytes)
	var c *kefu.Conversation
	var ev *kefu.Message
	var expired, dup bool
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		dup = false
		now := e.now()
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if expired, err = e.expireIfDue(ctx, tx, c, now); err != nil {
			return err
		}
		ev = &kefu.Message{Sender: kefu.SenderUser, Kind: kefu.KindEvent, Phase: c.State, CreatedAt: now, ClientMsgID: clientMsgID,
			Event: &kefu.Event{Event: kefu.EventUserEnterTempSession, SessionFrom: sessionFrom, Card: card}}
		if app.Push.URL != "" {
			ev.Push = kefu.PushPending
		}
		if ev, dup, err = tx.AppendMessage(ctx, c, ev); err != nil || dup {
			if dup && expired {
				return tx.SaveConversation(ctx, c)
			}
			return err
		}
		c.SessionFrom, c.Card = sessionFrom, card
		c.Quota = c.Quota.Reset(kefu.ActionEnter, now)
		if app.Push.URL != "" {
			if err := tx.EnqueuePush(ctx, &kefu.PushJob{AppID: app.ID, ConversationID: c.ID, MessageID: ev.ID, NextAt: now, CreatedAt: now}); err != nil {
				return err
			}
		}
		c.UpdatedAt = now
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return nil, false, err
	}
	if expired {
		e.kickRouter()
	}
	if dup {
		return ev, true, nil
	}
	if app.Push.URL != "" {
		e.wakePusher()
	}
	e.publishConversation(c)
	return ev, false, nil
}

// conversationOf returns the customer's conversation, locked, creating it on
// first contact.
func (e *Engine) conversationOf(ctx context.Context, tx kefu.Tx, cust *kefu.Customer, now time.Time) (*kefu.Conversation, error) {
	c, err := tx.ConversationByCustomer(ctx, cust.ID)
	if errors.Is(err, kefu.ErrNotFound) {
		c = &kefu.Conversation{AppID: cust.AppID, CustomerID: cust.ID, State: kefu.StateDeveloper, CreatedAt: now, UpdatedAt: now}
		return c, tx.CreateConversation(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	return tx.LockConversation(ctx, c.ID)
}

func validateCard(c *kefu.MessageCard) error {
	if c == nil {
		return nil
	}
	if len([]rune(c.Title)) > 200 || len(c.Path) > kefu.MaxURLBytes || len(c.Img) > kefu.MaxURLBytes {
		return kefu.Errorf(kefu.EINVALID, "the message card's title, path or image is too long")
	}
	if c.Img != "" && !kefu.IsWebURL(c.Img) && !kefu.IsMediaURL(c.Img) {
		return kefu.Errorf(kefu.EINVALID, "the message card image must be an http(s) URL")
	}
	return nil
}

// Receive accepts a customer's message: it is stored (idempotently by its
// client message id) and, depending on the session state, queued for the
// developer's push URL or handed to the agent serving the conversation. It
// returns once the message is committed; dup reports a repeated send.
func (e *Engine) Receive(ctx context.Context, conversationID int64, m *kefu.Message) (stored *kefu.Message, dup bool, err error) {
	switch m.Kind {
	case kefu.KindText, kefu.KindImage, kefu.KindMiniProgramPage:
	default:
		return nil, false, kefu.Errorf(kefu.EINVALID, "customers can send text, image and miniprogrampage messages, not %q", m.Kind)
	}
	if err := m.Validate(); err != nil {
		return nil, false, err
	}
	if len(m.ClientMsgID) > 64 {
		return nil, false, kefu.Errorf(kefu.EINVALID, "client message id must be at most 64 characters")
	}
	// The app's push URL decides where the message goes. The app and the
	// conversation's app id come from the engine's cache (see CacheTTL):
	// reading them for every message was a tenth of kefu bench e2e's CPU.
	ref, err := e.conversationRef(ctx, conversationID)
	if err != nil {
		return nil, false, err
	}
	app, err := e.App(ctx, ref.appID)
	if err != nil {
		return nil, false, err
	}
	var c *kefu.Conversation
	var queued, expired bool
	var autos []*kefu.Message
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		stored, dup, queued, expired, autos = nil, false, false, false, nil
		now := e.now()
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if expired, err = e.expireIfDue(ctx, tx, c, now); err != nil {
			return err
		}
		msg := *m
		msg.ID, msg.Seq, msg.Sender, msg.AgentID, msg.Internal, msg.Source = 0, 0, kefu.SenderUser, 0, false, ""
		msg.CreatedAt, msg.Phase, msg.Push = now, c.State, kefu.PushNone
		pushing := c.State != kefu.StateActive && app.Push.URL != ""
		if pushing {
			msg.Push = kefu.PushPending
		}
		if stored, dup, err = tx.AppendMessage(ctx, c, &msg); err != nil || dup {
			if dup && expired {
				return tx.SaveConversation(ctx, c)
			}
			return err
		}
		if pushing {
			if err := tx.EnqueuePush(ctx, &kefu.PushJob{AppID: app.ID, ConversationID: c.ID, MessageID: stored.ID, NextAt: now, CreatedAt: now}); err != nil {
				return err
			}
		} else if c.State == kefu.StateDeveloper {
			// No push URL: like WeChat without message push, everything
			// goes to customer service.
			if err := e.startQueue(ctx, tx, c, stored, now); err != nil {
				return err
			}
			queued = true
		}
		c.LastUserAt = now
		c.Quota = c.Quota.Reset(kefu.ActionMessage, now)
		if queued {
			if autos, err = e.openedReply(ctx, tx, c, now); err != nil {
				return err
			}
		}
		if c.State != kefu.StateDeveloper {
			c.LastActivityAt = now
		}
		c.UpdatedAt = now
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return nil, false, err
	}
	if dup {
		// Published again: the first try's commit may have been reported
		// lost (the caller retried) or its publish never happened (the node
		// died, the bus was down). Subscribers drop what they already have.
		e.publishMessage(c, stored)
		return stored, true, nil
	}
	e.typing.clear(c.ID, kefu.SenderUser)
	if stored.Push == kefu.PushPending {
		e.wakePusher()
	}
	if queued || expired {
		e.kickRouter()
	}
	e.publishMessage(c, stored)
	e.publishAuto(c, autos)
	return stored, false, nil
}

// Read markers a customer's client reports.
type CustomerMarkers struct {
	Delivered int64 // the client has received messages up to this seq
	Read      int64 // the customer has seen messages up to this seq
}

// MarkCustomer advances a conversation's customer-side read markers (they
// never move back) and tells the desk.
func (e *Engine) MarkCustomer(ctx context.Context, conversationID int64, mk CustomerMarkers) error {
	var c *kefu.Conversation
	changed := false
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		changed = false
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if mk.Read > mk.Delivered {
			mk.Delivered = mk.Read
		}
		if mk.Delivered > c.LastSeq || mk.Read > c.LastSeq {
			return kefu.Errorf(kefu.EINVALID, "read marker beyond the last message")
		}
		if mk.Delivered > c.CustomerDeliveredSeq {
			c.CustomerDeliveredSeq, changed = mk.Delivered, true
		}
		if mk.Read > c.CustomerReadSeq {
			c.CustomerReadSeq, changed = mk.Read, true
		}
		if !changed {
			return nil
		}
		return tx.SaveConversation(ctx, c)
	})
	if err == nil && changed {
		e.publishConversation(c)
	}
	return err
}

// MarkAgentRead advances the agents' read marker of a conversation.
func (e *Engine) MarkAgentRead(ctx context.Context, conversationID, seq int64) error {
	var c *kefu.Conversation
	changed := false
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		changed = false
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if seq > c.LastSeq {
			seq = c.LastSeq
		}
		if seq <= c.AgentReadSeq {
			return nil
		}
		c.AgentReadSeq, changed = seq, true
		return tx.SaveConversation(ctx, c)
	})
	if err == nil && changed {
		e.publishConversation(c)
	}
	return err
}
