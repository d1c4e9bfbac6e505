package engine

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/kefuhq/kefu"
)

// Presence is kept in the store: every node writes, at each heartbeat, a
// row per agent with a workspace open on it, and an agent who is online or
// away with no row counting on any node is set offline (see the live
// package for the heartbeat and docs/operations.md for the bounds).
//
// How long a row counts is decided here, from the grace every node shares:
//
//   - a row of open workspaces counts for two graces after its heartbeat.
//     A node is not known to be gone until it has missed a grace of
//     heartbeats (it crashed, lost the store, or was paused), and its agents
//     then get one more grace to reconnect to another node;
//   - a row whose agent left (their last workspace on the node closed, or
//     the node stopped and closed them all) counts for one grace from then:
//     the agent's grace to come back, on any node.
//
// Rows are written with the node's clock and read with the reader's, so
// nodes' clocks must agree to well within a grace (NTP does).

// AgentLeft is an agent whose last workspace on a node closed, and when.
type AgentLeft struct {
	AgentID int64
	At      time.Time
}

// BeatPresence writes, in one update, node's rows: open workspaces per
// agent (connected) as of now, and the agents who left it (an agent in
// both is connected). The same update forgets every node's rows that no
// longer count (those of a crashed node, of agents gone); a node with
// nothing to write writes nothing.
func (e *Engine) BeatPresence(ctx context.Context, node string, connected map[int64]int, left []AgentLeft, grace time.Duration) error {
	now := e.now()
	rows := make([]kefu.AgentPresence, 0, len(connected)+len(left))
	for id, n := range connected {
		rows = append(rows, kefu.AgentPresence{AgentID: id, NodeID: node, Connections: n, SeenAt: now, ExpiresAt: now.Add(2 * grace)})
	}
	for _, l := range left {
		if connected[l.AgentID] == 0 {
			rows = append(rows, kefu.AgentPresence{AgentID: l.AgentID, NodeID: node, SeenAt: l.At, ExpiresAt: l.At.Add(grace)})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// In agent order: concurrent beats of several nodes lock index pages
	// in the same order.
	slices.SortFunc(rows, func(a, b kefu.AgentPresence) int { return cmp.Compare(a.AgentID, b.AgentID) })
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.DeletePresence(ctx, now); err != nil {
			return err
		}
		return tx.PutPresence(ctx, rows)
	})
}

// maxAbsentPerSweep bounds the agents one AbsentAgents call lists; the rest
// are found at the next sweep.
const maxAbsentPerSweep = 100

// AbsentAgents lists the agents online or away who have had no workspace
// on any node for the grace: no presence row counts them, and their status
// was not set within the grace (an agent who just went online gets a grace
// to open their workspace).
func (e *Engine) AbsentAgents(ctx context.Context, grace time.Duration) ([]int64, error) {
	now := e.now()
	return e.store.AbsentAgents(ctx, now, now.Add(-grace), maxAbsentPerSweep)
}

// ExpireAbsent sets an absent agent offline and returns their sessions to
// the queue, as SetStatus(offline) does, and records the away notice
// (RememberAway). The status changes only if the agent is still absent, in
// one conditional update, so when several nodes find the same agent absent
// only one requeues; done reports whether this call did.
func (e *Engine) ExpireAbsent(ctx context.Context, agentID int64, grace time.Duration) (done bool, err error) {
	a, err := e.store.Agent(ctx, agentID)
	if err != nil {
		return false, err
	}
	now := e.now()
	if err := e.store.Update(ctx, func(tx kefu.Tx) error {
		var err error
		done, err = tx.SetAbsentOffline(ctx, agentID, now, now.Add(-grace))
		return err
	}); err != nil || !done {
		return false, err
	}
	// The notice first: a workspace that hears of the status change and
	// asks why finds it.
	if err := e.RememberAway(ctx, agentID, grace, a.ActiveCount); err != nil {
		e.log.Warn("presence: remember why the agent is offline", "agent", agentID, "err", err)
	}
	err = e.ReleaseSessions(ctx, agentID)
	e.publishAgent(ctx, agentID)
	e.kickRouter()
	return true, err
}
