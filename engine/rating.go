package engine

import (
	"context"
	"errors"

	"github.com/kefuhq/kefu"
)

// RateRequest is a customer's rating of a session of their conversation.
type RateRequest struct {
	ConversationID int64
	// SessionID is the session rated; 0 rates the conversation's last
	// session that an agent served and that did not end in a transfer.
	SessionID int64
	Score     int
	Comment   string
}

// Rate stores a customer's rating of a closed session that an agent
// served, within kefu.RatingWindow of its close. A session is rated once:
// rating it again changes nothing and returns the first rating (so a
// retried request is harmless).
func (e *Engine) Rate(ctx context.Context, req RateRequest) (*kefu.Rating, error) {
	if err := kefu.ValidateRating(req.Score, req.Comment); err != nil {
		return nil, err
	}
	var out *kefu.Rating
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		s, err := e.ratedSession(ctx, tx, req)
		if err != nil {
			return err
		}
		if got, err := tx.RatingOf(ctx, s.ID); err == nil {
			out = got
			return nil
		} else if !errors.Is(err, kefu.ErrNotFound) {
			return err
		}
		if now.After(s.ClosedAt.Add(kefu.RatingWindow)) {
			return kefu.Errorf(kefu.ECONFLICT, "this chat ended too long ago to be rated")
		}
		cust, err := tx.Customer(ctx, s.CustomerID)
		if err != nil {
			return err
		}
		r := &kefu.Rating{SessionID: s.ID, ConversationID: s.ConversationID, AppID: s.AppID, AgentID: s.AgentID, TeamID: s.TeamID,
			Channel: cust.Channel, Score: req.Score, Comment: req.Comment, CreatedAt: now}
		ok, err := tx.CreateRating(ctx, r)
		if err != nil {
			return err
		}
		if !ok { // rated meanwhile by a concurrent request
			r, err = tx.RatingOf(ctx, s.ID)
			if err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ratedSession finds the session a rating is for and checks that it can be
// rated: the conversation's, closed, served by an agent.
func (e *Engine) ratedSession(ctx context.Context, tx kefu.Tx, req RateRequest) (*kefu.Session, error) {
	if req.SessionID == 0 {
		sessions, err := tx.Sessions(ctx, req.ConversationID)
		if err != nil {
			return nil, err
		}
		for _, s := range sessions { // newest first
			if s.State == kefu.StateClosed && s.AgentID != 0 && s.CloseReason != kefu.CloseByTransfer {
				return s, nil
			}
		}
		return nil, kefu.Errorf(kefu.ENOTFOUND, "there is no finished chat with an agent to rate")
	}
	s, err := tx.Session(ctx, req.SessionID)
	if errors.Is(err, kefu.ErrNotFound) || (err == nil && s.ConversationID != req.ConversationID) {
		return nil, kefu.Errorf(kefu.ENOTFOUND, "no such chat")
	}
	if err != nil {
		return nil, err
	}
	if s.State != kefu.StateClosed || s.AgentID == 0 {
		return nil, kefu.Errorf(kefu.ECONFLICT, "only a finished chat with an agent can be rated")
	}
	return s, nil
}
