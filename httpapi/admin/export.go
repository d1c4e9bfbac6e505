package admin

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kefuhq/kefu"
)

// exportColumns are the CSV export's columns (docs/export.md).
var exportColumns = []string{"created_at", "appid", "openid", "customer_name", "conversation_id", "message_id", "seq",
	"sender", "agent_id", "kind", "internal", "phase", "text", "body"}

// adminExport streams the conversations' messages of a date range as JSON
// Lines (format=jsonl, the default) or CSV: each row is written as it is
// read from the store's cursor, so memory stays flat whatever the size.
func (s *Server) adminExport(w http.ResponseWriter, r *http.Request, _ *kefu.Agent) {
	q := r.URL.Query()
	var f kefu.ExportFilter
	var err error
	if f.From, f.To, err = dayRange(q.Get("from"), q.Get("to")); err == nil {
		err = f.Validate()
	}
	if err != nil {
		s.WriteError(w, r, err)
		return
	}
	if v := q.Get("appid"); v != "" {
		f.AppIDs = []string{v}
	}
	format := q.Get("format")
	if format == "" {
		format = "jsonl"
	}
	if format != "jsonl" && format != "csv" {
		s.WriteError(w, r, kefu.Errorf(kefu.EINVALID, "format is jsonl or csv"))
		return
	}
	ctx := r.Context()
	if err := s.Engine.RecordAlone(ctx, "conversations.export", "export", format,
		map[string]any{"from": f.From, "to": f.To, "appid": q.Get("appid")}); err != nil {
		s.WriteError(w, r, err)
		return
	}
	name := fmt.Sprintf("kefu-%s-%s.%s", f.From.Format("20060102"), f.To.Format("20060102"), format)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	buf := bufio.NewWriterSize(w, 64<<10)
	w.Header().Set("Trailer", "Kefu-Export-Error")
	var write func(*kefu.ExportRow) error
	var cw *csv.Writer
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		cw = csv.NewWriter(buf)
		if err := cw.Write(exportColumns); err != nil {
			return
		}
		record := make([]string, len(exportColumns))
		write = func(row *kefu.ExportRow) error {
			m := row.Message
			body, err := json.Marshal(m.BodyField())
			if err != nil {
				return err
			}
			text := ""
			if m.Text != nil {
				text = m.Text.Content
			}
			record = append(record[:0], m.CreatedAt.Format(time.RFC3339Nano), row.AppID, row.OpenID, row.CustomerName,
				strconv.FormatInt(m.ConversationID, 10), strconv.FormatInt(m.ID, 10), strconv.FormatInt(m.Seq, 10),
				string(m.Sender), strconv.FormatInt(m.AgentID, 10), string(m.Kind), strconv.FormatBool(m.Internal), string(m.Phase), text, string(body))
			cw.Write(record)
			return cw.Error()
		}
	} else {
		w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
		enc := json.NewEncoder(buf)
		write = func(row *kefu.ExportRow) error { return enc.Encode(row) }
	}
	w.WriteHeader(http.StatusOK)
	err = s.Read.Export(ctx, f, write)
	if cw != nil {
		cw.Flush()
	}
	if err == nil {
		err = buf.Flush()
	}
	if err != nil {
		// The status is sent: the trailer says the file is cut short.
		w.Header().Set("Kefu-Export-Error", "the export stopped early")
		s.Log.Warn("export cut short", "err", err)
	}
}
