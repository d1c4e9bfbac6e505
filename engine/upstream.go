package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// Connected apps (kefu.Upstream): a real mini program's pushes come in
// through package connector, which calls Identify (with the real openid),
// EnterOnce and Receive like any channel, so the session rules are the same
// as for Kefu's own apps. What is sent to a connected customer (Send) is
// enqueued in the outbound queue in the same transaction as the message;
// connector's worker claims the jobs, calls WeChat's send API and records
// the outcome here.

// UpstreamUpdate is the new delivery status of a message to WeChat.
type UpstreamUpdate struct {
	MessageID int64                `json:"message_id"`
	Status    *kefu.UpstreamStatus `json:"status"`
	Try       int                  `json:"try"`
}

// TypingChange is an agent or the developer starting or stopping to type
// in a conversation, for OnTyping.
type TypingChange struct {
	Conversation *kefu.Conversation
	Who          kefu.Sender
	On           bool
}

// upstreamHooks are the connector's callbacks.
type upstreamHooks struct {
	mu     sync.Mutex
	wake   []func()
	typing []func(TypingChange)
}

// OnUpstreamEnqueued registers fn to be called whenever a message is added
// to the outbound queue, so the worker starts at once instead of polling.
func (e *Engine) OnUpstreamEnqueued(fn func()) {
	e.upstream.mu.Lock()
	e.upstream.wake = append(e.upstream.wake, fn)
	e.upstream.mu.Unlock()
}

// OnTyping registers fn to be called, on the typing caller's goroutine,
// when an agent or the developer starts or stops typing. fn must not block.
func (e *Engine) OnTyping(fn func(TypingChange)) {
	e.upstream.mu.Lock()
	e.upstream.typing = append(e.upstream.typing, fn)
	e.upstream.mu.Unlock()
}

func (e *Engine) wakeUpstream() {
	e.upstream.mu.Lock()
	fns := e.upstream.wake
	e.upstream.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

func (h *upstreamHooks) typed(c *kefu.Conversation, who kefu.Sender, on bool) {
	if who == kefu.SenderUser {
		return
	}
	h.mu.Lock()
	fns := h.typing
	h.mu.Unlock()
	for _, fn := range fns {
		fn(TypingChange{Conversation: c, Who: who, On: on})
	}
}

// enqueueUpstream adds a stored message to the outbound queue; c is locked.
func enqueueUpstream(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, m *kefu.Message, now time.Time) error {
	return tx.EnqueueUpstreamSend(ctx, &kefu.UpstreamSend{AppID: c.AppID, ConversationID: c.ID, MessageID: m.ID, NextAt: now, CreatedAt: now})
}

// EnterOnce is Enter for a pushed user_enter_tempsession: idempotent by
// clientMsgID, so WeChat's retries of the event (on this node or another,
// before or after a crash) open the window once. dup reports a retry.
func (e *Engine) EnterOnce(ctx context.Context, conversationID int64, sessionFrom, clientMsgID string) (*kefu.Message, bool, error) {
	return e.enter(ctx, conversationID, sessionFrom, nil, clientMsgID)
}

// NoticeUnsupported marks a message of a kind Kefu cannot show (params:
// msgtype), so that agents know the customer wrote.
const NoticeUnsupported = "unsupported_message"

// ReceiveUnsupported records that a connected customer sent a message of a
// kind Kefu does not know, as a notice agents see: it counts as the
// customer's message for the reply window, as it does for WeChat.
// Idempotent by clientMsgID.
func (e *Engine) ReceiveUnsupported(ctx context.Context, conversationID int64, msgType, clientMsgID string) (*kefu.Message, bool, error) {
	msgType = kefu.TruncateUTF8(msgType, 64)
	var c *kefu.Conversation
	var stored *kefu.Message
	var dup, expired bool
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		dup = false
		now := e.now()
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if expired, err = e.expireIfDue(ctx, tx, c, now); err != nil {
			return err
		}
		m := &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Phase: c.State, CreatedAt: now, ClientMsgID: clientMsgID,
			Notice: &kefu.Notice{Code: NoticeUnsupported, Text: "用户发送了一条暂不支持显示的消息（" + msgType + "）", Params: map[string]string{"msgtype": msgType}}}
		if stored, dup, err = tx.AppendMessage(ctx, c, m); err != nil || dup {
			if dup && expired {
				return tx.SaveConversation(ctx, c)
			}
			return err
		}
		c.LastUserAt = now
		c.Quota = c.Quota.Reset(kefu.ActionMessage, now)
		if c.State != kefu.StateDeveloper {
			c.LastActivityAt = now
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
	if !dup {
		e.publishMessage(c, stored)
	}
	return stored, dup, nil
}

// StoreMedia keeps a file in Kefu's media store (an image a connected
// customer sent, fetched from WeChat), giving it an id.
func (e *Engine) StoreMedia(ctx context.Context, m *kefu.Media) error {
	if m.ID == "" {
		m.ID = NewMediaID()
	}
	m.Size, m.CreatedAt = int64(len(m.Data)), e.now()
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.PutMedia(ctx, m) })
}

// ClaimUpstreamSends leases up to limit due outbound jobs for lease, so
// that no other worker (on this node or another) sends them meanwhile, and
// counts the try about to happen.
func (e *Engine) ClaimUpstreamSends(ctx context.Context, limit int, lease time.Duration) ([]*kefu.UpstreamSend, error) {
	// A read first, so that an idle worker's polls cost no commit.
	due, err := e.store.DueUpstreamSends(ctx, e.now(), 1)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var claimed []*kefu.UpstreamSend
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		var err error
		claimed, err = tx.ClaimUpstreamSends(ctx, now, now.Add(lease), limit)
		return err
	})
	return claimed, err
}

