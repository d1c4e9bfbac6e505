package wechat

// The codec underneath messages, envelopes and replies: every body WeChat
// exchanges is one flat object of named scalar fields, written either as
// <xml><Name><![CDATA[value]]></Name>…</xml> or as {"Name":"value",…}.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// fieldKind says how a value was written, so decoders can tell a number
// from text and encoders know what to quote.
type fieldKind uint8

const (
	kindText   fieldKind = iota // XML character data, or a JSON string
	kindNumber                  // a JSON number; encoders write it unquoted
	kindNull                    // JSON null
	kindNested                  // a JSON object, array or boolean, or XML with child elements: value holds its raw text
)

type field struct {
	name  string
	value string
	kind  fieldKind
}

func textField(name, value string) field { return field{name: name, value: value} }

func numberField(name string, v int64) field {
	return field{name: name, value: fmt.Sprint(v), kind: kindNumber}
}

// DefaultMaxBodyBytes is the longest body the decoders accept
// (DecodeMessage, DecodeEnvelope, ParsePush, ParseReply, Handler) unless
// told otherwise: WeChat's pushes are a few hundred bytes, so 1 MiB leaves
// room for any real one and none for a memory attack.
const DefaultMaxBodyBytes = 1 << 20

// checkSize refuses a body longer than limit (DefaultMaxBodyBytes when 0).
func checkSize(body []byte, limit int) error {
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if len(body) > limit {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(body), limit)
	}
	return nil
}

// decodeBody tells the format of body and decodes its top-level fields.
// Whatever the format, the body must be valid UTF-8 and every field name
// unique (see checkFieldNames).
func decodeBody(body []byte) ([]field, Format, error) {
	f, err := sniffFormat(body)
	if err != nil {
		return nil, 0, err
	}
	if !utf8.Valid(body) {
		return nil, f, malformed(ErrInvalidUTF8, "the body is not valid UTF-8")
	}
	if f == FormatJSON && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), bom) {
		return nil, f, malformed(ErrBOM, "JSON must not start with a byte order mark")
	}
	fields, err := decodeFields(trimBody(body), f)
	if err == nil {
		err = checkFieldNames(fields)
	}
	return fields, f, err
}

var bom = []byte("\xef\xbb\xbf")

// decodeFields decodes the top-level fields of body, which must be trimmed
// (see trimBody) and in format f.
func decodeFields(body []byte, f Format) ([]field, error) {
	if f == FormatJSON {
		return decodeJSONFields(body)
	}
	return decodeXMLFields(body)
}

// wireNames are the names of every field this package reads, as WeChat
// spells them.
var wireNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{"ToUserName", "FromUserName", "CreateTime", "MsgType", "Encrypt", "MsgSignature", "TimeStamp", "Nonce"} {
		m[strings.ToLower(n)] = n
	}
	for _, n := range optionalFields {
		m[strings.ToLower(n)] = n
	}
	return m
}()

// checkFieldNames refuses a field that appears twice, even in another case
// (a reader that folds case, as Go's encoding/json does for structs, would
// otherwise see a different message), and a known field in the wrong case.
func checkFieldNames(fields []field) error {
	seen := make(map[string]struct{}, len(fields))
	for _, fl := range fields {
		low := foldName(fl.name)
		if _, dup := seen[low]; dup {
			return fieldError(fl.name, ErrDuplicateField, "it appears more than once")
		}
		seen[low] = struct{}{}
		if want, ok := wireNames[low]; ok && want != fl.name {
			return fieldError(fl.name, ErrFieldName, "WeChat spells it %s", want)
		}
	}
	return nil
}

