package engine

import (
	"context"
	"errors"
	"time"

	"github.com/kefuhq/kefu"
)

// startQueue moves a conversation in the developer state into the queue,
// opening a session that begins with message m, routed to a team by the
// app's rules — never by the team of an earlier session: no matching rule
// means team 0, any agent of the app.
func (e *Engine) startQueue(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, m *kefu.Message, now time.Time) error {
	cust, err := tx.Customer(ctx, c.CustomerID)
	if err != nil {
		return err
	}
	rules, err := tx.RoutingRules(ctx, c.AppID)
	if err != nil {
		return err
	}
	s := &kefu.Session{ConversationID: c.ID, AppID: c.AppID, CustomerID: c.CustomerID, State: kefu.StateQueued,
		TeamID: kefu.Route(rules, c.SessionFrom, cust.Channel), SessionFrom: c.SessionFrom, FirstSeq: m.Seq, QueuedAt: now}
	if err := tx.CreateSession(ctx, s); err != nil {
		return err
	}
	c.State, c.SessionID, c.TeamID, c.AgentID = kefu.StateQueued, s.ID, s.TeamID, 0
	c.QueuedAt, c.AssignedAt, c.LastActivityAt = now, time.Time{}, now
	return nil
}

// expireIfDue applies the 30-minute rule to a locked conversation: a
// queued or active session idle for the timeout ends, and the conversation
// returns to the developer. It reports whether that happened.
func (e *Engine) expireIfDue(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, now time.Time) (bool, error) {
	if !c.Expired(now, e.cfg.SessionTimeout) {
		return false, nil
	}
	// The session ended when its time ran out, not when someone noticed.
	at := c.LastActivityAt.Add(e.cfg.SessionTimeout)
	queued := c.State == kefu.StateQueued
	notice := &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Internal: !queued, Phase: c.State, CreatedAt: now,
		Notice: kefu.TimeoutNotice(queued, e.cfg.SessionTimeout)}
	if queued {
		if err := e.timeoutReply(ctx, tx, c, notice, now); err != nil {
			return false, err
		}
	}
	if _, _, err := tx.AppendMessage(ctx, c, notice); err != nil {
		return false, err
	}
	return true, e.endSession(ctx, tx, c, kefu.CloseByTimeout, at)
}

// endSession closes the conversation's open session and returns the
// conversation to the developer, freeing the agent's slot. The conversation
// keeps the team of the session that ended: its history, and what the
// customer says to the developer from now on, stay visible to that team
// (admins, and agents who served it) only, until the next session is routed by the app's rules
// (startQueue). Clearing the team would open the whole history to every
// agent of the app.
func (e *Engine) endSession(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, reason kefu.CloseReason, at time.Time) error {
	if c.SessionID != 0 {
		s, err := tx.Session(ctx, c.SessionID)
		if err != nil {
			return err
		}
		s.State, s.LastSeq, s.ClosedAt, s.CloseReason = kefu.StateClosed, c.LastSeq, at, reason
		if err := tx.SaveSession(ctx, s); err != nil {
			return err
		}
	}
	if c.State == kefu.StateActive && c.AgentID != 0 {
		if _, err := tx.AddAgentLoad(ctx, c.AgentID, -1); err != nil {
			return err
		}
	}
	c.State, c.AgentID, c.SessionID = kefu.StateDeveloper, 0, 0
	c.QueuedAt, c.AssignedAt = time.Time{}, time.Time{}
	c.UpdatedAt = at
	return tx.SaveConversation(ctx, c)
}

// Accept gives a queued conversation to an agent who picked it from the
// pending list. Exactly one of many simultaneous accepts wins; the others get
// ECONFLICT. An agent at capacity gets ECAPACITY.
func (e *Engine) Accept(ctx context.Context, conversationID, agentID int64) (*kefu.Conversation, error) {
	c, err := e.assign(ctx, conversationID, agentID, false)
	if err != nil {
		return nil, err
	}
	e.kickRouter()
	return c, nil
}

// Refusals of a claim that say the session, not the agent, is the problem.
var (
	errSessionTaken   = &kefu.Error{Code: kefu.ECONFLICT, Message: "the session is no longer waiting: another agent took it or it ended"}
	errSessionExpired = &kefu.Error{Code: kefu.ECONFLICT, Message: "the session ended: it waited longer than the session timeout without an agent"}
)

