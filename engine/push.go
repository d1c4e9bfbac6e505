package engine

import (
	"context"
	"time"

	"github.com/kefuhq/kefu"
)

// MaxPushTries is WeChat's rule: three tries in total, then the user is told
// the service is unavailable.
const MaxPushTries = 3

// PushRecord is what the push worker learned from one try of a job.
type PushRecord struct {
	Job     *kefu.PushJob
	Attempt *kefu.PushAttempt // Result: delivered, transferred or failed
	// RetryAt is when to try again after a failed try that is not the last.
	RetryAt time.Time
	// Message is the pushed message, if the worker read it for the try
	// (its kind and place never change); otherwise RecordPushAndClaim reads it.
	Message *kefu.Message
}

// RecordPushAndClaim stores one push try in the push log and applies its
// outcome in the same transaction: a success ends the job; a transfer reply
// queues the conversation for customer service (or, for an event, is
// ignored with a warning); a try that got no answer is retried; after the
// last try, or a wrong answer, the customer is shown WeChat's notice. The
// message itself stays in the conversation. Then, still in the transaction,
// it runs ClaimPushJobs(limit, lease) (limit 0 claims nothing): a busy
// worker goes on with the next due job after one commit instead of two
// (kefu bench push: the commits a push
// waits for bound how many a worker of 64 slots delivers).
func (e *Engine) RecordPushAndClaim(ctx context.Context, r PushRecord, limit int, lease time.Duration) ([]*kefu.PushJob, error) {
	var res pushOutcome
	var claimed []*kefu.PushJob
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		res, claimed = pushOutcome{}, nil
		now := e.now()
		if err := e.recordPush(ctx, tx, r, now, &res); err != nil {
			return err
		}
		if limit <= 0 {
			return nil
		}
		var err error
		claimed, err = tx.ClaimPushJobs(ctx, now, now.Add(lease), limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	c, msg := res.c, res.msg
	if c == nil { // a retry was scheduled
		// The event goes only to agents who may see the conversation.
		ev := &Event{Type: EventPush, AppID: r.Job.AppID, ConversationID: r.Job.ConversationID,
			Push: &PushUpdate{MessageID: r.Job.MessageID, Status: kefu.PushPending, Try: r.Job.Tries}}
		if cur, err := e.store.Conversation(ctx, r.Job.ConversationID); err == nil {
			ev.TeamID = cur.TeamID
		}
		e.publish(ev)
		return claimed, nil
	}
	e.publish(&Event{Type: EventPush, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID,
		Push: &PushUpdate{MessageID: msg.ID, Status: msg.Push, Try: r.Job.Tries}})
	if res.notice != nil {
		e.publishMessage(c, res.notice)
	}
	if res.queued {
		e.publishAuto(c, res.autos)
		e.publishConversation(c)
		e.kickRouter()
	}
	return claimed, nil
}

// pushOutcome is what recording a try changed, to publish after the commit.
type pushOutcome struct {
	c           *kefu.Conversation // nil: a retry was scheduled
	msg, notice *kefu.Message
	queued      bool
	autos       []*kefu.Message // automatic replies to the session that opened
}

func (e *Engine) recordPush(ctx context.Context, tx kefu.Tx, r PushRecord, now time.Time, res *pushOutcome) error {
	a := *r.Attempt
	var msg *kefu.Message
	if r.Message != nil {
		m := *r.Message
		msg = &m
	} else {
		var err error
		if msg, err = tx.Message(ctx, r.Job.MessageID); err != nil {
			return err
		}
	}
	if a.Result == kefu.PushTransferred && msg.Kind == kefu.KindEvent {
		a.Result = kefu.PushDelivered
		a.Warning = "transfer_customer_service in reply to an event is ignored: only user messages can be transferred"
	}
	if err := tx.AddPushAttempt(ctx, &a); err != nil {
		return err
	}
	if a.Result == kefu.PushFailed && r.Job.Tries < MaxPushTries && a.StatusCode == 0 {
		// Only a try that got no answer is tried again (WeChat retries
		// when the developer does not answer in time): an answer that is
		// wrong — an HTTP error, a body that is not success, empty or
		// transfer_customer_service — would be as wrong the next time, and
		// the customer is told at once.
		if msg.Kind == kefu.KindEvent {
			// An event's retries do not hold back the customer's messages
			// (WeChat pushes each on its own): the event goes to the back
			// of its conversation's outbox, keeping its count of tries.
			if _, err := tx.LockConversation(ctx, msg.ConversationID); err != nil {
				return err
			}
			if err := tx.DeletePushJob(ctx, r.Job.ID); err != nil {
				return err
			}
			j := *r.Job
			j.ID, j.NextAt, j.LeaseUntil = 0, r.RetryAt, time.Time{}
			return tx.EnqueuePush(ctx, &j)
		}
		j := *r.Job
		j.NextAt, j.LeaseUntil = r.RetryAt, time.Time{}
		return tx.SavePushJob(ctx, &j)
	}
	// The conversation is locked before its job goes (see DeletePushJob).
	c, err := tx.LockConversation(ctx, msg.ConversationID)
	if err != nil {
		return err
	}
	if err := tx.DeletePushJob(ctx, r.Job.ID); err != nil {
		return err
	}
	if err := tx.SetPushStatus(ctx, msg.ID, a.Result); err != nil {
		return err
	}
	msg.Push = a.Result
	res.c, res.msg = c, msg
	switch a.Result {
	case kefu.PushTransferred:
		if _, err := e.expireIfDue(ctx, tx, c, now); err != nil {
			return err
		}
		if c.State == kefu.StateDeveloper {
			if err := e.startQueue(ctx, tx, c, msg, now); err != nil {
				return err
			}
			res.queued = true
			if res.autos, err = e.openedReply(ctx, tx, c, now); err != nil {
				return err
			}
		}
		c.LastActivityAt, c.UpdatedAt = now, now
		return tx.SaveConversation(ctx, c)
	case kefu.PushFailed:
		if msg.Kind == kefu.KindEvent {
			return nil
		}
		notice := &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Phase: c.State, CreatedAt: now,
			Notice: &kefu.Notice{Code: kefu.NoticeDeveloperUnavailable, Text: kefu.NoticeDeveloperUnavailableText}}
		if res.notice, _, err = tx.AppendMessage(ctx, c, notice); err != nil {
			return err
		}
		c.UpdatedAt = now
		return tx.SaveConversation(ctx, c)
	}
	return nil
}

