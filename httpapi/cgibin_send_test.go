package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// TestCGISendWithSDK is a developer's real SDK against Kefu: a token, every
// kind of message, an uploaded image the customer can fetch, typing — and
// the customer sees it all live, and agents see it in the conversation.
func TestCGISendWithSDK(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app, _ := s.AppWithHook(kefu.PushSafe, kefu.PushJSON) // a developer server that answers every push
		s.Agent("alice", kefu.RoleAgent, app.ID)
		alice := s.SignIn("alice")

		user := s.Customer(app.ID, kefu.ChannelMiniProgram, "sdk-user")
		user.Connect(0)
		user.Wait("synced", func(c *kefutest.Customer) bool { return c.HasFrame("synced") })
		user.Say("hello")
		client := sdk(s, app)

		link := wechat.MiniProgramLink("see the order", "https://shop.example/order/1", app.ID, "pages/order?id=1")
		text := "Hi! " + link
		if err := client.SendText(ctx, user.OpenID, text); err != nil {
			t.Fatalf("send text: %v", err)
		}
		got := user.WaitMessage("the developer's text", func(m *kefutest.ClientMessage) bool {
			return m.Kind == kefu.KindText && m.Sender == kefu.SenderDeveloper
		})
		if got.Text.Content != text {
			t.Errorf("text arrived as %q, want %q (links kept as text)", got.Text.Content, text)
		}

		img := pngImage(3)
		info, err := client.UploadTempMedia(ctx, wechat.MediaTypeImage, "cat.png", bytes.NewReader(img))
		if err != nil {
			t.Fatalf("upload: %v", err)
		}
		if err := client.SendImage(ctx, user.OpenID, info.MediaID); err != nil {
			t.Fatalf("send image: %v", err)
		}
		gotImg := user.WaitMessage("the image", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindImage })
		if gotImg.Image.MediaID != info.MediaID {
			t.Errorf("image %+v, want media %s", gotImg.Image, info.MediaID)
		}
		resp, err := http.Get(s.URL + "/media/" + gotImg.Image.MediaID)
		if err != nil {
			t.Fatal(err)
		}
		fetched, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(fetched, img) {
			t.Errorf("the customer fetched HTTP %d, %d bytes; want the uploaded image", resp.StatusCode, len(fetched))
		}

		card := wechat.LinkContent{Title: "Spring sale", Description: "Everything -20%", URL: "https://shop.example/sale", ThumbURL: "https://shop.example/sale.png"}
		if err := client.SendLink(ctx, user.OpenID, card); err != nil {
			t.Fatalf("send link: %v", err)
		}
		gotLink := user.WaitMessage("the link", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindLink })
		if l := gotLink.Link; l.Title != card.Title || l.URL != card.URL || l.Description != card.Description || l.ThumbURL != card.ThumbURL {
			t.Errorf("link %+v, want %+v", l, card)
		}

		page := wechat.MiniProgramPageContent{Title: "Your order", PagePath: "pages/order?id=1", ThumbMediaID: info.MediaID}
		if err := client.SendMiniProgramPage(ctx, user.OpenID, page); err != nil {
			t.Fatalf("send miniprogrampage: %v", err)
		}
		gotPage := user.WaitMessage("the card", func(m *kefutest.ClientMessage) bool { return m.Kind == kefu.KindMiniProgramPage })
		if p := gotPage.MiniProgramPage; p.Title != page.Title || p.PagePath != page.PagePath || p.ThumbMediaID != page.ThumbMediaID || p.AppID != app.ID {
			t.Errorf("card %+v, want %+v", p, page)
		}

		if err := client.Typing(ctx, user.OpenID, true); err != nil {
			t.Fatalf("typing: %v", err)
		}
		user.Wait("the typing frame", func(c *kefutest.Customer) bool { return c.HasFrame("typing") })
		if err := client.Typing(ctx, user.OpenID, false); err != nil {
			t.Fatalf("cancel typing: %v", err)
		}

		// The fifth message of the 48-hour quota, on the business path.
		tok, _ := client.AccessToken(ctx)
		wantCode(t, "business/send", post(t, s, tok, "/cgi-bin/message/custom/business/send",
			wechat.CustomMessage{ToUser: user.OpenID, MsgType: "text", Text: &wechat.TextContent{Content: "fifth"}}), 0)
		if err := client.SendText(ctx, user.OpenID, "sixth"); wechat.ErrorCode(err) != wechat.CodeOutOfResponseCount {
			t.Errorf("sixth send: %v, want 45047", err)
		}

		// Agents see what the API sent, marked as the developer's.
		var fromAPI []kefu.Kind
		for _, m := range alice.Messages(convOf(t, s, user), 0) {
			if m.Sender == kefu.SenderDeveloper && m.Source == "api" {
				fromAPI = append(fromAPI, m.Kind)
			}
		}
		if fmt.Sprint(fromAPI) != "[text image link miniprogrampage text]" {
			t.Errorf("the desk sees developer messages %v", fromAPI)
		}
		if !strings.Contains(metrics(t, s), `kefu_messages_sent_total{sender="developer"} 5`) {
			t.Errorf("/metrics does not count 5 developer messages")
		}
	})
}

