package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/wechat"
)

// ServeHTTP serves /connect/{appid}: WeChat's URL handshake (GET) and its
// pushes (POST). A push is answered "success" only once what it carries is
// committed; a push that fails a check is refused with nothing stored and
// one log line saying why; a store failure answers 503, so WeChat tries
// again (it retries three times, 5 seconds apart).
func (c *Connector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	appID := r.PathValue("appid")
	app, err := c.eng.App(r.Context(), appID)
	if err != nil || !app.Connected() {
		c.refuse(w, r, appID, http.StatusNotFound, "no connected app with this appid")
		return
	}
	ep, err := Endpoint(app)
	if err != nil {
		c.refuse(w, r, appID, http.StatusInternalServerError, "the app's upstream settings are unusable: "+err.Error())
		return
	}
	q := r.URL.Query()
	if !wechat.VerifySignature(ep.Token, q.Get("timestamp"), q.Get("nonce"), q.Get("signature")) {
		c.refuse(w, r, appID, http.StatusForbidden, "signature does not match the Token")
		return
	}
	if r.Method == http.MethodGet {
		echostr := q.Get("echostr")
		if echostr == "" {
			c.refuse(w, r, appID, http.StatusBadRequest, "URL verification without echostr")
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff") // echostr is reflected
		io.WriteString(w, echostr)
		return
	}
	if why := c.checkTimestamp(q.Get("timestamp")); why != "" {
		c.refuse(w, r, appID, http.StatusForbidden, why)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.refuse(w, r, appID, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", c.cfg.MaxBodyBytes))
			return
		}
		c.refuse(w, r, appID, http.StatusBadRequest, "reading the body failed")
		return
	}
	if hasDTD(body) {
		c.refuse(w, r, appID, http.StatusBadRequest, "XML with a DOCTYPE or entity declarations: WeChat never sends one")
		return
	}
	m, _, err := wechat.ParsePush(ep, q, body)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, wechat.ErrSignature) {
			status = http.StatusForbidden
		}
		c.refuse(w, r, appID, status, err.Error())
		return
	}
	if m.ToUserName != app.OriginalID || m.FromUserName == "" {
		c.refuse(w, r, appID, http.StatusBadRequest, "the push is not to this mini program's original id, or has no sender")
		return
	}
	if err := c.receive(r.Context(), app, m); err != nil {
		c.log.Error("connect: push not stored; WeChat will try again", "app", appID, "msgtype", m.MsgType, "err", err)
		http.Error(w, "the push could not be stored; try again", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "success")
}

// hasDTD reports whether a body declares a DTD or entities: XML pushes
// are refused before decoding, whatever the decoder would do with them.
// (XML keywords are case-sensitive: these are the only spellings.)
func hasDTD(body []byte) bool {
	return bytes.Contains(body, []byte("<!DOCTYPE")) || bytes.Contains(body, []byte("<!ENTITY"))
}

// refuse answers a push or handshake that failed a check, with one log line.
func (c *Connector) refuse(w http.ResponseWriter, r *http.Request, appID string, status int, why string) {
	c.log.Warn("connect: refused", "app", appID, "method", r.Method, "remote", r.RemoteAddr, "status", status, "why", why)
	http.Error(w, why, status)
}

// checkTimestamp refuses a push signed too far from now: a replay.
func (c *Connector) checkTimestamp(ts string) string {
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "timestamp is not a number"
	}
	d := c.clock.Now().Sub(time.Unix(sec, 0))
	if d > c.cfg.MaxSkew || d < -c.cfg.MaxSkew {
		return fmt.Sprintf("timestamp is %s away from now (at most %s): a replay or a wrong clock", d.Round(time.Second), c.cfg.MaxSkew)
	}
	return ""
}

