// Package wechat speaks the WeChat Mini Program customer-service protocol,
// on both ends: it is the SDK a developer imports to serve a push URL and
// call the API, and what Kefu itself uses to push to developers and to serve
// a WeChat-compatible /cgi-bin. It uses only the standard library and keeps
// no state beyond an access-token cache and an optional dedupe cache.
//
// # The pieces
//
//   - Signatures: [Signature] (URL verification and plaintext pushes) and
//     [MsgSignature] (encrypted pushes and replies), verified in constant
//     time by [VerifySignature] and [VerifyMsgSignature].
//   - Crypto: [Cipher], AES-256-CBC exactly as WeChat does it, with a
//     previous EncodingAESKey as a decryption fallback.
//   - Messages: [Message], one type for every inbound kind and the
//     transfer reply, in XML or JSON ([DecodeMessage], [EncodeMessage]);
//     [Envelope] for encrypted bodies.
//   - The platform side: [Endpoint], [BuildPush], [ParseReply], [VerifyURL].
//   - The developer side: [ParsePush], [EncodeReply], and [Handler], a
//     complete push URL.
//   - The API: [Client] (access tokens, send, typing, temporary media) and
//     the request and response types, with [APIError] and the errcode
//     constants.
//
// # Pitfalls this package gets right
//
// Public SDKs commonly get these wrong:
//
//   - In safe mode a push is verified with msg_signature, which covers the
//     Encrypt value; signature alone covers only token, timestamp and nonce,
//     so checking it proves nothing about the body. [ParsePush] never
//     accepts an encrypted push on signature alone, and rejects plaintext
//     pushes to a safe-mode endpoint.
//   - The plaintext is padded with PKCS#7 to a multiple of 32 bytes, not
//     the AES block size of 16: pad values run 1..32, and [Cipher.Decrypt]
//     checks every pad byte, the msg_len field against what follows it, and
//     the appid at the end. Each failure is its own error ([ErrBase64],
//     [ErrLength], [ErrPadding], [ErrAppID]), and no input makes it panic.
//   - The IV is the first 16 bytes of the key; the random prefix comes from
//     crypto/rand.
//   - EncodingAESKey's last character carries two bits beyond the 32-byte
//     key; they are ignored (non-strict base64), as WeChat does.
//   - A push is answered in its own format: XML to XML, JSON to JSON.
//     [SniffFormat] reads the body, not the undocumented Content-Type.
//   - The encrypted reply envelope is {"Encrypt", "MsgSignature",
//     "TimeStamp", "Nonce"}, with TimeStamp a JSON number and Nonce a
//     string; not Signature or Timestamp.
//   - In compatible mode, a reply is encrypted exactly when the push had
//     encrypt_type=aes. "success" and the empty body are never encrypted.
//   - Mini programs have no passive replies: the only meaningful reply body
//     is transfer_customer_service. [ParseReply] says so for anything else.
//   - MsgId is decoded from a number or a string; unknown message types,
//     events and fields are kept in [Message.Extra] rather than rejected.
//   - Retries (3 tries, 5 seconds apart) are deduplicated by MsgId, and
//     events, which have none, by FromUserName and CreateTime.
//   - getTempMedia is a GET, and answers errors as JSON with a 200 status;
//     uploads are multipart/form-data with the field "media".
//   - [Handler] sets headers before writing the status line.
//   - Errcode 40001 (and 40014, 42001) refresh the access token once and
//     retry; concurrent callers share one refresh; secrets and tokens stay
//     out of error messages.
//
// # Decisions where WeChat's documentation is silent
//
//   - [EncodeMessage] writes the fields of a message's kind even when
//     empty, as WeChat's examples show them, and other fields only when
//     set; XML strings are CDATA unless they hold "]]>" or a carriage
//     return, and characters XML cannot carry become U+FFFD.
//   - [ParseReply] accepts "success" and the empty body with surrounding
//     white space, and an encrypted envelope holding "success".
//   - [VerifyURL] wants the echostr back exactly, without a trailing
//     newline.
package wechat
