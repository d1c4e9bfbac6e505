package kefu

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Limits of a product card.
const (
	MaxProductParams    = 20
	MaxProductNameRunes = 200
	MaxParamTextRunes   = 200
	MinParamSize        = 8
	MaxParamSize        = 48
)

var (
	colorPattern = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
	// A mini program path: /pages/x/y?a=1&b=2 — no scheme, no spaces, no
	// characters that could escape an attribute or a URL.
	pathPattern = regexp.MustCompile(`^/?[A-Za-z0-9_\-./]+(\?[A-Za-z0-9_\-.~%=&+]*)?$`)
)

// IsWebURL reports whether s is an absolute http(s) URL.
func IsWebURL(s string) bool {
	if len(s) > MaxURLBytes {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n\"'<>`")
}

// IsMiniProgramPath reports whether s is a mini program page path (the
// components' "a URL that is a path, not http(s)"): relative to the mini
// program, so no scheme, no host ("//evil.example" is a host), no "..",
// and no character that could break out of an attribute or a URL.
func IsMiniProgramPath(s string) bool {
	return len(s) <= MaxURLBytes && !strings.Contains(s, "..") && !strings.Contains(s, "//") && pathPattern.MatchString(s)
}

// IsMediaURL reports whether s points into Kefu's own media store.
func IsMediaURL(s string) bool {
	return strings.HasPrefix(s, "/media/") && IsMiniProgramPath(s)
}

// Validate checks a product card field by field, so that
// nothing hostile reaches a renderer: colours are hex, sizes are bounded,
// URLs are http(s) or a mini program path.
func (p *Product) Validate() error {
	if err := checkRequiredText("product name", p.Name, MaxProductNameRunes); err != nil {
		return err
	}
	if p.URL != "" && !IsWebURL(p.URL) && !IsMiniProgramPath(p.URL) {
		return Errorf(EINVALID, "product url must be an http(s) URL or a mini program path like /pages/item?id=1")
	}
	if p.ImgURL != "" && !IsWebURL(p.ImgURL) && !IsMediaURL(p.ImgURL) {
		return Errorf(EINVALID, "product imgUrl must be an http(s) URL or a Kefu media URL")
	}
	if len(p.Params) > MaxProductParams {
		return Errorf(EINVALID, "a product has at most %d params", MaxProductParams)
	}
	for i, q := range p.Params {
		if q.Text == "" || utf8.RuneCountInString(q.Text) > MaxParamTextRunes || !utf8.ValidString(q.Text) {
			return Errorf(EINVALID, "product param %d: text must be 1 to %d characters", i+1, MaxParamTextRunes)
		}
		if err := CheckText(fmt.Sprintf("product param %d: text", i+1), q.Text, MaxParamTextRunes); err != nil {
			return err
		}
		if q.Color != "" && !colorPattern.MatchString(q.Color) {
			return Errorf(EINVALID, "product param %d: color must be a hex colour like #FF0000", i+1)
		}
		if q.Size != 0 && (q.Size < MinParamSize || q.Size > MaxParamSize) {
			return Errorf(EINVALID, "product param %d: size must be between %d and %d", i+1, MinParamSize, MaxParamSize)
		}
	}
	return nil
}

// AllowedOn reports whether a message of kind k may be sent to a customer on
// channel ch with the given SDK version (the components'
// channel rules): text and rich go everywhere, products to the web and to
// SDK 5.1 or later, mini program cards to the mini program channel only.
// Images and links go everywhere.
func AllowedOn(k Kind, ch Channel, sdkVersion string) error {
	switch k {
	case KindProduct:
		if ch == ChannelWeb || ch == ChannelSDK && SDKAtLeast(sdkVersion, 5, 1) {
			return nil
		}
		if ch == ChannelSDK {
			return Errorf(ECHANNEL, "product messages need SDK version 5.1 or later (the customer has %q)", sdkVersion)
		}
		return Errorf(ECHANNEL, "product messages can only be sent on the web and SDK channels, not %s", ch)
	case KindMiniProgramPage:
		if ch == ChannelMiniProgram {
			return nil
		}
		return Errorf(ECHANNEL, "mini program cards can only be sent on the mini program channel, not %s", ch)
	case KindText, KindRich, KindImage, KindLink:
		return nil
	}
	return Errorf(EINVALID, "%s messages cannot be sent to a customer", k)
}
