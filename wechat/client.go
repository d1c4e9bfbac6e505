package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultBaseURL is WeChat's API host. Point a Client at Kefu instead with
// WithBaseURL.
const DefaultBaseURL = "https://api.weixin.qq.com"

// maxResponseBytes bounds the JSON answers the Client reads.
const maxResponseBytes = 1 << 20

// Client calls the WeChat API of one mini program: access tokens, the
// customer-service send and typing calls, and temporary media. It is safe
// for concurrent use; all callers share one cached access token.
type Client struct {
	appID, secret string
	baseURL       string
	hc            *http.Client
	stable        bool
	now           func() time.Time
	source        TokenSource // replaces the cache below when set

	mu        sync.Mutex
	token     string
	refreshAt time.Time  // when the cached token should be replaced
	inflight  *tokenCall // the refresh under way, if any
	waiting   int        // callers waiting for inflight (tests read it)
}

// tokenCall is one token refresh that concurrent callers wait for together.
type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// ClientOption configures a Client.
type ClientOption func(*Client)

// WithBaseURL sends requests to baseURL (scheme and host, optionally a path
// prefix) instead of DefaultBaseURL.
func WithBaseURL(baseURL string) ClientOption {
	return func(c *Client) { c.baseURL = strings.TrimRight(baseURL, "/") }
}

// WithHTTPClient sends requests with hc instead of http.DefaultClient
// (nil keeps the default).
func WithHTTPClient(hc *http.Client) ClientOption {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithStableToken gets access tokens from /cgi-bin/stable_token instead of
// /cgi-bin/token. Stable tokens are independent of the ones other programs
// fetch with /cgi-bin/token for the same mini program, so they do not
// invalidate each other.
func WithStableToken() ClientOption {
	return func(c *Client) { c.stable = true }
}

// WithClock makes the Client read the time from now, for tests.
func WithClock(now func() time.Time) ClientOption {
	return func(c *Client) { c.now = now }
}

// NewClient returns a Client for the mini program appID with its AppSecret.
func NewClient(appID, secret string, opts ...ClientOption) *Client {
	c := &Client{appID: appID, secret: secret, baseURL: DefaultBaseURL, hc: http.DefaultClient, now: time.Now}
	for _, opt := range opts {
		opt(c)
	}
	return c
}

// TokenResponse is the success answer of /cgi-bin/token and
// /cgi-bin/stable_token.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"` // seconds, 7200
}

// StableTokenRequest is the body of /cgi-bin/stable_token.
type StableTokenRequest struct {
	GrantType    string `json:"grant_type"` // "client_credential"
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

// GrantTypeClientCredential is the only grant_type of the token calls.
const GrantTypeClientCredential = "client_credential"

// AccessToken returns a valid access token, fetching one when there is
// none cached or the cached one is close to expiry (within 5 minutes, the
// overlap WeChat grants an old token). Concurrent callers share a single
// fetch.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	token, err := c.accessToken(ctx, "")
	if err != nil {
		return "", fmt.Errorf("wechat: access token: %w", err)
	}
	return token, nil
}

