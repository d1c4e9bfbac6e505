package kefu

import (
	"net/url"
	"regexp"
	"strings"
	"time"
)

// App is a mini program served by Kefu: its identity, the credentials its
// developer uses against /cgi-bin, and where its messages are pushed.
type App struct {
	ID         string `json:"appid"`       // "wx…", the AppID
	OriginalID string `json:"original_id"` // "gh_…", ToUserName of every push
	Name       string `json:"name"`
	Secret     string `json:"-"` // AppSecret for /cgi-bin/token; never serialised
	// Push is where messages are pushed. For a connected app (Upstream set)
	// it is the relay to the developer's own backend; empty: no relay.
	Push PushConfig `json:"push"`
	// Upstream connects the app to a real mini program; nil: Kefu plays
	// WeChat for it.
	Upstream *Upstream `json:"upstream,omitempty"`
	// IdentitySecret signs the identities a host web site passes to the
	// widget (HMAC-SHA256); never serialised.
	IdentitySecret string `json:"-"`
	// WidgetOrigins lists the origins allowed to embed the chat page
	// (frame-ancestors). Empty means only Kefu's own origin.
	WidgetOrigins []string  `json:"widget_origins"`
	CreatedAt     time.Time `json:"created_at"`
}

// PushMode is how pushes are protected: plaintext, compatible or safe.
type PushMode string

// PushFormat is the body format of pushes: XML or JSON.
type PushFormat string

const (
	PushPlaintext  PushMode = "plaintext"
	PushCompatible PushMode = "compatible"
	PushSafe       PushMode = "safe"

	PushXML  PushFormat = "xml"
	PushJSON PushFormat = "json"
)

// PushConfig is an app's message-push configuration, as on WeChat's admin
// page. An empty URL means messages are not pushed anywhere: every session
// goes straight to the queue, as if the developer had transferred it.
type PushConfig struct {
	URL            string `json:"url"`
	Token          string `json:"-"`
	EncodingAESKey string `json:"-"`
	// PreviousAESKey is accepted when decrypting replies after a key change.
	PreviousAESKey string     `json:"-"`
	Mode           PushMode   `json:"mode"`
	Format         PushFormat `json:"format"`
	// AllowPrivate lets pushes and the URL handshake reach loopback,
	// private, link-local and other internal addresses (see package
	// netguard). Off by default: an internet-facing Kefu must not be made
	// to call its own network; the admin turns it on for a developer's
	// server on the same network.
	AllowPrivate bool `json:"allow_private"`
}

var (
	appIDPattern      = regexp.MustCompile(`^wx[0-9a-zA-Z]{14,30}$`)
	originalIDPattern = regexp.MustCompile(`^gh_[0-9a-zA-Z]{6,30}$`)
	tokenPattern      = regexp.MustCompile(`^[0-9a-zA-Z]{3,32}$`)
	aesKeyPattern     = regexp.MustCompile(`^[0-9a-zA-Z]{43}$`)
)

// Validate reports the first problem with the app's fields, as a person
// would want to read it.
func (a *App) Validate() error {
	switch {
	case !appIDPattern.MatchString(a.ID):
		return Errorf(EINVALID, "appid must look like wx followed by 14 to 30 letters or digits")
	case !originalIDPattern.MatchString(a.OriginalID):
		return Errorf(EINVALID, "original id must look like gh_ followed by 6 to 30 letters or digits")
	case len(a.Secret) < 16 || len(a.Secret) > 64:
		return Errorf(EINVALID, "secret must be 16 to 64 characters")
	case len([]rune(a.Name)) > 64:
		return Errorf(EINVALID, "name must be at most 64 characters")
	}
	for _, o := range a.WidgetOrigins {
		if err := validateOrigin(o); err != nil {
			return err
		}
	}
	if a.Upstream != nil {
		if err := a.Upstream.Validate(); err != nil {
			return err
		}
	}
	return a.Push.Validate()
}

// Validate reports the first problem with a push configuration. The URL
// handshake itself is the engine's job; this checks only the fields.
func (p *PushConfig) Validate() error {
	if p.URL == "" {
		return nil
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Errorf(EINVALID, "push URL must be an absolute http(s) URL")
	}
	if !tokenPattern.MatchString(p.Token) {
		return Errorf(EINVALID, "token must be 3 to 32 letters or digits")
	}
	switch p.Mode {
	case PushPlaintext:
	case PushCompatible, PushSafe:
		if !aesKeyPattern.MatchString(p.EncodingAESKey) {
			return Errorf(EINVALID, "EncodingAESKey must be 43 letters or digits")
		}
	default:
		return Errorf(EINVALID, "mode must be plaintext, compatible or safe")
	}
	if p.PreviousAESKey != "" && !aesKeyPattern.MatchString(p.PreviousAESKey) {
		return Errorf(EINVALID, "previous EncodingAESKey must be 43 letters or digits")
	}
	if p.Format != PushXML && p.Format != PushJSON {
		return Errorf(EINVALID, "format must be xml or json")
	}
	return nil
}

func validateOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(o, "*") {
		return Errorf(EINVALID, "%q is not an origin like https://shop.example", o)
	}
	return nil
}
