package wechat

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Message is every inbound message and event a mini program's push URL
// receives (text, image, mini program card, user_enter_tempsession), and
// also the transfer_customer_service reply. Field names follow WeChat's
// keys, which are the same in XML and JSON.
type Message struct {
	ToUserName   string // the mini program's original id (gh_…); the user's openid in a reply
	FromUserName string // the user's openid; the original id in a reply
	CreateTime   int64  // Unix seconds
	MsgType      string // one of the MsgType constants, or anything newer

	// MsgID is "MsgId", a 64-bit integer, written as a number or a string
	// depending on the sender; 0 for events.
	MsgID int64

	Content string // text

	PicURL  string // image: "PicUrl"
	MediaID string // image: "MediaId", for GetTempMedia

	Title        string // miniprogrampage
	AppID        string // miniprogrampage: "AppId"
	PagePath     string // miniprogrampage
	ThumbURL     string // miniprogrampage: "ThumbUrl"
	ThumbMediaID string // miniprogrampage: "ThumbMediaId"

	Event       string // event: one of the Event constants
	SessionFrom string // event user_enter_tempsession: the button's session-from

	// Extra holds every field without a struct field above, so message
	// kinds and events WeChat adds later decode instead of failing. Values
	// are the text of XML elements and JSON strings, the literal of other
	// JSON scalars, and the raw inner XML or JSON of nested values. It is
	// nil when there are none. Encoders write Extra values as strings.
	Extra map[string]string
}

// Message types and events (docs/wechat.md#inbound-messages-and-events).
const (
	MsgTypeText               = "text"
	MsgTypeImage              = "image"
	MsgTypeMiniProgramPage    = "miniprogrampage"
	MsgTypeEvent              = "event"
	MsgTypeTransfer           = "transfer_customer_service"
	EventUserEnterTempSession = "user_enter_tempsession"
)

// IsEvent reports whether m is an event rather than a user message: events
// have no MsgId, are deduplicated by FromUserName and CreateTime, and are
// never forwarded to customer service.
func (m *Message) IsEvent() bool { return m.MsgType == MsgTypeEvent }

// DedupeKey returns the key that identifies retries of the same push: the
// MsgId for messages; for events, which have none, FromUserName, CreateTime
// and the Event name (a refinement of WeChat's advice, so two different
// events in one second are not merged).
func (m *Message) DedupeKey() string {
	if m.MsgID != 0 && !m.IsEvent() {
		return "msg:" + strconv.FormatInt(m.MsgID, 10)
	}
	return "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.Event
}

// optionalFields lists, in the order they are written, the fields that
// follow the four common ones.
var optionalFields = [...]string{
	"MsgId", "Content", "PicUrl", "MediaId", "Title", "AppId", "PagePath",
	"ThumbUrl", "ThumbMediaId", "Event", "SessionFrom",
}

// kindFields returns the fields WeChat always sends for a kind, in its order.
func kindFields(msgType, event string) []string {
	switch msgType {
	case MsgTypeText:
		return []string{"Content", "MsgId"}
	case MsgTypeImage:
		return []string{"PicUrl", "MediaId", "MsgId"}
	case MsgTypeMiniProgramPage:
		return []string{"MsgId", "Title", "AppId", "PagePath", "ThumbUrl", "ThumbMediaId"}
	case MsgTypeEvent:
		if event == EventUserEnterTempSession {
			return []string{"Event", "SessionFrom"}
		}
		return []string{"Event"}
	}
	return nil
}

// stringField returns the string field of m with the wire name name, or nil.
func (m *Message) stringField(name string) *string {
	switch name {
	case "ToUserName":
		return &m.ToUserName
	case "FromUserName":
		return &m.FromUserName
	case "MsgType":
		return &m.MsgType
	case "Content":
		return &m.Content
	case "PicUrl":
		return &m.PicURL
	case "MediaId":
		return &m.MediaID
	case "Title":
		return &m.Title
	case "AppId":
		return &m.AppID
	case "PagePath":
		return &m.PagePath
	case "ThumbUrl":
		return &m.ThumbURL
	case "ThumbMediaId":
		return &m.ThumbMediaID
	case "Event":
		return &m.Event
	case "SessionFrom":
		return &m.SessionFrom
	}
	return nil
}

