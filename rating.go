package kefu

import (
	"context"
	"time"
	"unicode/utf8"
)

// Rating is a customer's satisfaction score (CSAT) for one session with an
// agent: 1 (very unhappy) to 5 (very happy), with an optional comment. A
// session has at most one rating.
type Rating struct {
	SessionID      int64     `json:"session_id"`
	ConversationID int64     `json:"conversation_id"`
	AppID          string    `json:"appid"`
	AgentID        int64     `json:"agent_id"`
	TeamID         int64     `json:"team_id,omitempty"`
	Channel        Channel   `json:"channel"`
	Score          int       `json:"score"`
	Comment        string    `json:"comment,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// RatingWindow is how long after a session closes its customer may rate it.
const RatingWindow = 24 * time.Hour

// MaxRatingComment bounds a rating's comment, in characters.
const MaxRatingComment = 500

// ValidateRating reports the first problem with what a customer sends as a
// rating: a score and an optional comment.
func ValidateRating(score int, comment string) error {
	switch {
	case score < 1 || score > 5:
		return Errorf(EINVALID, "the score must be a whole number from 1 to 5")
	case utf8.RuneCountInString(comment) > MaxRatingComment:
		return Errorf(EINVALID, "the comment must be at most %d characters", MaxRatingComment)
	case !utf8.ValidString(comment):
		return Errorf(EINVALID, "the comment must be UTF-8 text")
	}
	return nil
}

// RatingStore is the store's part in ratings (embedded in Tx and Reader).
type RatingStore interface {
	// CreateRating stores r unless its session already has a rating; ok
	// reports whether it did.
	CreateRating(ctx context.Context, r *Rating) (ok bool, err error)
}

// RatingReader reads ratings.
type RatingReader interface {
	// RatingOf is a session's rating (ErrNotFound if it has none).
	RatingOf(ctx context.Context, sessionID int64) (*Rating, error)
}
