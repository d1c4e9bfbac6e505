package kefu_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
)

// The text limit counts characters, as the client API documents: a
// Chinese text of 2048 characters (6144 bytes) is as welcome as a Latin
// one, and neither may have 2049.
func TestTextLimitCountsCharacters(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		ok   bool
	}{
		{"2048 Latin letters", strings.Repeat("a", 2048), true},
		{"2049 Latin letters", strings.Repeat("a", 2049), false},
		{"6144 Latin letters", strings.Repeat("a", 6144), false},
		{"2048 Chinese characters", strings.Repeat("客", 2048), true},
		{"2049 Chinese characters", strings.Repeat("客", 2049), false},
		{"2048 emoji", strings.Repeat("🙂", 2048), true},
		{"invalid UTF-8", "ok\xff", false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: tc.text}}
			err := m.Validate()
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && kefu.ErrorCode(err) != kefu.EINVALID {
				t.Fatalf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestTimeoutNoticeNamesTheTimeout(t *testing.T) {
	for _, tc := range []struct {
		queued  bool
		timeout time.Duration
		code    string
		minutes string
	}{
		{true, 30 * time.Minute, kefu.NoticeQueueTimeout, "30"},
		{false, 30 * time.Minute, kefu.NoticeSessionTimeout, "30"},
		{true, 10 * time.Minute, kefu.NoticeQueueTimeout, "10"},
		{false, 90 * time.Minute, kefu.NoticeSessionTimeout, "90"},
		{true, 20 * time.Second, kefu.NoticeQueueTimeout, "1"}, // never "0 minutes"
	} {
		n := kefu.TimeoutNotice(tc.queued, tc.timeout)
		if n.Code != tc.code || n.Params["minutes"] != tc.minutes || !strings.Contains(n.Text, " "+tc.minutes+" ") {
			t.Errorf("TimeoutNotice(%v, %s) = %+v, want code %s naming %s minutes", tc.queued, tc.timeout, n, tc.code, tc.minutes)
		}
	}
}
