package edge

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
)

// FuzzUnmarshalJSON checks the strict decoding on any input: it never
// panics, whatever it refuses is EINVALID with a sentence, and whatever it
// accepts is one valid JSON value with no name given twice and no invalid
// UTF-8. The corpus is testdata/fuzz/FuzzUnmarshalJSON and the hostile
// bodies of the surfaces' tests.
func FuzzUnmarshalJSON(f *testing.F) {
	hostile, _ := filepath.Glob("../testdata/hostile-json/*.json")
	for _, name := range hostile {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"client_msg_id":"m1","kind":"text","text":{"content":"你好"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out client.Outgoing
		err := UnmarshalJSON(data, &out)
		if err != nil {
			if code := kefu.ErrorCode(err); code != kefu.EINVALID || kefu.ErrorMessage(err) == "" {
				t.Fatalf("%q refused as %q %q, want EINVALID with a message", data, code, kefu.ErrorMessage(err))
			}
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("%q accepted with invalid UTF-8", data)
		}
		if !jsontext.Value(data).IsValid() {
			t.Fatalf("%q accepted, but is not one valid JSON value without duplicate names", data)
		}
	})
}

// TestStrictDecoding is the decoding's own contract, beside the surfaces'
// hostile-body table (package httpapi's TestHostileJSONRefusedEverywhere).
func TestStrictDecoding(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{`{"kind":"text","kind":"text"}`, `"kind" is given twice; give each name once`},
		{`{"text":{"content":"a","content":"a"}}`, `"content" in text is given twice; give each name once`},
		{"{\"kind\":\"\xff\"}", "the body is not valid UTF-8 (at byte 9)"},
		{`{"kind":5}`, "kind must be a string, not a number"},
		{`{"text":{"content":true}}`, "text.content must be a string, not a boolean"},
		{`{"image":{"media_id":[1]}}`, "image.media_id must be a string, not an array"},
		{`[]`, "the body must be an object, not an array"},
		{`{}{}`, "the body must hold a single JSON value"},
		{`{"kind":"text"`, "the body ends in the middle of a JSON value"},
		{``, "the body is empty; send a JSON object"},
	} {
		var out client.Outgoing
		err := UnmarshalJSON([]byte(tc.body), &out)
		if kefu.ErrorCode(err) != kefu.EINVALID || kefu.ErrorMessage(err) != tc.want {
			t.Errorf("%q: %q %q, want %q %q", tc.body, kefu.ErrorCode(err), kefu.ErrorMessage(err), kefu.EINVALID, tc.want)
		}
	}
	// Names no field has are refused, a case variant saying so
	// (httpapi's strict_names_test.go checks every surface).
	for body, want := range map[string]string{
		`{"kind":"text","KIND":"image","text":{"content":"hi"}}`: `"KIND" differs from a field's name only by case`,
		`{"kind":"text","text":{"Content":"hi"}}`:                `"Content" in text differs from a field's name only by case`,
		`{"kind":"text","text":{"content":"hi"},"unknown":1}`:    `"unknown" is not a field here`,
	} {
		var out client.Outgoing
		if err := UnmarshalJSON([]byte(body), &out); kefu.ErrorCode(err) != kefu.EINVALID || !strings.Contains(kefu.ErrorMessage(err), want) {
			t.Errorf("%s: %v, want EINVALID naming %q", body, err, want)
		}
	}
}