// field returns the named optional field of m, and whether it is set.
func (m *Message) field(name string) (field, bool) {
	if name == "MsgId" {
		return numberField(name, m.MsgID), m.MsgID != 0
	}
	s := *m.stringField(name)
	return textField(name, s), s != ""
}

// isKnownField reports whether name has a struct field in Message.
func isKnownField(name string) bool {
	return name == "CreateTime" || name == "MsgId" || new(Message).stringField(name) != nil
}

// fields lists what EncodeMessage writes: the common fields, the fields of
// m's kind (even when empty, as WeChat sends them), every other non-empty
// field, then Extra in key order.
func (m *Message) fields() []field {
	fs := make([]field, 0, 8+len(m.Extra))
	fs = append(fs,
		textField("ToUserName", m.ToUserName),
		textField("FromUserName", m.FromUserName),
		numberField("CreateTime", m.CreateTime),
		textField("MsgType", m.MsgType),
	)
	always := kindFields(m.MsgType, m.Event)
	for _, name := range always {
		f, _ := m.field(name)
		fs = append(fs, f)
	}
	for _, name := range optionalFields {
		if f, ok := m.field(name); ok && !slices.Contains(always, name) {
			fs = append(fs, f)
		}
	}
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		if !isKnownField(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		fs = append(fs, textField(k, m.Extra[k]))
	}
	return fs
}

// EncodeMessage writes m in format f as WeChat pushes it: XML with CDATA
// strings, or compact JSON with numbers for CreateTime and MsgId. Fields of
// m's kind are always written; other fields only when non-empty.
func EncodeMessage(m *Message, f Format) ([]byte, error) {
	b, err := encodeMessage(m, f)
	if err != nil {
		return nil, fmt.Errorf("wechat: encode message: %w", err)
	}
	return b, nil
}

func encodeMessage(m *Message, f Format, more ...field) ([]byte, error) {
	if m == nil {
		return nil, errors.New("nil message")
	}
	if m.MsgType == "" {
		return nil, errors.New("MsgType is empty")
	}
	if f != FormatXML && f != FormatJSON {
		return nil, fmt.Errorf("unknown format %v", f)
	}
	fs := append(m.fields(), more...)
	if f == FormatXML {
		for _, fl := range fs {
			if !validXMLName(fl.name) {
				return nil, fmt.Errorf("field name %q cannot be an XML element name", fl.name)
			}
		}
	}
	return appendFields(make([]byte, 0, 256), fs, f), nil
}

// DecodeMessage decodes a plaintext push (or a decrypted one) in either
// format, telling which from the body, strictly: the body is at most
// DefaultMaxBodyBytes (ErrTooLarge), valid UTF-8 (ErrInvalidUTF8), one
// <xml> element without declarations or processing instructions
// (ErrRootElement, ErrDoctype, ErrProcInst) or one JSON object without a
// byte order mark (ErrBOM), every field once and without a namespace
// (ErrDuplicateField, ErrNamespace, ErrFieldName), and every field the
// message's kind always carries present (ErrMissingField: the common
// ToUserName, FromUserName, CreateTime and MsgType; Content and MsgId for
// text; PicUrl, MediaId and MsgId for image; Title, AppId, PagePath,
// ThumbUrl, ThumbMediaId and MsgId for miniprogrampage; Event for events).
// Strings must be strings (ErrFieldType: JSON null is not one);
// CreateTime is a non-negative integer, a JSON number, and MsgId one
// written as a JSON number or a string of digits (ErrNumber). Every such
// error also wraps ErrFormat. Unknown message types decode, with their
// unknown fields in Extra.
func DecodeMessage(body []byte) (*Message, Format, error) {
	m, f, err := decodeMessage(body, 0)
	if err != nil {
		return nil, f, fmt.Errorf("wechat: decode message: %w", err)
	}
	return m, f, nil
}

func decodeMessage(body []byte, limit int) (*Message, Format, error) {
	if err := checkSize(body, limit); err != nil {
		return nil, 0, err
	}
	fields, f, err := decodeBody(body)
	if err != nil {
		return nil, f, err
	}
	m, err := messageFromFields(fields, f, true)
	return m, f, err
}

