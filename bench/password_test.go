package bench

import (
	"testing"

	"github.com/kefuhq/kefu/httpapi/edge"
)

// TestBenchAgentsSignIn: the bench's agents get the product's password
// format at the least cost, and the product's check accepts their password
// and only theirs.
func TestBenchAgentsSignIn(t *testing.T) {
	hash := edge.HashPasswordAtCost(agentPassword, 8, 1)
	if !edge.CheckPassword(hash, agentPassword) {
		t.Errorf("the product refuses the bench agents' password (hash %s)", hash)
	}
	if edge.CheckPassword(hash, agentPassword+"x") {
		t.Error("the product accepts another password for a bench agent")
	}
}
