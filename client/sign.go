package client

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Sign computes the signature a host site or app server gives a logged-in
// user so Kefu knows who they are on every device:
//
//	hex(HMAC-SHA256(identity secret, appid + ":" + userID + ":" + ts))
//
// with ts in Unix seconds. Kefu accepts it for ten minutes either side of
// its own clock. Never compute it on the device: the secret stays on the
// server.
func Sign(secret, appID, userID string, ts int64) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(appID + ":" + userID + ":" + strconv.FormatInt(ts, 10)))
	return hex.EncodeToString(m.Sum(nil))
}