// requiredFields lists the fields a push of a kind must carry. SessionFrom
// is not among them: WeChat documents it for user_enter_tempsession, but a
// contact button without session-from leaves nothing to send, and a session
// opened from WeChat's own service-message box has its own value, so its
// absence is read as empty rather than risk dropping the event that opens
// a conversation.
func requiredFields(msgType, event string) []string {
	req := []string{"ToUserName", "FromUserName", "CreateTime", "MsgType"}
	for _, name := range kindFields(msgType, event) {
		if name != "SessionFrom" {
			req = append(req, name)
		}
	}
	return req
}

// messageFromFields builds a message from decoded fields in format f. With
// strict, the fields of the message's kind are required and numbers must
// have their exact form; without (replies from developers' own code), only
// MsgType is required and integers may be strings.
func messageFromFields(fields []field, f Format, strict bool) (*Message, error) {
	m := new(Message)
	present := make(map[string]bool, len(fields))
	for _, fl := range fields {
		present[fl.name] = true
		var err error
		switch fl.name {
		case "CreateTime":
			if strict {
				m.CreateTime, err = fl.uint(f, false)
			} else {
				m.CreateTime, err = fl.lenientInt()
			}
		case "MsgId":
			if strict {
				m.MsgID, err = fl.uint(f, true)
			} else {
				m.MsgID, err = fl.lenientInt()
			}
		default:
			if p := m.stringField(fl.name); p != nil {
				*p, err = fl.text()
				break
			}
			if m.Extra == nil {
				m.Extra = make(map[string]string)
			}
			m.Extra[fl.name] = fl.value
		}
		if err != nil {
			return nil, err
		}
	}
	if m.MsgType == "" {
		if present["MsgType"] {
			return nil, fieldError("MsgType", ErrMissingField, "it is empty")
		}
		return nil, fieldError("MsgType", ErrMissingField, "")
	}
	if strict {
		for _, name := range requiredFields(m.MsgType, m.Event) {
			if !present[name] {
				return nil, fieldError(name, ErrMissingField, "a %s push always carries it", m.MsgType)
			}
		}
	}
	return m, nil
}

// text returns a string field's value.
func (f field) text() (string, error) {
	switch f.kind {
	case kindText:
		return f.value, nil
	case kindNull:
		return "", fieldError(f.name, ErrFieldType, "it is null, want a string")
	}
	return "", fieldError(f.name, ErrFieldType, "it is %s, want a string", snippet([]byte(f.value)))
}

// uint returns a non-negative integer field: a JSON number, or (with
// stringOK) a JSON string, of decimal digits without sign, fraction,
// exponent or leading zero; in XML the element's text, which may be
// surrounded by white space (pretty-printed bodies).
func (f field) uint(format Format, stringOK bool) (int64, error) {
	s := f.value
	switch f.kind {
	case kindNumber:
	case kindText:
		if format == FormatXML {
			s = strings.TrimSpace(s)
		} else if !stringOK {
			return 0, fieldError(f.name, ErrNumber, "it is the string %s, want a JSON number", snippet([]byte(f.value)))
		}
	default:
		return 0, fieldError(f.name, ErrFieldType, "it is %s, want an integer", jsonLiteral(f))
	}
	if !decimal(s) {
		return 0, fieldError(f.name, ErrNumber, "%s is not a non-negative decimal integer", snippet([]byte(f.value)))
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fieldError(f.name, ErrNumber, "%s does not fit 64 bits", snippet([]byte(f.value)))
	}
	return v, nil
}

func jsonLiteral(f field) string {
	if f.kind == kindNull {
		return "null"
	}
	return snippet([]byte(f.value))
}

// decimal reports whether s is 0 or digits without a leading zero.
func decimal(s string) bool {
	if s == "" || len(s) > 1 && s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lenientInt returns an integer field's value, written as a number or as a
// string of digits; empty or null counts as 0.
func (f field) lenientInt() (int64, error) {
	if f.kind == kindNested {
		return 0, fieldError(f.name, ErrFieldType, "it is %s, want an integer", snippet([]byte(f.value)))
	}
	s := strings.TrimSpace(f.value)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fieldError(f.name, ErrNumber, "%s is not a 64-bit integer", snippet([]byte(f.value)))
	}
	return v, nil
}
