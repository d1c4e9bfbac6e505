// Package client speaks Kefu's client API — the customer's side of a
// conversation — for app back ends, SDKs and tests: identify a customer,
// open the chat, send text, images and mini program cards, read the
// history, and follow the conversation live over a WebSocket that
// reconnects and resumes by itself, delivering every message exactly once.
//
//	c := client.New("https://kefu.example", "wx1234567890abcdef", client.WithSDK("5.1"))
//	if _, err := c.Identify(ctx, client.Visitor("device-7f9c2a81d03e4b55")); err != nil { … }
//	c.Enter(ctx, "order-42", nil)
//	for ev := range c.Connect(ctx, 0) {
//		if ev.Type == client.EventMessage { fmt.Println(ev.Message.Text.Content) }
//	}
//
// The API itself is documented in docs/client-api.md.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
)

// Client is one customer of one app. It is safe for concurrent use once
// Identify has returned.
type Client struct {
	base       string
	appID      string
	channel    kefu.Channel
	sdkVersion string
	hc         *http.Client

	mu      sync.Mutex
	session *Session
}

// Option configures a Client.
type Option func(*Client)

// WithSDK sets the SDK channel and the SDK version the client reports.
// Product messages reach SDK customers from version 5.1 on.
func WithSDK(version string) Option {
	return func(c *Client) { c.channel, c.sdkVersion = kefu.ChannelSDK, version }
}

// WithChannel sets the channel (default sdk; web and miniprogram are what
// the widget and the simulator use).
func WithChannel(ch kefu.Channel) Option { return func(c *Client) { c.channel = ch } }

// WithHTTPClient sets the HTTP client (default: one with a 30 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.hc = hc } }

