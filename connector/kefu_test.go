package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// pair is Kefu in front of Kefu: A plays WeChat for a mini program whose
// push URL is B's /connect/{appid}; B is connected to it (its upstream is
// A) and relays to the developer's backend (hook), which hands customers
// to B's agents.
type pair struct {
	a, b   *kefutest.Server
	appID  string
	secret string
	hook   *kefutest.Hook
}

func newPair(t *testing.T, mode kefu.PushMode, format kefu.PushFormat) *pair {
	t.Helper()
	ctx := context.Background()
	p := &pair{a: kefutest.NewServer(t, kefutest.Options{}), b: kefutest.NewServer(t, kefutest.Options{}), hook: kefutest.NewHook(t)}
	p.appID, p.secret = "wx"+engine.NewAlnum(16), engine.NewSecret(16)
	gh := "gh_" + engine.NewAlnum(12)
	key := ""
	if mode != kefu.PushPlaintext {
		key = engine.NewAlnum(43)
	}
	// B first: A's handshake runs against it when A saves the push URL.
	// AllowPrivate: B's hook and its WeChat (node A) are both on loopback.
	bApp := &kefu.App{ID: p.appID, OriginalID: gh, Name: "Real Shop", Secret: p.secret,
		Push:     kefu.PushConfig{URL: p.hook.URL, Token: "testtoken", EncodingAESKey: engine.NewAlnum(43), Mode: kefu.PushSafe, Format: kefu.PushJSON, AllowPrivate: true},
		Upstream: &kefu.Upstream{BaseURL: p.a.URL, Token: "consoletoken", EncodingAESKey: key, Mode: mode, Format: format}}
	if err := p.b.Engine.CreateApp(ctx, bApp); err != nil {
		t.Fatalf("B: create connected app: %v", err)
	}
	p.hook.Configure(bApp)
	p.hook.OnPush(kefutest.TransferOn("人工"))
	aApp := &kefu.App{ID: p.appID, OriginalID: gh, Name: "Real Shop", Secret: p.secret,
		Push: kefu.PushConfig{URL: connector.URL(p.b.URL, p.appID), Token: "consoletoken", EncodingAESKey: key, Mode: mode, Format: format, AllowPrivate: true}}
	if err := p.a.Engine.CreateApp(ctx, aApp); err != nil {
		t.Fatalf("A: set B as the push URL (handshake): %v", err)
	}
	return p
}

// bConversation waits until B knows the customer of openid and returns
// their conversation.
func (p *pair) bConversation(t *testing.T, openID string) *kefu.Conversation {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if cust, err := p.b.Store.CustomerByOpenID(ctx, p.appID, openID); err == nil {
			if c, err := p.b.Store.ConversationByCustomer(ctx, cust.ID); err == nil {
				return c
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("B never heard of %s", openID)
		}
		p.hook.WaitPushes(len(p.hook.Pushes()) + 1)
	}
}

// waitPush waits for the relay to receive a push matching pred.
func (p *pair) waitPush(t *testing.T, what string, pred func(m *wechat.Message) bool) *kefutest.Push {
	t.Helper()
	for n := 1; ; n++ {
		for _, ps := range p.hook.WaitPushes(n) {
			if ps.Message != nil && pred(ps.Message) {
				return ps
			}
		}
		if n > 200 {
			t.Fatalf("the relay never got %s", what)
		}
	}
}

func testPNG(t *testing.T, c color.Color) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for x := range 3 {
		for y := range 2 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func deskUpload(t *testing.T, d *kefutest.Desk, s *kefutest.Server, appID string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", "agent.png")
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", s.URL+"/api/desk/media?appid="+appID, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-CSRF-Token", d.CSRF)
	resp, err := d.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		MediaID string `json:"media_id"`
	}
	if err := jsonDecode(resp.Body, &out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("desk upload: HTTP %d (%v)", resp.StatusCode, err)
	}
	return out.MediaID
}

func mediaBytes(t *testing.T, s *kefutest.Server, id string) []byte {
	t.Helper()
	md, err := s.Store.Media(context.Background(), id)
	if err != nil {
		t.Fatalf("media %s: %v", id, err)
	}
	return md.Data
}

// TestKefuInFrontOfKefu runs a whole story through two real Kefu nodes over
// HTTP, for every mode and format of WeChat's console: the user writes in
// A (WeChat); B receives, relays to the developer, who transfers; an agent
// of B accepts and answers with text, an image and a card, which reach the
// user through A's send API; the user's image and card reach the agent;
// typing shows; closing returns the customer to the developer, whose own
// /cgi-bin reply through B reaches the user too; and the 30-minute rule
// ends a forgotten session.
func TestKefuInFrontOfKefu(t *testing.T) {
	for _, mode := range []kefu.PushMode{kefu.PushPlaintext, kefu.PushCompatible, kefu.PushSafe} {
		for _, format := range []kefu.PushFormat{kefu.PushXML, kefu.PushJSON} {
			t.Run(string(mode)+"-"+string(format), func(t *testing.T) { kefuInFrontOfKefu(t, mode, format) })
		}
	}
}