// foldName maps names that are equal under Unicode case folding to one
// key: through upper case first, so the long s (ſ) and the Kelvin sign
// (K), which Go's encoding/json also folds, meet s and k.
func foldName(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// decodeJSONFields reads one JSON object, keeping its keys in order and
// duplicates (refused later), which decoding into a map would lose.
func decodeJSONFields(body []byte) ([]field, error) {
	if err := checkSurrogates(body); err != nil {
		return nil, err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	tok, err := d.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("%w: JSON body is %v, want an object", ErrFormat, tok)
	}
	var fields []field
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		name, _ := tok.(string) // inside an object, the decoder yields keys as strings
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, jsonError(err)
		}
		fl := field{name: name}
		switch v[0] {
		case '"':
			// A string without escapes is its own value (UTF-8 is checked
			// already); only the rest needs unquoting.
			if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 {
				fl.value = string(inner)
			} else if err := json.Unmarshal(v, &fl.value); err != nil {
				return nil, fmt.Errorf("%w: JSON field %q: %v", ErrFormat, name, err)
			}
		case 'n':
			fl.kind = kindNull
		case '{', '[', 't', 'f':
			fl.kind, fl.value = kindNested, string(v)
		default:
			fl.kind, fl.value = kindNumber, string(v)
		}
		fields = append(fields, fl)
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return nil, jsonError(err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: JSON: data after the object", ErrFormat)
	}
	return fields, nil
}

func jsonError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: JSON: unexpected end of body", ErrFormat)
	}
	return fmt.Errorf("%w: JSON: %v", ErrFormat, err)
}

// checkSurrogates refuses a \u escape of half a surrogate pair, which Go
// would silently turn into U+FFFD. Outside strings valid JSON has no
// backslash, so scanning the whole body is exact.
func checkSurrogates(b []byte) error {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 >= len(b) {
			return nil // not valid JSON; the decoder says so
		}
		if b[i+1] != 'u' {
			i++ // a two-character escape, such as \\ or \"
			continue
		}
		r, ok := hex4(b[i+2:])
		if !ok {
			return nil // not valid JSON; the decoder says so
		}
		switch {
		case r >= 0xD800 && r < 0xDC00:
			lo, ok := rune(0), i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u'
			if ok {
				lo, ok = hex4(b[i+8:])
			}
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return malformed(ErrInvalidUTF8, "JSON escape \\u%04X is half a surrogate pair", r)
			}
			i += 11
		case r >= 0xDC00 && r <= 0xDFFF:
			return malformed(ErrInvalidUTF8, "JSON escape \\u%04X is half a surrogate pair", r)
		default:
			i += 5
		}
	}
	return nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func decodeXMLFields(body []byte) ([]field, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	if err := findXMLRoot(d); err != nil {
		return nil, err
	}
	var fields []field
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := checkXMLName(t); err != nil {
				return nil, err
			}
			fl, err := readXMLField(d, body, t.Name.Local)
			if err != nil {
				return nil, err
			}
			fields = append(fields, fl)
		case xml.EndElement:
			return fields, checkXMLEnd(d)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: XML: text %s between fields", ErrFormat, snippet(t))
			}
		default:
			// Comments carry nothing; declarations and processing
			// instructions are refused.
			if err := checkXMLMarkup(tok); err != nil {
				return nil, err
			}
		}
	}
}

// checkXMLName refuses a field with a namespace prefix or declaration,
// which Go's decoder would otherwise take by its local name.
func checkXMLName(t xml.StartElement) error {
	if t.Name.Space != "" {
		return fieldError(t.Name.Local, ErrNamespace, "the element is in namespace %q", t.Name.Space)
	}
	for _, a := range t.Attr {
		if a.Name.Space != "" || a.Name.Local == "xmlns" {
			return fieldError(t.Name.Local, ErrNamespace, "the element has the attribute %s", a.Name.Local)
		}
	}
	return nil
}

// checkXMLMarkup refuses declarations (<!DOCTYPE …>, <!ENTITY …>) and
// processing instructions; the XML declaration is allowed only as the
// body's first token, checked by findXMLRoot.
func checkXMLMarkup(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.Directive:
		return malformed(ErrDoctype, "XML: <!%s>", snippet(t))
	case xml.ProcInst:
		return malformed(ErrProcInst, "XML: <?%s …?>", t.Target)
	}
	return nil
}

// findXMLRoot consumes tokens up to and including the root start element,
// which must be <xml> without attributes, as WeChat writes it.
func findXMLRoot(d *xml.Decoder) error {
	for first := true; ; first = false {
		tok, err := d.Token()
		if err == io.EOF {
			return fmt.Errorf("%w: XML: no root element", ErrFormat)
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != "" || t.Name.Local != "xml" {
				return malformed(ErrRootElement, "XML: the root element is <%s>", qualified(t.Name))
			}
			if len(t.Attr) > 0 {
				return malformed(ErrRootElement, "XML: <xml> has the attribute %s", qualified(t.Attr[0].Name))
			}
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: XML: text %s before the root element", ErrFormat, snippet(t))
			}
		case xml.ProcInst:
			if !first || t.Target != "xml" {
				return checkXMLMarkup(tok)
			}
		default:
			if err := checkXMLMarkup(tok); err != nil {
				return err
			}
		}
	}
}