// assign is the one atomic claim of a queued conversation by an agent:
// conversation still queued, agent allowed and below capacity, all in one
// transaction. auto marks the router's assignments, which require the agent
// to be online.
func (e *Engine) assign(ctx context.Context, conversationID, agentID int64, auto bool) (*kefu.Conversation, error) {
	var c *kefu.Conversation
	var notice *kefu.Message
	var agent *kefu.Agent
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		now := e.now()
		var err error
		if c, err = tx.LockConversation(ctx, conversationID); err != nil {
			return err
		}
		if expired, err := e.expireIfDue(ctx, tx, c, now); err != nil || expired {
			if err == nil {
				err = errSessionExpired
			}
			return err
		}
		if c.State != kefu.StateQueued {
			return errSessionTaken
		}
		if agent, err = tx.Agent(ctx, agentID); err != nil {
			return err
		}
		if !agent.Serves(c.AppID, c.TeamID) {
			return kefu.Errorf(kefu.EFORBIDDEN, "you do not serve this app or team")
		}
		if auto && agent.Status != kefu.StatusOnline {
			return kefu.Errorf(kefu.ECONFLICT, "the agent is not online")
		}
		if agent.Status == kefu.StatusOffline {
			return kefu.Errorf(kefu.ECONFLICT, "go online or away to accept sessions")
		}
		ok, err := tx.AddAgentLoad(ctx, agentID, 1)
		if err != nil {
			return err
		}
		if !ok {
			return kefu.Errorf(kefu.ECAPACITY, "you already serve your maximum of %d sessions", agent.MaxSessions)
		}
		s, err := tx.Session(ctx, c.SessionID)
		if err != nil {
			return err
		}
		s.State, s.AgentID, s.AcceptedAt = kefu.StateActive, agentID, now
		if err := tx.SaveSession(ctx, s); err != nil {
			return err
		}
		c.State, c.AgentID, c.AssignedAt, c.LastActivityAt, c.UpdatedAt = kefu.StateActive, agentID, now, now, now
		notice = &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Phase: kefu.StateActive, AgentID: agentID, CreatedAt: now,
			Notice: &kefu.Notice{Code: kefu.NoticeAgentJoined, Text: "客服 " + agent.Name + " 为你服务", Params: map[string]string{"agent": agent.Name}}}
		if notice, _, err = tx.AppendMessage(ctx, c, notice); err != nil {
			return err
		}
		if err := e.recordAccept(ctx, tx, agent, auto, c); err != nil {
			return err
		}
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	e.publishMessage(c, notice)
	e.publishAgent(ctx, agentID)
	return c, nil
}

// Close ends a conversation's session at the agent's request: the customer's
// next message goes to the developer again.
func (e *Engine) Close(ctx context.Context, conversationID int64, by *kefu.Agent) (*kefu.Conversation, error) {
	var c *kefu.Conversation
	var notice *kefu.Message
	var freed int64
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		freed = 0
		now := e.now()
		var err error
		if c, err = e.lockOpenSession(ctx, tx, conversationID, by, "close", now); err != nil {
			return err
		}
		freed = c.AgentID
		notice = &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Phase: c.State, AgentID: by.ID, CreatedAt: now,
			Notice: &kefu.Notice{Code: kefu.NoticeSessionClosed, Text: "会话已结束"}}
		if notice, _, err = tx.AppendMessage(ctx, c, notice); err != nil {
			return err
		}
		if err := e.Record(ctx, tx, by, "session.close", "conversation", c.ID, map[string]any{"session": c.SessionID}); err != nil {
			return err
		}
		return e.endSession(ctx, tx, c, kefu.CloseByAgent, now)
	})
	if err != nil {
		return nil, err
	}
	e.publishMessage(c, notice)
	if freed != 0 {
		e.publishAgent(ctx, freed)
	}
	e.kickRouter()
	return c, nil
}