func kefuInFrontOfKefu(t *testing.T, mode kefu.PushMode, format kefu.PushFormat) {
	ctx := context.Background()
	p := newPair(t, mode, format)
	user := p.a.Customer(p.appID, kefu.ChannelMiniProgram, "alice")
	user.Connect(0)

	// Opening the chat: the event reaches the developer through B, never agents.
	user.Enter("card:42", nil)
	p.waitPush(t, "user_enter_tempsession", func(m *wechat.Message) bool {
		return m.MsgType == wechat.MsgTypeEvent && m.Event == wechat.EventUserEnterTempSession && m.SessionFrom == "card:42" && m.FromUserName == user.OpenID
	})
	user.Say("人工")
	p.waitPush(t, "the user's text", func(m *wechat.Message) bool { return m.Content == "人工" })
	conv := p.bConversation(t, user.OpenID)

	agent := p.b.OnlineAgent("ann", p.appID)
	waitState(t, p.b, p.appID, conv.ID, kefu.StateQueued)
	agent.Accept(conv.ID)

	// The agent answers: text, an image and a card, in this order.
	agent.Say(conv.ID, "您好，我是 Ann")
	pic := testPNG(t, color.RGBA{200, 10, 10, 255})
	picID := deskUpload(t, agent, p.b, p.appID, pic)
	agent.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv.ID),
		map[string]any{"client_msg_id": "img1", "kind": "image", "image": map[string]string{"media_id": picID}}, nil)
	thumb := testPNG(t, color.RGBA{10, 200, 10, 255})
	thumbID := deskUpload(t, agent, p.b, p.appID, thumb)
	if st := agent.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv.ID), map[string]any{"client_msg_id": "card1",
		"kind": "miniprogrampage", "miniprogrampage": map[string]string{"title": "订单 42", "pagepath": "pages/order?id=42", "thumb_media_id": thumbID}}, nil); st != http.StatusCreated {
		t.Fatalf("agent card: HTTP %d", st)
	}
	user.Wait("the agent's three messages", func(c *kefutest.Customer) bool { return len(fromKefuB(c)) >= 3 })
	got := fromKefuB(user)
	if got[0].Kind != kefu.KindText || got[0].Text.Content != "您好，我是 Ann" || got[1].Kind != kefu.KindImage || got[2].Kind != kefu.KindMiniProgramPage {
		t.Fatalf("the user got %s, want text, image, card in order", kinds(got))
	}
	if !bytes.Equal(mediaBytes(t, p.a, got[1].Image.MediaID), pic) {
		t.Error("the image the user got is not the agent's")
	}
	if c := got[2].MiniProgramPage; c.Title != "订单 42" || c.PagePath != "pages/order?id=42" || !bytes.Equal(mediaBytes(t, p.a, c.ThumbMediaID), thumb) {
		t.Errorf("the card the user got is %+v", c)
	}
	for _, m := range agent.Messages(conv.ID, 0) {
		if m.Sender == kefu.SenderAgent && (m.Upstream == nil || m.Upstream.State != kefu.UpstreamSent) {
			waitUpstream(t, p.b, p.appID, m.ID, kefu.UpstreamSent)
		}
	}

	// The user's image and card reach the agent, kept in B's media store.
	upic := testPNG(t, color.RGBA{10, 10, 200, 255})
	uthumb := testPNG(t, color.RGBA{90, 90, 90, 255})
	user.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": "u-img", "kind": "image",
		"image": map[string]string{"media_id": user.Upload("me.png", upic)}}, nil)
	user.Do("POST", "/api/client/messages", map[string]any{"client_msg_id": "u-card", "kind": "miniprogrampage",
		"miniprogrampage": map[string]string{"title": "这个商品", "pagepath": "pages/item?id=7", "thumb_media_id": user.Upload("t.png", uthumb)}}, nil)
	card := agent.WaitEvent("the user's card", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message != nil && ev.Message.Kind == kefu.KindMiniProgramPage && ev.Message.Sender == kefu.SenderUser
	}).Message
	if card.MiniProgramPage.Title != "这个商品" || card.MiniProgramPage.PagePath != "pages/item?id=7" || !bytes.Equal(mediaBytes(t, p.b, card.MiniProgramPage.ThumbMediaID), uthumb) {
		t.Errorf("the agent got the card %+v", card.MiniProgramPage)
	}
	var img *kefu.Message
	for _, m := range agent.Messages(conv.ID, 0) {
		if m.Kind == kefu.KindImage && m.Sender == kefu.SenderUser {
			img = m
		}
	}
	if img == nil || !bytes.Equal(mediaBytes(t, p.b, img.Image.MediaID), upic) {
		t.Fatal("the user's image did not reach the agent as sent")
	}
	for _, ps := range p.hook.Pushes() {
		if ps.Message != nil && ps.Message.MsgType == wechat.MsgTypeImage {
			t.Error("a message of an active session was relayed to the developer")
		}
	}

	// Typing shows to the user in WeChat.
	if st := agent.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/typing", conv.ID), map[string]bool{"on": true}, nil); st != http.StatusNoContent {
		t.Fatalf("typing: HTTP %d", st)
	}
	user.Wait("the agent typing", func(c *kefutest.Customer) bool { return c.HasFrame("typing") })

	// Closing returns the user to the developer: the next message is relayed,
	// and the developer's own answer through B's /cgi-bin reaches the user.
	agent.Close(conv.ID)
	user.Say("还在吗")
	ps := p.waitPush(t, "the message after the close", func(m *wechat.Message) bool { return m.Content == "还在吗" })
	bot := wechat.NewClient(p.appID, p.secret, wechat.WithBaseURL(p.b.URL), wechat.WithStableToken())
	if err := bot.SendText(ctx, ps.Message.FromUserName, "机器人：在的"); err != nil {
		t.Fatalf("the developer's send through B: %v", err)
	}
	user.WaitMessage("the developer's reply", func(m *kefutest.ClientMessage) bool { return m.Text != nil && m.Text.Content == "机器人：在的" })
	botMsg := lastMessage(t, p.b, conv.ID)
	if botMsg.Sender != kefu.SenderDeveloper || botMsg.Text == nil || botMsg.Text.Content != "机器人：在的" {
		t.Errorf("agents see the developer's reply as %+v", botMsg)
	}

	// A second session, forgotten: the 30-minute rule (both clocks move,
	// as real time would) hands the user back to the developer.
	user.Say("人工")
	waitState(t, p.b, p.appID, conv.ID, kefu.StateQueued)
	agent.Accept(conv.ID)
	p.a.Clock.Advance(31 * time.Minute)
	p.b.Clock.Advance(31 * time.Minute)
	waitState(t, p.b, p.appID, conv.ID, kefu.StateDeveloper)
	user.Say("过了半小时")
	p.waitPush(t, "the message after the timeout", func(m *wechat.Message) bool { return m.Content == "过了半小时" })
}

