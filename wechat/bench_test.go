package wechat_test

import (
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

// typicalText is a typical user message: a short Chinese sentence.
var typicalText = wechat.Message{
	ToUserName: "gh_97417a04a28d", FromUserName: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY", CreateTime: 1714112445,
	MsgType: wechat.MsgTypeText, Content: "你好，我的订单什么时候发货？", MsgID: 24573618273659021,
}

// BenchmarkDecryptDecodePush is the developer's cost per push in safe
// mode: verify msg_signature, decrypt, decode.
func BenchmarkDecryptDecodePush(b *testing.B) {
	for _, f := range allFormats {
		b.Run(f.String(), func(b *testing.B) {
			e := testEndpoint(wechat.ModeSafe, f)
			query, body, err := wechat.BuildPush(e, &typicalText, "1714112445", "415670741")
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := wechat.ParsePush(e, query, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncryptEncodeReply is the developer's cost of an encrypted
// transfer reply: encode, encrypt, sign, wrap.
func BenchmarkEncryptEncodeReply(b *testing.B) {
	for _, f := range allFormats {
		b.Run(f.String(), func(b *testing.B) {
			e := testEndpoint(wechat.ModeSafe, f)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := wechat.EncodeReply(e, wechat.ReplyTransfer, &typicalText, f, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildPushParseReply is the platform's cost per delivery in safe
// mode, the network aside: build the push, then read an encrypted transfer
// reply.
func BenchmarkBuildPushParseReply(b *testing.B) {
	for _, f := range allFormats {
		b.Run(f.String(), func(b *testing.B) {
			e := testEndpoint(wechat.ModeSafe, f)
			reply, err := wechat.EncodeReply(e, wechat.ReplyTransfer, &typicalText, f, true)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := wechat.BuildPush(e, &typicalText, "1714112445", "415670741"); err != nil {
					b.Fatal(err)
				}
				if _, err := wechat.ParseReply(e, reply); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
