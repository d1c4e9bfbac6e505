package kefu

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every field of a message is checked here, once, whatever surface it came
// through (desk, client API, /cgi-bin, assistant components): the surfaces
// only decode and map the domain's error to their own shape.

// Limits on message fields other than text content (see MaxTextRunes).
const (
	MaxLinkDescriptionRunes = 512
	MaxMediaIDBytes         = 128
)

var mediaIDPattern = regexp.MustCompile(`^[A-Za-z0-9_\-]+$`)

// CheckText reports whether s is fit to be shown as text: valid UTF-8, at
// most max characters, and no control characters but newline and tab. what
// names the field in the error.
func CheckText(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "%s must be valid UTF-8", what)
	}
	if len(s) > max && utf8.RuneCountInString(s) > max {
		return Errorf(EINVALID, "%s must be at most %d characters", what, max)
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return Errorf(EINVALID, "%s must not hold control characters (only newline and tab)", what)
		}
	}
	return nil
}

// checkRequiredText is CheckText for a field that may not be blank.
func checkRequiredText(what, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return Errorf(EINVALID, "%s is required", what)
	}
	return CheckText(what, s, max)
}

// IsMediaID reports whether s has the shape of a Kefu media id.
func IsMediaID(s string) bool {
	return s != "" && len(s) <= MaxMediaIDBytes && mediaIDPattern.MatchString(s)
}

// Validate checks a mini program card: a title, a pagepath that is a
// relative mini program path (no scheme, no host, no markup characters),
// and a thumbnail — thumb_media_id (an upload to the app, which the surface
// or engine checks) or an http(s) thumb_url; at least one is required.
func (p *MiniProgramPage) Validate() error {
	if err := checkRequiredText("mini program card title", p.Title, MaxTitleRunes); err != nil {
		return err
	}
	if strings.TrimSpace(p.PagePath) == "" {
		return Errorf(EINVALID, "mini program card pagepath is required")
	}
	if !IsMiniProgramPath(p.PagePath) {
		return Errorf(EINVALID, "mini program card pagepath must be a mini program path like pages/item/detail?id=1")
	}
	if p.AppID != "" && !appIDPattern.MatchString(p.AppID) {
		return Errorf(EINVALID, "mini program card appid must look like wx followed by 14 to 30 letters or digits")
	}
	switch {
	case p.ThumbMediaID == "" && p.ThumbURL == "":
		return Errorf(EINVALID, "mini program card needs a picture: one of thumb_media_id and pic_url is required")
	case p.ThumbMediaID != "" && !IsMediaID(p.ThumbMediaID):
		return Errorf(EINVALID, "mini program card thumb_media_id is not a media id")
	case p.ThumbURL != "" && !IsWebURL(p.ThumbURL):
		return Errorf(EINVALID, "mini program card thumb_url must be an http(s) URL")
	}
	return nil
}

// Validate checks a link card: a title, an http(s) url and, if set, an
// http(s) thumb_url.
func (l *Link) Validate() error {
	if err := checkRequiredText("link title", l.Title, MaxTitleRunes); err != nil {
		return err
	}
	if err := CheckText("link description", l.Description, MaxLinkDescriptionRunes); err != nil {
		return err
	}
	if !IsWebURL(l.URL) {
		return Errorf(EINVALID, "link url must be an http(s) URL")
	}
	if l.ThumbURL != "" && !IsWebURL(l.ThumbURL) {
		return Errorf(EINVALID, "link thumb_url must be an http(s) URL")
	}
	return nil
}

// Validate checks an image: a media id and, if set, a pic_url that is
// http(s) or a URL of Kefu's media store.
func (i *Image) Validate() error {
	if i.MediaID == "" {
		return Errorf(EINVALID, "image media_id is required")
	}
	if !IsMediaID(i.MediaID) {
		return Errorf(EINVALID, "image media_id is not a media id")
	}
	if i.PicURL != "" && !IsWebURL(i.PicURL) && !IsMediaURL(i.PicURL) {
		return Errorf(EINVALID, "image pic_url must be an http(s) URL or a Kefu media URL")
	}
	return nil
}