func qualified(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

// readXMLField reads the content of the element just started. Text and
// CDATA sections are concatenated; an element with children keeps its raw
// inner XML.
func readXMLField(d *xml.Decoder, body []byte, name string) (field, error) {
	var text []byte
	start, depth, nested := d.InputOffset(), 1, false
	for {
		end := d.InputOffset()
		tok, err := d.Token()
		if err != nil {
			return field{}, xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			nested = true
		case xml.EndElement:
			depth--
			if depth == 0 {
				if nested {
					return field{name: name, value: string(body[start:end]), kind: kindNested}, nil
				}
				return field{name: name, value: string(text)}, nil
			}
		case xml.CharData:
			if depth == 1 {
				text = append(text, t...)
			}
		default:
			if err := checkXMLMarkup(tok); err != nil {
				return field{}, err
			}
		}
	}
}

// checkXMLEnd allows nothing but white space and comments after the root
// element.
func checkXMLEnd(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("%w: XML: second root element <%s>", ErrFormat, t.Name.Local)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: XML: text %s after the root element", ErrFormat, snippet(t))
			}
		default:
			if err := checkXMLMarkup(tok); err != nil {
				return err
			}
		}
	}
}

func xmlError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: XML: unexpected end of body", ErrFormat)
	}
	return fmt.Errorf("%w: XML: %v", ErrFormat, err)
}

// appendFields encodes fields as one flat object in format f.
func appendFields(dst []byte, fields []field, f Format) []byte {
	if f == FormatJSON {
		dst = append(dst, '{')
		for i, fl := range fields {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, fl.name)
			dst = append(dst, ':')
			if fl.kind == kindNumber {
				dst = append(dst, fl.value...)
			} else {
				dst = appendJSONString(dst, fl.value)
			}
		}
		return append(dst, '}')
	}
	dst = append(dst, "<xml>"...)
	for _, fl := range fields {
		dst = append(dst, '<')
		dst = append(dst, fl.name...)
		dst = append(dst, '>')
		if fl.kind == kindNumber {
			dst = append(dst, fl.value...)
		} else {
			dst = appendXMLText(dst, fl.value)
		}
		dst = append(dst, "</"...)
		dst = append(dst, fl.name...)
		dst = append(dst, '>')
	}
	return append(dst, "</xml>"...)
}

// appendXMLText writes s as a CDATA section, as WeChat does. Characters XML
// cannot carry at all (invalid UTF-8, most control characters) become
// U+FFFD first; text CDATA cannot carry unchanged ("]]>", or a carriage
// return, which parsers turn into a newline) is written escaped instead.
func appendXMLText(dst []byte, s string) []byte {
	if !validXMLText(s) {
		s = strings.Map(func(r rune) rune {
			if isXMLChar(r) {
				return r
			}
			return utf8.RuneError
		}, strings.ToValidUTF8(s, string(utf8.RuneError)))
	}
	if strings.Contains(s, "]]>") || strings.Contains(s, "\r") {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
		return append(dst, b.Bytes()...)
	}
	dst = append(dst, "<![CDATA["...)
	dst = append(dst, s...)
	return append(dst, "]]>"...)
}

func validXMLText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !isXMLChar(r) {
			return false
		}
	}
	return true
}

// isXMLChar reports whether r is a Char of XML 1.0.
func isXMLChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// appendJSONString writes s as a JSON string without escaping HTML
// characters (WeChat's text may hold <a> links), replacing invalid UTF-8
// with U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// validXMLName reports whether s can be an element name in the bodies this
// package writes. WeChat's names are ASCII; so are the ones accepted here.
func validXMLName(s string) bool {
	if s == "" || len(s) >= 3 && strings.EqualFold(s[:3], "xml") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && (c == '-' || c == '.' || '0' <= c && c <= '9'):
		default:
			return false
		}
	}
	return true
}
