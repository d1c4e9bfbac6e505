package kefu

import (
	"net/url"
	"time"
)

// Upstream connects an app to a real mini program on WeChat: WeChat pushes
// the mini program's messages to Kefu (POST /connect/{appid}), and Kefu
// answers through WeChat's send API. Nil on an App means Kefu plays WeChat
// itself, as for the simulated mini programs.
//
// For a connected app, App.ID, App.OriginalID and App.Secret are the real
// AppID, gh_ id and AppSecret (the secret fetches Kefu's stable_token
// upstream); App.Push is the relay to the developer's own backend.
type Upstream struct {
	// BaseURL is WeChat's API host (DefaultUpstreamURL), or another Kefu
	// playing WeChat.
	BaseURL string `json:"base_url"`
	// Token, EncodingAESKey, Mode and Format are the settings of WeChat's
	// console (消息推送) that WeChat signs and encrypts its pushes with.
	Token          string     `json:"-"`
	EncodingAESKey string     `json:"-"`
	Mode           PushMode   `json:"mode"`
	Format         PushFormat `json:"format"`
}

// DefaultUpstreamURL is WeChat's API host.
const DefaultUpstreamURL = "https://api.weixin.qq.com"

// Validate reports the first problem with an upstream configuration. An
// empty BaseURL is taken as DefaultUpstreamURL.
func (u *Upstream) Validate() error {
	if u.BaseURL == "" {
		u.BaseURL = DefaultUpstreamURL
	}
	p, err := url.Parse(u.BaseURL)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
		return Errorf(EINVALID, "upstream URL must be an absolute http(s) URL like %s", DefaultUpstreamURL)
	}
	if !tokenPattern.MatchString(u.Token) {
		return Errorf(EINVALID, "upstream token must be 3 to 32 letters or digits, as on WeChat's console")
	}
	switch u.Mode {
	case PushPlaintext:
	case PushCompatible, PushSafe:
		if !aesKeyPattern.MatchString(u.EncodingAESKey) {
			return Errorf(EINVALID, "upstream EncodingAESKey must be 43 letters or digits, as on WeChat's console")
		}
	default:
		return Errorf(EINVALID, "upstream mode must be plaintext, compatible or safe")
	}
	if u.Format != PushXML && u.Format != PushJSON {
		return Errorf(EINVALID, "upstream format must be xml or json")
	}
	return nil
}

// Connected reports whether the app is a real mini program Kefu is
// connected to.
func (a *App) Connected() bool { return a.Upstream != nil }

// UpstreamState is how far a message to a connected customer has got on
// its way to WeChat.
type UpstreamState string

const (
	UpstreamPending UpstreamState = "pending" // in the outbound queue
	UpstreamSent    UpstreamState = "sent"    // WeChat accepted it
	UpstreamFailed  UpstreamState = "failed"  // WeChat refused it for good
)

// UpstreamStatus is the delivery of a message to WeChat: nil for messages
// that do not go there.
type UpstreamStatus struct {
	State   UpstreamState `json:"state"`
	ErrCode int           `json:"errcode,omitempty"` // WeChat's errcode of a refusal
	Error   string        `json:"error,omitempty"`   // a sentence a person understands
}

// UpstreamSend is a message waiting in the outbound queue for WeChat's
// send API. Only the oldest job of a conversation is due, so messages
// reach the customer in the order they were written.
type UpstreamSend struct {
	ID             int64     `json:"id"`
	AppID          string    `json:"appid"`
	ConversationID int64     `json:"conversation_id"`
	MessageID      int64     `json:"message_id"`
	Tries          int       `json:"tries"`
	NextAt         time.Time `json:"next_at"`
	LeaseUntil     time.Time `json:"lease_until,omitzero"`
	CreatedAt      time.Time `json:"created_at"`
}

// UpstreamToken is the access token Kefu holds for a connected app, shared
// by every node. RefreshLeaseUntil is set while one node refreshes it.
type UpstreamToken struct {
	AppID             string    `json:"appid"`
	Token             string    `json:"-"`
	ExpiresAt         time.Time `json:"expires_at"`
	RefreshLeaseUntil time.Time `json:"refresh_lease_until,omitzero"`
}
