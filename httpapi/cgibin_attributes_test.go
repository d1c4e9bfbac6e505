package httpapi_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/wechat"
)

func TestCGICustomerAttributes(t *testing.T) {
	t.Parallel()
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.NewServer(t, kefutest.Options{Engine: engine})
		app := s.App("", kefu.PushSafe, kefu.PushJSON)
		for _, a := range []*kefu.Attribute{
			{Key: "vip_level", Label: "VIP level", Type: kefu.AttrChoice, Options: []string{"gold", "silver"}},
			{Key: "orders", Label: "Orders", Type: kefu.AttrNumber},
		} {
			if err := s.Engine.SaveAttribute(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		user := s.Customer(app.ID, kefu.ChannelMiniProgram, "attr-user")
		user.Connect(0)
		user.Wait("synced", func(c *kefutest.Customer) bool { return c.HasFrame("synced") })
		user.Say("hello")
		tok := mustToken(t, s, app)
		const path = "/cgi-bin/kefu/customer/attributes"
		wantCode(t, "set", post(t, s, tok, path, map[string]any{"touser": user.OpenID, "attributes": map[string]string{"vip_level": "gold", "orders": "3"}}), 0)
		wantCode(t, "bad choice", post(t, s, tok, path, map[string]any{"touser": user.OpenID, "attributes": map[string]string{"orders": "4", "vip_level": "platinum"}}), wechat.CodeDataFormatError)
		wantCode(t, "unknown key", post(t, s, tok, path, map[string]any{"touser": user.OpenID, "attributes": map[string]string{"colour": "red"}}), wechat.CodeDataFormatError)
		wantCode(t, "unknown openid", post(t, s, tok, path, map[string]any{"touser": "nobody", "attributes": map[string]string{"orders": "1"}}), wechat.CodeInvalidOpenID)
		wantCode(t, "no token", cgi(t, s, "POST", path, nil, map[string]any{"touser": user.OpenID}), wechat.CodeAccessTokenMissing)
		cust, err := s.Store.CustomerByOpenID(ctx, app.ID, user.OpenID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Store.CustomerAttributes(ctx, cust.ID)
		if err != nil || got["vip_level"] != "gold" || got["orders"] != "3" {
			t.Fatalf("values after the API calls: %v %v (a refused call must change nothing)", got, err)
		}
	})
}
