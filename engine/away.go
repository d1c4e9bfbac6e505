package engine

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/kefuhq/kefu"
)

// AwayNotice is what the workspace tells an agent that presence set
// offline, when they come back: when, after how long away, and how many
// sessions went back to the queue.
type AwayNotice struct {
	At           time.Time `json:"at"`
	GraceSeconds int       `json:"grace_seconds"`
	Requeued     int       `json:"requeued"`
}

func awayKey(agentID int64) string { return "presence_offline:" + strconv.FormatInt(agentID, 10) }

// RememberAway records why an agent is offline: presence set them so after
// grace without a workspace, and requeued sessions went back to the queue.
// It is kept as a setting, so every node knows it, and holds only while the
// agent's status is the one set then (At is the status change's time, the
// agent's last_seen_at).
func (e *Engine) RememberAway(ctx context.Context, agentID int64, grace time.Duration, requeued int) error {
	a, err := e.store.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(AwayNotice{At: a.LastSeenAt, GraceSeconds: int(grace / time.Second), Requeued: requeued})
	return e.store.Update(ctx, func(tx kefu.Tx) error { return tx.PutSetting(ctx, awayKey(agentID), string(data)) })
}

// AwayNoticeOf is the notice for an agent still offline since presence set
// them so; nil otherwise.
func (e *Engine) AwayNoticeOf(ctx context.Context, a *kefu.Agent) *AwayNotice {
	if a.Status != kefu.StatusOffline {
		return nil
	}
	v, err := e.store.Setting(ctx, awayKey(a.ID))
	var n AwayNotice
	if err != nil || json.Unmarshal([]byte(v), &n) != nil || !n.At.Equal(a.LastSeenAt) {
		return nil
	}
	return &n
}
