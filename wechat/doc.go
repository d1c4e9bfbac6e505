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
//     the AES block size of 16: pad values run 1..32. [Cipher.Encrypt] pads
//     to 32 as WeChat does; [Cipher.Decrypt] also opens ciphertexts padded
//     to 16 (what some SDKs write; CBC needs only whole blocks), and checks
//     every pad byte, the msg_len field against what follows it, and the
//     appid at the end. Each failure is its own error ([ErrBase64],
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
//   - Unknown message types, events and fields decode, with the unknown
//     fields in [Message.Extra]: WeChat adds kinds, and Kefu shows them as
//     unsupported messages rather than losing them.
//   - Retries (3 tries, 5 seconds apart) are deduplicated by MsgId, and
//     events, which have none, by FromUserName and CreateTime.
//   - getTempMedia is a GET, and answers errors as JSON with a 200 status;
//     uploads are multipart/form-data with the field "media".
//   - [Handler] sets headers before writing the status line.
//   - Errcode 40001 (and 40014, 42001) refresh the access token once and
//     retry; concurrent callers share one refresh; secrets and tokens stay
//     out of error messages.
//
// # Strict decoding
//
// A push URL faces the internet, so everything that decodes a body
// ([DecodeMessage], [DecodeEnvelope], [ParsePush], [VerifyPush],
// [ReadPush], [ParseReply], [Handler]) accepts exactly the shapes WeChat
// sends and refuses the rest with a specific error, each also wrapping
// [ErrFormat] unless it is about size or time:
//
//   - Size: at most [DefaultMaxBodyBytes] (1 MiB) unless configured
//     ([PushOptions.MaxBodyBytes], [Handler.MaxBodyBytes]): [ErrTooLarge],
//     checked by every decoder itself, before parsing.
//   - Encoding: valid UTF-8 ([ErrInvalidUTF8], also for a JSON \u escape
//     of half a surrogate pair, which Go would turn into U+FFFD); no byte
//     order mark before JSON ([ErrBOM]).
//   - XML: no <!DOCTYPE> or other declaration ([ErrDoctype]; Go never
//     expands entities, but a body carrying them is hostile and may reach
//     parsers that do), no processing instruction but the XML declaration
//     at the start ([ErrProcInst]), a root that is exactly <xml> without
//     attributes ([ErrRootElement]), no namespaced field ([ErrNamespace]),
//     no text between fields.
//   - JSON: one object, nothing after it.
//   - Fields: each once ([ErrDuplicateField]; names compared ignoring case,
//     JSON keys after unescaping, so no reader that folds case or keeps the
//     first value can see another message), and WeChat's names in WeChat's
//     case ([ErrFieldName]).
//   - Required fields ([ErrMissingField], with [FieldError.Field]): for
//     every push ToUserName, FromUserName, CreateTime and a non-empty
//     MsgType; Content and MsgId for text; PicUrl, MediaId and MsgId for
//     image; Title, AppId, PagePath, ThumbUrl, ThumbMediaId and MsgId for
//     miniprogrampage; Event for events. Present means present: an empty
//     string is a value.
//   - Types ([ErrFieldType], [ErrNumber]): strings are JSON strings (null is
//     not one); CreateTime is a JSON number, MsgId a JSON number or a JSON
//     string, both non-negative decimal integers of 64 bits without sign,
//     fraction, exponent or leading zero.
//   - Format: [VerifyPush] wants the body, and the decrypted body inside an
//     envelope, in [Endpoint.Format] ([ErrWrongFormat]): WeChat sends each
//     push URL one format, so the other is not WeChat.
//
// Leniencies that real WeChat traffic needs, and nothing more:
//
//   - The Content-Type is neither trusted nor checked; the body tells the
//     format.
//   - MsgId arrives as a number in WeChat's examples and as a string in
//     one of its cloud-function examples: both are accepted.
//   - SessionFrom of user_enter_tempsession may be absent (read as empty):
//     a contact button without session-from has nothing to send, and
//     refusing would drop the event that opens a conversation.
//   - XML may have the XML declaration, comments, a byte order mark, white
//     space around the root and between fields (WeChat's examples are
//     pretty-printed) and around the digits of CreateTime and MsgId; text
//     may be CDATA, as WeChat writes it, or escaped character data.
//   - JSON may have white space wherever JSON allows it, and escapes in
//     keys and values.
//   - [VerifyPush] checks the timestamp only when asked
//     ([PushOptions.MaxClockSkew], [Handler.MaxClockSkew]): WeChat retries
//     a push with its first timestamp, and servers' clocks drift.
//   - Transfer replies, which developers' own code writes, are read with
//     only MsgType required and integers as numbers or strings; their
//     structure is checked as strictly as a push's.
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
