package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

func TestActivityLogFilters(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		entries := []*kefu.Activity{
			{ActorID: 1, ActorName: "Ann", Action: "agent.create", TargetType: "agent", TargetID: "5", CreatedAt: t0},
			{ActorID: 2, ActorName: "Bo", Action: "session.accept", TargetType: "conversation", TargetID: "9", Detail: []byte(`{"session":3}`), CreatedAt: t0.Add(time.Hour)},
			{ActorID: 1, ActorName: "Ann", Action: "session.close", TargetType: "conversation", TargetID: "9", CreatedAt: t0.Add(2 * time.Hour)},
		}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			for _, a := range entries {
				if err := tx.AddActivity(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		count := func(f kefu.ActivityFilter) []*kefu.Activity {
			t.Helper()
			got, err := s.Activities(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		if got := count(kefu.ActivityFilter{}); len(got) != 3 || got[0].Action != "session.close" || string(got[1].Detail) != `{"session":3}` || string(got[2].Detail) != `{}` {
			t.Fatalf("all, newest first: %+v", got)
		}
		if got := count(kefu.ActivityFilter{ActorID: 1}); len(got) != 2 {
			t.Fatalf("by actor: %d", len(got))
		}
		if got := count(kefu.ActivityFilter{TargetType: "conversation", TargetID: "9", Action: "session.accept"}); len(got) != 1 || got[0].ActorName != "Bo" {
			t.Fatalf("by target and action: %+v", got)
		}
		if got := count(kefu.ActivityFilter{From: t0.Add(time.Hour), To: t0.Add(2 * time.Hour)}); len(got) != 1 || got[0].ID != entries[1].ID {
			t.Fatalf("by date: %+v", got)
		}
		page := count(kefu.ActivityFilter{Limit: 2})
		if rest := count(kefu.ActivityFilter{BeforeID: page[1].ID}); len(page) != 2 || len(rest) != 1 || rest[0].ID != entries[0].ID {
			t.Fatalf("paging: %+v then %+v", page, rest)
		}
		// An entry written by an Update that fails is not kept.
		err := s.Update(ctx, func(tx kefu.Tx) error {
			if err := tx.AddActivity(ctx, &kefu.Activity{Action: "x", CreatedAt: t0}); err != nil {
				return err
			}
			return errors.New("the action failed")
		})
		if err == nil || len(count(kefu.ActivityFilter{Action: "x"})) != 0 {
			t.Fatalf("failed update's activity kept (err %v)", err)
		}
	})
}

func TestTagsOnConversations(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		_, c1 := seedConversation(t, s, app, "u1")
		_, c2 := seedConversation(t, s, app, "u2")
		vip := &kefu.Tag{Name: "VIP", Colour: "#aa0000"}
		refund := &kefu.Tag{Name: "refund", Colour: "#00aa00"}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			for _, tag := range []*kefu.Tag{vip, refund} {
				if err := tx.CreateTag(ctx, tag); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Update(ctx, func(tx kefu.Tx) error { return tx.CreateTag(ctx, &kefu.Tag{Name: "VIP", Colour: "#000000"}) })
		if kefu.ErrorCode(err) != kefu.ECONFLICT {
			t.Fatalf("a second VIP: %v", err)
		}
		var changed []bool
		mustUpdate(t, s, func(tx kefu.Tx) error {
			changed = changed[:0]
			for _, p := range []struct {
				conv, tag int64
				on        bool
			}{{c1.ID, vip.ID, true}, {c1.ID, vip.ID, true}, {c1.ID, refund.ID, true}, {c2.ID, refund.ID, true}, {c2.ID, vip.ID, false}} {
				ok, err := tx.SetConversationTag(ctx, p.conv, p.tag, p.on)
				if err != nil {
					return err
				}
				changed = append(changed, ok)
			}
			return nil
		})
		if want := []bool{true, false, true, true, false}; !equalBools(changed, want) {
			t.Fatalf("changed %v, want %v", changed, want)
		}
		got, err := s.ConversationTags(ctx, []int64{c1.ID, c2.ID})
		if err != nil || len(got[c1.ID]) != 2 || got[c1.ID][0] != vip.ID || len(got[c2.ID]) != 1 {
			t.Fatalf("conversation tags %v %v", got, err)
		}
		found, err := s.Conversations(ctx, kefu.ConversationFilter{TagID: vip.ID})
		if err != nil || len(found) != 1 || found[0].ID != c1.ID {
			t.Fatalf("filter by VIP: %+v %v", found, err)
		}
		if found, _ := s.Conversations(ctx, kefu.ConversationFilter{TagID: refund.ID}); len(found) != 2 {
			t.Fatalf("filter by refund: %d", len(found))
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.DeleteTag(ctx, refund.ID) })
		if got, _ := s.ConversationTags(ctx, []int64{c2.ID}); len(got[c2.ID]) != 0 {
			t.Fatalf("deleted tag still on: %v", got)
		}
		if tags, _ := s.Tags(ctx); len(tags) != 1 || tags[0].Name != "VIP" {
			t.Fatalf("tags %+v", tags)
		}
	})
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCustomerAttributes(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		cust, _ := seedConversation(t, s, app, "u1")
		level := &kefu.Attribute{Key: "vip_level", Label: "VIP level", Type: kefu.AttrChoice, Options: []string{"gold", "silver"}}
		orders := &kefu.Attribute{Key: "orders", Label: "Orders", Type: kefu.AttrNumber}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			for _, a := range []*kefu.Attribute{level, orders} {
				if err := tx.CreateAttribute(ctx, a); err != nil {
					return err
				}
			}
			if err := tx.SetCustomerAttribute(ctx, cust.ID, level.ID, "gold"); err != nil {
				return err
			}
			if err := tx.SetCustomerAttribute(ctx, cust.ID, orders.ID, "3"); err != nil {
				return err
			}
			return tx.SetCustomerAttribute(ctx, cust.ID, orders.ID, "4")
		})
		got, err := s.CustomerAttributes(ctx, cust.ID)
		if err != nil || len(got) != 2 || got["vip_level"] != "gold" || got["orders"] != "4" {
			t.Fatalf("values %v %v", got, err)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SetCustomerAttribute(ctx, cust.ID, level.ID, "") })
		if got, _ := s.CustomerAttributes(ctx, cust.ID); len(got) != 1 {
			t.Fatalf("cleared: %v", got)
		}
		if a, err := s.Attribute(ctx, level.ID); err != nil || len(a.Options) != 2 || a.Options[1] != "silver" {
			t.Fatalf("read back %+v %v", a, err)
		}
		err = s.Update(ctx, func(tx kefu.Tx) error {
			return tx.CreateAttribute(ctx, &kefu.Attribute{Key: "orders", Label: "x", Type: kefu.AttrText})
		})
		if kefu.ErrorCode(err) != kefu.ECONFLICT {
			t.Fatalf("a second key orders: %v", err)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.DeleteAttribute(ctx, orders.ID) })
		if got, _ := s.CustomerAttributes(ctx, cust.ID); len(got) != 0 {
			t.Fatalf("values of a deleted attribute: %v", got)
		}
	})
}

