// Package richtext is Kefu's one policy for HTML that agents and assistant
// components send ("rich" messages): Sanitize keeps formatting,
// safe links, images and data-miniprogram-path and removes everything that
// could run or track; MiniProgramText turns the result into the text form
// WeChat's send API accepts, with <a data-miniprogram-path> links.
package richtext

import (
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// Policy sanitises rich messages. It is safe for concurrent use.
type Policy struct {
	p *bluemonday.Policy
}

// Allowlist is what a rich message may contain. The sanitiser is built from
// it and the browsers' renderer reads the same value (package web serves it
// as a module), so the server and the renderer cannot disagree. Patterns are
// written in the syntax RE2 and JavaScript share (anchors, classes,
// alternation, \d, \s) and are matched against trimmed values.
type Allowlist struct {
	// Elements are the formatting tags kept. Links (<a href>) and images
	// (<img src alt width height>) come on top, with http(s) URLs only.
	Elements []string `json:"elements"`
	// Styles maps each CSS property allowed in style="" to the pattern its value must match.
	Styles map[string]string `json:"styles"`
	// MiniProgramPath is the pattern of data-miniprogram-path, on any element:
	// a page of the mini program, with no scheme, quotes or spaces.
	MiniProgramPath string `json:"miniprogram_path"`
	// MiniProgramAppID is the pattern of data-miniprogram-appid.
	MiniProgramAppID string `json:"miniprogram_appid"`
	// ImageDimension is the pattern of an image's width and height.
	ImageDimension string `json:"image_dimension"`
}

const colourPattern = `^(?:#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|rgb\(\s*\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}\s*\))$`

// Rules returns the allowlist of rich messages.
func Rules() Allowlist {
	return Allowlist{
		Elements: []string{"p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "del", "small", "sub", "sup",
			"ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "code"},
		Styles: map[string]string{
			"font-size":        `^(?:[89]|[1-3][0-9]|4[0-8])px$`,
			"color":            colourPattern,
			"background-color": colourPattern,
			"font-weight":      `^(?:normal|bold)$`,
			"font-style":       `^(?:normal|italic)$`,
			"text-decoration":  `^(?:none|underline|line-through)$`,
			"text-align":       `^(?:left|right|center)$`,
		},
		MiniProgramPath:  `^/?[A-Za-z0-9_\-./]+(\?[A-Za-z0-9_\-.~%=&+]*)?$`,
		MiniProgramAppID: `^wx[0-9a-zA-Z]{14,30}$`,
		ImageDimension:   `^[0-9]{1,4}$`,
	}
}

var (
	rules           = Rules()
	miniProgramPath = regexp.MustCompile(rules.MiniProgramPath)
	miniProgramApp  = regexp.MustCompile(rules.MiniProgramAppID)
	// Every renderer shows images from http(s) or Kefu's own media store and
	// follows only http(s) links; anything else (relative, protocol-relative)
	// would be kept here and dropped there, so it is dropped here.
	webURL      = regexp.MustCompile("^https?://[^\\s\"'<>`/][^\\s\"'<>`]*$")
	imageSource = regexp.MustCompile("^(?:https?://[^\\s\"'<>`/][^\\s\"'<>`]*|/media/[A-Za-z0-9_\\-]+)$")
)

// New returns the rich-message policy.
func New() *Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(rules.Elements...)
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https")
	p.RequireParseableURLs(true)
	p.AllowAttrs("href").Matching(webURL).OnElements("a")
	p.AllowElements("a")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.AllowAttrs("src").Matching(imageSource).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(rules.ImageDimension)).OnElements("img")
	p.AllowAttrs("data-miniprogram-path").Matching(miniProgramPath).Globally()
	p.AllowAttrs("data-miniprogram-appid").Matching(miniProgramApp).Globally()
	for prop, pattern := range rules.Styles {
		re := regexp.MustCompile(pattern)
		p.AllowStyles(prop).MatchingHandler(func(v string) bool { return re.MatchString(strings.TrimSpace(v)) }).Globally()
	}
	return &Policy{p: p}
}

// Sanitize returns the safe part of s, trimmed; "" if nothing visible is left.
func (p *Policy) Sanitize(s string) string {
	out := strings.TrimSpace(p.p.Sanitize(s))
	if strings.TrimSpace(textOf(out)) == "" && !strings.Contains(out, "<img") {
		return ""
	}
	return out
}

// textOf returns the text content of an HTML fragment.
func textOf(s string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			b.Write(z.Text())
		}
	}
}

// blocks end a line in the text form.
var blocks = map[string]bool{"p": true, "div": true, "br": true, "li": true, "h1": true, "h2": true, "h3": true,
	"h4": true, "h5": true, "h6": true, "blockquote": true, "pre": true, "hr": true, "ul": true, "ol": true}

// MiniProgramText turns sanitised HTML into WeChat text: elements carrying
// data-miniprogram-path become <a href="" data-miniprogram-path="…"> links,
// web links stay <a href>, block elements become line breaks and every
// other tag is dropped, keeping its text. Text is escaped so the client shows
// it literally.
func (p *Policy) MiniProgramText(sanitised string) string {
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(sanitised))
	// openLinks remembers, per nesting level, whether the element opened a link.
	var openLinks []bool
	newline := func() {
		s := b.String()
		if s != "" && !strings.HasSuffix(s, "\n") {
			b.WriteByte('\n')
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			return strings.TrimSpace(b.String())
		case xhtml.TextToken:
			b.WriteString(html.EscapeString(html.UnescapeString(string(z.Text()))))
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				attrs[string(k)] = string(v)
			}
			if blocks[tag] {
				newline()
			}
			link := false
			if path := attrs["data-miniprogram-path"]; path != "" && miniProgramPath.MatchString(path) {
				b.WriteString(`<a href="" data-miniprogram-path="` + html.EscapeString(path) + `"`)
				if app := attrs["data-miniprogram-appid"]; miniProgramApp.MatchString(app) {
					b.WriteString(` data-miniprogram-appid="` + app + `"`)
				}
				b.WriteString(">")
				link = true
			} else if href := attrs["href"]; tag == "a" && (strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://")) {
				b.WriteString(`<a href="` + html.EscapeString(href) + `">`)
				link = true
			}
			if tt == xhtml.StartTagToken && !voidElements[tag] {
				openLinks = append(openLinks, link)
			} else if link {
				b.WriteString("</a>")
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			if n := len(openLinks); n > 0 {
				if openLinks[n-1] {
					b.WriteString("</a>")
				}
				openLinks = openLinks[:n-1]
			}
			if blocks[string(name)] {
				newline()
			}
		}
	}
}

var voidElements = map[string]bool{"br": true, "hr": true, "img": true}
