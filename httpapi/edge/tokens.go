package edge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/kefuhq/kefu"
)

// Sign returns base64url(HMAC-SHA256(key, purpose | payload)). Each purpose
// gets its own MACs so a token of one kind is never accepted as another.
func (s *Surface) Sign(purpose string, payload []byte) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SealToken returns "payload.mac" for a JSON value.
func (s *Surface) SealToken(purpose string, v any) string {
	b, _ := json.Marshal(v)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + s.Sign(purpose, []byte(p))
}

// OpenToken checks a token from SealToken and decodes its payload into v.
func (s *Surface) OpenToken(purpose, tok string, v any) bool {
	p, mac, ok := strings.Cut(tok, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.Sign(purpose, []byte(p)))) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	return err == nil && json.Unmarshal(b, v) == nil
}

// ClientClaims is what a customer's token says: whose conversation it opens.
type ClientClaims struct {
	Customer     int64  `json:"c"`
	Conversation int64  `json:"v"`
	App          string `json:"a"`
	Expires      int64  `json:"e"`
}

// clientTokenLifetime is how long a client token lasts; clients identify
// again (silently) when theirs runs out.
const clientTokenLifetime = 30 * 24 * time.Hour

// ClientToken seals a customer's token for their conversation and says when
// it expires.
func (s *Surface) ClientToken(cust *kefu.Customer, c *kefu.Conversation) (string, time.Time) {
	exp := s.Clock.Now().Add(clientTokenLifetime)
	return s.SealToken("client", ClientClaims{Customer: cust.ID, Conversation: c.ID, App: c.AppID, Expires: exp.Unix()}), exp
}

// ParseClientToken checks a customer's token and returns what it says.
func (s *Surface) ParseClientToken(tok string) (*ClientClaims, error) {
	var cl ClientClaims
	if tok == "" {
		return nil, kefu.Errorf(kefu.EUNAUTHORIZED, "a client token is required (Authorization: Bearer …)")
	}
	if !s.OpenToken("client", tok, &cl) {
		return nil, kefu.Errorf(kefu.EUNAUTHORIZED, "the client token is not valid")
	}
	if s.Clock.Now().Unix() >= cl.Expires {
		return nil, kefu.Errorf(kefu.EUNAUTHORIZED, "the client token has expired; identify again")
	}
	return &cl, nil
}

// IdentityMaxAge is how old a host site's signed identity may be.
const IdentityMaxAge = 10 * time.Minute

// IdentitySignature is what a host site computes to vouch for one of its
// users: hex(HMAC-SHA256(identity secret, appid + ":" + userID + ":" + ts)),
// ts in Unix seconds.
func IdentitySignature(secret, appID, userID string, ts int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(appID + ":" + userID + ":" + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyIdentity checks a host site's signed identity.
func VerifyIdentity(app *kefu.App, userID string, ts int64, sig string, now time.Time) error {
	if app.IdentitySecret == "" {
		return kefu.Errorf(kefu.EFORBIDDEN, "this app does not accept signed identities")
	}
	if userID == "" || len(userID) > 128 {
		return kefu.Errorf(kefu.EINVALID, "identity user_id must be 1 to 128 characters")
	}
	want := IdentitySignature(app.IdentitySecret, app.ID, userID, ts)
	if !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
		return kefu.Errorf(kefu.EUNAUTHORIZED, "the identity signature is not valid")
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > IdentityMaxAge || age < -IdentityMaxAge {
		return kefu.Errorf(kefu.EUNAUTHORIZED, "the identity signature has expired; sign it again")
	}
	return nil
}
