package kefu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
)

func weekdays(r ...kefu.TimeRange) [7][]kefu.TimeRange {
	var w [7][]kefu.TimeRange
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = r
	}
	return w
}

func TestHoursOpenAt(t *testing.T) {
	nine2six := kefu.Hours{Enabled: true, TimeZone: "Asia/Shanghai", Week: weekdays(kefu.TimeRange{From: "09:00", To: "18:00"}),
		Holidays: []kefu.Holiday{{Date: "2026-10-01", Name: "National Day"}}}
	ny := kefu.Hours{Enabled: true, TimeZone: "America/New_York", Week: weekdays(kefu.TimeRange{From: "09:00", To: "17:00"})}
	night := kefu.Hours{Enabled: true, TimeZone: "Europe/Berlin", Holidays: []kefu.Holiday{{Date: "2026-12-25"}}}
	night.Week[time.Thursday] = []kefu.TimeRange{{From: "22:00", To: "02:00"}}
	night.Week[time.Friday] = []kefu.TimeRange{{From: "20:00", To: "24:00"}}
	split := kefu.Hours{Enabled: true, TimeZone: "UTC", Week: weekdays(kefu.TimeRange{From: "09:00", To: "12:00"}, kefu.TimeRange{From: "13:00", To: "18:00"})}
	off := kefu.Hours{TimeZone: "UTC"}
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, tc := range []struct {
		name string
		h    kefu.Hours
		t    string
		open bool
	}{
		{"Shanghai weekday 09:00 local", nine2six, "2026-12-07T01:00:00Z", true},
		{"Shanghai weekday 08:59 local", nine2six, "2026-12-07T00:59:00Z", false},
		{"Shanghai 17:59 local", nine2six, "2026-12-07T09:59:00Z", true},
		{"Shanghai 18:00 local: the end is excluded", nine2six, "2026-12-07T10:00:00Z", false},
		{"Shanghai Saturday", nine2six, "2026-12-05T03:00:00Z", false},
		{"Shanghai holiday on a Thursday", nine2six, "2026-10-01T03:00:00Z", false},
		{"Shanghai day after the holiday", nine2six, "2026-10-02T03:00:00Z", true},
		// New York: 09:00 is 14:00 UTC in winter and 13:00 UTC in summer.
		{"New York winter 09:00 EST", ny, "2026-03-06T14:00:00Z", true},
		{"New York winter 13:30 UTC is 08:30 EST", ny, "2026-03-06T13:30:00Z", false},
		{"New York after DST starts, 13:30 UTC is 09:30 EDT", ny, "2026-03-09T13:30:00Z", true},
		{"New York after DST starts, 21:30 UTC is 17:30 EDT", ny, "2026-03-09T21:30:00Z", false},
		{"New York after DST ends, 13:30 UTC is 08:30 EST", ny, "2026-11-02T13:30:00Z", false},
		// Berlin overnight: Thursday 22:00 to Friday 02:00.
		{"overnight before it starts", night, "2026-12-03T20:59:00Z", false}, // Thu 21:59 CET
		{"overnight on its first day", night, "2026-12-03T21:00:00Z", true},  // Thu 22:00
		{"overnight after midnight", night, "2026-12-04T00:30:00Z", true},    // Fri 01:30
		{"overnight at its end", night, "2026-12-04T01:00:00Z", false},       // Fri 02:00
		{"range to 24:00", night, "2026-12-04T22:59:00Z", true},              // Fri 23:59
		{"range to 24:00 ends at midnight", night, "2026-12-04T23:00:00Z", false},
		{"holiday cuts off the overnight spill", night, "2026-12-25T00:30:00Z", false}, // Fri 25th 01:30, Thu 24th's range spills
		{"split day, lunch break", split, "2026-12-07T12:30:00Z", false},
		{"split day, afternoon", split, "2026-12-07T13:00:00Z", true},
		{"hours off: always open", off, "2026-12-06T03:00:00Z", true},
		// Summer time change in Berlin: 2026-03-29 02:00 → 03:00.
		{"overnight across the spring change", kefu.Hours{Enabled: true, TimeZone: "Europe/Berlin",
			Week: [7][]kefu.TimeRange{time.Saturday: {{From: "23:00", To: "04:00"}}}}, "2026-03-29T01:30:00Z", true}, // Sun 03:30 CEST
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.h.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tc.h.OpenAt(at(tc.t)); got != tc.open {
				t.Errorf("OpenAt(%s) = %v, want %v", tc.t, got, tc.open)
			}
		})
	}
}

func TestHoursValidate(t *testing.T) {
	for _, tc := range []struct {
		h    kefu.Hours
		want string
	}{
		{kefu.Hours{Enabled: true}, "time zone"},
		{kefu.Hours{TimeZone: "Mars/Olympus"}, "not a time zone"},
		{kefu.Hours{TimeZone: "Local"}, "not a time zone"},
		{kefu.Hours{TimeZone: "UTC", Week: [7][]kefu.TimeRange{1: {{From: "9:00", To: "18:00"}}}}, "not a range"},
		{kefu.Hours{TimeZone: "UTC", Week: [7][]kefu.TimeRange{1: {{From: "09:00", To: "24:01"}}}}, "not a range"},
		{kefu.Hours{TimeZone: "UTC", Week: [7][]kefu.TimeRange{1: {{From: "24:00", To: "01:00"}}}}, "not a range"},
		{kefu.Hours{TimeZone: "UTC", Week: [7][]kefu.TimeRange{1: {{From: "10:00", To: "10:00"}}}}, "empty"},
		{kefu.Hours{TimeZone: "UTC", Holidays: []kefu.Holiday{{Date: "2026-02-30"}}}, "not a date"},
		{kefu.Hours{TimeZone: "UTC", Holidays: []kefu.Holiday{{Date: "2026-10-01"}, {Date: "2026-10-01"}}}, "twice"},
	} {
		err := tc.h.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error about %q", tc.h, err, tc.want)
		}
	}
}

func TestAutoReplyText(t *testing.T) {
	r := kefu.AutoReplies{Texts: map[kefu.AutoReplyKind]kefu.AutoReplyText{
		kefu.AutoWelcome:      {On: true, EN: "Hi!"},
		kefu.AutoQueueTimeout: {On: true},
		kefu.AutoOutOfHours:   {On: false, ZH: "下班了"},
	}}
	if s, ok := r.Text(kefu.AutoWelcome, kefu.LangEN, 0); !ok || s != "Hi!" {
		t.Errorf("welcome en = %q %v", s, ok)
	}
	if s, ok := r.Text(kefu.AutoWelcome, kefu.LangZH, 0); !ok || s != kefu.DefaultAutoReply(kefu.AutoWelcome, kefu.LangZH) {
		t.Errorf("welcome zh falls back to the default, got %q %v", s, ok)
	}
	if _, ok := r.Text(kefu.AutoOutOfHours, kefu.LangZH, 0); ok {
		t.Error("a reply that is off has no text")
	}
	if s, _ := r.Text(kefu.AutoQueueTimeout, kefu.LangEN, 10*time.Minute); !strings.Contains(s, "10 minutes") || strings.Contains(s, "30") {
		t.Errorf("queue timeout says %q, want 10 minutes", s)
	}
	bad := kefu.AutoReplies{Lang: "fr"}
	if bad.Validate() == nil {
		t.Error("fr accepted")
	}
}
