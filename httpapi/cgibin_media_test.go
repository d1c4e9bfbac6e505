package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

// uploaded is the answer of /cgi-bin/media/upload.
type uploaded struct {
	wxAnswer
	wechat.MediaInfo
}

// uploadRaw posts data to /cgi-bin/media/upload?type=mediaType in the
// multipart field "media".
func uploadRaw(t *testing.T, s *kefutest.Server, tok, mediaType, filename string, data []byte) *uploaded {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("media", filename)
	fw.Write(data)
	mw.Close()
	return uploadBody(t, s, tok, mediaType, mw.FormDataContentType(), buf.Bytes())
}

func uploadBody(t *testing.T, s *kefutest.Server, tok, mediaType, contentType string, body []byte) *uploaded {
	t.Helper()
	q := url.Values{"access_token": {tok}, "type": {mediaType}}
	resp, err := http.Post(s.URL+"/cgi-bin/media/upload?"+q.Encode(), contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var u uploaded
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &u) != nil {
		t.Fatalf("upload: HTTP %d %q", resp.StatusCode, data)
	}
	return &u
}

// mediaGet fetches /cgi-bin/media/get raw.
func mediaGet(t *testing.T, s *kefutest.Server, tok, id string) (*http.Response, []byte) {
	t.Helper()
	q := url.Values{"access_token": {tok}, "media_id": {id}}
	resp, err := http.Get(s.URL + "/cgi-bin/media/get?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp, data
}

func TestCGIMedia(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app := s.App("", "", "")
		tok := mustToken(t, s, app)
		img := pngImage(7)

		up := uploadRaw(t, s, tok, "image", "photo.png", img)
		if up.code() != 0 || up.Type != "image" || up.MediaID == "" || up.CreatedAt != s.Clock.Now().Unix() {
			t.Fatalf("upload: %+v", up)
		}
		resp, data := mediaGet(t, s, tok, up.MediaID)
		if !bytes.Equal(data, img) {
			t.Fatalf("media/get returned %d bytes (%q), want the upload", len(data), data)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+up.MediaID+`.png"` {
			t.Errorf("Content-Disposition %q", cd)
		}

		// Errors: the right errcode, JSON, HTTP 200.
		wantCode(t, "type voice", &uploadRaw(t, s, tok, "voice", "a.png", img).wxAnswer, wechat.CodeInvalidMediaType)
		wantCode(t, "no type", &uploadRaw(t, s, tok, "", "a.png", img).wxAnswer, wechat.CodeInvalidMediaType)
		wantCode(t, "a text file", &uploadRaw(t, s, tok, "image", "a.png", []byte("not an image at all")).wxAnswer, wechat.CodeInvalidMediaType)
		wantCode(t, "empty file", &uploadRaw(t, s, tok, "image", "a.png", nil).wxAnswer, wechat.CodeInvalidMediaType)
		wantCode(t, "not multipart", &uploadBody(t, s, tok, "image", "application/json", []byte(`{"media":"x"}`)).wxAnswer, wechat.CodeInvalidMediaType)
		big := append(append([]byte{}, img...), make([]byte, 10<<20)...) // a PNG header and more than 10 MB
		wantCode(t, "over the upload limit", &uploadRaw(t, s, tok, "image", "big.png", big).wxAnswer, 40006)
		wantCode(t, "no token", &uploadRaw(t, s, "", "image", "a.png", img).wxAnswer, wechat.CodeAccessTokenMissing)

		getCode := func(tok, id string) int {
			t.Helper()
			resp, data := mediaGet(t, s, tok, id)
			var a wxAnswer
			if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &a) != nil {
				t.Fatalf("media/get %q: HTTP %d %q", id, resp.StatusCode, data)
			}
			// As WeChat sends them: clients such as wechat-api tell an
			// error from the media's bytes by exactly this type.
			if ct := resp.Header.Get("Content-Type"); ct != "text/plain" {
				t.Errorf("media/get %q error: Content-Type %q, want text/plain", id, ct)
			}
			return a.code()
		}
		if c := getCode(tok, "no-such-media"); c != wechat.CodeInvalidMediaID {
			t.Errorf("unknown media: errcode %d", c)
		}
		if c := getCode(tok, ""); c != wechat.CodeInvalidMediaID {
			t.Errorf("no media_id: errcode %d", c)
		}
		other := s.App("", "", "")
		if c := getCode(mustToken(t, s, other), up.MediaID); c != wechat.CodeInvalidMediaID {
			t.Errorf("another app's media: errcode %d", c)
		}
		wantCode(t, "POST media/get", cgi(t, s, "POST", "/cgi-bin/media/get", url.Values{"access_token": {tok}, "media_id": {up.MediaID}}, nil), 43001)

		// A customer's image is the app's media too (the MediaId of its push).
		user := s.Customer(app.ID, kefu.ChannelMiniProgram, "media-user")
		userImg := pngImage(99)
		if _, data := mediaGet(t, s, tok, user.Upload("me.png", userImg)); !bytes.Equal(data, userImg) {
			t.Errorf("a customer's image: got %q", data)
		}

		// Temporary media live three days, by the engine's clock.
		client := sdk(s, app)
		s.Clock.Advance(kefu.MediaLifetime - time.Millisecond)
		if data, ct, err := client.GetTempMedia(context.Background(), up.MediaID); err != nil || !bytes.Equal(data, img) || ct != "image/png" {
			t.Errorf("media in its last millisecond: %v %q", err, ct)
		}
		s.Clock.Advance(time.Millisecond)
		if _, _, err := client.GetTempMedia(context.Background(), up.MediaID); wechat.ErrorCode(err) != wechat.CodeInvalidMediaID {
			t.Errorf("media after 3 days: %v, want 40007", err)
		}
		// …and cannot be sent any more either.
		user.Say("hello")
		if err := client.SendImage(context.Background(), user.OpenID, up.MediaID); wechat.ErrorCode(err) != wechat.CodeInvalidMediaID {
			t.Errorf("sending expired media: %v, want 40007", err)
		}
	})
}

func TestCGIUnknownAndWrongMethod(t *testing.T) {
	t.Parallel()
	s := kefutest.NewServer(t, kefutest.Options{})
	wantCode(t, "unknown API", cgi(t, s, "GET", "/cgi-bin/message/subscribe/send", nil, nil), wechat.CodeAPIUnauthorized)
	wantCode(t, "GET send", cgi(t, s, "GET", "/cgi-bin/message/custom/send", nil, nil), 43002)
	wantCode(t, "POST token", cgi(t, s, "POST", "/cgi-bin/token", nil, []byte("{}")), 43001)
}
