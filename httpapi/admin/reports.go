package admin

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// reportRoutes mounts the reports (docs/reports.md): GET
// /api/admin/reports?from=YYYY-MM-DD&to=YYYY-MM-DD&tz=Asia/Shanghai
// &by=day|hour&appid=&team=&agent=&channel=&format=json|csv.
func (s *Server) reportRoutes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/admin/reports", s.WithAdmin(s.adminReports))
}

// reportQuery reads a report's query: from and to are days in the time zone
// tz (UTC when absent), both included.
func reportQuery(r *http.Request) (kefu.ReportQuery, error) {
	v := r.URL.Query()
	var q kefu.ReportQuery
	loc := time.UTC
	if name := v.Get("tz"); name != "" {
		l, err := time.LoadLocation(name)
		if err != nil {
			return q, kefu.Errorf(kefu.EINVALID, "unknown time zone %q", name)
		}
		loc = l
	}
	from, err := time.ParseInLocation(time.DateOnly, v.Get("from"), loc)
	if err != nil {
		return q, kefu.Errorf(kefu.EINVALID, "from must be a date like 2026-11-21")
	}
	to, err := time.ParseInLocation(time.DateOnly, v.Get("to"), loc)
	if err != nil {
		return q, kefu.Errorf(kefu.EINVALID, "to must be a date like 2026-11-21")
	}
	q.From, q.To = from.UTC(), to.AddDate(0, 0, 1).UTC()
	switch v.Get("by") {
	case "", "day":
		q.Bucket = 24 * time.Hour
	case "hour":
		q.Bucket = time.Hour
	default:
		return q, kefu.Errorf(kefu.EINVALID, "by must be day or hour")
	}
	q.AppID, q.Channel = v.Get("appid"), kefu.Channel(v.Get("channel"))
	if q.TeamID, err = edge.QueryInt(r, "team", 0); err != nil {
		return q, err
	}
	if q.AgentID, err = edge.QueryInt(r, "agent", 0); err != nil {
		return q, err
	}
	return q, nil
}

func (s *Server) adminReports(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	q, err := reportQuery(r)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	rep, err := s.Engine.Report(r.Context(), q)
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if r.URL.Query().Get("format") != "csv" {
		edge.WriteJSON(w, http.StatusOK, rep)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="kefu-report-`+r.URL.Query().Get("from")+`-`+r.URL.Query().Get("to")+`.csv"`)
	writeReportCSV(w, rep)
}

// reportCSVHeader names the CSV's columns; durations are in seconds.
var reportCSVHeader = []string{"start", "sessions_started", "sessions_transferred", "sessions_served", "sessions_abandoned",
	"queue_wait_p50_s", "queue_wait_p90_s", "first_response_p50_s", "first_response_p90_s", "resolution_p50_s", "resolution_p90_s",
	"messages_in", "messages_out", "csat_count", "csat_average", "csat_1", "csat_2", "csat_3", "csat_4", "csat_5", "online_seconds"}

// writeReportCSV writes a row per bucket and a last row, "total", for the range.
func writeReportCSV(w http.ResponseWriter, rep *engine.Report) {
	cw := csv.NewWriter(w)
	cw.Write(reportCSVHeader)
	line := func(start string, r *engine.ReportRow) {
		sec := func(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }
		rec := []string{start, strconv.Itoa(r.Started), strconv.Itoa(r.Transferred), strconv.Itoa(r.Served), strconv.Itoa(r.Abandoned),
			sec(r.QueueWait.P50), sec(r.QueueWait.P90), sec(r.FirstResponse.P50), sec(r.FirstResponse.P90), sec(r.Resolution.P50), sec(r.Resolution.P90),
			strconv.FormatInt(r.MessagesIn, 10), strconv.FormatInt(r.MessagesOut, 10),
			strconv.Itoa(r.CSAT.Count), strconv.FormatFloat(r.CSAT.Average, 'f', 2, 64)}
		for _, n := range r.CSAT.Scores {
			rec = append(rec, strconv.Itoa(n))
		}
		cw.Write(append(rec, strconv.FormatInt(r.OnlineSeconds, 10)))
	}
	for i := range rep.Rows {
		line(rep.Rows[i].Start.Format(time.RFC3339), &rep.Rows[i])
	}
	line("total", &rep.Total)
	cw.Flush()
}
