package kefu

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Hours is when a desk is open: ranges of wall-clock time per weekday and
// closed dates, in an IANA time zone. Times are read on the zone's own
// clock, so "09:00–18:00" stays nine to six across a change of daylight
// saving time. A range whose end is not after its start runs overnight
// into the next day ("22:00–02:00"); "24:00" ends a range at midnight.
// A holiday closes its whole date, including the part of an overnight range
// that spills into it. Hours that are not Enabled are always open.
type Hours struct {
	Enabled  bool           `json:"enabled"`
	TimeZone string         `json:"time_zone"` // IANA name, e.g. Asia/Shanghai
	Week     [7][]TimeRange `json:"week"`      // by time.Weekday: Sunday first
	Holidays []Holiday      `json:"holidays"`  // closed dates
}

// TimeRange is an opening range of one day, "HH:MM" to "HH:MM".
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Holiday is a closed date (YYYY-MM-DD in the hours' zone), optionally named.
type Holiday struct {
	Date string `json:"date"`
	Name string `json:"name,omitempty"`
}

// Limits on hours.
const (
	MaxRangesPerDay = 6
	MaxHolidays     = 366
)

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// Validate reports the first problem with h.
func (h *Hours) Validate() error {
	if h.TimeZone == "" {
		if h.Enabled {
			return Errorf(EINVALID, "choose a time zone for the hours")
		}
	} else if _, err := time.LoadLocation(h.TimeZone); err != nil || h.TimeZone == "Local" {
		return Errorf(EINVALID, "%q is not a time zone name (such as Asia/Shanghai)", h.TimeZone)
	}
	for d, ranges := range h.Week {
		if len(ranges) > MaxRangesPerDay {
			return Errorf(EINVALID, "at most %d ranges on %s", MaxRangesPerDay, time.Weekday(d))
		}
		for _, r := range ranges {
			from, ok1 := clockMinutes(r.From)
			to, ok2 := clockMinutes(r.To)
			if !ok1 || !ok2 || from == 24*60 {
				return Errorf(EINVALID, "%s: %q–%q is not a range of times such as 09:00–18:00", time.Weekday(d), r.From, r.To)
			}
			if from == to {
				return Errorf(EINVALID, "%s: the range %s–%s is empty", time.Weekday(d), r.From, r.To)
			}
		}
	}
	if len(h.Holidays) > MaxHolidays {
		return Errorf(EINVALID, "at most %d holidays", MaxHolidays)
	}
	seen := map[string]bool{}
	for _, hd := range h.Holidays {
		if _, err := time.Parse(time.DateOnly, hd.Date); err != nil {
			return Errorf(EINVALID, "%q is not a date such as 2026-10-01", hd.Date)
		}
		if seen[hd.Date] {
			return Errorf(EINVALID, "the holiday %s is listed twice", hd.Date)
		}
		seen[hd.Date] = true
		if len([]rune(hd.Name)) > 64 {
			return Errorf(EINVALID, "a holiday's name must be at most 64 characters")
		}
	}
	return nil
}

// OpenAt reports whether the desk is open at t. Hours that fail Validate
// count as open: a misconfiguration must not turn customers away.
func (h *Hours) OpenAt(t time.Time) bool {
	if !h.Enabled {
		return true
	}
	loc, err := time.LoadLocation(h.TimeZone)
	if err != nil {
		return true
	}
	lt := t.In(loc)
	if h.holiday(lt) {
		return false
	}
	now := lt.Hour()*60 + lt.Minute()
	for _, r := range h.Week[lt.Weekday()] {
		from, _ := clockMinutes(r.From)
		to, _ := clockMinutes(r.To)
		if to > from && now >= from && now < to || to <= from && now >= from {
			return true
		}
	}
	// Yesterday's overnight ranges, unless yesterday was closed.
	y := lt.AddDate(0, 0, -1)
	if h.holiday(y) {
		return false
	}
	for _, r := range h.Week[y.Weekday()] {
		from, _ := clockMinutes(r.From)
		to, _ := clockMinutes(r.To)
		if to <= from && now < to {
			return true
		}
	}
	return false
}

func (h *Hours) holiday(lt time.Time) bool {
	d := lt.Format(time.DateOnly)
	for _, hd := range h.Holidays {
		if hd.Date == d {
			return true
		}
	}
	return false
}

// HoursSettings are the hours and automatic replies of an app (TeamID 0)
// or of a team (AppID ""). A session of a team that has its own settings
// follows them; any other follows its app's. The language of the replies is
// always the app's.
type HoursSettings struct {
	AppID     string      `json:"appid,omitempty"`
	TeamID    int64       `json:"team_id,omitempty"`
	Hours     Hours       `json:"hours"`
	Replies   AutoReplies `json:"replies"`
	UpdatedAt time.Time   `json:"updated_at,omitzero"`
}

// Validate reports the first problem with s.
func (s *HoursSettings) Validate() error {
	if (s.AppID == "") == (s.TeamID == 0) {
		return Errorf(EINVALID, "hours belong to exactly one app or one team")
	}
	if err := s.Hours.Validate(); err != nil {
		return err
	}
	return s.Replies.Validate()
}

// HoursReader reads hours settings (part of Reader).
type HoursReader interface {
	// HoursSettings reads an app's (teamID 0) or a team's (appID "")
	// settings; ErrNotFound if none were saved.
	HoursSettings(ctx context.Context, appID string, teamID int64) (*HoursSettings, error)
}

// HoursWriter writes hours settings (part of Tx).
type HoursWriter interface {
	// PutHoursSettings stores s, replacing the earlier settings of its scope.
	PutHoursSettings(ctx context.Context, s *HoursSettings) error
}