// ClaimPushJobs leases up to limit due jobs for lease, so that no other
// worker (on this node or another) tries them meanwhile, and counts the try
// that is about to happen.
func (e *Engine) ClaimPushJobs(ctx context.Context, limit int, lease time.Duration) ([]*kefu.PushJob, error) {
	// A read first (of the heads only: cheap), so that an idle worker's
	// polls cost no commit.
	due, err := e.store.DuePushJobs(ctx, e.now(), 1)
	if err != nil || len(due) == 0 {
		return nil, err
	}
	var claimed []*kefu.PushJob
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		var err error
		claimed, err = tx.ClaimPushJobs(ctx, now, now.Add(lease), limit)
		return err
	})
	return claimed, err
}

// RequeuePush makes a message's push run again from its first try — the
// push inspector's "send again" for a message whose push has finished.
func (e *Engine) RequeuePush(ctx context.Context, messageID int64) error {
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		m, err := tx.Message(ctx, messageID)
		if err != nil {
			return err
		}
		if m.Push == kefu.PushPending {
			return kefu.Errorf(kefu.ECONFLICT, "the message is still being pushed")
		}
		if m.Push == kefu.PushNone {
			return kefu.Errorf(kefu.EINVALID, "the message was never pushed to the developer")
		}
		c, err := tx.LockConversation(ctx, m.ConversationID)
		if err != nil {
			return err
		}
		if err := tx.SetPushStatus(ctx, m.ID, kefu.PushPending); err != nil {
			return err
		}
		if err := e.Record(ctx, tx, nil, "push.replay", "message", m.ID, map[string]any{"conversation": c.ID, "appid": c.AppID}); err != nil {
			return err
		}
		return tx.EnqueuePush(ctx, &kefu.PushJob{AppID: c.AppID, ConversationID: c.ID, MessageID: m.ID, NextAt: now, CreatedAt: now})
	})
	if err == nil {
		e.wakePusher()
	}
	return err
}

// PushMessage reads the message a push job delivers.
func (e *Engine) PushMessage(ctx context.Context, j *kefu.PushJob) (*kefu.Message, error) {
	return e.store.Message(ctx, j.MessageID)
}
