package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/client"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// TestClientStory is an app's whole conversation through the Go client:
// identify, enter (the developer gets the event), talk to the developer's
// hook, ask for a human, wait in the queue, talk to the agent both ways with
// text, an image and a card, typing and read markers — and the history.
func TestClientStory(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app, hook := s.AppWithHook(kefu.PushSafe, kefu.PushJSON)
	hook.OnPush(kefutest.TransferOn("human please"))
	alice := s.OnlineAgent("alice", app.ID)

	ctx := testContext(t)
	c := client.New(s.URL, app.ID, client.WithSDK("5.1"))
	sess, err := c.Identify(ctx, client.Identity{VisitorID: "device-0123456789abcdef", Name: "Lin"})
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token == "" || sess.OpenID == "" || sess.Channel != kefu.ChannelSDK {
		t.Fatalf("session %+v", sess)
	}
	events := collect(ctx, c.Connect(ctx, 0))
	events.wait(t, "synced", func(ev client.Event) bool { return ev.Type == client.EventSynced })

	card := &client.Card{Title: "Order 42", Path: "/pages/order?id=42", Img: "https://shop.example/42.png"}
	if _, err := c.Enter(ctx, "order-42", card); err != nil {
		t.Fatal(err)
	}
	p := hook.WaitPushes(1)[0]
	if p.Message == nil || p.Message.Event != wechat.EventUserEnterTempSession || p.Message.SessionFrom != "order-42" || p.Message.FromUserName != sess.OpenID {
		t.Fatalf("enter push: %+v %v", p.Message, p.Err)
	}

	hello, err := c.SendText(ctx, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if p := hook.WaitPushes(2)[1]; p.Message.Content != "hello" {
		t.Fatalf("push %+v", p.Message)
	}
	// Sending again with the same client message id stores nothing new.
	again, err := c.Send(ctx, &client.Outgoing{ClientMsgID: hello.ClientMsgID, Kind: kefu.KindText, Text: &kefu.Text{Content: "hello"}})
	if err != nil || again.ID != hello.ID {
		t.Fatalf("resend: %+v %v, want message %d", again, err, hello.ID)
	}

	if _, err := c.SendText(ctx, "human please"); err != nil {
		t.Fatal(err)
	}
	events.wait(t, "queued", func(ev client.Event) bool {
		return ev.Type == client.EventState && ev.State.State == kefu.StateQueued && ev.State.QueuePosition == 1
	})
	conv := alice.WaitEvent("queued", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	alice.Accept(conv)
	events.wait(t, "active with alice", func(ev client.Event) bool {
		return ev.Type == client.EventState && ev.State.State == kefu.StateActive && ev.State.Agent != nil && ev.State.Agent.Name == "alice"
	})

	alice.Say(conv, "Hi Lin, how can I help?")
	events.wait(t, "alice's message", func(ev client.Event) bool {
		return ev.Type == client.EventMessage && ev.Message.Sender == kefu.SenderAgent && ev.Message.AgentName == "alice" &&
			ev.Message.Text.Content == "Hi Lin, how can I help?"
	})

	m, err := c.Upload(ctx, "photo.png", bytes.NewReader(pngBytes()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendImage(ctx, m.MediaID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendCard(ctx, &kefu.MiniProgramPage{Title: "Order 42", PagePath: "/pages/order?id=42", ThumbMediaID: m.MediaID}); err != nil {
		t.Fatal(err)
	}
	alice.WaitEvent("the card", func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message.Kind == kefu.KindMiniProgramPage && ev.Message.MiniProgramPage.PagePath == "/pages/order?id=42"
	})
	// Cards may only show the customer's own uploads or web images.
	_, err = c.SendCard(ctx, &kefu.MiniProgramPage{Title: "x", PagePath: "/p", ThumbURL: "javascript:alert(1)"})
	if client.ErrorCode(err) != kefu.EINVALID {
		t.Fatalf("a javascript: thumb_url was not refused: %v", err)
	}

	if err := c.Typing(ctx, true); err != nil {
		t.Fatal(err)
	}
	alice.WaitEvent("the customer typing", func(ev *engine.Event) bool {
		return ev.Type == engine.EventTyping && ev.Typing.Who == kefu.SenderUser && ev.Typing.On
	})
	alice.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/typing", conv), map[string]bool{"on": true}, nil)
	events.wait(t, "alice typing", func(ev client.Event) bool {
		return ev.Type == client.EventTyping && ev.Typing.Who == kefu.SenderAgent && ev.Typing.On
	})

	msgs, last, err := c.History(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range msgs {
		kinds = append(kinds, string(m.Sender)+":"+string(m.Kind))
	}
	want := "user:text user:text system:notice agent:text user:image user:miniprogrampage"
	if !strings.Contains(strings.Join(kinds, " "), want) {
		t.Fatalf("history %v, want it to contain %s", kinds, want)
	}
	if err := c.Read(ctx, last, last); err != nil {
		t.Fatal(err)
	}
	if st, err := c.GetState(ctx); err != nil || st.ReadSeq != last {
		t.Fatalf("state after read: %+v %v, want read_seq %d", st, err, last)
	}
	events.noDuplicates(t)
}

// TestClientResume cuts the connection, lets the agent write meanwhile and
// checks that the reconnected client gets every message exactly once.
func TestClientResume(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON) // no push URL: straight to the queue
	bob := s.OnlineAgent("bob", app.ID)

	ctx := testContext(t)
	net := &cuttable{}
	c := client.New(s.URL, app.ID, client.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: net.dial}}))
	if _, err := c.Identify(ctx, client.Visitor("resume-0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SendText(ctx, "anyone there?"); err != nil {
		t.Fatal(err)
	}
	conv := bob.WaitEvent("queued", func(ev *engine.Event) bool {
		return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued
	}).ConversationID
	bob.Accept(conv)
	events := collect(ctx, c.Connect(ctx, 0))
	events.wait(t, "synced", func(ev client.Event) bool { return ev.Type == client.EventSynced })
	bob.Say(conv, "before")
	events.wait(t, "before", hasText("before"))

	net.cut() // the network goes away and stays away
	events.wait(t, "disconnected", func(ev client.Event) bool { return ev.Type == client.EventDisconnected })
	for i := range 5 {
		bob.Say(conv, fmt.Sprintf("while away %d", i))
	}
	net.restore()
	events.wait(t, "the last message sent while away", hasText("while away 4"))
	bob.Say(conv, "after")
	events.wait(t, "after", hasText("after"))

	var got []string
	for _, ev := range events.all() {
		if ev.Type == client.EventMessage && ev.Message.Sender == kefu.SenderAgent && ev.Message.Kind == kefu.KindText {
			got = append(got, ev.Message.Text.Content)
		}
	}
	want := "before|while away 0|while away 1|while away 2|while away 3|while away 4|after"
	if strings.Join(got, "|") != want {
		t.Fatalf("agent messages %q, want %q", strings.Join(got, "|"), want)
	}
	events.noDuplicates(t)
}

// TestClientIdentity: a signed user sees the same conversation from every
// device; forged and expired signatures are refused with a clear message.
func TestClientIdentity(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	stored, err := s.Store.App(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	secret := stored.IdentitySecret
	ctx := testContext(t)

	if got, want := client.Sign("k", "wxapp", "u1", 1700000000), edge.IdentitySignature("k", "wxapp", "u1", 1700000000); got != want {
		t.Fatalf("client.Sign = %s, the server computes %s", got, want)
	}

	phone := client.New(s.URL, app.ID, client.WithChannel(kefu.ChannelWeb))
	if _, err := phone.Identify(ctx, client.SignedUser(secret, app.ID, "user-1001")); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.SendText(ctx, "sent from my phone"); err != nil {
		t.Fatal(err)
	}
	laptop := client.New(s.URL, app.ID, client.WithChannel(kefu.ChannelWeb))
	if _, err := laptop.Identify(ctx, client.SignedUser(secret, app.ID, "user-1001")); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := laptop.History(ctx, 0, 50)
	if err != nil || len(msgs) == 0 || msgs[0].Text == nil || msgs[0].Text.Content != "sent from my phone" {
		t.Fatalf("the laptop does not see the phone's message: %+v %v", msgs, err)
	}

	now := s.Clock.Now().Unix()
	for _, tc := range []struct {
		name string
		id   client.Identity
		want string
	}{
		{"forged", client.Identity{UserID: "user-1001", Timestamp: now, Signature: client.Sign("wrong secret", app.ID, "user-1001", now)}, "not valid"},
		{"another user's signature", client.Identity{UserID: "user-1002", Timestamp: now, Signature: client.Sign(secret, app.ID, "user-1001", now)}, "not valid"},
		{"expired", client.Identity{UserID: "user-1001", Timestamp: now - 3600, Signature: client.Sign(secret, app.ID, "user-1001", now-3600)}, "expired"},
	} {
		_, err := client.New(s.URL, app.ID).Identify(ctx, tc.id)
		var e *client.Error
		if !errors.As(err, &e) || e.Status != http.StatusUnauthorized || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %v, want 401 saying %q", tc.name, err, tc.want)
		}
	}
}

// TestClientSDKVersion: product messages reach SDK customers from 5.1 on.
func TestClientSDKVersion(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	carol := s.OnlineAgent("carol", app.ID)
	ctx := testContext(t)
	product := map[string]any{"kind": "product", "product": map[string]any{"name": "Phone", "url": "/pages/item?id=1",
		"params": []map[string]any{{"text": "¥6999.00", "color": "#FF0000"}}}}
	accepted := map[int64]bool{}
	for _, tc := range []struct {
		version string
		status  int
	}{{"5.0", http.StatusBadRequest}, {"5.1", http.StatusCreated}, {"6", http.StatusCreated}} {
		c := client.New(s.URL, app.ID, client.WithSDK(tc.version))
		if _, err := c.Identify(ctx, client.Visitor("sdk-"+tc.version+"-0123456789abcdef")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.SendText(ctx, "hi"); err != nil {
			t.Fatal(err)
		}
		conv := carol.WaitEvent("queued "+tc.version, func(ev *engine.Event) bool {
			return ev.Conversation != nil && ev.Conversation.State == kefu.StateQueued && ev.Conversation.LastSeq > 0 &&
				!accepted[ev.ConversationID]
		}).ConversationID
		accepted[conv] = true
		carol.Accept(conv)
		var out struct {
			Error struct{ Code string } `json:"error"`
		}
		if st := carol.Do("POST", fmt.Sprintf("/api/desk/conversations/%d/messages", conv), product, &out); st != tc.status {
			t.Fatalf("product to SDK %s: HTTP %d (%s), want %d", tc.version, st, out.Error.Code, tc.status)
		}
		if tc.status != http.StatusCreated {
			if out.Error.Code != kefu.ECHANNEL {
				t.Errorf("SDK %s: error %q, want %q", tc.version, out.Error.Code, kefu.ECHANNEL)
			}
			continue
		}
		msgs, _, err := c.History(ctx, 0, 50)
		if err != nil || msgs[len(msgs)-1].Product == nil || msgs[len(msgs)-1].Product.Params[0].Text != "¥6999.00" {
			t.Fatalf("SDK %s history: %+v %v", tc.version, msgs, err)
		}
	}
}

// --- helpers ------------------------------------------------------------------

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// recorder keeps the events of a Connect.
type recorder struct {
	mu      sync.Mutex
	events  []client.Event
	changed chan struct{}
}

func collect(ctx context.Context, ch <-chan client.Event) *recorder {
	r := &recorder{changed: make(chan struct{}, 1)}
	go func() {
		for ev := range ch {
			r.mu.Lock()
			r.events = append(r.events, ev)
			r.mu.Unlock()
			select {
			case r.changed <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

func (r *recorder) all() []client.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]client.Event(nil), r.events...)
}

func (r *recorder) wait(t *testing.T, what string, pred func(client.Event) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, ev := range r.all() {
			if pred(ev) {
				return
			}
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; events: %v", what, r.types())
		}
	}
}

func (r *recorder) types() []string {
	var out []string
	for _, ev := range r.all() {
		out = append(out, string(ev.Type))
	}
	return out
}

// noDuplicates checks that messages came once each, in order.
func (r *recorder) noDuplicates(t *testing.T) {
	t.Helper()
	var last int64
	for _, ev := range r.all() {
		if ev.Type != client.EventMessage {
			continue
		}
		if ev.Message.Seq <= last {
			t.Fatalf("message seq %d delivered after %d: duplicated or out of order", ev.Message.Seq, last)
		}
		last = ev.Message.Seq
	}
}

func hasText(s string) func(client.Event) bool {
	return func(ev client.Event) bool {
		return ev.Type == client.EventMessage && ev.Message.Text != nil && ev.Message.Text.Content == s
	}
}

// cuttable is a network the test can take away: cut closes every
// connection and refuses new ones until restore.
type cuttable struct {
	mu    sync.Mutex
	down  bool
	conns []net.Conn
}

func (n *cuttable) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.down {
		return nil, errors.New("network is down")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err == nil {
		n.conns = append(n.conns, c)
	}
	return c, err
}

func (n *cuttable) cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.down = true
	for _, c := range n.conns {
		c.Close()
	}
	n.conns = nil
}

func (n *cuttable) restore() {
	n.mu.Lock()
	n.down = false
	n.mu.Unlock()
}

func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 0, 0, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// TestSignVector is the example in docs/client-api.md.
func TestSignVector(t *testing.T) {
	if got := client.Sign("k", "wxapp", "u1", 1700000000); got != "c0318a8d08e04e6b993e5fbff82eac530f93737366685a1d4fb42f3aa494f360" {
		t.Fatalf("Sign = %s", got)
	}
}
