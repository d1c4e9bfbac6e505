package wechat_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/kefuhq/kefu/wechat"
)

// The URL verification and plaintext push signature of WeChat's example.
func ExampleSignature() {
	fmt.Println(wechat.Signature("AAAAA", "1714036504", "1514711492"))
	fmt.Println(wechat.VerifySignature("AAAAA", "1714037059", "486452656", "899cf89e464efb63f54ddac96b0a0a235f53aa78"))
	// Output:
	// f464b24fc39322e44b38aa78f5edd27bd1441696
	// true
}

// Decrypting the Encrypt field of WeChat's example safe-mode push.
func ExampleCipher_Decrypt() {
	c, err := wechat.NewCipher("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")
	if err != nil {
		log.Fatal(err)
	}
	msg, err := c.Decrypt("+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04=")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(msg))
	// Output:
	// {"ToUserName":"gh_97417a04a28d","FromUserName":"o9AgO5Kd5ggOC-bXrbNODIiE3bGY","CreateTime":1714112445,"MsgType":"event","Event":"debug_demo","debug_str":"hello world"}
}

// Verifying, decrypting and decoding WeChat's example push in one call.
func ExampleParsePush() {
	e := wechat.Endpoint{Token: "AAAAA", EncodingAESKey: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", AppID: "wxba5fad812f8e6fb9", Mode: wechat.ModeSafe, Format: wechat.FormatJSON}
	query, _ := url.ParseQuery("signature=6c5c811b55cc85e0e1b54100749188c20beb3f5d&timestamp=1714112445&nonce=415670741&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=046e02f8204d34f8ba5fa3b1db94908f3df2e9b3")
	body := `{"ToUserName":"gh_97417a04a28d","Encrypt":"+qdx1OKCy+5JPCBFWw70tm0fJGb2Jmeia4FCB7kao+/Q5c/ohsOzQHi8khUOb05JCpj0JB4RvQMkUyus8TPxLKJGQqcvZqzDpVzazhZv6JsXUnnR8XGT740XgXZUXQ7vJVnAG+tE8NUd4yFyjPy7GgiaviNrlCTj+l5kdfMuFUPpRSrfMZuMcp3Fn2Pede2IuQrKEYwKSqFIZoNqJ4M8EajAsjLY2km32IIjdf8YL/P50F7mStwntrA2cPDrM1kb6mOcfBgRtWygb3VIYnSeOBrebufAlr7F9mFUPAJGj04="}`
	m, format, err := wechat.ParsePush(e, query, []byte(body))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(format, m.MsgType, m.Event, m.FromUserName, m.Extra["debug_str"])
	// Output:
	// json event debug_demo o9AgO5Kd5ggOC-bXrbNODIiE3bGY hello world
}

// Sealing a reply the way WeChat's example does (a fixed random prefix
// only to reproduce it; SealReply draws one from crypto/rand).
func ExampleNewReplyEnvelope() {
	c, err := wechat.NewCipher("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "wxba5fad812f8e6fb9")
	if err != nil {
		log.Fatal(err)
	}
	enc, err := c.EncryptWithRandom([]byte("707722b803182950"), []byte(`{"demo_resp":"good luck"}`))
	if err != nil {
		log.Fatal(err)
	}
	env := wechat.NewReplyEnvelope("AAAAA", 1713424427, "415670741", enc)
	fmt.Println(string(env.Encode(wechat.FormatJSON)))
	// Output:
	// {"Encrypt":"ELGduP2YcVatjqIS+eZbp80MNLoAUWvzzyJxgGzxZO/5sAvd070Bs6qrLARC9nVHm48Y4hyRbtzve1L32tmxSQ==","MsgSignature":"1b9339964ed2e271e7c7b6ff2b0ef902fc94dea1","TimeStamp":1713424427,"Nonce":"415670741"}
}

// A developer's push URL: hand users who ask for a human to customer
// service, acknowledge everything else. Here a simulated WeChat pushes a
// safe-mode text message to it.
func ExampleHandler() {
	e := wechat.Endpoint{
		Token:          "my-token",
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		AppID:          "wx0123456789abcdef",
		Mode:           wechat.ModeSafe,
		Format:         wechat.FormatJSON,
	}
	h := wechat.NewHandler(e, func(ctx context.Context, m *wechat.Message) (wechat.ReplyKind, error) {
		fmt.Printf("got %s from %s: %s\n", m.MsgType, m.FromUserName, m.Content)
		if m.MsgType == wechat.MsgTypeText && m.Content == "人工" {
			return wechat.ReplyTransfer, nil
		}
		return wechat.ReplySuccess, nil
	})
	srv := httptest.NewServer(h) // in production: http.Handle("/wechat/push", h)
	defer srv.Close()

	// What WeChat (or Kefu) does.
	push := &wechat.Message{ToUserName: "gh_abc", FromUserName: "openid-1", CreateTime: 1714112445, MsgType: wechat.MsgTypeText, Content: "人工", MsgID: 1}
	query, body, err := wechat.BuildPush(e, push, "1714112445", "415670741")
	if err != nil {
		log.Fatal(err)
	}
	resp, err := http.Post(srv.URL+"?"+query.Encode(), e.Format.ContentType(), bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(resp.Body)
	kind, err := wechat.ParseReply(e, reply)
	fmt.Println(resp.StatusCode, kind, err)
	// Output:
	// got text from openid-1: 人工
	// 200 transfer_customer_service <nil>
}

// Replying to a user through the API. The base URL points at a stand-in
// for WeChat here; it is where a Kefu server would go.
func ExampleClient() {
	fake := http.NewServeMux()
	fake.HandleFunc("GET /cgi-bin/token", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"ACCESS_TOKEN","expires_in":7200}`)
	})
	fake.HandleFunc("POST /cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("WeChat got %s", body)
		io.WriteString(w, `{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled"}`)
	})
	srv := httptest.NewServer(fake)
	defer srv.Close()

	c := wechat.NewClient("wx0123456789abcdef", "app-secret", wechat.WithBaseURL(srv.URL))
	err := c.SendText(context.Background(), "openid-1", "Your order shipped: "+
		wechat.MiniProgramLink("track it", "https://example.com/orders/1", "wx0123456789abcdef", "pages/order?id=1"))
	fmt.Println(err)
	fmt.Println(wechat.ErrorCode(err) == wechat.CodeResponseOutOfTime)
	// Output:
	// WeChat got {"touser":"openid-1","msgtype":"text","text":{"content":"Your order shipped: <a href=\"https://example.com/orders/1\" data-miniprogram-appid=\"wx0123456789abcdef\" data-miniprogram-path=\"pages/order?id=1\">track it</a>"}}
	// wechat: send text: wechat: errcode 45015: response out of time limit or subscription is canceled
	// true
}

// The platform's side: what Kefu sends to a developer's URL, and how it
// reads the answer.
func ExampleBuildPush() {
	e := wechat.Endpoint{Token: "my-token", OriginalID: "gh_abc", Mode: wechat.ModePlaintext, Format: wechat.FormatXML}
	m := &wechat.Message{FromUserName: "openid-1", CreateTime: 1482048670, MsgType: wechat.MsgTypeEvent, Event: wechat.EventUserEnterTempSession, SessionFrom: "cart"}
	query, body, err := wechat.BuildPush(e, m, "1482048670", "415670741")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(query.Encode())
	fmt.Println(string(body))
	kind, err := wechat.ParseReply(e, []byte("success"))
	fmt.Println(kind, err)
	// Output:
	// nonce=415670741&openid=openid-1&signature=dd3b6c01619904e542eacf2400970173527b8998&timestamp=1482048670
	// <xml><ToUserName><![CDATA[gh_abc]]></ToUserName><FromUserName><![CDATA[openid-1]]></FromUserName><CreateTime>1482048670</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_enter_tempsession]]></Event><SessionFrom><![CDATA[cart]]></SessionFrom></xml>
	// success <nil>
}
