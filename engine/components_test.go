package engine_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
)

func TestComponentRules(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	alice := f.agent("alice", 10)
	comp := &kefu.Component{Name: "Picker", URL: "/components/product-picker", Enabled: true}
	if err := f.eng.SaveComponent(f.ctx, comp); err != nil {
		t.Fatal(err)
	}
	other := &kefu.Component{Name: "Orders", URL: "https://orders.example/tool", Enabled: true}
	if err := f.eng.SaveComponent(f.ctx, other); err != nil || other.Origin != "https://orders.example" {
		t.Fatalf("origin defaults to the URL's: %q %v", other.Origin, err)
	}
	conv := func(ch kefu.Channel, who, sdk string) int64 {
		o, err := f.openSession(openRequest{AppID: f.app.ID, Channel: ch, ExternalID: who, SDKVersion: sdk})
		if err != nil {
			t.Fatal(err)
		}
		f.say(o.Conversation.ID, "hi")
		if _, err := f.eng.Accept(f.ctx, o.Conversation.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		return o.Conversation.ID
	}
	web, mp := conv(kefu.ChannelWeb, "w", ""), conv(kefu.ChannelMiniProgram, "m", "")
	sdk50, sdk51 := conv(kefu.ChannelSDK, "s50", "5.0"), conv(kefu.ChannelSDK, "s51", "5.1.2")
	send := func(c int64, typ, content string) error {
		f.clock.Advance(ComponentGap) // stay clear of the rate limit unless a case wants it
		_, err := f.eng.SendFromComponent(f.ctx, c, alice, comp.ID, typ, json.RawMessage(content))
		return err
	}
	product := `{"name":"Apple iPhone X","url":"/pages/product/detail","imgUrl":"https://img.example/x.jpg","params":[{"text":"¥6999.00","color":"#FF0000","fold":false,"break":false,"size":12},{"text":"Additional ¥30"}]}`
	card := `{"title":"title","pagepath":"pages/item?id=1","pic_url":"https://img.example/1.jpg"}`
	cases := []struct {
		name    string
		conv    int64
		typ     string
		content string
		code    string
	}{
		{"text everywhere (web)", web, "text", `"hello"`, ""},
		{"text everywhere (mini program)", mp, "text", `"hello"`, ""},
		{"rich on web", web, "rich", `"<p style='font-size:18px'>hello world</p>"`, ""},
		{"rich on mini program", mp, "rich", `"<a data-miniprogram-path='/path/navigate/to'>Jump</a>"`, ""},
		{"product on web", web, "product", product, ""},
		{"product on SDK 5.1", sdk51, "product", product, ""},
		{"product on SDK 5.0", sdk50, "product", product, kefu.ECHANNEL},
		{"product on mini program", mp, "product", product, kefu.ECHANNEL},
		{"card on mini program", mp, "miniprogrampage", card, ""},
		{"card on web", web, "miniprogrampage", card, kefu.ECHANNEL},
		{"card on SDK", sdk51, "miniprogrampage", card, kefu.ECHANNEL},
		{"card without title", mp, "miniprogrampage", `{"pagepath":"p","pic_url":"https://x.example/a.png"}`, kefu.EINVALID},
		{"card without pagepath", mp, "miniprogrampage", `{"title":"t","pic_url":"https://x.example/a.png"}`, kefu.EINVALID},
		{"card without image", mp, "miniprogrampage", `{"title":"t","pagepath":"p"}`, kefu.EINVALID},
		{"card with unknown media", mp, "miniprogrampage", `{"title":"t","pagepath":"p","thumb_media_id":"nope"}`, kefu.EINVALID},
		{"card with script url", mp, "miniprogrampage", `{"title":"t","pagepath":"p","pic_url":"javascript:alert(1)"}`, kefu.EINVALID},
		{"product colour", web, "product", `{"name":"x","params":[{"text":"a","color":"red;background:url(x)"}]}`, kefu.EINVALID},
		{"product size", web, "product", `{"name":"x","params":[{"text":"a","size":400}]}`, kefu.EINVALID},
		{"product url", web, "product", `{"name":"x","url":"javascript:alert(1)"}`, kefu.EINVALID},
		{"product without name", web, "product", `{"url":"https://x.example"}`, kefu.EINVALID},
		{"text that is not a string", web, "text", `{"a":1}`, kefu.EINVALID},
		{"unknown type", web, "video", `"x"`, kefu.EINVALID},
		{"rich that is only script", web, "rich", `"<script>alert(1)</script>"`, kefu.EINVALID},
	}
	for _, c := range cases {
		err := send(c.conv, c.typ, c.content)
		if kefu.ErrorCode(err) != c.code && !(c.code == "" && err == nil) {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
		}
		if c.code != "" && kefu.ErrorMessage(err) == "internal error" {
			t.Errorf("%s: the refusal must say why", c.name)
		}
	}

	// One message a second per component and conversation.
	f.clock.Advance(time.Second)
	if err := send(web, "text", `"one"`); err != nil {
		t.Fatal(err)
	}
	_, err := f.eng.SendFromComponent(f.ctx, web, alice, comp.ID, "text", json.RawMessage(`"two"`))
	if kefu.ErrorCode(err) != kefu.ERATE {
		t.Fatalf("second message within a second: %v, want rate_limited", err)
	}
	// … but not across conversations or components, and a refused message
	// does not use the second up.
	if _, err := f.eng.SendFromComponent(f.ctx, mp, alice, comp.ID, "text", json.RawMessage(`"elsewhere"`)); err != nil {
		t.Errorf("other conversation: %v", err)
	}
	if _, err := f.eng.SendFromComponent(f.ctx, web, alice, other.ID, "text", json.RawMessage(`"other component"`)); err != nil {
		t.Errorf("other component: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := f.eng.SendFromComponent(f.ctx, web, alice, comp.ID, "miniprogrampage", json.RawMessage(card)); kefu.ErrorCode(err) != kefu.ECHANNEL {
		t.Fatal(err)
	}
	if _, err := f.eng.SendFromComponent(f.ctx, web, alice, comp.ID, "text", json.RawMessage(`"after a refusal"`)); err != nil {
		t.Errorf("a refused message used up the second: %v", err)
	}

	// Visibility: disabled, or limited to another app.
	comp.Enabled = false
	f.eng.SaveComponent(f.ctx, comp)
	f.clock.Advance(time.Second)
	if err := send(web, "text", `"x"`); kefu.ErrorCode(err) != kefu.EFORBIDDEN {
		t.Errorf("disabled component: %v, want forbidden", err)
	}
	other.AppIDs = []string{"wx0000000000000000"}
	f.eng.SaveComponent(f.ctx, other)
	if _, err := f.eng.SendFromComponent(f.ctx, web, alice, other.ID, "text", json.RawMessage(`"x"`)); kefu.ErrorCode(err) != kefu.EFORBIDDEN {
		t.Errorf("component of another app: %v, want forbidden", err)
	}

	// What was sent carries the component as its source; rich on the mini
	// program channel became WeChat text with a mini program link.
	msgs, _ := f.store.Messages(f.ctx, mp, 0, 0, 0)
	var sawLink bool
	for _, m := range msgs {
		if m.Source == "component:"+strconv.FormatInt(comp.ID, 10) && m.Kind == kefu.KindText && m.Text.Content == `<a href="" data-miniprogram-path="/path/navigate/to">Jump</a>` {
			sawLink = true
		}
	}
	if !sawLink {
		t.Error("rich content for the mini program channel did not become a <a data-miniprogram-path> text")
	}
}

// ComponentGap keeps test sends apart by more than the rate limit.
const ComponentGap = kefu.ComponentRate
