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

// decodeBody tells the format of body and decodes its top-level fields.
func decodeBody(body []byte) ([]field, Format, error) {
	f, err := sniffFormat(body)
	if err != nil {
		return nil, 0, err
	}
	fields, err := decodeFields(trimBody(body), f)
	return fields, f, err
}

// decodeFields decodes the top-level fields of body, which must be trimmed
// (see trimBody) and in format f. A field that appears twice keeps its last
// value, in both formats.
func decodeFields(body []byte, f Format) ([]field, error) {
	if f == FormatJSON {
		return decodeJSONFields(body)
	}
	return decodeXMLFields(body)
}

func decodeJSONFields(body []byte) ([]field, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrFormat, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: JSON body is null, want an object", ErrFormat)
	}
	fields := make([]field, 0, len(raw))
	for name, v := range raw {
		fl := field{name: name}
		switch v[0] {
		case '"':
			// The document is valid JSON by now, so a string without
			// escapes is its own value; only the rest needs unquoting.
			if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
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
	return fields, nil
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
			fl, err := readXMLField(d, body, t.Name.Local)
			if err != nil {
				return nil, err
			}
			fields = append(fields, fl)
		case xml.EndElement:
			return fields, checkXMLEnd(d)
		}
		// Character data between fields (indentation), comments and
		// processing instructions carry nothing.
	}
}

// findXMLRoot consumes tokens up to and including the root start element,
// whatever its name (WeChat's is <xml>).
func findXMLRoot(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return fmt.Errorf("%w: XML: no root element", ErrFormat)
		}
		if err != nil {
			return xmlError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return fmt.Errorf("%w: XML: text %s before the root element", ErrFormat, snippet(t))
			}
		}
	}
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
		}
	}
}

// checkXMLEnd allows nothing but white space, comments and processing
// instructions after the root element.
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
