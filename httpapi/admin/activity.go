package admin

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// activityPage is how many entries a page of the activity log holds.
const activityPage = 50

// adminActivity lists the activity log, newest first, filtered by actor,
// action, target and dates; next_before pages on.
func (s *Server) adminActivity(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	q := r.URL.Query()
	f := kefu.ActivityFilter{Action: q.Get("action"), TargetType: q.Get("target_type"), TargetID: q.Get("target_id"), Limit: activityPage + 1}
	for name, dst := range map[string]*int64{"actor": &f.ActorID, "before": &f.BeforeID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "%s must be a number", name))
				return
			}
			*dst = n
		}
	}
	var err error
	if f.From, f.To, err = dayRange(q.Get("from"), q.Get("to")); err != nil {
		s.WriteError(w, r, err)
		return
	}
	entries, err := s.Read.Activities(r.Context(), f)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	out := map[string]any{"activity": entries}
	if len(entries) > activityPage {
		entries = entries[:activityPage]
		out["activity"], out["next_before"] = entries, entries[len(entries)-1].ID
	}
	if entries == nil {
		out["activity"] = []*kefu.Activity{}
	}
	edge.WriteJSON(w, http.StatusOK, out)
}

// dayRange reads from and to, either days (2026-11-21, to included) or
// RFC 3339 times (to excluded), in UTC; either may be empty.
func dayRange(from, to string) (time.Time, time.Time, error) {
	var out [2]time.Time
	for i, v := range []string{from, to} {
		if v == "" {
			continue
		}
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			out[i] = d.AddDate(0, 0, i) // the whole of the "to" day
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return out[0], out[1], kefu.Errorf(kefu.EINVALID, "dates are written 2026-11-21 or 2026-11-21T09:00:00Z")
		}
		out[i] = t
	}
	return out[0], out[1], nil
}
