package kefu

import (
	"context"
	"encoding/json"
	"time"
)

// Activity is one line of the activity log: who (ActorID 0 is the system)
// did what (Action, such as "session.accept" or "tag.create") to which
// target, with a small JSON detail. It is written in the transaction of the
// action it records, so the log never shows what did not happen.
type Activity struct {
	ID         int64           `json:"id"`
	ActorID    int64           `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"` // agent, team, app, conversation, tag, attribute…
	TargetID   string          `json:"target_id"`
	Detail     json.RawMessage `json:"detail"`
	CreatedAt  time.Time       `json:"created_at"`
}

// ActivityFilter narrows the activity log. Zero fields match all.
type ActivityFilter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	BeforeID   int64 // paging: entries older than this
	Limit      int
}

// ActivityTx writes the activity log.
type ActivityTx interface {
	AddActivity(ctx context.Context, a *Activity) error
}

// ActivityReader reads the activity log, newest first.
type ActivityReader interface {
	Activities(ctx context.Context, f ActivityFilter) ([]*Activity, error)
}
