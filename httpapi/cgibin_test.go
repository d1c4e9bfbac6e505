package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// wxAnswer is any /cgi-bin answer: an error, or a token.
type wxAnswer struct {
	ErrCode     *int   `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// code is the answer's errcode (0 when there is none, as in a token answer).
func (a *wxAnswer) code() int {
	if a.ErrCode == nil {
		return 0
	}
	return *a.ErrCode
}

// cgi makes one raw call to /cgi-bin and checks what every answer must be
// (HTTP 200, JSON, like WeChat). body may be nil, a []byte sent as is, or a
// value sent as JSON.
func cgi(t *testing.T, s *kefutest.Server, method, path string, query url.Values, body any) *wxAnswer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	u := s.URL + path
	if query != nil {
		u += "?" + query.Encode()
	}
	req, _ := http.NewRequest(method, u, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	ct := resp.Header.Get("Content-Type")
	if strings.HasPrefix(path, "/cgi-bin/media/get") && ct == "text/plain" {
		ct = "application/json" // media/get's errors are JSON sent as text/plain, as WeChat sends them
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: HTTP %d %s %q; WeChat answers 200 with JSON", method, path, resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	var a wxAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s %s: not JSON: %q", method, path, data)
	}
	if a.ErrCode != nil && *a.ErrCode != 0 && a.ErrMsg == "" {
		t.Errorf("%s %s: errcode %d without errmsg", method, path, *a.ErrCode)
	}
	return &a
}

// wantCode fails unless a has errcode want.
func wantCode(t *testing.T, what string, a *wxAnswer, want int) {
	t.Helper()
	if a.code() != want {
		t.Errorf("%s: errcode %d (%s), want %d (%s)", what, a.code(), a.ErrMsg, want, wechat.ErrorMessage(want))
	} else if msg := wechat.ErrorMessage(want); want != 0 && msg != "" && !strings.HasPrefix(a.ErrMsg, msg) {
		t.Errorf("%s: errmsg %q, want WeChat's %q", what, a.ErrMsg, msg)
	}
}

// token calls GET /cgi-bin/token.
func token(t *testing.T, s *kefutest.Server, grantType, appID, secret string) *wxAnswer {
	t.Helper()
	return cgi(t, s, "GET", "/cgi-bin/token", url.Values{"grant_type": {grantType}, "appid": {appID}, "secret": {secret}}, nil)
}

// mustToken returns a new access token of app.
func mustToken(t *testing.T, s *kefutest.Server, app *kefu.App) string {
	t.Helper()
	a := token(t, s, "client_credential", app.ID, app.Secret)
	if a.code() != 0 || a.AccessToken == "" {
		t.Fatalf("token: %d %s", a.code(), a.ErrMsg)
	}
	return a.AccessToken
}

// stableToken calls POST /cgi-bin/stable_token.
func stableToken(t *testing.T, s *kefutest.Server, app *kefu.App, force bool) *wxAnswer {
	t.Helper()
	return cgi(t, s, "POST", "/cgi-bin/stable_token", nil,
		wechat.StableTokenRequest{GrantType: "client_credential", AppID: app.ID, Secret: app.Secret, ForceRefresh: force})
}

// probe reports the errcode a call with tok gets: 40007 (no such media)
// means the token was accepted.
func probe(t *testing.T, s *kefutest.Server, tok string) int {
	t.Helper()
	return cgi(t, s, "GET", "/cgi-bin/media/get", url.Values{"access_token": {tok}, "media_id": {"no-such-media"}}, nil).code()
}

const accepted = wechat.CodeInvalidMediaID

// wantRetiredAfterOverlap checks that a token just replaced keeps working
// for WeChat's five minutes of overlap and not a millisecond longer
// (moving the server's clock).
func wantRetiredAfterOverlap(t *testing.T, s *kefutest.Server, old, what string) {
	t.Helper()
	s.Clock.Advance(5*time.Minute - time.Millisecond)
	if c := probe(t, s, old); c != accepted {
		t.Errorf("%s inside the 5-minute overlap: errcode %d", what, c)
	}
	s.Clock.Advance(time.Millisecond)
	if c := probe(t, s, old); c != wechat.CodeInvalidCredential {
		t.Errorf("%s after the overlap: errcode %d, want 40001", what, c)
	}
}

// post calls a /cgi-bin API with an access token.
func post(t *testing.T, s *kefutest.Server, tok, path string, body any) *wxAnswer {
	t.Helper()
	return cgi(t, s, "POST", path, url.Values{"access_token": {tok}}, body)
}

// convOf returns the conversation id of a customer.
func convOf(t *testing.T, s *kefutest.Server, c *kefutest.Customer) int64 {
	t.Helper()
	ctx := context.Background()
	cust, err := s.Store.CustomerByOpenID(ctx, c.AppID, c.OpenID)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := s.Store.ConversationByCustomer(ctx, cust.ID)
	if err != nil {
		t.Fatal(err)
	}
	return conv.ID
}

// messageCount counts what is stored in a conversation.
func messageCount(t *testing.T, s *kefutest.Server, convID int64) int {
	t.Helper()
	msgs, err := s.Store.Messages(context.Background(), convID, 0, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// pngImage returns a small PNG whose pixels depend on seed.
func pngImage(seed uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = seed + uint8(i)
	}
	img.Set(0, 0, color.RGBA{seed, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// sdk is the developer's real WeChat client, pointed at Kefu and its clock.
func sdk(s *kefutest.Server, app *kefu.App, opts ...wechat.ClientOption) *wechat.Client {
	opts = append([]wechat.ClientOption{wechat.WithBaseURL(s.URL), wechat.WithClock(s.Clock.Now)}, opts...)
	return wechat.NewClient(app.ID, app.Secret, opts...)
}

func TestCGIToken(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app := s.App("", "", "")

		wantCode(t, "bad grant_type", token(t, s, "password", app.ID, app.Secret), wechat.CodeInvalidGrantType)
		wantCode(t, "no grant_type", token(t, s, "", app.ID, app.Secret), wechat.CodeInvalidGrantType)
		wantCode(t, "unknown appid", token(t, s, "client_credential", "wx0000000000000000", app.Secret), wechat.CodeInvalidAppID)
		wantCode(t, "no appid", token(t, s, "client_credential", "", app.Secret), wechat.CodeInvalidAppID)
		wantCode(t, "bad secret", token(t, s, "client_credential", app.ID, app.Secret+"x"), wechat.CodeInvalidCredential)
		wantCode(t, "no secret", token(t, s, "client_credential", app.ID, ""), wechat.CodeInvalidCredential)

		first := token(t, s, "client_credential", app.ID, app.Secret)
		if first.code() != 0 || first.AccessToken == "" || first.ExpiresIn != 7200 {
			t.Fatalf("token: %+v", first)
		}
		if c := probe(t, s, first.AccessToken); c != accepted {
			t.Errorf("a fresh token: errcode %d", c)
		}

		wantCode(t, "no token", cgi(t, s, "GET", "/cgi-bin/media/get", url.Values{"media_id": {"x"}}, nil), wechat.CodeAccessTokenMissing)
		if c := probe(t, s, "forged-"+first.AccessToken); c != wechat.CodeInvalidCredential {
			t.Errorf("a forged token: errcode %d, want 40001", c)
		}

		// A new token leaves the old one five more minutes.
		s.Clock.Advance(time.Hour)
		second := mustToken(t, s, app)
		if second == first.AccessToken {
			t.Fatal("every /cgi-bin/token call must issue a new token")
		}
		wantRetiredAfterOverlap(t, s, first.AccessToken, "old token")
		if c := probe(t, s, second); c != accepted {
			t.Errorf("new token: errcode %d", c)
		}

		// Two hours after it was issued, a token has expired: 42001.
		s.Clock.Advance(7200*time.Second - 5*time.Minute - time.Millisecond)
		if c := probe(t, s, second); c != accepted {
			t.Errorf("token in its last millisecond: errcode %d", c)
		}
		s.Clock.Advance(time.Millisecond)
		if c := probe(t, s, second); c != wechat.CodeAccessTokenExpired {
			t.Errorf("token after 7200 s: errcode %d, want 42001", c)
		}
		// Once a newer token exists, an expired one is simply not the latest.
		third := mustToken(t, s, app)
		if c := probe(t, s, second); c != wechat.CodeInvalidCredential {
			t.Errorf("expired token after a new one: errcode %d, want 40001", c)
		}
		if c := probe(t, s, third); c != accepted {
			t.Errorf("newest token: errcode %d", c)
		}

		// Tokens are of their app: another app's token does not open this one's media.
		other := s.App("", "", "")
		media := uploadRaw(t, s, mustToken(t, s, app), "image", "a.png", pngImage(1))
		q := url.Values{"access_token": {mustToken(t, s, other)}, "media_id": {media.MediaID}}
		wantCode(t, "another app's token", cgi(t, s, "GET", "/cgi-bin/media/get", q, nil), wechat.CodeInvalidMediaID)
	})
}

func TestCGIStableToken(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app := s.App("", "", "")

		first := stableToken(t, s, app, false)
		if first.code() != 0 || first.AccessToken == "" || first.ExpiresIn != 7200 {
			t.Fatalf("stable_token: %+v", first)
		}
		s.Clock.Advance(100 * time.Second)
		again := stableToken(t, s, app, false)
		if again.AccessToken != first.AccessToken || again.ExpiresIn != 7100 {
			t.Errorf("without force_refresh the same token is answered with its time left: %+v, first %+v", again, first)
		}
		// /cgi-bin/token and stable tokens do not retire each other.
		mustToken(t, s, app)
		s.Clock.Advance(10 * time.Minute)
		if c := probe(t, s, first.AccessToken); c != accepted {
			t.Errorf("stable token after a /cgi-bin/token call: errcode %d", c)
		}
		// The real SDK in stable mode gets the same token.
		if tok, err := sdk(s, app, wechat.WithStableToken()).AccessToken(context.Background()); err != nil || tok != first.AccessToken {
			t.Errorf("SDK stable token: %q %v, want the current one", tok, err)
		}

		// force_refresh issues a new one; the old one retires 5 minutes later.
		forced := stableToken(t, s, app, true)
		if forced.code() != 0 || forced.AccessToken == first.AccessToken || forced.ExpiresIn != 7200 {
			t.Fatalf("force_refresh: %+v", forced)
		}
		if again := stableToken(t, s, app, false); again.AccessToken != forced.AccessToken {
			t.Errorf("after force_refresh the new token is the current one")
		}
		wantRetiredAfterOverlap(t, s, first.AccessToken, "old stable token")

		// In its last five minutes, the current token is replaced.
		s.Clock.Advance(7200*time.Second - 10*time.Minute - time.Millisecond)
		last := stableToken(t, s, app, false)
		if last.AccessToken != forced.AccessToken || last.ExpiresIn != 300 {
			t.Errorf("with 5 minutes left: %+v, want the same token with 300 s", last)
		}
		s.Clock.Advance(time.Millisecond)
		renewed := stableToken(t, s, app, false)
		if renewed.AccessToken == forced.AccessToken || renewed.ExpiresIn != 7200 {
			t.Errorf("under 5 minutes left, a new token is due: %+v", renewed)
		}
		if c := probe(t, s, forced.AccessToken); c != accepted {
			t.Errorf("the replaced token lives out its time: errcode %d", c)
		}
		s.Clock.Advance(5 * time.Minute)
		if c := probe(t, s, forced.AccessToken); c != wechat.CodeInvalidCredential {
			t.Errorf("the replaced token after its 7200 s: errcode %d, want 40001 (not the latest)", c)
		}
		s.Clock.Advance(7200*time.Second - 5*time.Minute)
		if c := probe(t, s, renewed.AccessToken); c != wechat.CodeAccessTokenExpired {
			t.Errorf("the newest stable token after its 7200 s: errcode %d, want 42001", c)
		}

		stable := func(body any) *wxAnswer { return cgi(t, s, "POST", "/cgi-bin/stable_token", nil, body) }
		wantCode(t, "bad grant_type", stable(wechat.StableTokenRequest{GrantType: "x", AppID: app.ID, Secret: app.Secret}), wechat.CodeInvalidGrantType)
		wantCode(t, "unknown appid", stable(wechat.StableTokenRequest{GrantType: "client_credential", AppID: "wx0000000000000000", Secret: app.Secret}), wechat.CodeInvalidAppID)
		wantCode(t, "bad secret", stable(wechat.StableTokenRequest{GrantType: "client_credential", AppID: app.ID, Secret: "nope"}), wechat.CodeInvalidCredential)
		wantCode(t, "empty body", stable([]byte("")), wechat.CodeEmptyPostData)
		wantCode(t, "not JSON", stable([]byte("grant_type=client_credential")), wechat.CodeDataFormatError)
		wantCode(t, "wrong type", stable([]byte(`{"grant_type":"client_credential","appid":"`+app.ID+`","secret":"`+app.Secret+`","force_refresh":"yes"}`)), wechat.CodeDataFormatError)
		wantCode(t, "GET", cgi(t, s, "GET", "/cgi-bin/stable_token", nil, nil), 43002)
	})
}
