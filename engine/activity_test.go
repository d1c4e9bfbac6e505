package engine_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// actions lists the activity log's actions, oldest first, as "actor action target".
func (f *fixture) actions(filter kefu.ActivityFilter) []string {
	f.t.Helper()
	got, err := f.store.Activities(f.ctx, filter)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for i := len(got) - 1; i >= 0; i-- {
		out = append(out, got[i].ActorName+" "+got[i].Action+" "+got[i].TargetType+":"+got[i].TargetID)
	}
	return out
}

func TestSessionActionsAreLogged(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		alice, bob := f.agent("alice", 3), f.agent("bob", 3)
		c := f.open("u1").Conversation
		f.say(c.ID, "hi")
		if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); err != nil {
			t.Fatal(err)
		}
		// A refused accept leaves no line.
		if _, err := f.eng.Accept(f.ctx, c.ID, bob.ID); kefu.ErrorCode(err) != kefu.ECONFLICT {
			t.Fatalf("second accept: %v", err)
		}
		if _, err := f.eng.TransferTo(f.ctx, c.ID, alice, engine.TransferTarget{AgentID: bob.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.eng.Close(f.ctx, c.ID, bob); err != nil {
			t.Fatal(err)
		}
		target := "conversation:" + itoa(c.ID)
		want := []string{"alice session.accept " + target, "alice session.transfer " + target, "bob session.close " + target}
		if got := f.actions(kefu.ActivityFilter{TargetType: "conversation"}); !equal(got, want) {
			t.Fatalf("log %q, want %q", got, want)
		}
		if got := f.actions(kefu.ActivityFilter{ActorID: bob.ID}); len(got) != 1 {
			t.Fatalf("bob's actions: %q", got)
		}
	})
}

func TestAdminActionsAreLoggedWithTheirActor(t *testing.T) {
	f := newFixture(t, "sqlite", "")
	admin := &kefu.Agent{ID: 99, Name: "Root", Role: kefu.RoleAdmin}
	ctx := engine.WithActor(f.ctx, admin)
	team := &kefu.Team{Name: "VIP", CreatedAt: t0}
	if err := f.eng.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	tag := &kefu.Tag{Name: "refund", Colour: "#AA0000"}
	if err := f.eng.CreateTag(ctx, tag); err != nil {
		t.Fatal(err)
	}
	if err := f.eng.CreateTag(ctx, &kefu.Tag{Name: "refund", Colour: "#000000"}); kefu.ErrorCode(err) != kefu.ECONFLICT {
		t.Fatalf("a second tag named refund: %v", err)
	}
	if err := f.eng.RecordAlone(ctx, "app.reveal_secrets", "app", f.app.ID, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"Root team.create team:" + itoa(team.ID), "Root tag.create tag:" + itoa(tag.ID), "Root app.reveal_secrets app:" + f.app.ID}
	if got := f.actions(kefu.ActivityFilter{ActorID: 99}); !equal(got, want) {
		t.Fatalf("log %q, want %q", got, want)
	}
	if tag.Colour != "#aa0000" {
		t.Errorf("colour stored as %q", tag.Colour)
	}
}

func TestTagsAndAttributes(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		alice := f.agent("alice", 3)
		o := f.open("u1")
		vip := &kefu.Tag{Name: "VIP", Colour: "#123456"}
		if err := f.eng.CreateTag(f.ctx, vip); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second is no change and no line
			if err := f.eng.TagConversation(f.ctx, o.Conversation.ID, alice, vip.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if got := f.actions(kefu.ActivityFilter{Action: "conversation.tag"}); len(got) != 1 {
			t.Fatalf("tag lines %q", got)
		}
		if err := f.eng.TagConversation(f.ctx, o.Conversation.ID, alice, 12345, true); kefu.ErrorCode(err) != kefu.ENOTFOUND {
			t.Fatalf("unknown tag: %v", err)
		}

		level := &kefu.Attribute{Key: "vip_level", Label: "VIP level", Type: kefu.AttrChoice, Options: []string{"gold", "silver"}}
		orders := &kefu.Attribute{Key: "orders", Label: "Orders", Type: kefu.AttrNumber}
		since := &kefu.Attribute{Key: "since", Label: "Customer since", Type: kefu.AttrDate}
		for _, a := range []*kefu.Attribute{level, orders, since} {
			if err := f.eng.SaveAttribute(f.ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		cust := o.Conversation.CustomerID
		got, err := f.eng.SetCustomerAttributes(f.ctx, cust, alice, map[string]string{"vip_level": "gold", "orders": "012.50", "since": "2025-03-01"})
		if err != nil || got["orders"] != "12.5" || got["vip_level"] != "gold" || got["since"] != "2025-03-01" {
			t.Fatalf("set: %v %v", got, err)
		}
		// One bad value refuses the whole change.
		for _, bad := range []map[string]string{{"orders": "7", "vip_level": "platinum"}, {"orders": "many"}, {"since": "2025-02-30"}, {"colour": "red"}} {
			if _, err := f.eng.SetCustomerAttributes(f.ctx, cust, nil, bad); kefu.ErrorCode(err) != kefu.EINVALID {
				t.Fatalf("%v: %v, want invalid", bad, err)
			}
		}
		if now, _ := f.store.CustomerAttributes(f.ctx, cust); now["orders"] != "12.5" {
			t.Fatalf("a refused change wrote: %v", now)
		}
		if _, err := f.eng.SetCustomerAttributes(f.ctx, cust, nil, map[string]string{"orders": "8"}); err != nil {
			t.Fatal(err)
		}
		want := []string{"alice customer.attributes customer:" + itoa(cust), "developer API customer.attributes customer:" + itoa(cust)}
		if got := f.actions(kefu.ActivityFilter{Action: "customer.attributes"}); !equal(got, want) {
			t.Fatalf("log %q, want %q", got, want)
		}
		level.Type = kefu.AttrText
		level.Options = nil
		if err := f.eng.SaveAttribute(f.ctx, level); kefu.ErrorCode(err) != kefu.EINVALID {
			t.Fatalf("changing a type: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func equal(a, b []string) bool { return slices.Equal(a, b) }