// receive stores one verified push through the engine. Retries of a push
// are recognised durably by the stored message's client id — wx:<MsgId>
// for messages, wxev:<openid>:<CreateTime> for events — so a retry to
// another node, or after a crash, is stored once too.
func (c *Connector) receive(ctx context.Context, app *kefu.App, m *wechat.Message) error {
	convID, err := c.conversation(ctx, app, m.FromUserName)
	if err != nil {
		return err
	}
	clientID := "wx:" + strconv.FormatInt(m.MsgID, 10)
	if m.MsgID == 0 || m.IsEvent() {
		clientID = "wxev:" + kefu.TruncateUTF8(m.FromUserName, 40) + ":" + strconv.FormatInt(m.CreateTime, 10)
	}
	var msg *kefu.Message
	switch m.MsgType {
	case wechat.MsgTypeEvent:
		if m.Event != wechat.EventUserEnterTempSession {
			// Only user_enter_tempsession concerns customer service;
			// others are acknowledged and not kept.
			c.log.Info("connect: event not kept", "app", app.ID, "event", m.Event)
			return nil
		}
		_, _, err := c.eng.EnterOnce(ctx, convID, m.SessionFrom, clientID)
		return err
	case wechat.MsgTypeText:
		msg = &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: m.Content}}
	case wechat.MsgTypeImage:
		id, err := c.keepMedia(ctx, app, m.MediaID, m.PicURL)
		if err != nil {
			return fmt.Errorf("the image could not be fetched from WeChat: %w", err)
		}
		msg = &kefu.Message{Kind: kefu.KindImage, Image: &kefu.Image{MediaID: id}}
	case wechat.MsgTypeMiniProgramPage:
		p := &kefu.MiniProgramPage{Title: m.Title, AppID: m.AppID, PagePath: m.PagePath}
		if id, err := c.keepMedia(ctx, app, m.ThumbMediaID, m.ThumbURL); err == nil {
			p.ThumbMediaID = id
		} else {
			// The card is still worth showing without its picture.
			c.log.Warn("connect: card thumbnail not fetched", "app", app.ID, "err", err)
			p.ThumbURL = webURLOrEmpty(m.ThumbURL)
		}
		msg = &kefu.Message{Kind: kefu.KindMiniProgramPage, MiniProgramPage: p}
	default:
		_, _, err := c.eng.ReceiveUnsupported(ctx, convID, m.MsgType, clientID)
		return err
	}
	msg.ClientMsgID = clientID
	_, _, err = c.eng.Receive(ctx, convID, msg)
	if code := kefu.ErrorCode(err); code == kefu.EINVALID || code == kefu.ECHANNEL {
		// A message Kefu cannot keep as it is (an empty card title, an
		// over-long text) is shown as a notice rather than lost.
		c.log.Warn("connect: message kept as a notice", "app", app.ID, "msgtype", m.MsgType, "why", kefu.ErrorMessage(err))
		_, _, err = c.eng.ReceiveUnsupported(ctx, convID, m.MsgType, clientID)
	}
	return err
}

// conversation finds (or, on first contact, creates) the conversation of a
// connected customer: an ordinary mini program customer whose openid is
// the real one.
func (c *Connector) conversation(ctx context.Context, app *kefu.App, openID string) (int64, error) {
	k := userKey{app.ID, openID}
	c.convsMu.RLock()
	id, ok := c.convs[k]
	c.convsMu.RUnlock()
	if ok {
		return id, nil
	}
	_, conv, err := c.eng.Identify(ctx, engine.IdentifyRequest{AppID: app.ID, Channel: kefu.ChannelMiniProgram,
		ExternalID: openID, OpenID: openID})
	if err != nil {
		return 0, err
	}
	c.convsMu.Lock()
	if len(c.convs) >= maxRemembered {
		for old := range c.convs {
			delete(c.convs, old)
			break
		}
	}
	c.convs[k] = conv.ID
	c.convsMu.Unlock()
	return conv.ID, nil
}

// maxMediaBytes bounds an image fetched from WeChat (WeChat's own limit
// on images is 2 MB; 10 MB leaves room).
const maxMediaBytes = 10 << 20

// keepMedia fetches an image at once — WeChat keeps temporary media three
// days — with media/get, or from fallbackURL (PicUrl, ThumbUrl) when that
// fails, and stores it in Kefu's media store. It returns Kefu's media id.
func (c *Connector) keepMedia(ctx context.Context, app *kefu.App, mediaID, fallbackURL string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	var data []byte
	var errs []error
	if mediaID != "" {
		var err error
		if data, _, err = c.client(app).GetTempMedia(ctx, mediaID); err != nil {
			errs = append(errs, err)
		}
	}
	if data == nil && kefu.IsWebURL(fallbackURL) {
		var err error
		if data, err = c.download(ctx, app, fallbackURL); err != nil {
			errs = append(errs, err)
		}
	}
	if data == nil {
		if len(errs) == 0 {
			return "", errors.New("the push names no media_id and no picture URL")
		}
		return "", errors.Join(errs...)
	}
	ct := http.DetectContentType(data)
	if !strings.HasPrefix(ct, "image/") {
		return "", fmt.Errorf("the media is %s, not an image", ct)
	}
	md := &kefu.Media{AppID: app.ID, Type: "image", ContentType: ct, Filename: "wechat-image", Data: data}
	if err := c.eng.StoreMedia(ctx, md); err != nil {
		return "", err
	}
	return md.ID, nil
}

// download reads a picture URL WeChat gave in a verified push.
func (c *Connector) download(ctx context.Context, app *kefu.App, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.appHTTP(app).Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET picture URL: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET picture URL: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMediaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET picture URL: %w", err)
	}
	if len(data) > maxMediaBytes {
		return nil, fmt.Errorf("the picture is larger than %d bytes", maxMediaBytes)
	}
	return data, nil
}

func webURLOrEmpty(u string) string {
	if kefu.IsWebURL(u) && len(u) <= kefu.MaxURLBytes {
		return u
	}
	return ""
}