func metrics(t *testing.T, s *kefutest.Server) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestCGIQuota holds WeChat's reply quota exactly: 2 sends within a minute
// after the user enters, 5 within 48 hours after a user message, and each
// user action resets the count rather than adding to it.
func TestCGIQuota(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app, _ := s.AppWithHook(kefu.PushPlaintext, kefu.PushXML) // a developer server that answers every push
		user := s.Customer(app.ID, kefu.ChannelMiniProgram, "quota-user")
		client := sdk(s, app)
		send := func(text string) int {
			t.Helper()
			return wechat.ErrorCode(client.SendText(ctx, user.OpenID, text))
		}
		sendN := func(what string, n, thenCode int) {
			t.Helper()
			for i := range n {
				if c := send(fmt.Sprintf("%s %d", what, i+1)); c != 0 {
					t.Fatalf("%s: send %d of %d: errcode %d", what, i+1, n, c)
				}
			}
			if c := send(what + " one too many"); c != thenCode {
				t.Fatalf("%s: send %d: errcode %d, want %d", what, n+1, c, thenCode)
			}
		}

		sendN("before the user did anything", 0, wechat.CodeResponseOutOfTime)
		user.Enter("", nil)
		sendN("after entering", 2, wechat.CodeOutOfResponseCount)
		s.Clock.Advance(time.Minute)
		sendN("a minute after entering", 0, wechat.CodeResponseOutOfTime)

		user.Say("hello")
		sendN("after a message", 5, wechat.CodeOutOfResponseCount)
		// Entering again resets the count to 2, not 0+2 or 5+2, and keeps
		// the longer 48-hour window.
		user.Enter("", nil)
		sendN("entering after a message", 2, wechat.CodeOutOfResponseCount)
		s.Clock.Advance(2 * time.Minute)
		sendN("the count, not the window, is used up", 0, wechat.CodeOutOfResponseCount)
		// Two messages reset to 5, not 10.
		user.Say("one")
		user.Say("two")
		sendN("after two messages", 5, wechat.CodeOutOfResponseCount)

		user.Say("last words")
		s.Clock.Advance(48*time.Hour - time.Millisecond)
		if c := send("in the last millisecond of 48 hours"); c != 0 {
			t.Fatalf("send in the last millisecond of the window: errcode %d", c)
		}
		s.Clock.Advance(time.Millisecond)
		sendN("after 48 hours", 0, wechat.CodeResponseOutOfTime)

		// Refused sends stored nothing: only the 2+5+2+5+1 accepted ones.
		var developer int
		for _, m := range user.History(0) {
			if m.Sender == kefu.SenderDeveloper {
				developer++
			}
		}
		if developer != 15 {
			t.Errorf("%d developer messages stored, want 15", developer)
		}
	})
}