func TestExportStreamsTheRange(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		_, c1 := seedConversation(t, s, app, "u1")
		_, c2 := seedConversation(t, s, app, "u2")
		for i, conv := range []int64{c1.ID, c2.ID, c1.ID, c2.ID} {
			at := t0.Add(time.Duration(i) * time.Hour)
			mustUpdate(t, s, func(tx kefu.Tx) error {
				c, err := tx.LockConversation(ctx, conv)
				if err != nil {
					return err
				}
				m := text("m" + string(rune('0'+i)))
				m.CreatedAt = at
				if _, _, err := tx.AppendMessage(ctx, c, m); err != nil {
					return err
				}
				return tx.SaveConversation(ctx, c)
			})
		}
		var got []string
		err := s.Export(ctx, kefu.ExportFilter{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, func(r *kefu.ExportRow) error {
			got = append(got, r.OpenID+":"+r.Message.Text.Content)
			return nil
		})
		if err != nil || len(got) != 2 || got[0] != "ou2:m1" || got[1] != "ou1:m2" {
			t.Fatalf("export %v %v", got, err)
		}
		stop := errors.New("stop")
		n := 0
		err = s.Export(ctx, kefu.ExportFilter{From: t0, To: t0.Add(time.Hour * 10)}, func(*kefu.ExportRow) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("stopped export: %d rows, %v", n, err)
		}
	})
}
