package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/wechat"
)

// Wake makes the worker look at the outbound queue now.
func (c *Connector) Wake() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run sends queued messages to WeChat, and shows agents' typing there,
// until ctx ends; then it waits for the sends in flight to be recorded.
//
// Each job is leased before it is sent and its outcome recorded in one
// commit, so no two workers (on any nodes) send the same message. If a
// node dies after WeChat accepted a message but before the commit, the
// lease runs out and the message is sent again: the customer may see it
// twice — the one case where Kefu cannot know (WeChat's send API takes no
// idempotency key).
func (c *Connector) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { defer wg.Done(); c.typingLoop(ctx) }()
	t := time.NewTicker(c.cfg.PollInterval)
	defer t.Stop()
	lease := 3*c.cfg.CallTimeout + 10*time.Second // a send is at most an upload, a token fetch and the send
	for {
		if free := cap(c.sem) - len(c.sem); free > 0 {
			jobs, err := c.eng.ClaimUpstreamSends(ctx, free, lease)
			if err != nil && ctx.Err() == nil {
				c.log.Error("connect: claim sends", "err", err)
			}
			for _, j := range jobs {
				c.sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-c.sem; c.Wake() }()
					c.deliver(j)
				}()
			}
			if len(jobs) > 0 {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		case <-t.C:
		}
	}
}

// deliver makes one try of a job and records its outcome.
func (c *Connector) deliver(j *kefu.UpstreamSend) {
	// Recording must happen even while shutting down: a context of its own.
	ctx, cancel := context.WithTimeout(context.Background(), 4*c.cfg.CallTimeout+30*time.Second)
	defer cancel()
	st := c.send(ctx, j)
	delay := c.retryDelay(j.Tries)
	if st.State == kefu.UpstreamPending && j.Tries >= c.cfg.MaxTries {
		st = &kefu.UpstreamStatus{State: kefu.UpstreamFailed, ErrCode: st.ErrCode,
			Error: fmt.Sprintf("not sent after %d tries: %s", j.Tries, st.Error)}
	}
	o := engine.UpstreamOutcome{Job: j, Status: st, RetryAt: c.clock.Now().Add(delay)}
	if err := c.eng.RecordUpstream(ctx, o); err != nil {
		c.log.Error("connect: record send", "job", j.ID, "message", j.MessageID, "err", err)
		return
	}
	switch st.State {
	case kefu.UpstreamPending:
		c.log.Warn("connect: send will be tried again", "app", j.AppID, "message", j.MessageID, "try", j.Tries, "why", st.Error)
		c.clock.AfterFunc(delay, c.Wake) // the clock RetryAt was read from
	case kefu.UpstreamFailed:
		c.log.Warn("connect: WeChat refused a message", "app", j.AppID, "message", j.MessageID, "errcode", st.ErrCode, "why", st.Error)
	}
}

// retryDelay is the wait after try n: RetryDelay, doubling, at most MaxRetryDelay.
func (c *Connector) retryDelay(n int) time.Duration {
	d := c.cfg.RetryDelay
	for i := 1; i < n && d < c.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, c.cfg.MaxRetryDelay)
}

