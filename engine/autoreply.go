package engine

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/kefuhq/kefu"
)

// HoursSettings reads an app's (teamID 0) or a team's (appID "") hours and
// automatic replies; a scope nobody configured gets the defaults (hours off:
// always open; only the queue-timeout notice on).
func (e *Engine) HoursSettings(ctx context.Context, appID string, teamID int64) (*kefu.HoursSettings, error) {
	s, err := e.store.HoursSettings(ctx, appID, teamID)
	if errors.Is(err, kefu.ErrNotFound) {
		return &kefu.HoursSettings{AppID: appID, TeamID: teamID, Replies: kefu.DefaultAutoReplies()}, nil
	}
	return s, err
}

// SetHoursSettings validates and stores an app's or a team's settings.
func (e *Engine) SetHoursSettings(ctx context.Context, s *kefu.HoursSettings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if s.AppID != "" {
			if _, err := tx.App(ctx, s.AppID); err != nil {
				return err
			}
		} else if _, err := tx.Team(ctx, s.TeamID); err != nil {
			return err
		}
		s.UpdatedAt = e.now()
		return tx.PutHoursSettings(ctx, s)
	})
}

// sessionHours are the settings a session of an app and team follows (the
// team's if it saved its own, else the app's) and the app's language.
func sessionHours(ctx context.Context, r kefu.Reader, appID string, teamID int64) (*kefu.HoursSettings, string, error) {
	app, err := r.HoursSettings(ctx, appID, 0)
	switch {
	case errors.Is(err, kefu.ErrNotFound):
		app = &kefu.HoursSettings{AppID: appID, Replies: kefu.DefaultAutoReplies()}
	case err != nil:
		return nil, "", err
	}
	lang := app.Replies.Lang
	if teamID != 0 {
		team, err := r.HoursSettings(ctx, "", teamID)
		switch {
		case err == nil:
			return team, lang, nil
		case !errors.Is(err, kefu.ErrNotFound):
			return nil, "", err
		}
	}
	return app, lang, nil
}

// openedReply answers a session that has just opened (the conversation is
// queued and locked, the customer's message that opened it already
// counted): out of hours, nobody online, or welcome — one reply, whichever
// applies first, if it is on. It returns what it appended, to publish after
// the commit.
func (e *Engine) openedReply(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, now time.Time) ([]*kefu.Message, error) {
	s, lang, err := sessionHours(ctx, tx, c.AppID, c.TeamID)
	if err != nil {
		return nil, err
	}
	kind := kefu.AutoWelcome
	if !s.Hours.OpenAt(now) {
		kind = kefu.AutoOutOfHours
	} else if online, err := tx.AnyAgentOnline(ctx, c.AppID, c.TeamID); err != nil {
		return nil, err
	} else if !online {
		kind = kefu.AutoNobodyOnline
	}
	text, on := s.Replies.Text(kind, lang, e.cfg.SessionTimeout)
	if !on {
		return nil, nil
	}
	return e.autoReply(ctx, tx, c, kind, text, now)
}

// timeoutReply tells a customer whose wait in the queue has just ended
// without an agent (c still queued and locked), if the reply is on, in the
// app's words with the real timeout. A notice never reaches a real WeChat
// customer, a text does: when the reply goes, the timeline's notice becomes
// the agents' note; when the rules refuse it, the notice stays the
// customer's.
func (e *Engine) timeoutReply(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, notice *kefu.Message, now time.Time) error {
	s, lang, err := sessionHours(ctx, tx, c.AppID, c.TeamID)
	if err != nil {
		return err
	}
	text, on := s.Replies.Text(kefu.AutoQueueTimeout, lang, e.cfg.SessionTimeout)
	if !on {
		return nil
	}
	msgs, err := e.autoReply(ctx, tx, c, kefu.AutoQueueTimeout, text, now)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if m.Kind == kefu.KindText {
			notice.Internal = true // the outbound queue's poll takes the reply to WeChat
		}
	}
	return nil
}

// autoReply appends an automatic reply to the locked conversation c under
// the rules of an agent's message (Send): the kinds the customer's channel
// shows, the 48-hour window of mini program users and, on a connected app,
// WeChat's reply quota, through the same outbound queue. It never spends
// the quota's last message (kefu.AutoReplyReserve): an agent may need it.
// A reply the rules refuse is not sent; an agents' note says why. Each
// session gets each reply at most once: the client message id names the
// session, and a second try is a duplicate the store drops.
func (e *Engine) autoReply(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, kind kefu.AutoReplyKind, text string, now time.Time) ([]*kefu.Message, error) {
	key := string(kind) + ":" + strconv.FormatInt(c.SessionID, 10)
	cust, err := tx.Customer(ctx, c.CustomerID)
	if err != nil {
		return nil, err
	}
	app, err := e.App(ctx, c.AppID)
	if err != nil {
		return nil, err
	}
	upstream := app.Connected() && cust.Channel == kefu.ChannelMiniProgram
	m := &kefu.Message{ClientMsgID: "auto:" + key, Sender: kefu.SenderSystem, Kind: kefu.KindText, Source: "auto:" + string(kind),
		Phase: c.State, CreatedAt: now, Text: &kefu.Text{Content: text}}
	skip := func(reason string) ([]*kefu.Message, error) {
		n := &kefu.Message{ClientMsgID: "auto-skipped:" + key, Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Internal: true,
			Phase: c.State, CreatedAt: now, Notice: &kefu.Notice{Code: kefu.NoticeAutoReplySkipped,
				Text: "自动回复未发送：" + reason, Params: map[string]string{"reply": string(kind), "reason": reason}}}
		stored, dup, err := tx.AppendMessage(ctx, c, n)
		if err != nil || dup {
			return nil, err
		}
		return []*kefu.Message{stored}, nil
	}
	if err := m.Validate(); err != nil {
		return skip(err.Error())
	}
	if err := kefu.AllowedOn(m.Kind, cust.Channel, cust.SDKVersion); err != nil {
		return skip(err.Error())
	}
	if cust.Channel == kefu.ChannelMiniProgram && !now.Before(c.LastUserAt.Add(AgentWindow)) {
		return skip("the customer's last message is more than 48 hours old")
	}
	quota := c.Quota
	if upstream {
		if c.Quota.Until.IsZero() || !now.Before(c.Quota.Until) {
			return skip("WeChat's reply window for this customer has closed")
		}
		if c.Quota.Remaining <= kefu.AutoReplyReserve {
			return skip("it would use the last reply WeChat allows before the customer writes again; that one is kept for an agent")
		}
		if c.Quota, err = c.Quota.Use(now); err != nil {
			return skip(err.Error())
		}
		m.Upstream = &kefu.UpstreamStatus{State: kefu.UpstreamPending}
	}
	stored, dup, err := tx.AppendMessage(ctx, c, m)
	if err != nil || dup {
		c.Quota = quota // already sent (and paid for) once
		return nil, err
	}
	if upstream {
		if err := enqueueUpstream(ctx, tx, c, stored, now); err != nil {
			return nil, err
		}
	}
	return []*kefu.Message{stored}, nil
}

// publishAuto publishes automatic replies after their commit and wakes the
// outbound queue for those going to WeChat.
func (e *Engine) publishAuto(c *kefu.Conversation, msgs []*kefu.Message) {
	up := false
	for _, m := range msgs {
		e.publishMessage(c, m)
		up = up || m.Upstream != nil
	}
	if up {
		e.wakeUpstream()
	}
}
