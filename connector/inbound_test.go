package connector_test

import (
	"bytes"
	"context"
	"errors"
	"image/color"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/connector"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// connectedServer is a Kefu with a connected app and no relay.
func connectedServer(t *testing.T, mode kefu.PushMode, format kefu.PushFormat) (*kefutest.Server, *kefu.App, wechat.Endpoint) {
	return connectedServerTo(t, "http://127.0.0.1:1", mode, format)
}

// connectedServerTo is connectedServer with WeChat's API at base.
func connectedServerTo(t *testing.T, base string, mode kefu.PushMode, format kefu.PushFormat) (*kefutest.Server, *kefu.App, wechat.Endpoint) {
	t.Helper()
	s := kefutest.NewServer(t, kefutest.Options{})
	// The stand-in WeChat is on loopback: the app allows it, as an admin would.
	app := &kefu.App{ID: "wx" + engine.NewAlnum(16), OriginalID: "gh_" + engine.NewAlnum(12), Secret: engine.NewSecret(16),
		Push:     kefu.PushConfig{AllowPrivate: true},
		Upstream: &kefu.Upstream{BaseURL: base, Token: "consoletoken", Mode: mode, Format: format}}
	if mode != kefu.PushPlaintext {
		app.Upstream.EncodingAESKey = engine.NewAlnum(43)
	}
	if err := s.Engine.CreateApp(context.Background(), app); err != nil {
		t.Fatal(err)
	}
	ep, err := connector.Endpoint(app)
	if err != nil {
		t.Fatal(err)
	}
	return s, app, ep
}

func post(t *testing.T, s *kefutest.Server, appID string, q url.Values, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(s.URL+"/connect/"+appID+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func now(s *kefutest.Server) string { return strconv.FormatInt(s.Clock.Now().Unix(), 10) }

func text(openID, content string, msgID int64) *wechat.Message {
	return &wechat.Message{FromUserName: openID, CreateTime: time.Now().Unix(), MsgType: wechat.MsgTypeText, Content: content, MsgID: msgID}
}

// stored counts the messages Kefu keeps from openID (0: not even the customer).
func stored(t *testing.T, s *kefutest.Server, appID, openID string) int {
	t.Helper()
	ctx := context.Background()
	cust, err := s.Store.CustomerByOpenID(ctx, appID, openID)
	if errors.Is(err, kefu.ErrNotFound) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Store.ConversationByCustomer(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Store.Messages(ctx, c.ID, 0, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// TestHostilePushesStoreNothing: a push that fails any check is refused
// with a non-200 answer, and nothing of it is stored.
func TestHostilePushesStoreNothing(t *testing.T) {
	s, app, ep := connectedServer(t, kefu.PushSafe, kefu.PushXML)
	plainS, plainApp, plainEp := connectedServer(t, kefu.PushPlaintext, kefu.PushXML)
	build := func(ep wechat.Endpoint, m *wechat.Message, ts string) (url.Values, []byte) {
		q, body, err := wechat.BuildPush(ep, m, ts, wechat.NewNonce())
		if err != nil {
			t.Fatal(err)
		}
		return q, body
	}
	cases := []struct {
		name string
		s    *kefutest.Server
		app  *kefu.App
		push func(openID string) (url.Values, []byte)
	}{
		{"bad signature", s, app, func(o string) (url.Values, []byte) {
			q, b := build(ep, text(o, "hi", 1), now(s))
			q.Set("signature", strings.Repeat("0", 40))
			return q, b
		}},
		{"bad msg_signature", s, app, func(o string) (url.Values, []byte) {
			q, b := build(ep, text(o, "hi", 2), now(s))
			q.Set("msg_signature", strings.Repeat("0", 40))
			return q, b
		}},
		{"wrong appid in the ciphertext", s, app, func(o string) (url.Values, []byte) {
			other := ep
			other.AppID = "wx" + engine.NewAlnum(16)
			return build(other, text(o, "hi", 3), now(s))
		}},
		{"stale timestamp (a replay)", s, app, func(o string) (url.Values, []byte) {
			return build(ep, text(o, "hi", 4), strconv.FormatInt(s.Clock.Now().Add(-10*time.Minute).Unix(), 10))
		}},
		{"timestamp from the future", s, app, func(o string) (url.Values, []byte) {
			return build(ep, text(o, "hi", 5), strconv.FormatInt(s.Clock.Now().Add(10*time.Minute).Unix(), 10))
		}},
		{"truncated ciphertext", s, app, func(o string) (url.Values, []byte) {
			q, b := build(ep, text(o, "hi", 6), now(s))
			env, _, err := wechat.DecodeEnvelope(b)
			if err != nil {
				t.Fatal(err)
			}
			env.Encrypt = env.Encrypt[:len(env.Encrypt)/2]
			q.Set("msg_signature", wechat.MsgSignature(ep.Token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt))
			return q, env.Encode(wechat.FormatXML)
		}},
		{"plaintext push to a safe-mode app", s, app, func(o string) (url.Values, []byte) {
			p := ep
			p.Mode = wechat.ModePlaintext
			return build(p, text(o, "hi", 7), now(s))
		}},
		{"DOCTYPE with an external entity", plainS, plainApp, func(o string) (url.Values, []byte) {
			q, _ := build(plainEp, text(o, "hi", 8), now(plainS))
			return q, []byte(`<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName><![CDATA[` +
				plainApp.OriginalID + `]]></ToUserName><FromUserName><![CDATA[` + o + `]]></FromUserName><CreateTime>1</CreateTime>` +
				`<MsgType><![CDATA[text]]></MsgType><Content>&xxe;</Content><MsgId>8</MsgId></xml>`)
		}},
		{"DOCTYPE alone", plainS, plainApp, func(o string) (url.Values, []byte) {
			q, b := build(plainEp, text(o, "hi", 12), now(plainS))
			return q, append([]byte(`<!DOCTYPE xml>`), b...)
		}},
		{"10 MiB body", plainS, plainApp, func(o string) (url.Values, []byte) {
			q, b := build(plainEp, text(o, "hi", 9), now(plainS))
			return q, append(b, bytes.Repeat([]byte(" "), 10<<20)...)
		}},
		{"push to another mini program", plainS, plainApp, func(o string) (url.Values, []byte) {
			m := text(o, "hi", 10)
			m.ToUserName = "gh_someoneelse1"
			return build(plainEp, m, now(plainS))
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			openID := "oHOSTILE" + strconv.Itoa(i)
			q, body := tc.push(openID)
			if st, _ := post(t, tc.s, tc.app.ID, q, body); st == http.StatusOK {
				t.Errorf("accepted with HTTP 200")
			}
			if n := stored(t, tc.s, tc.app.ID, openID); n != 0 {
				t.Errorf("%d messages stored", n)
			}
		})
	}
	t.Run("unknown app", func(t *testing.T) {
		q, body := build(ep, text("oNOBODY", "hi", 11), now(s))
		if st, _ := post(t, s, "wx"+engine.NewAlnum(16), q, body); st != http.StatusNotFound {
			t.Errorf("HTTP %d, want 404", st)
		}
	})
}

// TestRetriedPushIsStoredOnce: WeChat's three tries of one push — a
// message, and an event, which has no MsgId — are stored once, each
// answered success.
func TestRetriedPushIsStoredOnce(t *testing.T) {
	s, app, ep := connectedServer(t, kefu.PushSafe, kefu.PushJSON)
	enter := &wechat.Message{FromUserName: "oTWICE", CreateTime: time.Now().Unix(), MsgType: wechat.MsgTypeEvent,
		Event: wechat.EventUserEnterTempSession, SessionFrom: "from-button"}
	for i, m := range []*wechat.Message{enter, text("oTWICE", "hi", 77), {FromUserName: "oTWICE", CreateTime: time.Now().Unix(), MsgType: "video", MsgID: 78}} {
		q, body, err := wechat.BuildPush(ep, m, now(s), wechat.NewNonce())
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if st, answer := post(t, s, app.ID, q, body); st != http.StatusOK || answer != "success" {
				t.Fatalf("HTTP %d %q, want 200 success", st, answer)
			}
		}
		if n := stored(t, s, app.ID, "oTWICE"); n != i+1 {
			t.Fatalf("after three tries of push %d, %d messages stored, want %d", i+1, n, i+1)
		}
	}
	ctx := context.Background()
	cust, _ := s.Store.CustomerByOpenID(ctx, app.ID, "oTWICE")
	c, _ := s.Store.ConversationByCustomer(ctx, cust.ID)
	ms, _ := s.Store.Messages(ctx, c.ID, 0, 0, 10)
	if ms[0].Kind != kefu.KindEvent || ms[0].Event.SessionFrom != "from-button" || ms[1].Text == nil || ms[1].Text.Content != "hi" {
		t.Errorf("stored %+v, %+v", ms[0], ms[1])
	}
	if ms[2].Kind != kefu.KindNotice || ms[2].Notice.Code != engine.NoticeUnsupported || ms[2].Notice.Params["msgtype"] != "video" {
		t.Errorf("an unknown message type is stored as %+v, want a visible notice", ms[2])
	}
	if c.State != kefu.StateQueued || cust.OpenID != "oTWICE" || cust.Channel != kefu.ChannelMiniProgram {
		t.Errorf("with no relay the customer should wait for an agent under their own openid: %+v %+v", c, cust)
	}
}

// TestHandshake answers WeChat's URL verification with echostr, and only
// when signed with the console's Token.
func TestHandshake(t *testing.T) {
	s, app, _ := connectedServer(t, kefu.PushSafe, kefu.PushXML)
	if err := wechat.VerifyURL(context.Background(), nil, connector.URL(s.URL, app.ID), "consoletoken"); err != nil {
		t.Errorf("handshake with the right token: %v", err)
	}
	if err := wechat.VerifyURL(context.Background(), nil, connector.URL(s.URL, app.ID), "wrongtoken"); err == nil {
		t.Error("handshake with a wrong token passed")
	}
}

// TestImageFallsBackToPicURL: when media/get fails the image is fetched
// from PicUrl; when neither works Kefu answers non-200 (WeChat tries
// again) and stores nothing.
func TestImageFallsBackToPicURL(t *testing.T) {
	pic := testPNG(t, color.RGBA{1, 2, 3, 255})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"T1","expires_in":7200}`)
	})
	mux.HandleFunc("GET /cgi-bin/media/get", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"errcode":40007,"errmsg":"invalid media_id"}`)
	})
	mux.HandleFunc("GET /pic.png", func(w http.ResponseWriter, r *http.Request) { w.Write(pic) })
	wx := httptest.NewServer(mux)
	defer wx.Close()
	s, app, ep := connectedServerTo(t, wx.URL, kefu.PushSafe, kefu.PushXML)
	for _, tc := range []struct {
		openID, picURL string
		ok             bool
	}{{"oPICURL", wx.URL + "/pic.png", true}, {"oNOPIC", wx.URL + "/missing.png", false}} {
		m := &wechat.Message{FromUserName: tc.openID, CreateTime: time.Now().Unix(), MsgType: wechat.MsgTypeImage, MsgID: 91,
			MediaID: "expired", PicURL: tc.picURL}
		q, body, err := wechat.BuildPush(ep, m, now(s), wechat.NewNonce())
		if err != nil {
			t.Fatal(err)
		}
		st, _ := post(t, s, app.ID, q, body)
		if (st == http.StatusOK) != tc.ok {
			t.Fatalf("%s: HTTP %d", tc.openID, st)
		}
		if !tc.ok {
			if n := stored(t, s, app.ID, tc.openID); n != 0 {
				t.Errorf("an image that could not be fetched left %d messages", n)
			}
			continue
		}
		ctx := context.Background()
		cust, _ := s.Store.CustomerByOpenID(ctx, app.ID, tc.openID)
		c, _ := s.Store.ConversationByCustomer(ctx, cust.ID)
		ms, _ := s.Store.Messages(ctx, c.ID, 0, 0, 10)
		if len(ms) != 1 || ms[0].Image == nil || !bytes.Equal(mediaBytes(t, s, ms[0].Image.MediaID), pic) {
			t.Errorf("the image from PicUrl was not kept: %+v", ms)
		}
	}
}