// TestCGISendErrors gives every bad send its exact errcode, and stores
// nothing for any of them.
func TestCGISendErrors(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	other := s.App("", "", "")
	tok := mustToken(t, s, app)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "errors-user")
	webUser := s.Customer(app.ID, kefu.ChannelWeb, "errors-web-user")
	stranger := s.Customer(other.ID, kefu.ChannelMiniProgram, "stranger")
	user.Say("hello")
	webUser.Say("hello")
	media := uploadRaw(t, s, tok, "image", "a.png", pngImage(1)).MediaID
	othersMedia := uploadRaw(t, s, mustToken(t, s, other), "image", "a.png", pngImage(2)).MediaID
	before := messageCount(t, s, convOf(t, s, user)) + messageCount(t, s, convOf(t, s, webUser))

	to := user.OpenID
	text := func(c string) map[string]any {
		return map[string]any{"touser": to, "msgtype": "text", "text": map[string]any{"content": c}}
	}
	cases := []struct {
		name string
		body any
		want int
	}{
		{"empty body", []byte(""), wechat.CodeEmptyPostData},
		{"blank body", []byte(" \n "), wechat.CodeEmptyPostData},
		{"not JSON", []byte("touser=o1&msgtype=text"), wechat.CodeDataFormatError},
		{"truncated JSON", []byte(`{"touser":"` + to + `","msgtype":"text","text":{"content":"hi"`), wechat.CodeDataFormatError},
		{"touser a number", []byte(`{"touser":5,"msgtype":"text","text":{"content":"hi"}}`), wechat.CodeDataFormatError},
		{"text a string", []byte(`{"touser":"` + to + `","msgtype":"text","text":"hi"}`), wechat.CodeDataFormatError},
		{"two JSON values", []byte(`{"touser":"` + to + `"} {}`), wechat.CodeDataFormatError},
		{"body over the limit", text(strings.Repeat("长", 70<<10/3)), 45002},
		{"text over 2048 characters", text(strings.Repeat("a", kefu.MaxTextRunes+1)), 45002},
		{"empty text", text(""), wechat.CodeDataFormatError},
		{"no text", map[string]any{"touser": to, "msgtype": "text"}, wechat.CodeDataFormatError},
		{"unknown msgtype", map[string]any{"touser": to, "msgtype": "voice", "voice": map[string]any{"media_id": media}}, wechat.CodeInvalidMessageType},
		{"no msgtype", map[string]any{"touser": to, "text": map[string]any{"content": "hi"}}, wechat.CodeInvalidMessageType},
		{"no touser", map[string]any{"msgtype": "text", "text": map[string]any{"content": "hi"}}, wechat.CodeInvalidOpenID},
		{"unknown touser", map[string]any{"touser": "o_nobody_of_this_mini_program", "msgtype": "text", "text": map[string]any{"content": "hi"}}, wechat.CodeInvalidOpenID},
		{"another app's user", map[string]any{"touser": stranger.OpenID, "msgtype": "text", "text": map[string]any{"content": "hi"}}, wechat.CodeInvalidOpenID},
		{"unknown media", map[string]any{"touser": to, "msgtype": "image", "image": map[string]any{"media_id": "nope"}}, wechat.CodeInvalidMediaID},
		{"another app's media", map[string]any{"touser": to, "msgtype": "image", "image": map[string]any{"media_id": othersMedia}}, wechat.CodeInvalidMediaID},
		{"no media_id", map[string]any{"touser": to, "msgtype": "image", "image": map[string]any{}}, wechat.CodeDataFormatError},
		{"card with unknown thumb", map[string]any{"touser": to, "msgtype": "miniprogrampage",
			"miniprogrampage": map[string]any{"title": "t", "pagepath": "pages/a", "thumb_media_id": "nope"}}, wechat.CodeInvalidMediaID},
		{"card without thumb", map[string]any{"touser": to, "msgtype": "miniprogrampage",
			"miniprogrampage": map[string]any{"title": "t", "pagepath": "pages/a"}}, wechat.CodeDataFormatError},
		{"card title too long", map[string]any{"touser": to, "msgtype": "miniprogrampage",
			"miniprogrampage": map[string]any{"title": strings.Repeat("t", 65), "pagepath": "pages/a", "thumb_media_id": media}}, 45002},
		{"card to a web page", map[string]any{"touser": webUser.OpenID, "msgtype": "miniprogrampage",
			"miniprogrampage": map[string]any{"title": "t", "pagepath": "pages/a", "thumb_media_id": media}}, wechat.CodeInvalidSendType},
		{"link to javascript:", map[string]any{"touser": to, "msgtype": "link",
			"link": map[string]any{"title": "t", "url": "javascript:alert(1)"}}, wechat.CodeDataFormatError},
		{"link to ftp", map[string]any{"touser": to, "msgtype": "link",
			"link": map[string]any{"title": "t", "url": "ftp://shop.example/a"}}, wechat.CodeDataFormatError},
		{"link thumb not http", map[string]any{"touser": to, "msgtype": "link",
			"link": map[string]any{"title": "t", "url": "https://shop.example", "thumb_url": "data:image/png;base64,AAAA"}}, wechat.CodeDataFormatError},
		{"link without title", map[string]any{"touser": to, "msgtype": "link",
			"link": map[string]any{"url": "https://shop.example"}}, wechat.CodeDataFormatError},
	}
	for _, path := range []string{"/cgi-bin/message/custom/send", "/cgi-bin/message/custom/business/send"} {
		for _, tc := range cases {
			wantCode(t, path+": "+tc.name, post(t, s, tok, path, tc.body), tc.want)
		}
	}
	if after := messageCount(t, s, convOf(t, s, user)) + messageCount(t, s, convOf(t, s, webUser)); after != before {
		t.Errorf("refused sends stored %d messages", after-before)
	}
	// The server still works.
	wantCode(t, "a good send after all that", post(t, s, tok, "/cgi-bin/message/custom/send", text("fine")), 0)
}

