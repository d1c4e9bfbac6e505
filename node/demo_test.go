package node_test

import (
	"context"
	"testing"

	"github.com/kefuhq/kefu/kefutest"
)

// TestDemoAdminAutoAccepts checks that the demo's admin gets sessions
// without a click once online, as the empty "Mine" tab tells them: a
// newcomer who went online must not leave customers waiting in the queue.
func TestDemoAdminAutoAccepts(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{Demo: true})
	agents, err := s.Store.Agents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || agents[0].Login != "admin" {
		t.Fatalf("demo agents: %+v, want the admin alone", agents)
	}
	if !agents[0].AutoAccept {
		t.Error("the demo admin does not auto-accept: customers wait in the queue while they are online")
	}
}