// lockOpenSession locks a conversation an agent wants to act on (verb:
// close, transfer): it must still be queued or active — the 30-minute rule
// applied first — and the agent must be serving it, or an admin.
func (e *Engine) lockOpenSession(ctx context.Context, tx kefu.Tx, id int64, by *kefu.Agent, verb string, now time.Time) (*kefu.Conversation, error) {
	c, err := tx.LockConversation(ctx, id)
	if err != nil {
		return nil, err
	}
	if expired, err := e.expireIfDue(ctx, tx, c, now); err != nil || expired {
		if err == nil {
			err = kefu.Errorf(kefu.ECONFLICT, "the session already ended: %s passed without activity", e.cfg.SessionTimeout)
		}
		return nil, err
	}
	switch {
	case c.State == kefu.StateDeveloper:
		return nil, kefu.Errorf(kefu.ECONFLICT, "the session is already closed")
	case c.State == kefu.StateActive && c.AgentID != by.ID && by.Role != kefu.RoleAdmin:
		return nil, kefu.Errorf(kefu.EFORBIDDEN, "only the agent serving this session (or an admin) can %s it", verb)
	case !by.Serves(c.AppID, c.TeamID):
		return nil, kefu.Errorf(kefu.EFORBIDDEN, "you do not serve this app or team")
	}
	return c, nil
}

// TransferTarget is where an agent hands a session: another agent, or a
// team's queue.
type TransferTarget struct {
	AgentID int64
	TeamID  int64
	Note    string // an internal note the customer never sees
}

// TransferTo hands a queued or active session to another agent (who must
// serve the app and have room) or back to the queue of a team. The current
// session closes and a new one opens, so history shows who served when; a
// session sent to a team keeps its place in the queue.
func (e *Engine) TransferTo(ctx context.Context, conversationID int64, by *kefu.Agent, to TransferTarget) (*kefu.Conversation, error) {
	if (to.AgentID == 0) == (to.TeamID == 0) {
		return nil, kefu.Errorf(kefu.EINVALID, "transfer to exactly one agent or one team")
	}
	if kefu.TextTooLong(to.Note) {
		return nil, kefu.Errorf(kefu.EINVALID, "the transfer note is too long")
	}
	var c *kefu.Conversation
	var msgs []*kefu.Message
	var touched []int64
	err := e.store.Update(ctx, func(tx kefu.Tx) error {
		msgs, touched = nil, nil
		now := e.now()
		var err error
		if c, err = e.lockOpenSession(ctx, tx, conversationID, by, "transfer", now); err != nil {
			return err
		}
		old, err := tx.Session(ctx, c.SessionID)
		if err != nil {
			return err
		}
		prevAgent := c.AgentID
		next := &kefu.Session{ConversationID: c.ID, AppID: c.AppID, CustomerID: c.CustomerID, TeamID: c.TeamID,
			SessionFrom: old.SessionFrom, FirstSeq: c.LastSeq + 1, QueuedAt: old.QueuedAt}
		var target string
		if to.AgentID != 0 {
			if to.AgentID == prevAgent {
				return kefu.Errorf(kefu.EINVALID, "the session is already with that agent")
			}
			agent, err := tx.Agent(ctx, to.AgentID)
			if err != nil {
				if errors.Is(err, kefu.ErrNotFound) {
					return kefu.Errorf(kefu.ENOTFOUND, "no such agent")
				}
				return err
			}
			if agent.Disabled || agent.Status == kefu.StatusOffline {
				return kefu.Errorf(kefu.ECONFLICT, "%s is offline", agent.Name)
			}
			if !agent.Serves(c.AppID, 0) {
				return kefu.Errorf(kefu.EFORBIDDEN, "%s does not serve this app", agent.Name)
			}
			ok, err := tx.AddAgentLoad(ctx, agent.ID, 1)
			if err != nil {
				return err
			}
			if !ok {
				return kefu.Errorf(kefu.ECAPACITY, "%s has no free session slot", agent.Name)
			}
			if !agent.Serves(c.AppID, c.TeamID) {
				next.TeamID = 0 // leaving the team: the new agent serves the app
			}
			next.State, next.AgentID, next.AcceptedAt = kefu.StateActive, agent.ID, now
			c.State, c.AgentID, c.AssignedAt = kefu.StateActive, agent.ID, now
			target = agent.Name
			touched = append(touched, agent.ID)
		} else {
			team, err := tx.Team(ctx, to.TeamID)
			if err != nil {
				if errors.Is(err, kefu.ErrNotFound) {
					return kefu.Errorf(kefu.ENOTFOUND, "no such team")
				}
				return err
			}
			next.TeamID, next.State = team.ID, kefu.StateQueued
			c.State, c.AgentID, c.AssignedAt = kefu.StateQueued, 0, time.Time{}
			target = team.Name
		}
		if prevAgent != 0 {
			if _, err := tx.AddAgentLoad(ctx, prevAgent, -1); err != nil {
				return err
			}
			touched = append(touched, prevAgent)
		}
		old.State, old.LastSeq, old.ClosedAt, old.CloseReason = kefu.StateClosed, c.LastSeq, now, kefu.CloseByTransfer
		if err := tx.SaveSession(ctx, old); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, next); err != nil {
			return err
		}
		c.SessionID, c.TeamID, c.LastActivityAt, c.UpdatedAt = next.ID, next.TeamID, now, now
		notice := &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Internal: true, Phase: c.State, AgentID: by.ID, CreatedAt: now,
			Notice: &kefu.Notice{Code: kefu.NoticeTransferred, Text: by.Name + " 转接给 " + target, Params: map[string]string{"from": by.Name, "to": target}}}
		if notice, _, err = tx.AppendMessage(ctx, c, notice); err != nil {
			return err
		}
		msgs = append(msgs, notice)
		if err := e.Record(ctx, tx, by, "session.transfer", "conversation", c.ID, map[string]any{"from_session": old.ID, "session": next.ID, "to_agent": to.AgentID, "to_team": to.TeamID, "to": target}); err != nil {
			return err
		}
		if to.Note != "" {
			note := &kefu.Message{Sender: kefu.SenderAgent, AgentID: by.ID, Kind: kefu.KindText, Internal: true, Phase: c.State,
				Source: "transfer", CreatedAt: now, Text: &kefu.Text{Content: to.Note}}
			if note, _, err = tx.AppendMessage(ctx, c, note); err != nil {
				return err
			}
			msgs = append(msgs, note)
		}
		return tx.SaveConversation(ctx, c)
	})
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		e.publishMessage(c, m)
	}
	for _, id := range touched {
		e.publishAgent(ctx, id)
	}
	e.kickRouter()
	return c, nil
}

