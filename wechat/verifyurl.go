package wechat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// VerifyURLTimeout bounds VerifyURL when ctx has no deadline: WeChat gives a
// push URL 5 seconds to answer.
const VerifyURLTimeout = 5 * time.Second

// VerifyURL performs WeChat's URL verification against a developer's push
// URL: a GET with signature, timestamp, nonce and a random echostr added to
// pushURL's query, which must be answered with status 200 and exactly the
// echostr. The error says why it failed: the URL is invalid or unreachable,
// the answer timed out, the status was not 200, or the body was not the
// echostr. hc nil means http.DefaultClient.
func VerifyURL(ctx context.Context, hc *http.Client, pushURL, token string) error {
	if err := verifyURL(ctx, hc, pushURL, token); err != nil {
		return fmt.Errorf("wechat: verify URL: %w", err)
	}
	return nil
}

func verifyURL(ctx context.Context, hc *http.Client, pushURL, token string) error {
	if hc == nil {
		hc = http.DefaultClient
	}
	u, err := url.Parse(pushURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", pushURL)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, VerifyURLTimeout)
		defer cancel()
	}
	timestamp := strconv.FormatInt(time.Now().Unix(), 10)
	nonce, echostr := NewNonce(), NewNonce()+NewNonce()
	q := u.Query()
	q.Set("signature", Signature(token, timestamp, nonce))
	q.Set("timestamp", timestamp)
	q.Set("nonce", nonce)
	q.Set("echostr", echostr)
	u.RawQuery = q.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, which holds the signature
		}
		if errors.Is(err, context.DeadlineExceeded) || ue != nil && ue.Timeout() {
			return fmt.Errorf("%s did not answer in time: %w", redactURL(u), err)
		}
		return fmt.Errorf("%s is unreachable: %w", redactURL(u), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return fmt.Errorf("reading the answer of %s: %w", redactURL(u), err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered HTTP %d, want 200 with the echostr", redactURL(u), resp.StatusCode)
	}
	if string(body) != echostr {
		return fmt.Errorf("%s answered %s, want exactly the echostr %q (check the Token, and write echostr unchanged, without quotes or a newline)", redactURL(u), snippet(body), echostr)
	}
	return nil
}

// redactURL returns u without its query, for error messages.
func redactURL(u *url.URL) string {
	r := *u
	r.RawQuery, r.User = "", nil
	return r.String()
}
