package live

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// deskResume is the desk hub's anti-entropy. An event is published once,
// after its commit, with no replay: a node that dies between the two, or a
// bus that is down meanwhile (NATS restarting), leaves agents' workspaces
// without messages customers already have. The hub therefore remembers, per
// conversation, what it delivered; every few seconds, and at once when the
// bus is back, it asks the store which of its apps' conversations moved past
// that, and delivers the missing messages to its connections as if they had
// come on the bus. A message arriving after a gap asks for a sweep too.
//
// Where a conversation starts is recorded when this node starts watching
// its app (baseline): the workspace that made it watch loads the app from
// the store after that, so what is missing is only what comes after.
type deskResume struct {
	interval time.Duration // between sweeps
	margin   time.Duration // how far back of the last sweep a sweep looks
	kick     chan struct{}

	mu    sync.Mutex // never held while reading the store or delivering
	marks map[int64]*deskMark
	last  time.Time // the engine clock at the last sweep's start
}

// deskMark is what the hub delivered of a conversation: every message up
// to upTo, and those in above (delivered after a gap, before it was filled).
// A loose mark was started by a message the hub got without knowing the
// conversation (its first since it was forgotten): what lies below it is
// not known, and the next sweep reads the conversation's recent tail.
type deskMark struct {
	app     string
	upTo    int64
	above   []int64 // sorted, each > upTo+1
	loose   bool
	touched time.Time
}

// Anti-entropy bounds.
const (
	// DefaultDeskResync is how often the desk hub looks for messages its
	// workspaces missed.
	DefaultDeskResync = 5 * time.Second
	// deskResumeMargin covers commits that took a while and clock skew
	// between nodes: a sweep looks this far back of the previous one.
	deskResumeMargin = 10 * time.Second
	// deskResumeTail bounds what is sent of a conversation the hub knew
	// nothing of (forgotten, or every event of it lost).
	deskResumeTail = 50
	// deskSweepPages bounds one sweep to 500 conversations a page.
	deskSweepPages = 20
)

func newDeskResume(interval time.Duration) *deskResume {
	if interval <= 0 {
		interval = DefaultDeskResync
	}
	return &deskResume{interval: interval, margin: max(deskResumeMargin, 2*interval), kick: make(chan struct{}, 1),
		marks: map[int64]*deskMark{}}
}

// soon asks for a sweep now. It never blocks.
func (r *deskResume) soon() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// fresh records that a message of a conversation reaches the hub from the
// bus, and reports whether it is new (a sweep may have delivered it first).
// A message after a gap asks for a sweep. Called on the bus's goroutine: it
// only takes the lock.
func (r *deskResume) fresh(app string, conv, seq int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.marks[conv]
	if m == nil {
		m = &deskMark{app: app, touched: time.Now()}
		r.marks[conv] = m
		if seq > 1 {
			// Nothing is known below it: the sweep reads what is recent.
			m.loose = true
			r.soon()
		}
	}
	if !m.take(seq) {
		return false
	}
	m.touched = time.Now()
	if len(m.above) > 0 {
		r.soon()
	}
	return true
}

// take records seq as delivered, reporting false if it already was.
func (m *deskMark) take(seq int64) bool {
	if seq <= m.upTo {
		return false
	}
	i, found := slices.BinarySearch(m.above, seq)
	if found {
		return false
	}
	if seq != m.upTo+1 {
		m.above = slices.Insert(m.above, i, seq)
		return true
	}
	m.upTo = seq
	m.settle()
	return true
}

// runResume sweeps every interval, when the bus is back after an outage and
// when a message arrives after a gap, until ctx is done.
func (h *deskHub) runResume(ctx context.Context) {
	r := h.resume
	h.bus.OnReconnect(r.soon)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
		}
		h.sweep(ctx)
	}
}

