package sqlstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

func TestCannedReplies(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		mine := &kefu.CannedReply{AgentID: 7, Shortcut: "hi", Text: "Hello!", UpdatedAt: t0}
		team := &kefu.CannedReply{TeamID: 3, Shortcut: "ship", Text: "Shipped today", UpdatedAt: t0}
		other := &kefu.CannedReply{AgentID: 8, Shortcut: "bye", Text: "Bye", UpdatedAt: t0}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			for _, c := range []*kefu.CannedReply{mine, team, other} {
				if err := tx.CreateCannedReply(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := s.CannedReplies(ctx, 7, []int64{3})
		if err != nil || len(got) != 2 || got[0].Shortcut != "hi" || got[1].Shortcut != "ship" {
			t.Fatalf("agent 7 in team 3: %+v %v", got, err)
		}
		if got, _ := s.CannedReplies(ctx, 9, nil); len(got) != 0 {
			t.Fatalf("agent 9 sees %+v", got)
		}
		mine.Text = "Hi there!"
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SaveCannedReply(ctx, mine) })
		if c, _ := s.CannedReply(ctx, mine.ID); c.Text != "Hi there!" || c.AgentID != 7 {
			t.Fatalf("saved: %+v", c)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.DeleteCannedReply(ctx, mine.ID) })
		if _, err := s.CannedReply(ctx, mine.ID); !errors.Is(err, kefu.ErrNotFound) {
			t.Fatalf("deleted: %v", err)
		}
		if err := (&kefu.CannedReply{AgentID: 1, TeamID: 2, Shortcut: "x", Text: "y"}).Validate(); err == nil {
			t.Error("a reply of both an agent and a team was valid")
		}
	})
}
