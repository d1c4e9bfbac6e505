package engine

import (
	"context"
	"slices"
	"time"

	"github.com/kefuhq/kefu"
)

// Report is the figures of a range, in total and per bucket (docs/reports.md).
type Report struct {
	From  time.Time   `json:"from"`
	To    time.Time   `json:"to"`
	By    string      `json:"by"` // hour or day
	Total ReportRow   `json:"total"`
	Rows  []ReportRow `json:"rows"`
}

// ReportRow is one bucket's figures (or the range's, as Report.Total).
type ReportRow struct {
	Start         time.Time `json:"start"`
	Started       int       `json:"sessions_started"`
	Transferred   int       `json:"sessions_transferred"`
	Served        int       `json:"sessions_served"`
	Abandoned     int       `json:"sessions_abandoned"`
	QueueWait     Durations `json:"queue_wait"`
	FirstResponse Durations `json:"first_response"`
	Resolution    Durations `json:"resolution"`
	MessagesIn    int64     `json:"messages_in"`
	MessagesOut   int64     `json:"messages_out"`
	CSAT          CSAT      `json:"csat"`
	// OnlineSeconds is the agents' time online, summed over agents.
	OnlineSeconds int64 `json:"online_seconds"`
}

// tally gathers a row's times until they are summarised.
type tally struct {
	waits, firsts, resolutions []time.Duration
	online                     time.Duration
}

// Durations summarises a set of times: how many, and their 50th and 90th
// percentiles (nearest rank: the smallest value that at least p% of the set
// do not exceed), in milliseconds.
type Durations struct {
	Count int   `json:"count"`
	P50   int64 `json:"p50_ms"`
	P90   int64 `json:"p90_ms"`
}

// CSAT summarises ratings: how many, their mean score, and how many of each
// score (Scores[0] counts the 1s).
type CSAT struct {
	Count   int     `json:"count"`
	Average float64 `json:"average"`
	Scores  [5]int  `json:"scores"`
}

// Percentile is the nearest-rank p-th percentile of sorted values (0 for
// none).
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}

// Report computes the figures of q from the store (see kefu.ReportReader).
func (e *Engine) Report(ctx context.Context, q kefu.ReportQuery) (*Report, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	n := int((q.To.Sub(q.From) + q.Bucket - 1) / q.Bucket)
	rep := &Report{From: q.From, To: q.To, By: "day", Rows: make([]ReportRow, n), Total: ReportRow{Start: q.From}}
	if q.Bucket == time.Hour {
		rep.By = "hour"
	}
	for i := range rep.Rows {
		rep.Rows[i].Start = q.From.Add(time.Duration(i) * q.Bucket)
	}
	// tallies[i] is Rows[i]'s; the last is Total's.
	tallies := make([]tally, n+1)
	row := func(t time.Time) int { return int(t.Sub(q.From) / q.Bucket) }
	both := func(i int, f func(r *ReportRow, t *tally)) {
		f(&rep.Rows[i], &tallies[i])
		f(&rep.Total, &tallies[n])
	}

	sessions, err := e.store.ReportSessions(ctx, &q)
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		both(row(s.QueuedAt), func(r *ReportRow, t *tally) { r.addSession(t, s) })
	}
	msgs, err := e.store.ReportMessages(ctx, &q)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		both(row(m.Bucket), func(r *ReportRow, _ *tally) { r.MessagesIn, r.MessagesOut = r.MessagesIn+m.In, r.MessagesOut+m.Out })
	}
	ratings, err := e.store.ReportRatings(ctx, &q)
	if err != nil {
		return nil, err
	}
	for _, rt := range ratings {
		both(row(rt.CreatedAt), func(r *ReportRow, _ *tally) { r.CSAT.Scores[rt.Score-1]++ })
	}
	changes, err := e.store.ReportStatusChanges(ctx, &q)
	if err != nil {
		return nil, err
	}
	e.addOnline(&q, changes, func(i int, d time.Duration) { both(i, func(_ *ReportRow, t *tally) { t.online += d }) })

	rep.Total.finish(&tallies[n])
	for i := range rep.Rows {
		rep.Rows[i].finish(&tallies[i])
	}
	return rep, nil
}

func (r *ReportRow) addSession(t *tally, s kefu.ReportSession) {
	r.Started++
	if s.CloseReason == kefu.CloseByTransfer {
		r.Transferred++
	}
	if !s.AcceptedAt.IsZero() {
		r.Served++
		t.waits = append(t.waits, s.AcceptedAt.Sub(s.QueuedAt))
		if !s.ClosedAt.IsZero() && s.CloseReason != kefu.CloseByTransfer {
			t.resolutions = append(t.resolutions, s.ClosedAt.Sub(s.QueuedAt))
		}
	} else if s.CloseReason == kefu.CloseByTimeout {
		r.Abandoned++
	}
	if !s.FirstResponseAt.IsZero() {
		t.firsts = append(t.firsts, s.FirstResponseAt.Sub(s.QueuedAt))
	}
}

// addOnline adds up each agent's time online within the range (up to now),
// splitting it across buckets. changes are by agent and time, each agent's
// first being its status before the range (if it had one).
func (e *Engine) addOnline(q *kefu.ReportQuery, changes []kefu.ReportStatusChange, add1 func(bucket int, d time.Duration)) {
	end := earlier(q.To, e.now())
	add := func(from, to time.Time) {
		from, to = later(from, q.From), earlier(to, end)
		for from.Before(to) {
			i := int(from.Sub(q.From) / q.Bucket)
			stop := earlier(to, q.From.Add(time.Duration(i+1)*q.Bucket))
			add1(i, stop.Sub(from))
			from = stop
		}
	}
	for i, c := range changes {
		if c.Status != kefu.StatusOnline {
			continue
		}
		until := end
		if i+1 < len(changes) && changes[i+1].AgentID == c.AgentID {
			until = changes[i+1].At
		}
		add(c.At, until)
	}
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (r *ReportRow) finish(t *tally) {
	r.QueueWait, r.FirstResponse, r.Resolution = summarise(t.waits), summarise(t.firsts), summarise(t.resolutions)
	r.OnlineSeconds = int64(t.online / time.Second)
	sum := 0
	for i, n := range r.CSAT.Scores {
		r.CSAT.Count += n
		sum += (i + 1) * n
	}
	if r.CSAT.Count > 0 {
		r.CSAT.Average = float64(sum) / float64(r.CSAT.Count)
	}
}

func summarise(d []time.Duration) Durations {
	slices.Sort(d)
	return Durations{Count: len(d), P50: Percentile(d, 50).Milliseconds(), P90: Percentile(d, 90).Milliseconds()}
}
