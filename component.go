package kefu

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// Component is an assistant component: a page a business writes
// — a product picker, an order lookup — that the workspace shows in a tab
// beside the conversation and that sends messages to the customer by
// postMessage. Kefu accepts messages only from its registered origin.
type Component struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// URL is the page: an absolute http(s) URL, or a path on Kefu itself.
	URL string `json:"url"`
	// Origin is the only origin whose postMessages the workspace accepts
	// from the component's frame; empty for a page on Kefu itself.
	Origin    string    `json:"origin"`
	Icon      string    `json:"icon,omitempty"` // an emoji or a short label
	AppIDs    []string  `json:"apps"`           // empty: every app
	TeamIDs   []int64   `json:"teams"`          // empty: every team
	Enabled   bool      `json:"enabled"`
	Position  int       `json:"position"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate reports the first problem with a component's settings.
func (c *Component) Validate() error {
	if n := utf8.RuneCountInString(strings.TrimSpace(c.Name)); n == 0 || n > 40 {
		return Errorf(EINVALID, "name must be 1 to 40 characters")
	}
	if utf8.RuneCountInString(c.Icon) > 4 {
		return Errorf(EINVALID, "icon must be an emoji or up to 4 characters")
	}
	switch {
	case strings.HasPrefix(c.URL, "/") && !strings.HasPrefix(c.URL, "//"):
		if !IsMiniProgramPath(c.URL) {
			return Errorf(EINVALID, "url must be an http(s) URL or a path on Kefu like /components/picker")
		}
		if c.Origin != "" {
			return Errorf(EINVALID, "a component served by Kefu itself has no separate origin")
		}
	case IsWebURL(c.URL):
		u, _ := url.Parse(c.URL)
		if c.Origin == "" {
			c.Origin = u.Scheme + "://" + u.Host
		}
		if err := validateOrigin(c.Origin); err != nil {
			return err
		}
		if c.Origin != u.Scheme+"://"+u.Host {
			return Errorf(EINVALID, "the allowed origin %s is not the origin of the url", c.Origin)
		}
	default:
		return Errorf(EINVALID, "url must be an http(s) URL or a path on Kefu like /components/picker")
	}
	return nil
}

// VisibleTo reports whether agent a sees the component in a conversation of
// app appID routed to team teamID.
func (c *Component) VisibleTo(a *Agent, appID string, teamID int64) bool {
	if !c.Enabled || !a.Serves(appID, teamID) {
		return false
	}
	if len(c.AppIDs) > 0 && !contains(c.AppIDs, appID) {
		return false
	}
	if len(c.TeamIDs) == 0 || a.Role == RoleAdmin {
		return true
	}
	for _, t := range c.TeamIDs {
		if t == teamID || contains(a.Teams, t) {
			return true
		}
	}
	return false
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ComponentRate is the components' protocol limit: one message per second per component
// and conversation.
const ComponentRate = time.Second

// ComponentMessage turns a component's postMessage payload — a type and its
// content — into a message, checking every field the protocol requires:
//
//	text            content: a string
//	rich            content: HTML (sanitised later by the engine)
//	product         content: {name, url, imgUrl, params: [{text, color, fold, break, size}]}
//	miniprogrampage content: {title, pagepath, thumb_media_id, pic_url} — title and pagepath
//	                required, and one of thumb_media_id and pic_url
func ComponentMessage(typ string, content json.RawMessage) (*Message, error) {
	content = bytes.TrimSpace(content)
	if len(content) == 0 || string(content) == "null" {
		return nil, Errorf(EINVALID, "content is required")
	}
	switch typ {
	case "text", "rich":
		var s string
		if err := jsonv2.Unmarshal(content, &s); err != nil {
			return nil, Errorf(EINVALID, "content of a %s message must be a string", typ)
		}
		if strings.TrimSpace(s) == "" {
			return nil, Errorf(EINVALID, "content is empty")
		}
		m := &Message{Kind: KindText, Text: &Text{Content: s}}
		if typ == "rich" {
			m = &Message{Kind: KindRich, Rich: &Rich{HTML: s}}
		}
		return m, m.Validate()
	case "product":
		var p struct {
			Name   *string `json:"name"`
			URL    string  `json:"url"`
			ImgURL string  `json:"imgUrl"`
			Params []struct {
				Text  *string  `json:"text"`
				Color string   `json:"color"`
				Fold  bool     `json:"fold"`
				Break bool     `json:"break"`
				Size  *float64 `json:"size"`
			} `json:"params"`
		}
		if err := jsonv2.Unmarshal(content, &p); err != nil {
			return nil, Errorf(EINVALID, "content of a product message must be an object {name, url, imgUrl, params}: %s", jsonProblem(err))
		}
		if p.Name == nil {
			return nil, Errorf(EINVALID, "product name is required")
		}
		prod := &Product{Name: *p.Name, URL: strings.TrimSpace(p.URL), ImgURL: strings.TrimSpace(p.ImgURL)}
		for i, q := range p.Params {
			if q.Text == nil {
				return nil, Errorf(EINVALID, "product param %d: text is required", i+1)
			}
			param := ProductParam{Text: *q.Text, Color: q.Color, Fold: q.Fold, Break: q.Break}
			if q.Size != nil {
				if *q.Size != float64(int(*q.Size)) {
					return nil, Errorf(EINVALID, "product param %d: size must be a whole number of pixels", i+1)
				}
				param.Size = int(*q.Size)
				if param.Size == 0 {
					return nil, Errorf(EINVALID, "product param %d: size must be between %d and %d", i+1, MinParamSize, MaxParamSize)
				}
			}
			prod.Params = append(prod.Params, param)
		}
		m := &Message{Kind: KindProduct, Product: prod}
		return m, m.Validate()
	case "miniprogrampage":
		var p struct {
			Title        string `json:"title"`
			PagePath     string `json:"pagepath"`
			ThumbMediaID string `json:"thumb_media_id"`
			PicURL       string `json:"pic_url"`
		}
		if err := jsonv2.Unmarshal(content, &p); err != nil {
			return nil, Errorf(EINVALID, "content of a miniprogrampage message must be an object {title, pagepath, thumb_media_id, pic_url}: %s", jsonProblem(err))
		}
		m := &Message{Kind: KindMiniProgramPage, MiniProgramPage: &MiniProgramPage{Title: p.Title, PagePath: p.PagePath,
			ThumbMediaID: p.ThumbMediaID, ThumbURL: p.PicURL}}
		return m, m.Validate()
	}
	return nil, Errorf(EINVALID, "type must be text, rich, product or miniprogrampage, not %q", typ)
}

// jsonProblem names the field of a JSON type mismatch. The content is
// decoded like every JSON Kefu takes in (package httpapi/edge): names match
// case-sensitively, a name given twice is refused.
func jsonProblem(err error) string {
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		return strings.TrimPrefix(strings.ReplaceAll(string(se.JSONPointer), "/", "."), ".") + " has the wrong type"
	}
	return "it is not the right shape"
}
