package kefu

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Kind is what a message is. User messages are text, image or
// miniprogrampage; agents, the developer's API and assistant components add
// link, rich and product; the platform adds notices; events are pushed to
// the developer and never shown to anyone.
type Kind string

const (
	KindText            Kind = "text"
	KindImage           Kind = "image"
	KindMiniProgramPage Kind = "miniprogrampage"
	KindLink            Kind = "link"
	KindRich            Kind = "rich"
	KindProduct         Kind = "product"
	KindNotice          Kind = "notice"
	KindEvent           Kind = "event"
)

// Sender is who wrote a message.
type Sender string

const (
	SenderUser      Sender = "user"      // the customer
	SenderAgent     Sender = "agent"     // a person at the desk (or a component they use)
	SenderDeveloper Sender = "developer" // the developer's server, through /cgi-bin
	SenderSystem    Sender = "system"    // Kefu itself: notices
)

// PushStatus is how the developer's push URL handled a user message or an event.
type PushStatus string

const (
	PushNone        PushStatus = ""            // not pushed (the session was with an agent)
	PushPending     PushStatus = "pending"     // in the outbox
	PushDelivered   PushStatus = "delivered"   // the developer answered success or empty
	PushTransferred PushStatus = "transferred" // the developer answered transfer_customer_service
	PushFailed      PushStatus = "failed"      // three tries failed; the user saw the notice
)

// Message is one entry of a conversation. Exactly one of the kind's body
// fields is set. Seq numbers a conversation's messages without gaps.
type Message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Seq            int64  `json:"seq"`
	ClientMsgID    string `json:"client_msg_id,omitempty"`
	Sender         Sender `json:"sender"`
	AgentID        int64  `json:"agent_id,omitempty"`
	Kind           Kind   `json:"kind"`
	// Internal marks an agents' note: the customer never sees it.
	Internal bool `json:"internal,omitempty"`
	// Phase is the session state the message arrived in, so the desk can
	// show what the developer's hook handled before customer service did.
	Phase State      `json:"phase"`
	Push  PushStatus `json:"push,omitempty"`
	// Upstream is the delivery to WeChat of a message to a connected
	// customer (nil otherwise).
	Upstream *UpstreamStatus `json:"upstream,omitempty"`
	// MsgID is the 64-bit MsgId pushed to the developer (the same on every try).
	MsgID int64 `json:"msg_id,omitempty"`
	// Source names what produced an agent or developer message: "desk",
	// "api", "component:<id>".
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"created_at"`

	Text            *Text            `json:"text,omitempty"`
	Image           *Image           `json:"image,omitempty"`
	MiniProgramPage *MiniProgramPage `json:"miniprogrampage,omitempty"`
	Link            *Link            `json:"link,omitempty"`
	Rich            *Rich            `json:"rich,omitempty"`
	Product         *Product         `json:"product,omitempty"`
	Notice          *Notice          `json:"notice,omitempty"`
	Event           *Event           `json:"event,omitempty"`
}

// Text is a text message. For the mini program channel it may hold
// <a href="" data-miniprogram-path="…"> links, as WeChat's send API allows.
type Text struct {
	Content string `json:"content"`
}

// Image is an image stored in Kefu's media store.
type Image struct {
	MediaID string `json:"media_id"`
	PicURL  string `json:"pic_url,omitempty"`
}

// MiniProgramPage is a mini program card.
type MiniProgramPage struct {
	Title        string `json:"title"`
	AppID        string `json:"appid,omitempty"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	ThumbURL     string `json:"thumb_url,omitempty"`
}

// Link is a link card (send API msgtype link).
type Link struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	ThumbURL    string `json:"thumb_url,omitempty"`
}

// Rich is sanitised HTML (see package richtext for the policy).
type Rich struct {
	HTML string `json:"html"`
}

// Product is a product card. A URL that is a path, not http(s),
// opens a mini program page.
type Product struct {
	Name   string         `json:"name"`
	URL    string         `json:"url,omitempty"`
	ImgURL string         `json:"imgUrl,omitempty"`
	Params []ProductParam `json:"params,omitempty"`
}

// ProductParam is one line of a product card.
type ProductParam struct {
	Text  string `json:"text"`
	Color string `json:"color,omitempty"`
	Fold  bool   `json:"fold,omitempty"`
	Break bool   `json:"break,omitempty"`
	Size  int    `json:"size,omitempty"`
}

// Notice is a message from the platform itself. Code selects the text in
// the reader's language; Text is the Chinese original.
type Notice struct {
	Code   string            `json:"code"`
	Text   string            `json:"text"`
	Params map[string]string `json:"params,omitempty"`
}

// NoticeDeveloperUnavailable is shown to the user when three pushes of their
// message all failed — WeChat's own words.
const (
	NoticeDeveloperUnavailable     = "developer_unavailable"
	NoticeDeveloperUnavailableText = "该小程序客服暂时无法提供服务，请稍后再试"
)

// Other notices, in the timeline of a conversation. Params carry the names
// the client fills into its own language's text.
const (
	NoticeAgentJoined    = "agent_joined"    // params: agent
	NoticeSessionClosed  = "session_closed"  // the agent closed the session
	NoticeSessionTimeout = "session_timeout" // the 30-minute rule ended a session with an agent (agents only); params: minutes
	NoticeQueueTimeout   = "queue_timeout"   // the 30-minute rule ended the customer's wait for an agent; params: minutes
	NoticeTransferred    = "transferred"     // params: agent or team (agents only)
	NoticeRequeued       = "requeued"        // the agent left; waiting for another (agents only)
)

