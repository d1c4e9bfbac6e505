package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

func TestHoursSettings(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		if _, err := s.HoursSettings(ctx, "wxapp", 0); !errors.Is(err, kefu.ErrNotFound) {
			t.Fatalf("unset hours: %v, want not found", err)
		}
		app := &kefu.HoursSettings{AppID: "wxapp", UpdatedAt: t0, Hours: kefu.Hours{Enabled: true, TimeZone: "Asia/Shanghai",
			Holidays: []kefu.Holiday{{Date: "2026-10-01", Name: "国庆节"}}},
			Replies: kefu.AutoReplies{Lang: kefu.LangEN, Texts: map[kefu.AutoReplyKind]kefu.AutoReplyText{kefu.AutoWelcome: {On: true, EN: "Hi"}}}}
		app.Hours.Week[1] = []kefu.TimeRange{{From: "09:00", To: "18:00"}}
		team := &kefu.HoursSettings{TeamID: 4, UpdatedAt: t0}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			if err := tx.PutHoursSettings(ctx, app); err != nil {
				return err
			}
			return tx.PutHoursSettings(ctx, team)
		})
		app.Replies.Lang = kefu.LangZH
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutHoursSettings(ctx, app) })
		got, err := s.HoursSettings(ctx, "wxapp", 0)
		if err != nil || got.Replies.Lang != kefu.LangZH || got.Hours.Week[1][0].To != "18:00" || got.Hours.Holidays[0].Name != "国庆节" ||
			got.Replies.Texts[kefu.AutoWelcome].EN != "Hi" || !got.UpdatedAt.Equal(t0) {
			t.Fatalf("app hours read back as %+v (%v)", got, err)
		}
		if got, err := s.HoursSettings(ctx, "", 4); err != nil || got.TeamID != 4 || got.Hours.Enabled {
			t.Fatalf("team hours read back as %+v (%v)", got, err)
		}
	})
}
