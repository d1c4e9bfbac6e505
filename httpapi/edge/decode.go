package edge

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/kefuhq/kefu"
)

// Every JSON a surface takes in — request bodies of the client, desk,
// admin and components APIs and of /cgi-bin, and WebSocket frames — is
// decoded here, by JSON v2: a name given twice and invalid UTF-8 are
// errors, and names match case-sensitively, so
// {"kind":"text","KIND":"image"} cannot mean one thing to Kefu and another
// to a proxy, a log pipeline or the developer's own parser. A name that
// matches no field is refused too, saying so — a case variant ("KIND")
// most of all, since encoding/json-based clients would take it for
// "kind": a misspelt field is a mistake to tell, not a default to apply.
// /cgi-bin alone accepts unknown names (UnmarshalCGI), as WeChat's API
// does, so that a developer's WeChat SDK sending fields Kefu does not use
// works unchanged; a case variant is refused there too.

// DecodeJSON reads a JSON request body of at most limit bytes into v,
// turning every way it can be wrong into a clear EINVALID or ETOOLARGE.
// Like WeChat's API, it reads JSON whatever the Content-Type says, except
// a multipart upload sent to the wrong place.
func DecodeJSON(r *http.Request, limit int64, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return kefu.Errorf(kefu.EINVALID, "send the body as JSON, not multipart/form-data")
	}
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		return JSONError(err)
	}
	return UnmarshalJSON(data, v)
}

// UnmarshalJSON decodes one JSON value (a body already read, a WebSocket
// frame) into v strictly, explaining what is wrong as EINVALID.
func UnmarshalJSON(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return kefu.Errorf(kefu.EINVALID, "the body is empty; send a JSON object")
	}
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return unknownName(data, v, err)
	}
	return nil
}

// UnmarshalCGI is UnmarshalJSON for /cgi-bin: names no field has are
// ignored, as WeChat ignores them, but a name that differs from a field's
// only by case is refused.
func UnmarshalCGI(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return kefu.Errorf(kefu.EINVALID, "the body is empty; send a JSON object")
	}
	err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	if !errors.Is(err, jsonv2.ErrUnknownName) {
		return JSONError(err)
	}
	// Some name is unknown: decode the way a case-insensitive parser would
	// and the way Kefu does; if they differ, a case variant was given.
	t := reflect.TypeOf(v).Elem()
	exact, folded := reflect.New(t), reflect.New(t)
	if err := jsonv2.Unmarshal(data, exact.Interface()); err != nil {
		return JSONError(err)
	}
	if err := jsonv2.Unmarshal(data, folded.Interface(), jsonv2.MatchCaseInsensitiveNames(true)); err == nil &&
		!reflect.DeepEqual(exact.Elem().Interface(), folded.Elem().Interface()) {
		return kefu.Errorf(kefu.EINVALID, "a name in the body differs from a field's only by case; names are case-sensitive")
	}
	reflect.ValueOf(v).Elem().Set(exact.Elem())
	return nil
}

// unknownName explains err; an unknown name is told as a case variant when
// it is one (found by decoding again, matching names in any case).
func unknownName(data []byte, v any, err error) error {
	var sem *jsonv2.SemanticError
	if !errors.As(err, &sem) || !errors.Is(err, jsonv2.ErrUnknownName) {
		return JSONError(err)
	}
	// Any other fault of the body (its syntax above all) is told first.
	t := reflect.TypeOf(v).Elem()
	if err := jsonv2.Unmarshal(data, reflect.New(t).Interface()); err != nil {
		return JSONError(err)
	}
	name := fieldName(sem.JSONPointer)
	fresh := reflect.New(t).Interface()
	again := jsonv2.Unmarshal(data, fresh, jsonv2.RejectUnknownMembers(true), jsonv2.MatchCaseInsensitiveNames(true))
	var sem2 *jsonv2.SemanticError
	if !errors.As(again, &sem2) || sem2.JSONPointer != sem.JSONPointer {
		return kefu.Errorf(kefu.EINVALID, "%s differs from a field's name only by case; names are case-sensitive (write them in lower case, as documented)", name)
	}
	return kefu.Errorf(kefu.EINVALID, "%s is not a field here; remove it or check its spelling", name)
}

// JSONError explains a JSON decoding failure to a person, naming the field
// where there is one.
func JSONError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	switch {
	case errors.As(err, &tooBig):
		return kefu.Errorf(kefu.ETOOLARGE, "the body is larger than %d bytes", tooBig.Limit)
	case errors.As(err, &syntax):
		switch {
		case errors.Is(syntax.Err, jsontext.ErrDuplicateName):
			return kefu.Errorf(kefu.EINVALID, "%s is given twice; give each name once", fieldName(syntax.JSONPointer))
		case strings.Contains(syntax.Err.Error(), "invalid UTF-8"), strings.Contains(syntax.Err.Error(), "surrogate"):
			// The library exports no value for these.
			return kefu.Errorf(kefu.EINVALID, "the body is not valid UTF-8 (at byte %d)", syntax.ByteOffset)
		case errors.Is(syntax.Err, io.ErrUnexpectedEOF):
			return kefu.Errorf(kefu.EINVALID, "the body ends in the middle of a JSON value")
		}
		if strings.Contains(syntax.Err.Error(), "after top-level value") {
			return kefu.Errorf(kefu.EINVALID, "the body must hold a single JSON value")
		}
		return kefu.Errorf(kefu.EINVALID, "the body is not valid JSON (at byte %d: %s)", syntax.ByteOffset, syntax.Err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return kefu.Errorf(kefu.EINVALID, "the body ends in the middle of a JSON value")
	case errors.As(err, &sem):
		field := fieldPath(sem.JSONPointer)
		if sem.GoType != nil && sem.JSONKind != 0 && isKindMismatch(sem) {
			return kefu.Errorf(kefu.EINVALID, "%s must be %s, not %s", field, goKind(sem.GoType), jsonKind(sem.JSONKind))
		}
		if sem.Err != nil {
			return kefu.Errorf(kefu.EINVALID, "%s: %s", field, sem.Err.Error())
		}
		return kefu.Errorf(kefu.EINVALID, "%s has the wrong type", field)
	}
	return kefu.Errorf(kefu.EINVALID, "the body is not valid JSON: %v", err)
}

// isKindMismatch tells a value of the wrong JSON kind (a number where a
// string belongs) from a value of the right kind that does not fit (a
// number too large, a string a custom type refuses).
func isKindMismatch(sem *jsonv2.SemanticError) bool {
	if sem.Err == nil {
		return true
	}
	want := goKind(sem.GoType)
	return want != jsonKind(sem.JSONKind) && !(want == "a boolean" && (sem.JSONKind == 't' || sem.JSONKind == 'f'))
}

// fieldPath writes a JSON pointer (/message/text/content) the way people
// name fields (message.text.content).
func fieldPath(p jsontext.Pointer) string {
	if p == "" {
		return "the body"
	}
	var names []string
	for tok := range p.Tokens() {
		names = append(names, tok)
	}
	return strings.Join(names, ".")
}

// fieldName names the member a pointer ends at, quoted, with where it is.
func fieldName(p jsontext.Pointer) string {
	name := `"` + p.LastToken() + `"`
	if parent := p.Parent(); parent != "" {
		return name + " in " + fieldPath(parent)
	}
	return name
}

func goKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	}
	return "a " + t.Kind().String()
}

func jsonKind(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 'n':
		return "null"
	}
	return "a " + k.String()
}