// accessToken returns a valid token; a non-empty rejected token, if it is
// still the cached one, is dropped first, so that many calls failing with
// the same token cause one refresh.
func (c *Client) accessToken(ctx context.Context, rejected string) (string, error) {
	if c.source != nil {
		if rejected != "" {
			return c.source.Refresh(ctx, rejected)
		}
		return c.source.Token(ctx)
	}
	for {
		c.mu.Lock()
		if rejected != "" && c.token == rejected {
			c.token = ""
		}
		if c.token != "" && c.now().Before(c.refreshAt) {
			token := c.token
			c.mu.Unlock()
			return token, nil
		}
		call := c.inflight
		if call == nil {
			break // with c.mu held: this caller fetches
		}
		c.waiting++
		c.mu.Unlock()
		var err error
		select {
		case <-call.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		c.mu.Lock()
		c.waiting--
		c.mu.Unlock()
		if err != nil {
			return "", err
		}
		// A fetch that failed only because its caller gave up is no
		// answer for the others: try again with this caller's context.
		if call.err == nil || !isContextError(call.err) {
			return call.token, call.err
		}
	}
	call := &tokenCall{done: make(chan struct{})}
	c.inflight = call
	c.mu.Unlock()

	resp, err := c.fetchToken(ctx)
	c.mu.Lock()
	if err == nil {
		ttl := time.Duration(resp.ExpiresIn) * time.Second
		c.token, c.refreshAt = resp.AccessToken, c.now().Add(ttl-min(5*time.Minute, ttl/2))
		call.token = resp.AccessToken
	}
	call.err = err
	c.inflight = nil
	c.mu.Unlock()
	close(call.done)
	return call.token, call.err
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

func (c *Client) fetchToken(ctx context.Context) (*TokenResponse, error) {
	var req *http.Request
	var err error
	if c.stable {
		body, _ := json.Marshal(StableTokenRequest{GrantType: GrantTypeClientCredential, AppID: c.appID, Secret: c.secret})
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/cgi-bin/stable_token", bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		q := url.Values{"grant_type": {GrantTypeClientCredential}, "appid": {c.appID}, "secret": {c.secret}}
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/cgi-bin/token?"+q.Encode(), nil)
	}
	if err != nil {
		return nil, err
	}
	var resp TokenResponse
	if err := c.doJSON(req, &resp); err != nil {
		return nil, err
	}
	if resp.AccessToken == "" {
		return nil, fmt.Errorf("%s answered no access_token", req.URL.Path)
	}
	return &resp, nil
}

// tokenRejected reports whether code means the access token itself was
// refused, so that a fresh one may succeed.
func tokenRejected(code int) bool {
	return code == CodeInvalidCredential || code == CodeInvalidAccessToken || code == CodeAccessTokenExpired
}

// withToken runs call with an access token, and once more with a fresh
// token if WeChat rejects the first (40001, 40014 or 42001).
func (c *Client) withToken(ctx context.Context, call func(token string) error) error {
	token, err := c.accessToken(ctx, "")
	if err != nil {
		return fmt.Errorf("access token: %w", err)
	}
	err = call(token)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !tokenRejected(apiErr.Code) {
		return err
	}
	if token, err = c.accessToken(ctx, token); err != nil {
		return fmt.Errorf("access token: %w", err)
	}
	return call(token)
}

// postJSON posts in as JSON to path with the access token, and decodes the
// answer into out (nil: the answer is only checked for an errcode).
func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // text may hold <a> links; keep them readable
	if err := enc.Encode(in); err != nil {
		return err
	}
	return c.withToken(ctx, func(token string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL(path, token, nil), bytes.NewReader(body.Bytes()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		return c.doJSON(req, out)
	})
}

// apiURL returns the URL of path with the access token and query.
func (c *Client) apiURL(path, token string, query url.Values) string {
	q := url.Values{"access_token": {token}}
	for k, v := range query {
		q[k] = v
	}
	return c.baseURL + path + "?" + q.Encode()
}

// do sends req, keeping secrets in its URL (appid secret, access_token)
// out of the error.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return resp, nil
}

// doJSON sends req and decodes its JSON answer into out, returning an
// *APIError for a non-zero errcode.
func (c *Client) doJSON(req *http.Request, out any) error {
	resp, err := c.do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	return decodeAPIResponse(req, resp, body, out)
}

func decodeAPIResponse(req *http.Request, resp *http.Response, body []byte, out any) error {
	var e ErrorResponse
	jsonErr := json.Unmarshal(body, &e)
	if jsonErr == nil && e.ErrCode != 0 {
		return &APIError{Code: e.ErrCode, Msg: e.ErrMsg}
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, resp.StatusCode, snippet(body))
	}
	if jsonErr != nil {
		return fmt.Errorf("%s %s: the answer is not JSON: %s", req.Method, req.URL.Path, snippet(body))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", req.Method, req.URL.Path, err)
		}
	}
	return nil
}