// requeue puts an active conversation whose agent left back in the queue,
// in its old place, closing the agent's session.
func (e *Engine) requeue(ctx context.Context, tx kefu.Tx, c *kefu.Conversation, now time.Time) (*kefu.Message, error) {
	old, err := tx.Session(ctx, c.SessionID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.AddAgentLoad(ctx, c.AgentID, -1); err != nil {
		return nil, err
	}
	old.State, old.LastSeq, old.ClosedAt, old.CloseReason = kefu.StateClosed, c.LastSeq, now, kefu.CloseByAgentLeft
	if err := tx.SaveSession(ctx, old); err != nil {
		return nil, err
	}
	next := &kefu.Session{ConversationID: c.ID, AppID: c.AppID, CustomerID: c.CustomerID, TeamID: c.TeamID, State: kefu.StateQueued,
		SessionFrom: old.SessionFrom, FirstSeq: c.LastSeq + 1, QueuedAt: old.QueuedAt}
	if err := tx.CreateSession(ctx, next); err != nil {
		return nil, err
	}
	c.State, c.AgentID, c.SessionID, c.AssignedAt, c.LastActivityAt, c.UpdatedAt = kefu.StateQueued, 0, next.ID, time.Time{}, now, now
	notice := &kefu.Message{Sender: kefu.SenderSystem, Kind: kefu.KindNotice, Internal: true, Phase: kefu.StateQueued, CreatedAt: now,
		Notice: &kefu.Notice{Code: kefu.NoticeRequeued, Text: "客服已离线，会话回到排队"}}
	if notice, _, err = tx.AppendMessage(ctx, c, notice); err != nil {
		return nil, err
	}
	return notice, tx.SaveConversation(ctx, c)
}

// Sweep ends every session idle past the timeout (the 30-minute rule) and
// returns how many it ended.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	now := e.now()
	ids, err := e.store.ExpiredConversations(ctx, now.Add(-e.cfg.SessionTimeout), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var c *kefu.Conversation
		var expired bool
		var agentID int64
		err := e.store.Update(ctx, func(tx kefu.Tx) error {
			var err error
			if c, err = tx.LockConversation(ctx, id); err != nil {
				return err
			}
			agentID = c.AgentID
			expired, err = e.expireIfDue(ctx, tx, c, e.now())
			return err
		})
		if err != nil {
			return n, err
		}
		if expired {
			n++
			e.publishConversation(c)
			if agentID != 0 {
				e.publishAgent(ctx, agentID)
			}
		}
	}
	if n > 0 {
		e.kickRouter()
	}
	return n, nil
}

func (e *Engine) sweepLoop(ctx context.Context) {
	t := time.NewTicker(e.cfg.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := e.Sweep(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("engine: sweep expired sessions", "err", err)
			}
		}
	}
}
