package wechat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu/wechat"
)

// logBuffer collects a logger's records as JSON lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestHandlerLogsEveryRefusal: each refused request leaves exactly one
// warning naming the reason and the status, 413 included, and no secret.
func TestHandlerLogsEveryRefusal(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	query, body, err := wechat.BuildPush(e, &kindSamples[0], "1714112445", "2")
	if err != nil {
		t.Fatal(err)
	}
	badSig := url.Values{}
	for k, v := range query {
		badSig[k] = v
	}
	badSig.Set("msg_signature", strings.Repeat("0", 40))
	xmlQuery, xmlBody, _ := wechat.BuildPush(testEndpoint(wechat.ModeSafe, wechat.FormatXML), &kindSamples[0], "1714112445", "2")

	tests := []struct {
		name       string
		method     string
		query      url.Values
		body       []byte
		maxBytes   int64
		wantStatus int
		wantReason string
	}{
		{"too large", http.MethodPost, query, body, 64, http.StatusRequestEntityTooLarge, "body too large"},
		{"bad msg_signature", http.MethodPost, badSig, body, 0, http.StatusForbidden, "msg_signature does not match"},
		{"garbage", http.MethodPost, query, []byte("nonsense"), 0, http.StatusBadRequest, "malformed body"},
		{"XML to a JSON endpoint", http.MethodPost, xmlQuery, xmlBody, 0, http.StatusBadRequest, "body in the wrong data format"},
		{"stale", http.MethodPost, query, body, 0, http.StatusForbidden, "stale or invalid timestamp"},
		{"verification without echostr", http.MethodGet, url.Values{}, nil, 0, http.StatusBadRequest, "no echostr"},
		{"verification bad signature", http.MethodGet, url.Values{"echostr": {"x"}, "signature": {"0"}}, nil, 0, http.StatusForbidden, "signature mismatch"},
		{"PUT", http.MethodPut, url.Values{}, nil, 0, http.StatusMethodNotAllowed, "method not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			rec := &recorder{}
			h := wechat.NewHandler(e, rec.onMessage)
			h.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			h.MaxBodyBytes = tt.maxBytes
			if tt.name == "stale" {
				h.MaxClockSkew = 5 * time.Minute
				h.Now = func() time.Time { return time.Unix(1714112445+3600, 0) }
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tt.method, "/?"+tt.query.Encode(), bytes.NewReader(tt.body)))
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if rec.calls() != 0 {
				t.Errorf("callback ran for a refused request")
			}
			recs := logs.records(t)
			if len(recs) != 1 {
				t.Fatalf("%d log records, want 1: %v", len(recs), recs)
			}
			r := recs[0]
			line, _ := json.Marshal(r)
			if r["level"] != "WARN" || r["status"] != float64(tt.wantStatus) || !strings.Contains(string(line), tt.wantReason) {
				t.Errorf("log record %s, want a WARN with status %d mentioning %q", line, tt.wantStatus, tt.wantReason)
			}
			for _, secret := range []string{e.Token + `"`, e.EncodingAESKey} {
				if strings.Contains(string(line), secret) {
					t.Errorf("log record %s holds a secret", line)
				}
			}
		})
	}
}

// TestHandlerClockSkew: with MaxClockSkew, pushes within the skew of Now are
// served and others refused with 403; without it, any timestamp is served.
func TestHandlerClockSkew(t *testing.T) {
	e := testEndpoint(wechat.ModeCompatible, wechat.FormatXML)
	now := time.Unix(1714112445, 0)
	for _, tt := range []struct {
		name   string
		ts     int64
		skew   time.Duration
		status int
	}{
		{"on time", now.Unix(), time.Minute, http.StatusOK},
		{"a minute late", now.Unix() - 60, time.Minute, http.StatusOK},
		{"61 seconds late", now.Unix() - 61, time.Minute, http.StatusForbidden},
		{"61 seconds early", now.Unix() + 61, time.Minute, http.StatusForbidden},
		{"a day late, unchecked", now.Unix() - 86400, 0, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			h := wechat.NewHandler(e, rec.onMessage)
			h.Logger = slog.New(slog.DiscardHandler)
			h.MaxClockSkew = tt.skew
			h.Now = func() time.Time { return now }
			q, body, err := wechat.BuildPush(e, &kindSamples[1], strconv.FormatInt(tt.ts, 10), "7")
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), bytes.NewReader(body)))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			want := 0
			if tt.status == http.StatusOK {
				want = 1
			}
			if rec.calls() != want {
				t.Errorf("callback ran %d times, want %d", rec.calls(), want)
			}
		})
	}
}

// TestReadPush reads a request as the handler does: the limit, then
// VerifyPush with its options.
func TestReadPush(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	q, body, err := wechat.BuildPush(e, &kindSamples[2], "1714112445", "9")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), bytes.NewReader(body))
	m, f, err := wechat.ReadPush(e, r, wechat.PushOptions{MaxClockSkew: time.Second, Now: func() time.Time { return time.Unix(1714112445, 0) }})
	if err != nil || f != wechat.FormatJSON {
		t.Fatalf("ReadPush: %v, %v", f, err)
	}
	assertMessage(t, m, &kindSamples[2])

	r = httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), bytes.NewReader(body))
	if _, _, err := wechat.ReadPush(e, r, wechat.PushOptions{MaxBodyBytes: len(body) - 1}); !errors.Is(err, wechat.ErrTooLarge) {
		t.Errorf("one byte over the limit: %v, want ErrTooLarge", err)
	}
	r = httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), bytes.NewReader(body))
	if _, _, err := wechat.ReadPush(e, r, wechat.PushOptions{MaxBodyBytes: len(body)}); err != nil {
		t.Errorf("exactly at the limit: %v", err)
	}
}

// TestVerifyPushLargerLimit: a limit above the default applies to the
// envelope and the decrypted body too, not only to the request.
func TestVerifyPushLargerLimit(t *testing.T) {
	e := testEndpoint(wechat.ModeSafe, wechat.FormatJSON)
	m := kindSamples[0]
	m.Content = strings.Repeat("长", wechat.DefaultMaxBodyBytes/3)
	q, body, err := wechat.BuildPush(e, &m, "1714112445", "9")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := wechat.ParsePush(e, q, body); !errors.Is(err, wechat.ErrTooLarge) {
		t.Fatalf("over the default limit: %v, want ErrTooLarge", err)
	}
	got, _, err := wechat.VerifyPush(e, q, body, wechat.PushOptions{MaxBodyBytes: 4 * wechat.DefaultMaxBodyBytes})
	if err != nil {
		t.Fatal(err)
	}
	if got.Content != m.Content {
		t.Errorf("Content of %d bytes came back as %d", len(m.Content), len(got.Content))
	}
}
