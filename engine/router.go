package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kefuhq/kefu"
)

// Route assigns queued sessions to online, auto-accepting agents with room:
// oldest waiting first (FIFO per app and team), least loaded agent first.
// Each assignment is the same atomic claim as a manual accept, so routers on
// several nodes and agents clicking "accept" can never overfill an agent or
// give one session twice. It returns how many sessions it assigned.
func (e *Engine) Route(ctx context.Context) (int, error) {
	queue, err := e.store.Queue(ctx, kefu.QueueFilter{Limit: 1000})
	if err != nil || len(queue) == 0 {
		return 0, err
	}
	type pool struct {
		agents []*kefu.Agent
		err    error
	}
	pools := map[[2]any]*pool{}
	assigned := 0
	for _, c := range queue {
		key := [2]any{c.AppID, c.TeamID}
		p := pools[key]
		if p == nil {
			p = &pool{}
			p.agents, p.err = e.store.AvailableAgents(ctx, c.AppID, c.TeamID)
			pools[key] = p
		}
		if p.err != nil {
			return assigned, p.err
		}
		for len(p.agents) > 0 {
			a := leastLoaded(p.agents)
			_, err := e.assign(ctx, c.ID, a.ID, true)
			if err == nil {
				a.ActiveCount++
				assigned++
				// The agent may also be in other pools (apps and teams);
				// let those re-read it.
				for k, q := range pools {
					if k != key && containsAgent(q.agents, a.ID) {
						delete(pools, k)
					}
				}
				p.agents = withRoom(p.agents)
				break
			}
			if errors.Is(err, errSessionTaken) || errors.Is(err, errSessionExpired) {
				break // accepted by hand meanwhile, or expired
			}
			switch kefu.ErrorCode(err) {
			case kefu.ECAPACITY, kefu.EFORBIDDEN, kefu.ECONFLICT:
				p.agents = without(p.agents, a.ID) // the agent changed under us; try the next
				continue
			}
			return assigned, err
		}
	}
	return assigned, nil
}

// leastLoaded picks the agent with the fewest sessions; the store's order
// (least recently assigned first) breaks ties.
func leastLoaded(agents []*kefu.Agent) *kefu.Agent {
	best := agents[0]
	for _, a := range agents[1:] {
		if a.ActiveCount < best.ActiveCount {
			best = a
		}
	}
	return best
}

func withRoom(agents []*kefu.Agent) []*kefu.Agent {
	out := agents[:0]
	for _, a := range agents {
		if a.ActiveCount < a.MaxSessions {
			out = append(out, a)
		}
	}
	return out
}

func without(agents []*kefu.Agent, id int64) []*kefu.Agent {
	out := make([]*kefu.Agent, 0, len(agents))
	for _, a := range agents {
		if a.ID != id {
			out = append(out, a)
		}
	}
	return out
}

func containsAgent(agents []*kefu.Agent, id int64) bool {
	for _, a := range agents {
		if a.ID == id {
			return true
		}
	}
	return false
}

func (e *Engine) routeLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.RouteInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-e.kick:
		case <-t.C:
		}
		if _, err := e.Route(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("engine: route queue", "err", err)
		}
	}
}