// UpstreamOutcome is what one try of an outbound job came to.
type UpstreamOutcome struct {
	Job *kefu.UpstreamSend
	// Status is sent or failed, which ends the job; pending (with Error
	// saying why) schedules another try at RetryAt.
	Status  *kefu.UpstreamStatus
	RetryAt time.Time
}

// RecordUpstream applies a try's outcome in one commit: the job ends (the
// next of its conversation becomes due) or waits for RetryAt, and the
// message's status changes. Agents are told (EventUpstream).
func (e *Engine) RecordUpstream(ctx context.Context, o UpstreamOutcome) error {
	if o.Status == nil {
		return errors.New("engine: record upstream: no status")
	}
	var c *kefu.Conversation
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		c = nil
		if o.Status.State == kefu.UpstreamPending {
			j := *o.Job
			j.NextAt, j.LeaseUntil = o.RetryAt, time.Time{}
			if err := tx.SaveUpstreamSend(ctx, &j); err != nil {
				return err
			}
			return tx.SetUpstreamStatus(ctx, o.Job.MessageID, o.Status)
		}
		// The conversation is locked before its job goes (see DeleteUpstreamSend).
		var err error
		if c, err = tx.LockConversation(ctx, o.Job.ConversationID); err != nil {
			return err
		}
		if err := tx.DeleteUpstreamSend(ctx, o.Job.ID); err != nil {
			return err
		}
		return tx.SetUpstreamStatus(ctx, o.Job.MessageID, o.Status)
	})
	if err != nil {
		return err
	}
	ev := &Event{Type: EventUpstream, AppID: o.Job.AppID, ConversationID: o.Job.ConversationID,
		Upstream: &UpstreamUpdate{MessageID: o.Job.MessageID, Status: o.Status, Try: o.Job.Tries}}
	if c == nil {
		c, _ = e.store.Conversation(ctx, o.Job.ConversationID)
	}
	if c != nil {
		ev.TeamID = c.TeamID // only agents who may see the conversation
	}
	e.publish(ev)
	return nil
}

// Upstream token timings: a token is replaced when less than
// TokenRefreshMargin of it is left (WeChat keeps the old one valid for 5
// minutes after a refresh); a node refreshing holds the lease at most
// tokenLease.
const (
	TokenRefreshMargin = 5 * time.Minute
	tokenLease         = 15 * time.Second
)

// TokenFetch asks WeChat for an access token and its lifetime.
type TokenFetch func(ctx context.Context) (token string, ttl time.Duration, err error)

// UpstreamToken returns a connected app's access token, shared by every
// node through the store. When there is none, when it is about to expire,
// or when it is the token WeChat just rejected (rejected, "" for none), one
// node — the one that takes the refresh lease — calls fetch; the others
// keep using a token that is still good, or wait for the new one. A token
// already replaced by another node is not refreshed again.
func (e *Engine) UpstreamToken(ctx context.Context, appID, rejected string, fetch TokenFetch) (string, error) {
	waitUntil := time.Now().Add(tokenLease + 5*time.Second) // real time: the clock may stand still in tests
	for {
		now := e.now()
		tok, err := e.store.UpstreamToken(ctx, appID)
		if err != nil && !errors.Is(err, kefu.ErrNotFound) {
			return "", err
		}
		usable := err == nil && tok.Token != "" && tok.Token != rejected && now.Before(tok.ExpiresAt)
		if usable && now.Before(tok.ExpiresAt.Add(-TokenRefreshMargin)) {
			return tok.Token, nil
		}
		var leased bool
		err = e.store.Update(ctx, func(tx kefu.Tx) error {
			var err error
			leased, err = tx.LeaseUpstreamToken(ctx, appID, now, now.Add(tokenLease))
			return err
		})
		if err != nil {
			return "", err
		}
		if leased {
			// Another node may have stored a new token between the read and
			// the lease: use it rather than refresh again.
			if cur, err := e.store.UpstreamToken(ctx, appID); err == nil && cur.Token != "" && cur.Token != rejected &&
				(tok == nil || cur.Token != tok.Token) && now.Before(cur.ExpiresAt.Add(-TokenRefreshMargin)) {
				e.releaseTokenLease(ctx, cur)
				return cur.Token, nil
			}
			token, ttl, err := fetch(ctx)
			if err != nil {
				if tok == nil {
					tok = &kefu.UpstreamToken{AppID: appID}
				}
				e.releaseTokenLease(ctx, tok)
				return "", err
			}
			nt := &kefu.UpstreamToken{AppID: appID, Token: token, ExpiresAt: e.now().Add(ttl)}
			if err := e.store.Update(ctx, func(tx kefu.Tx) error { return tx.PutUpstreamToken(ctx, nt) }); err != nil {
				return "", err
			}
			return token, nil
		}
		if usable {
			return tok.Token, nil // still valid while another node refreshes
		}
		if time.Now().After(waitUntil) {
			return "", kefu.Errorf(kefu.EUNAVAILABLE, "another node is refreshing the WeChat access token and has not finished")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// releaseTokenLease ends a refresh lease without changing the token, so
// that another node may try at once.
func (e *Engine) releaseTokenLease(ctx context.Context, tok *kefu.UpstreamToken) {
	t := *tok
	if err := e.store.Update(ctx, func(tx kefu.Tx) error { return tx.PutUpstreamToken(ctx, &t) }); err != nil {
		e.log.Warn("engine: release upstream token lease", "app", tok.AppID, "err", err)
	}
}