// TimeoutNotice is the notice that the 30-minute rule (with the configured
// timeout) ended a session. A customer still waiting in the queue is told —
// they were waiting for a person who never came; a session an agent was
// serving ends with a note for the agents only, as on WeChat.
func TimeoutNotice(queued bool, timeout time.Duration) *Notice {
	minutes := strconv.Itoa(max(int(timeout.Round(time.Minute)/time.Minute), 1))
	if queued {
		return &Notice{Code: NoticeQueueTimeout, Params: map[string]string{"minutes": minutes},
			Text: "暂时没有客服接入（已等待 " + minutes + " 分钟），您可以稍后再联系客服"}
	}
	return &Notice{Code: NoticeSessionTimeout, Params: map[string]string{"minutes": minutes},
		Text: "会话超过 " + minutes + " 分钟未结束，已自动关闭"}
}

// Event is a user event pushed to the developer (user_enter_tempsession).
type Event struct {
	Event       string       `json:"event"`
	SessionFrom string       `json:"session_from"`
	Card        *MessageCard `json:"card,omitempty"`
}

// EventUserEnterTempSession is pushed when the user opens the chat.
const EventUserEnterTempSession = "user_enter_tempsession"

// MessageCard is the card a user was offered when opening the chat (the
// button's send-message-title, -path, -img).
type MessageCard struct {
	Title string `json:"title"`
	Path  string `json:"path"`
	Img   string `json:"img,omitempty"`
}

// BodyField returns a pointer to the body field of m's kind (say &m.Text
// for text), for encoding or decoding the body alone; nil for an unknown kind.
func (m *Message) BodyField() any {
	switch m.Kind {
	case KindText:
		return &m.Text
	case KindImage:
		return &m.Image
	case KindMiniProgramPage:
		return &m.MiniProgramPage
	case KindLink:
		return &m.Link
	case KindRich:
		return &m.Rich
	case KindProduct:
		return &m.Product
	case KindNotice:
		return &m.Notice
	case KindEvent:
		return &m.Event
	}
	return nil
}

// VisibleToUser reports whether the customer may ever see m.
func (m *Message) VisibleToUser() bool { return !m.Internal && m.Kind != KindEvent }

// VisibleToAgents reports whether agents may see m: events never reach them.
func (m *Message) VisibleToAgents() bool { return m.Kind != KindEvent }

// Limits on message content.
const (
	MaxTextRunes  = 2048 // WeChat's limit on a text message, in characters
	MaxTitleRunes = 64
	MaxRichBytes  = 32 << 10
	MaxURLBytes   = 2048
)

// TextTooLong reports whether s has more characters than a text message
// may hold. Characters, not bytes: 2048 Chinese characters are as welcome
// as 2048 Latin letters.
func TextTooLong(s string) bool {
	return len(s) > MaxTextRunes && utf8.RuneCountInString(s) > MaxTextRunes
}

// Validate is the one check of a message's fields, whichever surface it
// came through: exactly the kind's body is present and every field of it is
// well formed (see validate.go). It does not know channels (see AllowedOn),
// does not look media up, and does not sanitise (rich HTML is sanitised by
// the engine).
func (m *Message) Validate() error {
	bodies := 0
	for _, set := range []bool{m.Text != nil, m.Image != nil, m.MiniProgramPage != nil, m.Link != nil,
		m.Rich != nil, m.Product != nil, m.Notice != nil, m.Event != nil} {
		if set {
			bodies++
		}
	}
	if bodies != 1 {
		return Errorf(EINVALID, "a message needs exactly one body matching its kind")
	}
	switch m.Kind {
	case KindText:
		if m.Text == nil {
			break
		}
		if m.Text.Content == "" {
			return Errorf(EINVALID, "text content is empty")
		}
		return CheckText("text content", m.Text.Content, MaxTextRunes)
	case KindImage:
		if m.Image == nil {
			break
		}
		return m.Image.Validate()
	case KindMiniProgramPage:
		if m.MiniProgramPage == nil {
			break
		}
		return m.MiniProgramPage.Validate()
	case KindLink:
		if m.Link == nil {
			break
		}
		return m.Link.Validate()
	case KindRich:
		if m.Rich == nil {
			break
		}
		if m.Rich.HTML == "" {
			return Errorf(EINVALID, "rich content is empty")
		}
		if len(m.Rich.HTML) > MaxRichBytes {
			return Errorf(EINVALID, "rich content is larger than 32 KB")
		}
		if !utf8.ValidString(m.Rich.HTML) {
			return Errorf(EINVALID, "rich content must be valid UTF-8")
		}
		return nil
	case KindProduct:
		if m.Product == nil {
			break
		}
		return m.Product.Validate()
	case KindNotice:
		if m.Notice != nil {
			return nil
		}
	case KindEvent:
		if m.Event != nil {
			return nil
		}
	default:
		return Errorf(EINVALID, "unknown message kind %q", m.Kind)
	}
	return Errorf(EINVALID, "a %s message needs a %q body", m.Kind, m.Kind)
}

// MsgIDBase offsets message ids into the MsgId pushed to developers, so they
// look like WeChat's 64-bit MsgIds and never collide with small numbers a
// developer may use in tests.
const MsgIDBase int64 = 7_300_000_000_000_000_000 / 1000
