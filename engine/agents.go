package engine

import (
	"context"
	"slices"

	"github.com/kefuhq/kefu"
)

// SetStatus changes an agent's availability. Going offline — or away with
// reassign — returns the agent's active sessions to the queue in their old
// places, for the router to give to a teammate.
func (e *Engine) SetStatus(ctx context.Context, agentID int64, s kefu.Status, reassign bool) error {
	if !s.Valid() {
		return kefu.Errorf(kefu.EINVALID, "status must be online, away or offline")
	}
	if err := e.store.Update(ctx, func(tx kefu.Tx) error {
		return tx.SetAgentStatus(ctx, agentID, s, e.now())
	}); err != nil {
		return err
	}
	if s == kefu.StatusOffline || s == kefu.StatusAway && reassign {
		if err := e.ReleaseSessions(ctx, agentID); err != nil {
			return err
		}
	}
	e.publishAgent(ctx, agentID)
	e.kickRouter()
	return nil
}

// ReleaseSessions puts every session an agent serves back in the queue.
func (e *Engine) ReleaseSessions(ctx context.Context, agentID int64) error {
	convs, err := e.store.AgentConversations(ctx, agentID)
	if err != nil {
		return err
	}
	for _, c0 := range convs {
		var c *kefu.Conversation
		var notice *kefu.Message
		err := e.store.Update(ctx, func(tx kefu.Tx) error {
			notice = nil
			var err error
			if c, err = tx.LockConversation(ctx, c0.ID); err != nil {
				return err
			}
			if c.State != kefu.StateActive || c.AgentID != agentID {
				return nil // closed or moved meanwhile
			}
			notice, err = e.requeue(ctx, tx, c, e.now())
			return err
		})
		if err != nil {
			return err
		}
		if notice != nil {
			e.publishMessage(c, notice)
		}
	}
	e.kickRouter()
	return nil
}

// DeleteTeam removes a team (refused while it has open sessions, see
// kefu.Tx) and tells its former members' workspaces, which then stop
// showing what only the team could see.
func (e *Engine) DeleteTeam(ctx context.Context, id int64) error {
	agents, err := e.store.Agents(ctx)
	if err != nil {
		return err
	}
	err = e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.DeleteTeam(ctx, id); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "team.delete", "team", id, nil)
	})
	if err != nil {
		return err
	}
	for _, a := range agents {
		if slices.Contains(a.Teams, id) {
			e.publishAgent(ctx, a.ID)
		}
	}
	return nil
}

// publishAgent tells the desk an agent's status or load changed.
func (e *Engine) publishAgent(ctx context.Context, agentID int64) {
	a, err := e.store.Agent(ctx, agentID)
	if err != nil {
		e.log.Warn("engine: read agent to publish", "agent", agentID, "err", err)
		return
	}
	e.publish(&Event{Type: EventAgent, Agent: a})
}

// CreateAgent adds an agent. The caller has checked the fields (see
// kefu.Agent) and that the apps and teams named exist.
func (e *Engine) CreateAgent(ctx context.Context, a *kefu.Agent) error {
	return e.store.Update(ctx, func(tx kefu.Tx) error {
		if err := tx.CreateAgent(ctx, a); err != nil {
			return err
		}
		return e.Record(ctx, tx, nil, "agent.create", "agent", a.ID, map[string]any{"login": a.Login, "role": a.Role})
	})
}

// AgentChange says how an administrator's edit of an agent touches their
// sign-in: Disabled, if set, is the new disabled flag; NewPassword means
// a.PasswordHash is a new password's hash.
type AgentChange struct {
	Disabled    *bool
	NewPassword bool
}

// SaveAgent writes an administrator's edit of an agent. What the agent or
// the engine change meanwhile (status, sign-in version, last seen) stays
// theirs. Disabling an agent or changing their password ends every session
// of theirs on every device; disabling also sets them offline, their
// sessions returning to the queue. Workspaces are told the agent changed.
func (e *Engine) SaveAgent(ctx context.Context, a *kefu.Agent, ch AgentChange) error {
	disabling := false
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		cur, err := tx.Agent(ctx, a.ID)
		if err != nil {
			return err
		}
		disabling = ch.Disabled != nil && *ch.Disabled && !cur.Disabled
		a.Status, a.AuthVersion, a.LastSeenAt, a.Disabled = cur.Status, cur.AuthVersion, cur.LastSeenAt, cur.Disabled
		if !ch.NewPassword {
			a.PasswordHash = cur.PasswordHash
		}
		if ch.Disabled != nil {
			a.Disabled = *ch.Disabled
		}
		if disabling || ch.NewPassword {
			a.AuthVersion++ // every session of theirs ends
		}
		if err := e.Record(ctx, tx, nil, "agent.edit", "agent", a.ID, map[string]any{"login": a.Login, "role": a.Role, "disabled": a.Disabled, "new_password": ch.NewPassword}); err != nil {
			return err
		}
		return tx.SaveAgent(ctx, a)
	})
	if err != nil {
		return err
	}
	if disabling {
		return e.SetStatus(ctx, a.ID, kefu.StatusOffline, true)
	}
	return e.SetStatus(ctx, a.ID, a.Status, false) // tells workspaces the agent changed
}

// SignOutEverywhere ends every session of an agent on every device and sets
// them offline, their sessions returning to the queue.
func (e *Engine) SignOutEverywhere(ctx context.Context, agentID int64) error {
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		a, err := tx.Agent(ctx, agentID)
		if err != nil {
			return err
		}
		a.AuthVersion++
		if err := e.Record(ctx, tx, nil, "agent.sign_out", "agent", a.ID, nil); err != nil {
			return err
		}
		return tx.SaveAgent(ctx, a)
	})
	if err != nil {
		return err
	}
	return e.SetStatus(ctx, agentID, kefu.StatusOffline, true)
}
