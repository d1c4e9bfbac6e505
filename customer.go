package kefu

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Channel is where a customer talks from.
type Channel string

const (
	ChannelMiniProgram Channel = "miniprogram" // a mini program's customer-service button (the simulator here)
	ChannelWeb         Channel = "web"         // the chat-session component on a web page
	ChannelSDK         Channel = "sdk"         // an app through the client API
)

// Valid reports whether c is one of the known channels.
func (c Channel) Valid() bool {
	return c == ChannelMiniProgram || c == ChannelWeb || c == ChannelSDK
}

// Customer is one end user of one app. OpenID is what the developer sees
// (FromUserName of pushes, touser of sends); it is unguessable.
type Customer struct {
	ID         int64   `json:"id"`
	AppID      string  `json:"appid"`
	OpenID     string  `json:"openid"`
	Channel    Channel `json:"channel"`
	SDKVersion string  `json:"sdk_version,omitempty"`
	// ExternalID is who the customer is to the channel: the anonymous
	// visitor id of a browser, the host site's user id of a signed identity,
	// or the simulated WeChat user. Unique per app and channel.
	ExternalID string    `json:"-"`
	Verified   bool      `json:"verified"` // identity signed by the host site
	Name       string    `json:"name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// MaxSessionFromBytes is WeChat's limit on session-from; longer values are
// truncated, not refused.
const MaxSessionFromBytes = 1000

// TruncateUTF8 cuts s to at most n bytes without splitting a character.
func TruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// SDKAtLeast reports whether a dotted version ("5.1", "5.10.2") is at least
// major.minor. An empty or unparseable version is not.
func SDKAtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	maj, err := strconv.Atoi(parts[0])
	if err != nil {
		return false
	}
	mnr := 0
	if len(parts) > 1 {
		if mnr, err = strconv.Atoi(parts[1]); err != nil {
			return false
		}
	}
	return maj > major || maj == major && mnr >= minor
}