// TestCGITyping holds the typing rules: only within 30 seconds of the
// user's last message, not twice, and only the two commands.
func TestCGITyping(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", "", "")
	tok := mustToken(t, s, app)
	user := s.Customer(app.ID, kefu.ChannelMiniProgram, "typing-user")
	user.Connect(0)
	typing := func(path, to, command string) int {
		t.Helper()
		return post(t, s, tok, path, wechat.TypingRequest{ToUser: to, Command: command}).code()
	}
	const path, business = "/cgi-bin/message/custom/typing", "/cgi-bin/message/custom/business/typing"

	if c := typing(path, user.OpenID, "Typing"); c != wechat.CodeTypingNoExchange {
		t.Errorf("typing before any message: errcode %d, want 45080", c)
	}
	user.Say("hello")
	if c := typing(path, user.OpenID, "Typing"); c != 0 {
		t.Fatalf("typing: errcode %d", c)
	}
	user.Wait("typing on", func(c *kefutest.Customer) bool { return c.HasFrame("typing") })
	if c := typing(business, user.OpenID, "Typing"); c != wechat.CodeTypingAlready {
		t.Errorf("typing twice: errcode %d, want 45081", c)
	}
	if c := typing(business, user.OpenID, "CancelTyping"); c != 0 {
		t.Errorf("cancel: errcode %d", c)
	}
	if c := typing(path, user.OpenID, "typing"); c != wechat.CodeInvalidTypingCommand {
		t.Errorf("command typing: errcode %d, want 45072", c)
	}
	if c := typing(path, user.OpenID, ""); c != wechat.CodeInvalidTypingCommand {
		t.Errorf("no command: errcode %d, want 45072", c)
	}
	if c := typing(path, "o_nobody", "Typing"); c != wechat.CodeInvalidOpenID {
		t.Errorf("unknown touser: errcode %d, want 40003", c)
	}
	wantCode(t, "empty typing body", post(t, s, tok, path, []byte("")), wechat.CodeEmptyPostData)
	wantCode(t, "typing body not JSON", post(t, s, tok, path, []byte("<xml/>")), wechat.CodeDataFormatError)
	s.Clock.Advance(30 * time.Second)
	if c := typing(path, user.OpenID, "Typing"); c != 0 {
		t.Errorf("typing 30 s after the message: errcode %d", c)
	}
	typing(path, user.OpenID, "CancelTyping")
	s.Clock.Advance(time.Millisecond)
	if c := typing(path, user.OpenID, "Typing"); c != wechat.CodeTypingNoExchange {
		t.Errorf("typing more than 30 s after the message: errcode %d, want 45080", c)
	}
}
