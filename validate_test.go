package kefu_test

import (
	"strings"
	"testing"

	"github.com/kefuhq/kefu"
)

// validCases runs each message through Message.Validate: want is "" for a
// message that must pass, or a fragment of the refusal.
func validCases(t *testing.T, cases []struct {
	name string
	m    *kefu.Message
	want string
}) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if kefu.ErrorCode(err) != kefu.EINVALID || !strings.Contains(kefu.ErrorMessage(err), tc.want) {
				t.Fatalf("got %v, want an invalid error saying %q", err, tc.want)
			}
		})
	}
}

func card(p kefu.MiniProgramPage) *kefu.Message {
	return &kefu.Message{Kind: kefu.KindMiniProgramPage, MiniProgramPage: &p}
}

func TestValidateMiniProgramCard(t *testing.T) {
	validCases(t, []struct {
		name string
		m    *kefu.Message
		want string
	}{
		{"media thumbnail", card(kefu.MiniProgramPage{Title: "Shoes", PagePath: "pages/item/detail?id=1", ThumbMediaID: "AbC_-12"}), ""},
		{"url thumbnail", card(kefu.MiniProgramPage{Title: "Shoes", PagePath: "/pages/item", ThumbURL: "https://img.example/a.png"}), ""},
		{"with appid", card(kefu.MiniProgramPage{Title: "S", AppID: "wx1234567890abcdef", PagePath: "pages/a", ThumbMediaID: "m"}), ""},
		{"no picture", card(kefu.MiniProgramPage{Title: "Shoes", PagePath: "pages/a"}), "one of thumb_media_id and pic_url is required"},
		{"javascript thumbnail", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/a", ThumbURL: "javascript:alert(1)"}), "thumb_url must be an http(s) URL"},
		{"data thumbnail", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/a", ThumbURL: "data:image/png;base64,AAAA"}), "thumb_url must be an http(s) URL"},
		{"relative thumbnail", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/a", ThumbURL: "/img/a.png"}), "thumb_url must be an http(s) URL"},
		{"markup in media id", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/a", ThumbMediaID: `m"><img>`}), "thumb_media_id is not a media id"},
		{"javascript pagepath", card(kefu.MiniProgramPage{Title: "S", PagePath: "javascript:alert(1)", ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"absolute URL pagepath", card(kefu.MiniProgramPage{Title: "S", PagePath: "https://evil.example/x", ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"protocol-relative pagepath", card(kefu.MiniProgramPage{Title: "S", PagePath: "//evil.example/x", ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"markup pagepath", card(kefu.MiniProgramPage{Title: "S", PagePath: `pages/a"><script>`, ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"pagepath with space", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/a b", ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"pagepath climbing", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/../../x", ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"long pagepath", card(kefu.MiniProgramPage{Title: "S", PagePath: "pages/" + strings.Repeat("a", kefu.MaxURLBytes), ThumbMediaID: "m"}), "pagepath must be a mini program path"},
		{"no pagepath", card(kefu.MiniProgramPage{Title: "S", ThumbMediaID: "m"}), "pagepath is required"},
		{"no title", card(kefu.MiniProgramPage{PagePath: "pages/a", ThumbMediaID: "m"}), "title is required"},
		{"blank title", card(kefu.MiniProgramPage{Title: "  ", PagePath: "pages/a", ThumbMediaID: "m"}), "title is required"},
		{"long title", card(kefu.MiniProgramPage{Title: strings.Repeat("客", kefu.MaxTitleRunes+1), PagePath: "pages/a", ThumbMediaID: "m"}), "at most 64 characters"},
		{"64-character Chinese title", card(kefu.MiniProgramPage{Title: strings.Repeat("客", kefu.MaxTitleRunes), PagePath: "pages/a", ThumbMediaID: "m"}), ""},
		{"control character in title", card(kefu.MiniProgramPage{Title: "a\x1b[2Jb", PagePath: "pages/a", ThumbMediaID: "m"}), "control characters"},
		{"bad appid", card(kefu.MiniProgramPage{Title: "S", AppID: "evil", PagePath: "pages/a", ThumbMediaID: "m"}), "appid must look like"},
	})
}

func link(l kefu.Link) *kefu.Message { return &kefu.Message{Kind: kefu.KindLink, Link: &l} }

func TestValidateLink(t *testing.T) {
	validCases(t, []struct {
		name string
		m    *kefu.Message
		want string
	}{
		{"plain", link(kefu.Link{Title: "Docs", URL: "https://kefu.example/docs", ThumbURL: "http://img.example/a.png"}), ""},
		{"no thumbnail", link(kefu.Link{Title: "Docs", Description: "line\n\tindented", URL: "https://kefu.example/"}), ""},
		{"javascript url", link(kefu.Link{Title: "Docs", URL: "javascript:alert(1)"}), "link url must be an http(s) URL"},
		{"relative url", link(kefu.Link{Title: "Docs", URL: "/docs"}), "link url must be an http(s) URL"},
		{"quote in url", link(kefu.Link{Title: "Docs", URL: `https://a.example/"onmouseover=x`}), "link url must be an http(s) URL"},
		{"javascript thumbnail", link(kefu.Link{Title: "Docs", URL: "https://a.example/", ThumbURL: "javascript:x"}), "link thumb_url must be an http(s) URL"},
		{"no title", link(kefu.Link{URL: "https://a.example/"}), "link title is required"},
		{"long description", link(kefu.Link{Title: "D", Description: strings.Repeat("a", kefu.MaxLinkDescriptionRunes+1), URL: "https://a.example/"}), "at most 512 characters"},
		{"NUL in description", link(kefu.Link{Title: "D", Description: "a\x00b", URL: "https://a.example/"}), "control characters"},
		{"invalid UTF-8 title", link(kefu.Link{Title: "a\xffb", URL: "https://a.example/"}), "valid UTF-8"},
	})
}

func product(p kefu.Product) *kefu.Message { return &kefu.Message{Kind: kefu.KindProduct, Product: &p} }

func TestValidateProduct(t *testing.T) {
	validCases(t, []struct {
		name string
		m    *kefu.Message
		want string
	}{
		{"web url", product(kefu.Product{Name: "Shoes", URL: "https://shop.example/1", ImgURL: "https://img.example/1.png",
			Params: []kefu.ProductParam{{Text: "¥99", Color: "#FF0000", Size: 16}, {Text: "red", Color: "#abc"}}}), ""},
		{"mini program url, media image", product(kefu.Product{Name: "Shoes", URL: "/pages/item?id=1", ImgURL: "/media/AbC"}), ""},
		{"javascript url", product(kefu.Product{Name: "S", URL: "javascript:alert(1)"}), "product url must be"},
		{"protocol-relative url", product(kefu.Product{Name: "S", URL: "//evil.example/x"}), "product url must be"},
		{"javascript image", product(kefu.Product{Name: "S", ImgURL: "javascript:x"}), "product imgUrl must be"},
		{"relative image outside media", product(kefu.Product{Name: "S", ImgURL: "/img/a.png"}), "product imgUrl must be"},
		{"media image climbing", product(kefu.Product{Name: "S", ImgURL: "/media/../admin"}), "product imgUrl must be"},
		{"no name", product(kefu.Product{URL: "https://a.example/"}), "product name is required"},
		{"control character in name", product(kefu.Product{Name: "a\u202Eb\x07"}), "control characters"},
		{"long name", product(kefu.Product{Name: strings.Repeat("a", kefu.MaxProductNameRunes+1)}), "at most 200 characters"},
		{"css in colour", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a", Color: "red;background:url(x)"}}}), "color must be a hex colour"},
		{"named colour", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a", Color: "red"}}}), "color must be a hex colour"},
		{"tiny size", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a", Size: 1}}}), "size must be between 8 and 48"},
		{"huge size", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a", Size: 4000}}}), "size must be between 8 and 48"},
		{"negative size", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a", Size: -9}}}), "size must be between 8 and 48"},
		{"empty param", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{}}}), "text must be 1 to 200 characters"},
		{"control in param", product(kefu.Product{Name: "S", Params: []kefu.ProductParam{{Text: "a\rb"}}}), "control characters"},
		{"too many params", product(kefu.Product{Name: "S", Params: make([]kefu.ProductParam, kefu.MaxProductParams+1)}), "at most 20 params"},
	})
}

func TestValidateImageAndText(t *testing.T) {
	img := func(i kefu.Image) *kefu.Message { return &kefu.Message{Kind: kefu.KindImage, Image: &i} }
	text := func(s string) *kefu.Message { return &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: s}} }
	validCases(t, []struct {
		name string
		m    *kefu.Message
		want string
	}{
		{"image", img(kefu.Image{MediaID: "AbC_-1"}), ""},
		{"image with web url", img(kefu.Image{MediaID: "m", PicURL: "https://img.example/a.png"}), ""},
		{"image with media url", img(kefu.Image{MediaID: "m", PicURL: "/media/m"}), ""},
		{"image without media", img(kefu.Image{PicURL: "https://img.example/a.png"}), "image media_id is required"},
		{"image with markup media id", img(kefu.Image{MediaID: "<x>"}), "image media_id is not a media id"},
		{"image with javascript url", img(kefu.Image{MediaID: "m", PicURL: "javascript:x"}), "image pic_url must be"},
		{"image with data url", img(kefu.Image{MediaID: "m", PicURL: "data:image/png;base64,AA"}), "image pic_url must be"},
		{"text with newline and tab", text("a\n\tb"), ""},
		{"text with escape", text("a\x1bb"), "control characters"},
		{"text with DEL", text("a\x7fb"), "control characters"},
		{"text with line separator", text("a\u2028b"), "control characters"},
		{"text invalid UTF-8", text("a\xc3"), "valid UTF-8"},
	})
}
