package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/kefuhq/kefu"
)

// withExtra scans a row's leading columns with scan's destinations and the
// rest into extra, so scanMessage serves a joined row too.
type withExtra struct {
	s     scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.s.Scan(append(dest, w.extra...)...) }

// Export streams the messages of f from one cursor, oldest first.
func (r *reader) Export(ctx context.Context, f kefu.ExportFilter, fn func(*kefu.ExportRow) error) error {
	cols := strings.Split(strings.ReplaceAll(messageColumns, "\n", " "), ",")
	for i, c := range cols {
		cols[i] = "m." + strings.TrimSpace(c)
	}
	q := `SELECT ` + strings.Join(cols, ", ") + `, c.app_id, cu.openid, cu.name FROM messages m
		JOIN conversations c ON c.id = m.conversation_id JOIN customers cu ON cu.id = c.customer_id
		WHERE m.created_at >= ? AND m.created_at < ?`
	args := []any{ms(f.From), ms(f.To)}
	if len(f.AppIDs) > 0 {
		in, a := inList(f.AppIDs)
		q += ` AND c.app_id IN ` + in
		args = append(args, a...)
	}
	rows, err := r.conversationsTable(ctx).query(ctx, q+` ORDER BY m.created_at, m.id`, args...)
	if err != nil {
		return classify(fmt.Errorf("sqlstore: export: %w", err))
	}
	defer rows.Close()
	var row kefu.ExportRow
	extra := withExtra{rows, []any{&row.AppID, &row.OpenID, &row.CustomerName}}
	for rows.Next() {
		if row.Message, err = scanMessage(extra); err != nil {
			return classify(fmt.Errorf("sqlstore: export: %w", err))
		}
		if err := fn(&row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return classify(fmt.Errorf("sqlstore: export: %w", err))
	}
	return nil
}
