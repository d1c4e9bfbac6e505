package wechat_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kefuhq/kefu/wechat"
)

// The four inbound kinds as RECV documents them, in both formats.
var recvExamples = []struct {
	name      string
	xml, json string
	want      wechat.Message
}{
	{
		name: "text",
		xml: `<xml>
   <ToUserName><![CDATA[toUser]]></ToUserName>
   <FromUserName><![CDATA[fromUser]]></FromUserName>
   <CreateTime>1482048670</CreateTime>
   <MsgType><![CDATA[text]]></MsgType>
   <Content><![CDATA[this is a test]]></Content>
   <MsgId>1234567890123456</MsgId>
</xml>`,
		json: `{
  "ToUserName": "toUser",
  "FromUserName": "fromUser",
  "CreateTime": 1482048670,
  "MsgType": "text",
  "Content": "this is a test",
  "MsgId": 1234567890123456
}`,
		want: wechat.Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1482048670, MsgType: "text", Content: "this is a test", MsgID: 1234567890123456},
	},
	{
		name: "image",
		xml: `<xml>
      <ToUserName><![CDATA[toUser]]></ToUserName>
      <FromUserName><![CDATA[fromUser]]></FromUserName>
      <CreateTime>1482048670</CreateTime>
      <MsgType><![CDATA[image]]></MsgType>
      <PicUrl><![CDATA[this is a url]]></PicUrl>
      <MediaId><![CDATA[media_id]]></MediaId>
      <MsgId>1234567890123456</MsgId>
</xml>`,
		json: `{"ToUserName": "toUser", "FromUserName": "fromUser", "CreateTime": 1482048670, "MsgType": "image",
  "PicUrl": "this is a url", "MediaId": "media_id", "MsgId": 1234567890123456}`,
		want: wechat.Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1482048670, MsgType: "image", PicURL: "this is a url", MediaID: "media_id", MsgID: 1234567890123456},
	},
	{
		name: "miniprogrampage",
		xml: `<xml>
  <ToUserName><![CDATA[toUser]]></ToUserName>
  <FromUserName><![CDATA[fromUser]]></FromUserName>
  <CreateTime>1482048670</CreateTime>
  <MsgType><![CDATA[miniprogrampage]]></MsgType>
  <MsgId>1234567890123456</MsgId>
  <Title><![CDATA[title]]></Title>
  <AppId><![CDATA[appid]]></AppId>
  <PagePath><![CDATA[path]]></PagePath>
  <ThumbUrl><![CDATA[]]></ThumbUrl>
  <ThumbMediaId><![CDATA[]]></ThumbMediaId>
</xml>`,
		json: `{"ToUserName": "toUser", "FromUserName": "fromUser", "CreateTime": 1482048670, "MsgType": "miniprogrampage",
  "MsgId": 1234567890123456, "Title":"title", "AppId":"appid", "PagePath":"path", "ThumbUrl":"", "ThumbMediaId":""}`,
		want: wechat.Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1482048670, MsgType: "miniprogrampage", MsgID: 1234567890123456, Title: "title", AppID: "appid", PagePath: "path"},
	},
	{
		name: "user_enter_tempsession",
		xml: `<xml>
    <ToUserName><![CDATA[toUser]]></ToUserName>
    <FromUserName><![CDATA[fromUser]]></FromUserName>
    <CreateTime>1482048670</CreateTime>
    <MsgType><![CDATA[event]]></MsgType>
    <Event><![CDATA[user_enter_tempsession]]></Event>
    <SessionFrom><![CDATA[sessionFrom]]></SessionFrom>
</xml>`,
		json: `{"ToUserName": "toUser", "FromUserName": "fromUser", "CreateTime": 1482048670, "MsgType": "event",
  "Event": "user_enter_tempsession", "SessionFrom": "sessionFrom"}`,
		want: wechat.Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1482048670, MsgType: "event", Event: "user_enter_tempsession", SessionFrom: "sessionFrom"},
	},
}