// fromKefuB lists what the user received from B (as A's developer).
func fromKefuB(c *kefutest.Customer) []*kefutest.ClientMessage {
	var out []*kefutest.ClientMessage
	for _, m := range c.Received() {
		if m.Sender == kefu.SenderDeveloper {
			out = append(out, m)
		}
	}
	return out
}

func kinds(ms []*kefutest.ClientMessage) string {
	var s []string
	for _, m := range ms {
		s = append(s, string(m.Kind))
	}
	return strings.Join(s, ", ")
}

func lastMessage(t *testing.T, s *kefutest.Server, convID int64) *kefu.Message {
	t.Helper()
	ms, err := s.Store.Messages(context.Background(), convID, 0, 0, 1000)
	if err != nil || len(ms) == 0 {
		t.Fatalf("messages: %v", err)
	}
	return ms[len(ms)-1]
}

// waitUpstream waits until a message's delivery to WeChat reaches state.
func waitUpstream(t *testing.T, s *kefutest.Server, appID string, id int64, state kefu.UpstreamState) *kefu.Message {
	t.Helper()
	var m *kefu.Message
	waitFor(t, s, appID, fmt.Sprintf("message %d %s upstream", id, state), func() bool {
		var err error
		m, err = s.Store.Message(context.Background(), id)
		return err == nil && m.Upstream != nil && m.Upstream.State == state
	})
	return m
}

// waitState waits until a conversation of B is in state.
func waitState(t *testing.T, s *kefutest.Server, appID string, convID int64, state kefu.State) {
	t.Helper()
	waitFor(t, s, appID, "conversation "+string(state), func() bool {
		c, err := s.Store.Conversation(context.Background(), convID)
		return err == nil && c.State == state
	})
}

// waitFor waits until cond holds, looking again after every change the
// engine publishes for the app.
func waitFor(t *testing.T, s *kefutest.Server, appID, what string, cond func() bool) {
	t.Helper()
	changed := make(chan struct{}, 1)
	cancel, err := s.Bus.Subscribe(engine.AppTopic(appID), func([]byte, any) {
		select {
		case changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	deadline := time.After(30 * time.Second)
	for !cond() {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func jsonDecode(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }
