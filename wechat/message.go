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

// Message types and events (docs/wechat-protocol.md#inbound-messages-and-events).
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
// format, telling which from the body. Unknown fields go to Extra; a
// known field of the wrong type, or a missing MsgType, is an ErrFormat.
func DecodeMessage(body []byte) (*Message, Format, error) {
	m, f, err := decodeMessage(body)
	if err != nil {
		return nil, f, fmt.Errorf("wechat: decode message: %w", err)
	}
	return m, f, nil
}

func decodeMessage(body []byte) (*Message, Format, error) {
	fields, f, err := decodeBody(body)
	if err != nil {
		return nil, f, err
	}
	m, err := messageFromFields(fields)
	return m, f, err
}

func messageFromFields(fields []field) (*Message, error) {
	m := new(Message)
	for _, fl := range fields {
		var err error
		switch fl.name {
		case "CreateTime":
			m.CreateTime, err = fl.int()
		case "MsgId":
			m.MsgID, err = fl.int()
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
		return nil, fmt.Errorf("%w: no MsgType", ErrFormat)
	}
	return m, nil
}

// text returns a string field's value; JSON null counts as empty.
func (f field) text() (string, error) {
	switch f.kind {
	case kindText, kindNull:
		return f.value, nil
	}
	return "", fmt.Errorf("%w: %s is %s, want a string", ErrFormat, f.name, snippet([]byte(f.value)))
}

// int returns an integer field's value, written as a number or as a string
// of digits; empty or null counts as 0.
func (f field) int() (int64, error) {
	if f.kind == kindNested {
		return 0, fmt.Errorf("%w: %s is %s, want an integer", ErrFormat, f.name, snippet([]byte(f.value)))
	}
	s := strings.TrimSpace(f.value)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is %s, want a 64-bit integer", ErrFormat, f.name, snippet([]byte(f.value)))
	}
	return v, nil
}
