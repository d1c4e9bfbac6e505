package kefu

import (
	"context"
	"time"
)

// ExportFilter chooses what an export holds: the messages created in
// [From, To) of the given apps (empty: every app).
type ExportFilter struct {
	AppIDs   []string
	From, To time.Time
}

// Validate reports the first problem with an export's range.
func (f *ExportFilter) Validate() error {
	switch {
	case f.From.IsZero() || f.To.IsZero():
		return Errorf(EINVALID, "an export needs a start and an end date")
	case !f.To.After(f.From):
		return Errorf(EINVALID, "an export's end must be after its start")
	}
	return nil
}

// ExportRow is one exported message with the conversation and customer it
// belongs to.
type ExportRow struct {
	AppID        string   `json:"appid"`
	OpenID       string   `json:"openid"`
	CustomerName string   `json:"customer_name,omitempty"`
	Message      *Message `json:"message"`
}

// ExportReader streams an export.
type ExportReader interface {
	// Export calls fn with each message of f, oldest first, reading them
	// from one cursor so that memory stays flat however many there are.
	// The row passed to fn is reused: fn must not keep it. An error from fn
	// stops the export and is returned.
	Export(ctx context.Context, f ExportFilter, fn func(*ExportRow) error) error
}