// send tries a job once and says what came of it.
func (c *Connector) send(ctx context.Context, j *kefu.UpstreamSend) *kefu.UpstreamStatus {
	app, err := c.eng.App(ctx, j.AppID)
	if err != nil {
		return retry(err)
	}
	if !app.Connected() {
		return &kefu.UpstreamStatus{State: kefu.UpstreamFailed, Error: "the app is no longer connected to a mini program"}
	}
	m, err := c.read.Message(ctx, j.MessageID)
	if err != nil {
		return retry(err)
	}
	cust, err := c.eng.CustomerOf(ctx, j.ConversationID)
	if err != nil {
		return retry(err)
	}
	cl := c.client(app)
	cm, st := c.customMessage(ctx, cl, m, cust.OpenID)
	if st != nil {
		return st
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	if err := cl.Send(cctx, cm); err != nil {
		return outcome(err)
	}
	return &kefu.UpstreamStatus{State: kefu.UpstreamSent}
}

// customMessage is a stored message as WeChat's send API takes it; images
// and card thumbnails are uploaded from Kefu's media store first. A
// non-nil status means it cannot be sent (now).
func (c *Connector) customMessage(ctx context.Context, cl *wechat.Client, m *kefu.Message, openID string) (*wechat.CustomMessage, *kefu.UpstreamStatus) {
	cm := &wechat.CustomMessage{ToUser: openID}
	switch m.Kind {
	case kefu.KindText:
		cm.MsgType, cm.Text = wechat.CustomText, &wechat.TextContent{Content: m.Text.Content}
	case kefu.KindLink:
		l := m.Link
		cm.MsgType, cm.Link = wechat.CustomLink, &wechat.LinkContent{Title: l.Title, Description: l.Description, URL: l.URL, ThumbURL: l.ThumbURL}
	case kefu.KindImage:
		id, st := c.upload(ctx, cl, m.Image.MediaID)
		if st != nil {
			return nil, st
		}
		cm.MsgType, cm.Image = wechat.CustomImage, &wechat.MediaContent{MediaID: id}
	case kefu.KindMiniProgramPage:
		p := m.MiniProgramPage
		if p.ThumbMediaID == "" {
			return nil, &kefu.UpstreamStatus{State: kefu.UpstreamFailed, Error: "WeChat needs a thumbnail image for a mini program card"}
		}
		id, st := c.upload(ctx, cl, p.ThumbMediaID)
		if st != nil {
			return nil, st
		}
		cm.MsgType, cm.MiniProgramPage = wechat.CustomMiniProgramPage, &wechat.MiniProgramPageContent{Title: p.Title, PagePath: p.PagePath, ThumbMediaID: id}
	default:
		return nil, &kefu.UpstreamStatus{State: kefu.UpstreamFailed, Error: fmt.Sprintf("%s messages cannot be sent to a mini program user", m.Kind)}
	}
	return cm, nil
}

// upload sends an image of Kefu's media store to WeChat's temporary media
// and returns WeChat's media_id.
func (c *Connector) upload(ctx context.Context, cl *wechat.Client, mediaID string) (string, *kefu.UpstreamStatus) {
	md, err := c.read.Media(ctx, mediaID)
	if errors.Is(err, kefu.ErrNotFound) {
		return "", &kefu.UpstreamStatus{State: kefu.UpstreamFailed, Error: "the image is no longer in Kefu's media store"}
	}
	if err != nil {
		return "", retry(err)
	}
	cctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	info, err := cl.UploadTempMedia(cctx, wechat.MediaTypeImage, md.Filename, bytes.NewReader(md.Data))
	if err != nil {
		return "", outcome(err)
	}
	return info.MediaID, nil
}

func retry(err error) *kefu.UpstreamStatus {
	return &kefu.UpstreamStatus{State: kefu.UpstreamPending, Error: "trying again: " + err.Error()}
}

// outcome classifies a failed call: WeChat's errcode -1 and everything
// that is not an answer (network errors, timeouts, HTTP errors) is tried
// again; any other errcode is WeChat's verdict and is not.
func outcome(err error) *kefu.UpstreamStatus {
	var apiErr *wechat.APIError
	if !errors.As(err, &apiErr) {
		return &kefu.UpstreamStatus{State: kefu.UpstreamPending, Error: "WeChat could not be reached; trying again: " + err.Error()}
	}
	if apiErr.Code == wechat.CodeSystemBusy {
		return &kefu.UpstreamStatus{State: kefu.UpstreamPending, ErrCode: apiErr.Code, Error: "WeChat is busy (errcode -1); trying again"}
	}
	return &kefu.UpstreamStatus{State: kefu.UpstreamFailed, ErrCode: apiErr.Code, Error: Refusal(apiErr.Code, apiErr.Msg)}
}

// Refusal explains one of WeChat's errcodes to the agent who wrote the
// message.
func Refusal(code int, errmsg string) string {
	switch code {
	case wechat.CodeResponseOutOfTime:
		return "WeChat refused: more than 48 hours since the customer's last message"
	case wechat.CodeOutOfResponseCount:
		return "WeChat refused: the replies allowed for the customer's last message are used up (5 per message, 2 after opening the chat)"
	case wechat.CodeInvalidOpenID:
		return "WeChat refused: the customer is not a user of this mini program"
	case wechat.CodeAPIUnauthorized:
		return "WeChat refused: the mini program may not use the customer-service API"
	case 40164:
		return "WeChat refused: Kefu's IP address is not on the mini program's API IP allow-list"
	case wechat.CodeInvalidSendType:
		return "WeChat refused: this kind of message cannot be sent to this customer"
	case wechat.CodeInvalidCredential, wechat.CodeInvalidAccessToken, wechat.CodeAccessTokenExpired:
		return "WeChat refused the access token even after a refresh: check the app's AppSecret"
	case wechat.CodeInvalidMediaID:
		return "WeChat refused the image: its media_id is unknown or expired"
	}
	return fmt.Sprintf("WeChat refused (errcode %d): %s", code, errmsg)
}