// New returns a client of app appID at Kefu's base URL. Without options it
// uses the SDK channel at version 5.1.
func New(baseURL, appID string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(baseURL, "/"), appID: appID, channel: kefu.ChannelSDK, sdkVersion: "5.1",
		hc: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Error is an error answer of the client API.
type Error struct {
	Status  int    // the HTTP status
	Code    string // kefu's error code: invalid, unauthorized, channel…
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("kefu client API: %s (HTTP %d): %s", e.Code, e.Status, e.Message)
}

// ErrorCode returns the client API error code in err's chain, or "".
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Identity says who the customer is: an anonymous visitor or a user the
// app's server vouches for.
type Identity struct {
	VisitorID string // 16 to 128 characters, stable for this device
	// A signed user: see Sign.
	UserID    string
	Timestamp int64
	Signature string
	Name      string // optional, shown to agents
}

// Visitor is an anonymous identity with a stable random id of the device.
func Visitor(id string) Identity { return Identity{VisitorID: id} }

// SignedUser is a user identity signed now with the app's identity secret.
// Only a server holding the secret can do this; a device receives the
// three values from its server instead.
func SignedUser(secret, appID, userID string) Identity {
	ts := time.Now().Unix()
	return Identity{UserID: userID, Timestamp: ts, Signature: Sign(secret, appID, userID, ts)}
}

// Session, State, Agent, Message and Outgoing are the client API's wire
// format: the server encodes and decodes these same types, so a change here
// changes the API (docs/client-api.md) and what web/static reads.

// Session is the customer's credential and their conversation's state.
type Session struct {
	Token     string       `json:"token"`
	ExpiresAt time.Time    `json:"expires_at"`
	OpenID    string       `json:"openid"`
	Channel   kefu.Channel `json:"channel"`
	State     State        `json:"state"`
}

// State is where the customer's session stands.
type State struct {
	State kefu.State `json:"state"` // developer, queued or active
	// QueuePosition is 1 for the next customer to be served (queued only).
	QueuePosition int    `json:"queue_position,omitempty"`
	Agent         *Agent `json:"agent,omitempty"`
	LastSeq       int64  `json:"last_seq"`
	ReadSeq       int64  `json:"read_seq"`
}

// Agent is the person serving the customer.
type Agent struct {
	Name string `json:"name"`
}

// Message is a message as the customer sees it (no internal fields).
// Exactly one body is set.
type Message struct {
	ID              int64                 `json:"id"`
	Seq             int64                 `json:"seq"`
	ClientMsgID     string                `json:"client_msg_id,omitempty"`
	Sender          kefu.Sender           `json:"sender"`
	AgentName       string                `json:"agent_name,omitempty"`
	Kind            kefu.Kind             `json:"kind"`
	Push            kefu.PushStatus       `json:"push,omitempty"`
	CreatedAt       time.Time             `json:"created_at"`
	Text            *kefu.Text            `json:"text,omitempty"`
	Image           *kefu.Image           `json:"image,omitempty"`
	MiniProgramPage *kefu.MiniProgramPage `json:"miniprogrampage,omitempty"`
	Link            *kefu.Link            `json:"link,omitempty"`
	Rich            *kefu.Rich            `json:"rich,omitempty"`
	Product         *kefu.Product         `json:"product,omitempty"`
	Notice          *kefu.Notice          `json:"notice,omitempty"`
}

// Identify signs the customer in (creating them on first contact) and
// keeps the token for every later call. It pushes nothing to the developer.
func (c *Client) Identify(ctx context.Context, id Identity) (*Session, error) {
	body := map[string]any{"appid": c.appID, "channel": c.channel, "name": id.Name}
	if c.sdkVersion != "" {
		body["sdk_version"] = c.sdkVersion
	}
	if id.UserID != "" {
		body["identity"] = map[string]any{"user_id": id.UserID, "timestamp": id.Timestamp, "signature": id.Signature}
	} else {
		body["visitor_id"] = id.VisitorID
	}
	var s Session
	if err := c.call(ctx, "POST", "/api/client/sessions", "", body, &s); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.session = &s
	c.mu.Unlock()
	return &s, nil
}

// Session returns the session of the last Identify (nil before).
func (c *Client) Session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

func (c *Client) token() (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == nil {
		return "", errors.New("kefu client: call Identify first")
	}
	return c.session.Token, nil
}

// Card is the message card a chat is opened with (the button's
// send-message-title, -path and -img).
type Card = kefu.MessageCard

// Enter opens the chat: the developer receives user_enter_tempsession with
// sessionFrom (and the card the customer is offered, if any).
func (c *Client) Enter(ctx context.Context, sessionFrom string, card *Card) (*State, error) {
	var st State
	err := c.authed(ctx, "POST", "/api/client/enter", map[string]any{"session_from": sessionFrom, "card": card}, &st)
	return &st, err
}

// GetState reads the session state.
func (c *Client) GetState(ctx context.Context) (*State, error) {
	var st State
	err := c.authed(ctx, "GET", "/api/client/state", nil, &st)
	return &st, err
}

// Outgoing is a message the customer sends: text, image or
// miniprogrampage. ClientMsgID makes sending idempotent; Send fills it in
// when empty.
type Outgoing struct {
	ClientMsgID     string                `json:"client_msg_id"`
	Kind            kefu.Kind             `json:"kind"`
	Text            *kefu.Text            `json:"text,omitempty"`
	Image           *kefu.Image           `json:"image,omitempty"`
	MiniProgramPage *kefu.MiniProgramPage `json:"miniprogrampage,omitempty"`
}

// sendTries is how often Send tries a message before giving up.
const sendTries = 4

// Send sends a message and returns it as stored. A network failure or a
// 5xx answer is retried with the same client message id, so the message is
// stored once however often it is sent.
func (c *Client) Send(ctx context.Context, m *Outgoing) (*Message, error) {
	if m.ClientMsgID == "" {
		m.ClientMsgID = NewClientMsgID()
	}
	var out Message
	var err error
	for try := 1; try <= sendTries; try++ {
		err = c.authed(ctx, "POST", "/api/client/messages", m, &out)
		var e *Error
		if err == nil || errors.As(err, &e) && e.Status < 500 || ctx.Err() != nil {
			break
		}
		if try < sendTries {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Duration(try*try) * 200 * time.Millisecond):
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SendText sends a text message.
func (c *Client) SendText(ctx context.Context, text string) (*Message, error) {
	return c.Send(ctx, &Outgoing{Kind: kefu.KindText, Text: &kefu.Text{Content: text}})
}

// SendImage sends an image uploaded with Upload.
func (c *Client) SendImage(ctx context.Context, mediaID string) (*Message, error) {
	return c.Send(ctx, &Outgoing{Kind: kefu.KindImage, Image: &kefu.Image{MediaID: mediaID}})
}

// SendCard sends a mini program card (title and pagepath required; the
// picture is thumb_media_id from Upload or an http(s) thumb_url).
func (c *Client) SendCard(ctx context.Context, card *kefu.MiniProgramPage) (*Message, error) {
	return c.Send(ctx, &Outgoing{Kind: kefu.KindMiniProgramPage, MiniProgramPage: card})
}

// Media is an uploaded image.
type Media struct {
	MediaID string `json:"media_id"`
	URL     string `json:"url"` // path on Kefu: /media/ID
}

// Upload uploads an image (JPEG, PNG, GIF or WebP, judged by its bytes).
func (c *Client) Upload(ctx context.Context, filename string, r io.Reader) (*Media, error) {
	tok, err := c.token()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("media", filename)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(fw, r); err != nil {
		return nil, fmt.Errorf("kefu client: read upload: %w", err)
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/api/client/media", &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	var m Media
	if err := c.do(req, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// History reads up to limit messages after seq (0: from the start). last
// is the sequence number to continue from, which may be past the last
// message returned (events are numbered but never shown).
func (c *Client) History(ctx context.Context, after int64, limit int) (msgs []*Message, last int64, err error) {
	var out struct {
		Messages []*Message `json:"messages"`
		LastSeq  int64      `json:"last_seq"`
	}
	path := "/api/client/messages?after=" + strconv.FormatInt(after, 10) + "&limit=" + strconv.Itoa(limit)
	if err := c.authed(ctx, "GET", path, nil, &out); err != nil {
		return nil, after, err
	}
	return out.Messages, out.LastSeq, nil
}

// Typing tells the agent the customer is typing (on) or stopped.
func (c *Client) Typing(ctx context.Context, on bool) error {
	return c.authed(ctx, "POST", "/api/client/typing", map[string]bool{"on": on}, nil)
}

// Read reports that the customer has received messages up to delivered and
// seen them up to read (sequence numbers; markers never move back).
func (c *Client) Read(ctx context.Context, delivered, read int64) error {
	return c.authed(ctx, "POST", "/api/client/read", map[string]int64{"delivered": delivered, "read": read}, nil)
}

// NewClientMsgID returns a random client message id.
func NewClientMsgID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// authed calls the API with the session's token.
func (c *Client) authed(ctx context.Context, method, path string, body, out any) error {
	tok, err := c.token()
	if err != nil {
		return err
	}
	return c.call(ctx, method, path, tok, body, out)
}

func (c *Client) call(ctx context.Context, method, path, tok string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return c.do(req, out)
}

// do sends a request and decodes a JSON answer or the API's error shape.
func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("kefu client: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("kefu client: %s %s: read answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode >= 300 {
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(data, &eb) != nil || eb.Error.Code == "" {
			eb.Error.Code, eb.Error.Message = "http", strings.TrimSpace(string(data))
		}
		return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("kefu client: %s %s: decode answer: %w", req.Method, req.URL.Path, err)
		}
	}
	return nil
}

// wsURL is the WebSocket address resuming after seq.
func (c *Client) wsURL(tok string, after int64) string {
	u := c.base + "/api/client/ws?token=" + url.QueryEscape(tok) + "&after=" + strconv.FormatInt(after, 10)
	if strings.HasPrefix(u, "https:") {
		return "wss:" + strings.TrimPrefix(u, "https:")
	}
	return "ws:" + strings.TrimPrefix(u, "http:")
}