// sweep delivers what the hub's connections missed. Connections that
// joined after it started are left out: they load their lists after
// joining, and so get from the store everything this sweep finds.
func (h *deskHub) sweep(ctx context.Context) {
	s, r := h.s, h.resume
	h.mu.Lock()
	h.gen++
	gen := h.gen
	var apps []string
	for name := range h.topics {
		if app, ok := appOfTopic(name); ok {
			apps = append(apps, app)
		}
	}
	h.mu.Unlock()
	if len(apps) == 0 {
		return
	}
	now := s.Clock.Now()
	r.mu.Lock()
	since := r.last.Add(-r.margin)
	if r.last.IsZero() {
		since = now.Add(-r.margin)
	}
	r.mu.Unlock()
	convs, err := h.moved(ctx, apps, since)
	if err != nil {
		s.Log.Warn("desk hub: look for missed messages", "err", err)
		return // the next sweep looks as far back
	}
	for _, c := range convs {
		h.catchUp(ctx, c, since, gen)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = now
	// Forget conversations quiet for a while: memory stays bounded by what
	// moved recently. One that moves again is caught up by its tail.
	forget := time.Now().Add(-3 * max(r.margin, r.interval))
	for id, m := range r.marks {
		if m.touched.Before(forget) {
			delete(r.marks, id)
		}
	}
}

// moved lists the apps' conversations changed since, in pages of 500.
func (h *deskHub) moved(ctx context.Context, apps []string, since time.Time) ([]*kefu.Conversation, error) {
	var all []*kefu.Conversation
	seen := map[int64]bool{}
	f := kefu.ConversationFilter{AppIDs: apps, From: since, Limit: 500}
	for range deskSweepPages {
		page, err := h.s.Read.Conversations(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			if !seen[c.ID] {
				seen[c.ID] = true
				all = append(all, c)
			}
		}
		if len(page) < f.Limit {
			break
		}
		// Newest first: the next page is at or before the oldest of this
		// one (ties at that millisecond are read again and skipped).
		before := page[len(page)-1].UpdatedAt.Add(time.Millisecond)
		if before.Equal(f.Before) {
			break
		}
		f.Before = before
	}
	return all, nil
}

// baseline records where the apps' conversations that moved lately stand:
// a connection that made this node watch them loads them from the store
// after it. Those that did not move lately are caught up by their recent
// tail when they do. Without the store, the sweeps read those tails.
func (h *deskHub) baseline(ctx context.Context, topics []string) {
	r := h.resume
	var apps []string
	for _, name := range topics {
		if app, ok := appOfTopic(name); ok {
			apps = append(apps, app)
		}
	}
	if len(apps) == 0 {
		return
	}
	convs, err := h.moved(ctx, apps, h.s.Clock.Now().Add(-r.margin))
	if err != nil {
		h.s.Log.Warn("desk hub: read where conversations stand", "err", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range convs {
		m := r.marks[c.ID]
		if m == nil {
			m = &deskMark{app: c.AppID}
			r.marks[c.ID] = m
		}
		m.touched = time.Now()
		if m.upTo < c.LastSeq {
			m.upTo, m.loose = c.LastSeq, false
			m.above = slices.DeleteFunc(m.above, func(s int64) bool { return s <= c.LastSeq })
			m.settle()
		}
	}
}

// settle moves upTo over the delivered messages right above it.
func (m *deskMark) settle() {
	for len(m.above) > 0 && m.above[0] == m.upTo+1 {
		m.upTo, m.above = m.above[0], m.above[1:]
	}
}

// catchUp delivers the messages of c the hub has not delivered. Of a
// conversation it knew nothing of, it reads the last deskResumeTail
// messages and delivers those created since.
func (h *deskHub) catchUp(ctx context.Context, c *kefu.Conversation, since time.Time, gen int64) {
	r := h.resume
	if c.LastSeq == 0 {
		return
	}
	r.mu.Lock()
	m := r.marks[c.ID]
	if m != nil && !m.loose && m.upTo >= c.LastSeq {
		m.touched = time.Now()
		r.mu.Unlock()
		return
	}
	known := m != nil && !m.loose
	after := max(0, c.LastSeq-deskResumeTail)
	if known {
		after = m.upTo
	}
	r.mu.Unlock()
	for from := after; from < c.LastSeq; {
		msgs, err := h.s.Read.Messages(ctx, c.ID, from, c.LastSeq, 0)
		if err != nil {
			h.s.Log.Warn("desk hub: read missed messages", "conversation", c.ID, "err", err)
			return // the next sweep tries again
		}
		if len(msgs) == 0 {
			break
		}
		from = msgs[len(msgs)-1].Seq
		for _, msg := range msgs {
			r.mu.Lock()
			m := r.marks[c.ID]
			if m == nil {
				m = &deskMark{app: c.AppID, upTo: after, loose: true}
				r.marks[c.ID] = m
			}
			m.touched = time.Now()
			isNew := m.take(msg.Seq)
			r.mu.Unlock()
			// Events never go to agents; of a conversation the hub knew
			// nothing of, only what is recent enough to have been missed.
			if !isNew || !msg.VisibleToAgents() || !known && msg.CreatedAt.Before(since) {
				continue
			}
			h.deliverMissed(c, msg, gen)
		}
	}
	r.mu.Lock()
	if m := r.marks[c.ID]; m != nil {
		if m.upTo < c.LastSeq {
			m.upTo = c.LastSeq
			m.above = slices.DeleteFunc(m.above, func(s int64) bool { return s <= c.LastSeq })
			m.settle()
		}
		m.loose = false
	}
	r.mu.Unlock()
}

// deliverMissed hands a message read from the store to the connections on
// its app's topic that joined before the sweep began, exactly as the bus
// would have (each connection decides whether its agent may see it).
func (h *deskHub) deliverMissed(c *kefu.Conversation, m *kefu.Message, gen int64) {
	ev := engine.Event{Type: engine.EventMessage, AppID: c.AppID, ConversationID: c.ID, TeamID: c.TeamID, Message: m, Conversation: c}
	data, err := json.Marshal(&ev)
	if err != nil {
		h.s.Log.Error("desk hub: encode event", "err", err)
		return
	}
	h.mu.Lock()
	t := h.topics[engine.AppTopic(c.AppID)]
	h.mu.Unlock()
	if t == nil {
		return
	}
	head := deskEventHead{Type: ev.Type, AppID: ev.AppID, TeamID: ev.TeamID}
	for _, ds := range *t.sessions.Load() {
		if ds.joinedGen.Load() < gen {
			ds.onEvent(&head, data)
		}
	}
}

// forgetApp drops what the hub knew of an app nobody here watches any more:
// when someone does again, they load it afresh from a new baseline.
func (r *deskResume) forgetApp(app string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, m := range r.marks {
		if m.app == app {
			delete(r.marks, id)
		}
	}
}

// appOfTopic returns the app of an app topic.
func appOfTopic(topic string) (string, bool) {
	const prefix = "app."
	if len(topic) > len(prefix) && topic[:len(prefix)] == prefix && engine.AppTopic(topic[len(prefix):]) == topic {
		return topic[len(prefix):], true
	}
	return "", false
}