func TestDecodeMessageRECVExamples(t *testing.T) {
	for _, ex := range recvExamples {
		for _, in := range []struct {
			body string
			f    wechat.Format
		}{{ex.xml, wechat.FormatXML}, {ex.json, wechat.FormatJSON}} {
			t.Run(ex.name+"/"+in.f.String(), func(t *testing.T) {
				m, f, err := wechat.DecodeMessage([]byte(in.body))
				if err != nil {
					t.Fatal(err)
				}
				if f != in.f {
					t.Errorf("format = %v, want %v", f, in.f)
				}
				assertMessage(t, m, &ex.want)
			})
		}
	}
}

func TestEncodeMessageExact(t *testing.T) {
	text := &recvExamples[0].want
	tests := []struct {
		name string
		m    *wechat.Message
		f    wechat.Format
		want string
	}{
		{"text xml", text, wechat.FormatXML, `<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[fromUser]]></FromUserName><CreateTime>1482048670</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[this is a test]]></Content><MsgId>1234567890123456</MsgId></xml>`},
		{"text json", text, wechat.FormatJSON, `{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"text","Content":"this is a test","MsgId":1234567890123456}`},
		// The kind's fields are written even when empty, as in RECV's example.
		{"miniprogrampage json", &recvExamples[2].want, wechat.FormatJSON, `{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"miniprogrampage","MsgId":1234567890123456,"Title":"title","AppId":"appid","PagePath":"path","ThumbUrl":"","ThumbMediaId":""}`},
		{"event json", &recvExamples[3].want, wechat.FormatJSON, `{"ToUserName":"toUser","FromUserName":"fromUser","CreateTime":1482048670,"MsgType":"event","Event":"user_enter_tempsession","SessionFrom":"sessionFrom"}`},
		{"transfer xml", &wechat.Message{ToUserName: "openid", FromUserName: "gh_1", CreateTime: 1399197672, MsgType: wechat.MsgTypeTransfer}, wechat.FormatXML,
			`<xml><ToUserName><![CDATA[openid]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName><CreateTime>1399197672</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>`},
		{"unknown kind with extra", &wechat.Message{MsgType: "video", MediaID: "m", Extra: map[string]string{"b": "2", "a": "1", "Content": "ignored: a known name"}}, wechat.FormatJSON,
			`{"ToUserName":"","FromUserName":"","CreateTime":0,"MsgType":"video","MediaId":"m","a":"1","b":"2"}`},
		{"escaping json", &wechat.Message{MsgType: "text", Content: "<a href=\"x\">链接</a>\n\t\x01\u2028\xff"}, wechat.FormatJSON,
			`{"ToUserName":"","FromUserName":"","CreateTime":0,"MsgType":"text","Content":"<a href=\"x\">链接</a>\n\t\u0001\u2028\ufffd","MsgId":0}`},
		{"XML cannot hold control characters", &wechat.Message{MsgType: "text", Content: "a\bb\xffc"}, wechat.FormatXML,
			"<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[]]></FromUserName><CreateTime>0</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a\ufffdb\ufffdc]]></Content><MsgId>0</MsgId></xml>"},
		{"cdata cannot hold ]]>", &wechat.Message{MsgType: "text", Content: "a]]>b"}, wechat.FormatXML,
			`<xml><ToUserName><![CDATA[]]></ToUserName><FromUserName><![CDATA[]]></FromUserName><CreateTime>0</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>a]]&gt;b</Content><MsgId>0</MsgId></xml>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := wechat.EncodeMessage(tt.m, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("EncodeMessage =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestMessageRoundTripText covers the text that CDATA and JSON cannot carry
// as is.
func TestMessageRoundTripText(t *testing.T) {
	for _, s := range []string{"", "plain", "a]]>b", "]]>", "line\r\nbreak\rCR", "<b>&amp;</b>", "tab\tnl\n", "emoji 😀 中文", `quote" back\slash`} {
		for _, f := range []wechat.Format{wechat.FormatXML, wechat.FormatJSON} {
			m := &wechat.Message{MsgType: "text", Content: s, Extra: map[string]string{"Note": s}}
			b, err := wechat.EncodeMessage(m, f)
			if err != nil {
				t.Fatal(err)
			}
			back, _, err := wechat.DecodeMessage(b)
			if err != nil {
				t.Fatalf("%v %q: %v\n%s", f, s, err, b)
			}
			if back.Content != s || back.Extra["Note"] != s {
				t.Errorf("%v: %q came back as %q / %q", f, s, back.Content, back.Extra["Note"])
			}
		}
	}
}

// TestDecodeMessageLeniencies covers what strict decoding still accepts,
// because WeChat's own traffic or XML itself allows it.
func TestDecodeMessageLeniencies(t *testing.T) {
	const common = `"ToUserName":"gh","FromUserName":"o","CreateTime":1482048670,`
	const xmlCommon = `<ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1482048670</CreateTime>`
	base := wechat.Message{ToUserName: "gh", FromUserName: "o", CreateTime: 1482048670}
	with := func(m wechat.Message) wechat.Message {
		m.ToUserName, m.FromUserName, m.CreateTime = base.ToUserName, base.FromUserName, base.CreateTime
		return m
	}
	tests := []struct {
		name, body string
		want       wechat.Message
	}{
		{"MsgId as a string", `{` + common + `"MsgType":"text","Content":"","MsgId":"1234567890123456"}`,
			with(wechat.Message{MsgType: "text", MsgID: 1234567890123456})},
		{"space around JSON", " \n" + `{` + common + `"MsgType":"x"}` + "\n",
			with(wechat.Message{MsgType: "x"})},
		{"BOM before XML", "\xef\xbb\xbf<xml>" + xmlCommon + `<MsgType>x</MsgType></xml>`,
			with(wechat.Message{MsgType: "x"})},
		{"XML declaration, comments, spaces in numbers, plain text", `<?xml version="1.0" encoding="UTF-8"?><!-- hi --><xml>` + xmlCommon + `<MsgType>text</MsgType><MsgId> 42 </MsgId><Content>a &amp; b</Content></xml>`,
			with(wechat.Message{MsgType: "text", MsgID: 42, Content: "a & b"})},
		{"null in an unknown field", `{` + common + `"MsgType":"x","N":null}`,
			with(wechat.Message{MsgType: "x", Extra: map[string]string{"N": ""}})},
		{"unknown event with nested values", `{` + common + `"MsgType":"event","Event":"new_thing","N":5,"B":true,"O":{"a":[1,2]},"S":"s"}`,
			with(wechat.Message{MsgType: "event", Event: "new_thing", Extra: map[string]string{"N": "5", "B": "true", "O": `{"a":[1,2]}`, "S": "s"}})},
		{"unknown XML with nested elements", `<xml>` + xmlCommon + `<MsgType>event</MsgType><Event>scan</Event><Info><Type><![CDATA[qr]]></Type></Info></xml>`,
			with(wechat.Message{MsgType: "event", Event: "scan", Extra: map[string]string{"Info": `<Type><![CDATA[qr]]></Type>`}})},
		{"enter session without SessionFrom", `{` + common + `"MsgType":"event","Event":"user_enter_tempsession"}`,
			with(wechat.Message{MsgType: "event", Event: "user_enter_tempsession"})},
		{"escaped key", `{` + common + `"Msg\u0054ype":"x"}`, with(wechat.Message{MsgType: "x"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _, err := wechat.DecodeMessage([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			assertMessage(t, m, &tt.want)
		})
	}
}

func TestDecodeMessageErrors(t *testing.T) {
	tests := []struct{ name, body, wantText string }{
		{"empty", "", "empty body"},
		{"neither format", "success", `body starts with "success"`},
		{"JSON syntax", `{"MsgType":`, "JSON"},
		{"JSON array", `[1]`, "JSON"},
		{"XML syntax", `<xml><MsgType>text</xml>`, "XML"},
		{"XML truncated", `<xml><MsgType>text</MsgType>`, "EOF"},
		{"XML second root", `<xml><MsgType>text</MsgType></xml><xml/>`, "second root"},
		{"text before root", `<`, "XML"},
		{"no MsgType", `{"Content":"x"}`, "missing field: MsgType"},
		{"MsgType a number", `{"MsgType":1}`, "MsgType: it is \"1\", want a string"},
		{"Content an object", `{"MsgType":"text","Content":{}}`, "want a string"},
		{"MsgId not an integer", `{"MsgType":"text","MsgId":"12a"}`, "MsgId"},
		{"MsgId a float", `{"MsgType":"text","MsgId":1.5}`, "MsgId"},
		{"MsgId too large", `{"MsgType":"text","MsgId":99999999999999999999}`, "64 bits"},
		{"CreateTime nested", `<xml><MsgType>text</MsgType><CreateTime><a/></CreateTime></xml>`, "CreateTime"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := wechat.DecodeMessage([]byte(tt.body))
			if !errors.Is(err, wechat.ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

func TestEncodeMessageErrors(t *testing.T) {
	if _, err := wechat.EncodeMessage(nil, wechat.FormatXML); err == nil {
		t.Error("nil message: no error")
	}
	if _, err := wechat.EncodeMessage(&wechat.Message{}, wechat.FormatXML); err == nil {
		t.Error("no MsgType: no error")
	}
	if _, err := wechat.EncodeMessage(&wechat.Message{MsgType: "text"}, wechat.Format(7)); err == nil {
		t.Error("unknown format: no error")
	}
	bad := &wechat.Message{MsgType: "x", Extra: map[string]string{"not a name": "v"}}
	if _, err := wechat.EncodeMessage(bad, wechat.FormatXML); err == nil || !strings.Contains(err.Error(), "not a name") {
		t.Errorf("XML with a bad field name: err = %v", err)
	}
	if _, err := wechat.EncodeMessage(bad, wechat.FormatJSON); err != nil {
		t.Errorf("JSON with any key: %v", err)
	}
}

func TestSniffFormat(t *testing.T) {
	tests := []struct {
		body string
		want wechat.Format
		ok   bool
	}{
		{"<xml/>", wechat.FormatXML, true},
		{" \r\n\t{}", wechat.FormatJSON, true},
		{"\xef\xbb\xbf<xml/>", wechat.FormatXML, true},
		{"", 0, false},
		{"   ", 0, false},
		{"success", 0, false},
		{"[]", 0, false},
	}
	for _, tt := range tests {
		f, err := wechat.SniffFormat([]byte(tt.body))
		if tt.ok != (err == nil) || tt.ok && f != tt.want {
			t.Errorf("SniffFormat(%q) = %v, %v", tt.body, f, err)
		}
		if err != nil && !errors.Is(err, wechat.ErrFormat) {
			t.Errorf("SniffFormat(%q): %v is not ErrFormat", tt.body, err)
		}
	}
}

func TestFormatAndModeText(t *testing.T) {
	for _, f := range []wechat.Format{wechat.FormatXML, wechat.FormatJSON} {
		b, err := f.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back wechat.Format
		if err := back.UnmarshalText([]byte(strings.ToUpper(string(b)))); err != nil || back != f {
			t.Errorf("Format %v: text %q came back as %v, %v", f, b, back, err)
		}
	}
	for _, m := range []wechat.Mode{wechat.ModePlaintext, wechat.ModeCompatible, wechat.ModeSafe} {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back wechat.Mode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("Mode %v: text %q came back as %v, %v", m, b, back, err)
		}
	}
	if _, err := wechat.ParseFormat("yaml"); err == nil {
		t.Error("ParseFormat(yaml): no error")
	}
	if _, err := wechat.ParseMode("aes"); err == nil {
		t.Error("ParseMode(aes): no error")
	}
	if _, err := wechat.Mode(9).MarshalText(); err == nil {
		t.Error("Mode(9).MarshalText: no error")
	}
	if got := wechat.Format(9).String(); got != "Format(9)" {
		t.Errorf("Format(9).String() = %q", got)
	}
}
