package wechat

import (
	"bytes"
	"fmt"
	"strings"
)

// Format is the data format of a push URL: WeChat lets each mini program
// choose XML or JSON, and replies must use the format of the push.
type Format int

// The data formats. The zero value is XML, WeChat's default.
const (
	FormatXML Format = iota
	FormatJSON
)

// String returns "xml" or "json".
func (f Format) String() string {
	switch f {
	case FormatXML:
		return "xml"
	case FormatJSON:
		return "json"
	default:
		return fmt.Sprintf("Format(%d)", int(f))
	}
}

// ContentType returns the Content-Type to send a body of format f with:
// "text/xml" or "application/json", the values public SDKs check for.
func (f Format) ContentType() string {
	if f == FormatJSON {
		return "application/json"
	}
	return "text/xml"
}

// ParseFormat parses "xml" or "json", ignoring case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "xml":
		return FormatXML, nil
	case "json":
		return FormatJSON, nil
	default:
		return 0, fmt.Errorf("wechat: unknown data format %q (want xml or json)", s)
	}
}

// MarshalText implements encoding.TextMarshaler, for configuration files.
func (f Format) MarshalText() ([]byte, error) {
	if f != FormatXML && f != FormatJSON {
		return nil, fmt.Errorf("wechat: unknown data format %d", int(f))
	}
	return []byte(f.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, so a Format can be a
// flag (flag.TextVar) or a configuration value.
func (f *Format) UnmarshalText(b []byte) error {
	v, err := ParseFormat(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Mode is the encryption mode of a push URL.
type Mode int

// The encryption modes. The zero value is plaintext.
const (
	// ModePlaintext pushes bodies in the clear, signed by signature.
	ModePlaintext Mode = iota
	// ModeCompatible pushes the plaintext fields and Encrypt in one body;
	// the developer may answer either way.
	ModeCompatible
	// ModeSafe pushes only ToUserName and Encrypt, signed by msg_signature;
	// a transfer reply must be an encrypted envelope.
	ModeSafe
)

// String returns "plaintext", "compatible" or "safe".
func (m Mode) String() string {
	switch m {
	case ModePlaintext:
		return "plaintext"
	case ModeCompatible:
		return "compatible"
	case ModeSafe:
		return "safe"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// ParseMode parses "plaintext", "compatible" or "safe", ignoring case.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(s) {
	case "plaintext":
		return ModePlaintext, nil
	case "compatible":
		return ModeCompatible, nil
	case "safe":
		return ModeSafe, nil
	default:
		return 0, fmt.Errorf("wechat: unknown encryption mode %q (want plaintext, compatible or safe)", s)
	}
}

// MarshalText implements encoding.TextMarshaler, for configuration files.
func (m Mode) MarshalText() ([]byte, error) {
	if m < ModePlaintext || m > ModeSafe {
		return nil, fmt.Errorf("wechat: unknown encryption mode %d", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, so a Mode can be a flag
// (flag.TextVar) or a configuration value.
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// SniffFormat tells XML from JSON by the first byte after any UTF-8 byte
// order mark and white space: '<' or '{'. WeChat does not document the
// Content-Type of its pushes, so the body is the only thing to trust.
func SniffFormat(body []byte) (Format, error) {
	f, err := sniffFormat(body)
	if err != nil {
		return 0, fmt.Errorf("wechat: %w", err)
	}
	return f, nil
}

func sniffFormat(body []byte) (Format, error) {
	b := trimBody(body)
	if len(b) == 0 {
		return 0, fmt.Errorf("%w: empty body", ErrFormat)
	}
	switch b[0] {
	case '<':
		return FormatXML, nil
	case '{':
		return FormatJSON, nil
	default:
		return 0, fmt.Errorf("%w: body starts with %s, want '<' (XML) or '{' (JSON)", ErrFormat, snippet(b))
	}
}

// trimBody removes a UTF-8 byte order mark and surrounding white space.
func trimBody(b []byte) []byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.Trim(b, " \t\r\n")
}

// snippet quotes the start of b for an error message.
func snippet(b []byte) string {
	const max = 48
	if len(b) > max {
		return fmt.Sprintf("%q…", b[:max])
	}
	return fmt.Sprintf("%q", b)
}
