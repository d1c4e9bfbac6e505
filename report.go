package kefu

import (
	"context"
	"time"
)

// ReportQuery is what a report covers: sessions queued, messages sent and
// ratings given in [From, To), counted per bucket of Bucket (an hour or a
// day) counted from From, narrowed by the zero-or-set filters.
// docs/reports.md says what every figure means.
type ReportQuery struct {
	From, To time.Time
	Bucket   time.Duration // time.Hour or 24 * time.Hour
	AppID    string
	TeamID   int64
	AgentID  int64
	Channel  Channel
}

// MaxReportBuckets bounds a report's rows (a year by day, a month by hour).
const MaxReportBuckets = 24 * 62

// Validate reports the first problem with a report's query.
func (q *ReportQuery) Validate() error {
	switch {
	case q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To):
		return Errorf(EINVALID, "the range needs a start before its end")
	case q.Bucket != time.Hour && q.Bucket != 24*time.Hour:
		return Errorf(EINVALID, "a report is by hour or by day")
	case q.Channel != "" && !q.Channel.Valid():
		return Errorf(EINVALID, "unknown channel %q", q.Channel)
	case q.To.Sub(q.From)/q.Bucket > MaxReportBuckets:
		return Errorf(EINVALID, "the range is too long for that step: at most %d rows", MaxReportBuckets)
	}
	return nil
}

// ReportSession is one session as the reports see it: times are zero when
// the thing did not happen.
type ReportSession struct {
	QueuedAt        time.Time
	AcceptedAt      time.Time
	FirstResponseAt time.Time // the first agent message of the session
	ClosedAt        time.Time
	CloseReason     CloseReason
}

// ReportMessages counts messages in and out in one bucket.
type ReportMessages struct {
	Bucket time.Time
	In     int64 // from the customer
	Out    int64 // from agents
}

// ReportStatusChange is one change of an agent's status.
type ReportStatusChange struct {
	AgentID int64
	At      time.Time
	Status  Status
}

// ReportReader reads what reports are computed from, each over the query's
// range and filters with an index.
type ReportReader interface {
	// ReportSessions lists the sessions queued in range, by queued time.
	ReportSessions(ctx context.Context, q *ReportQuery) ([]ReportSession, error)
	// ReportMessages counts messages per bucket (buckets with none left out).
	ReportMessages(ctx context.Context, q *ReportQuery) ([]ReportMessages, error)
	// ReportRatings lists the ratings given in range, by time.
	ReportRatings(ctx context.Context, q *ReportQuery) ([]Rating, error)
	// ReportStatusChanges lists, per agent in the filters, the last status
	// change before From followed by the changes in range, by agent and time.
	ReportStatusChanges(ctx context.Context, q *ReportQuery) ([]ReportStatusChange, error)
}
