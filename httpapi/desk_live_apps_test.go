package httpapi_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// An open workspace follows what its agent may see: an admin gets the
// events of an app added after they connected, an agent those of an app
// they were just given and no longer those of an app taken away, and a
// disabled agent is cut off — all without reconnecting, on every node.

// forEachTopology runs f on one node, and — when PostgreSQL and NATS are
// available — on two nodes sharing them, with the admin and the customers
// on the first (a) and the watched workspace on the second (b).
func forEachTopology(t *testing.T, f func(t *testing.T, a, b *kefutest.Server)) {
	t.Run("one node", func(t *testing.T) {
		s := kefutest.NewServer(t, kefutest.Options{})
		f(t, s, s)
	})
	t.Run("two nodes", func(t *testing.T) {
		natsURL := os.Getenv(kefutest.NATSEnv)
		if natsURL == "" || os.Getenv(kefutest.PostgresEnv) == "" {
			t.Skip(kefutest.NATSEnv + " and " + kefutest.PostgresEnv + " are needed")
		}
		a := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", NATS: natsURL})
		b := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", DSN: a.DSN, NATS: natsURL})
		f(t, a, b)
	})
}

func isHello(ev *engine.Event) bool { return ev.Type == "hello" }

// said matches the message event of a customer's text.
func said(text string) func(ev *engine.Event) bool {
	return func(ev *engine.Event) bool {
		return ev.Type == engine.EventMessage && ev.Message != nil && ev.Message.Text != nil && ev.Message.Text.Content == text
	}
}

func TestAdminGetsEventsOfANewAppLive(t *testing.T) {
	forEachTopology(t, func(t *testing.T, a, b *kefutest.Server) {
		a.Agent("root", kefu.RoleAdmin)
		watcher := b.SignIn("root")
		watcher.Connect()
		watcher.WaitEvent("hello", isHello)

		admin := a.SignIn("root")
		appID := "wx" + engine.NewAlnum(16)
		body := map[string]any{"appid": appID, "original_id": "gh_" + engine.NewAlnum(12), "name": "New Shop", "mode": kefu.PushPlaintext}
		if st := admin.Do("POST", "/api/admin/apps", body, nil); st != http.StatusCreated {
			t.Fatalf("create app: HTTP %d", st)
		}
		// The connection says hello again once it carries the new app (the
		// workspace reloads its lists then).
		watcher.WaitEvents("a hello after the new app", 2, isHello)

		user := a.Customer(appID, kefu.ChannelWeb, "new-app-user")
		user.Say("first words in a new app")
		ev := watcher.WaitEvent("the new app's message", said("first words in a new app"))
		if ev.AppID != appID {
			t.Fatalf("the message came as app %q, want %q", ev.AppID, appID)
		}
	})
}

func TestAgentFollowsTheirAppsLive(t *testing.T) {
	forEachTopology(t, func(t *testing.T, a, b *kefutest.Server) {
		one := a.App("", kefu.PushPlaintext, kefu.PushJSON)
		two := a.App("", kefu.PushPlaintext, kefu.PushJSON)
		a.Agent("root", kefu.RoleAdmin)
		alice := a.Agent("alice", kefu.RoleAgent, one.ID)
		admin := a.SignIn("root")
		setApps := func(apps ...string) {
			t.Helper()
			if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", alice.ID), map[string]any{"apps": apps}, nil); st != http.StatusOK {
				t.Fatalf("set alice's apps: HTTP %d", st)
			}
		}
		desk := b.SignIn("alice")
		desk.Connect()
		desk.WaitEvent("hello", isHello)
		userOne := a.Customer(one.ID, kefu.ChannelWeb, "user-of-one")
		userTwo := a.Customer(two.ID, kefu.ChannelWeb, "user-of-two")
		userTwo.Say("before: not yours")
		userOne.Say("before: yours")
		desk.WaitEvent("a message of her app", said("before: yours"))

		// Given the second app: its events arrive on the open connection.
		setApps(one.ID, two.ID)
		hello := desk.WaitEvents("a hello after being given an app", 2, isHello)
		if hello.Agent == nil || !slices.Contains(hello.Agent.Apps, two.ID) {
			t.Fatalf("the new hello's agent does not serve the new app: %+v", hello.Agent)
		}
		userTwo.Say("now yours")
		desk.WaitEvent("a message of the app she was given", said("now yours"))

		// Taken off the first app: its events stop. (On one node events
		// reach her in the order they were published, so once the later
		// message is in, the earlier one would be too.)
		setApps(two.ID)
		desk.WaitEvents("a hello after losing an app", 3, isHello)
		userOne.Say("no longer yours")
		userTwo.Say("still yours")
		desk.WaitEvent("a message of the app she kept", said("still yours"))
		for _, ev := range desk.Events() {
			if said("before: not yours")(&ev) || said("no longer yours")(&ev) {
				t.Errorf("she got a message of an app she did not serve: %q", ev.Message.Text.Content)
			}
		}
	})
}

func TestDisablingClosesTheWorkspaceLive(t *testing.T) {
	forEachTopology(t, func(t *testing.T, a, b *kefutest.Server) {
		app := a.App("", kefu.PushPlaintext, kefu.PushJSON)
		a.Agent("root", kefu.RoleAdmin)
		alice := a.Agent("alice", kefu.RoleAgent, app.ID)
		admin := a.SignIn("root")
		desk := b.SignIn("alice")
		desk.Connect()
		desk.WaitEvent("hello", isHello)
		if st := admin.Do("PATCH", fmt.Sprintf("/api/admin/agents/%d", alice.ID), map[string]any{"disabled": true}, nil); st != http.StatusOK {
			t.Fatalf("disable: HTTP %d", st)
		}
		desk.WaitClosed("the disabled agent's connection to close")
	})
}
