package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestUpstreamAppAndStatusRoundTrip: a connected app keeps its upstream
// settings, and a message its delivery status.
func TestUpstreamAppAndStatusRoundTrip(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		if got, _ := s.App(ctx, app.ID); got.Upstream != nil {
			t.Fatalf("an app made without upstream reads back connected: %+v", got.Upstream)
		}
		app.Upstream = &kefu.Upstream{BaseURL: "https://api.weixin.qq.com", Token: "tok123", EncodingAESKey: "k", Mode: kefu.PushSafe, Format: kefu.PushXML}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SaveApp(ctx, app) })
		got, err := s.App(ctx, app.ID)
		if err != nil || got.Upstream == nil || *got.Upstream != *app.Upstream {
			t.Fatalf("upstream = %+v (%v), want %+v", got.Upstream, err, app.Upstream)
		}
		_, c := seedConversation(t, s, app, "x")
		m, _, err := appendText(s, c.ID, "", "hi")
		if err != nil {
			t.Fatal(err)
		}
		want := &kefu.UpstreamStatus{State: kefu.UpstreamFailed, ErrCode: 45015, Error: "too late"}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.SetUpstreamStatus(ctx, m.ID, want) })
		if got, err := s.Message(ctx, m.ID); err != nil || got.Upstream == nil || *got.Upstream != *want {
			t.Fatalf("status = %+v (%v), want %+v", got.Upstream, err, want)
		}
	})
}

// TestUpstreamSendsGoOutInOrderAndOnce: workers claiming at once take every
// job exactly once, and a conversation's jobs one at a time, in order.
func TestUpstreamSendsGoOutInOrderAndOnce(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		const convs, perConv = 4, 5
		for i := range convs {
			_, c := seedConversation(t, s, app, "u"+string(rune('a'+i)))
			for range perConv {
				m, _, err := appendText(s, c.ID, "", "hi")
				if err != nil {
					t.Fatal(err)
				}
				mustUpdate(t, s, func(tx kefu.Tx) error {
					if _, err := tx.LockConversation(ctx, c.ID); err != nil {
						return err
					}
					return tx.EnqueueUpstreamSend(ctx, &kefu.UpstreamSend{AppID: app.ID, ConversationID: c.ID, MessageID: m.ID, NextAt: t0, CreatedAt: t0})
				})
			}
		}
		if due, err := s.DueUpstreamSends(ctx, t0, 100); err != nil || len(due) != convs {
			t.Fatalf("due: %d (%v), want the %d heads", len(due), err, convs)
		}
		now := t0.Add(time.Second)
		var mu sync.Mutex
		claimed := map[int64]int{}
		inFlight := map[int64]int64{}
		last := map[int64]int64{}
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for idle := 0; idle < 30; {
					var jobs []*kefu.UpstreamSend
					if err := s.Update(ctx, func(tx kefu.Tx) error {
						var err error
						jobs, err = tx.ClaimUpstreamSends(ctx, now, now.Add(time.Minute), 2)
						return err
					}); err != nil {
						t.Error(err)
						return
					}
					if len(jobs) == 0 {
						idle++
						continue
					}
					for _, j := range jobs {
						mu.Lock()
						claimed[j.MessageID]++
						if other, busy := inFlight[j.ConversationID]; busy {
							t.Errorf("conversation %d: job %d claimed while %d is in flight", j.ConversationID, j.ID, other)
						}
						if j.MessageID < last[j.ConversationID] {
							t.Errorf("conversation %d: message %d after %d", j.ConversationID, j.MessageID, last[j.ConversationID])
						}
						inFlight[j.ConversationID] = j.ID
						mu.Unlock()
						err := s.Update(ctx, func(tx kefu.Tx) error {
							if _, err := tx.LockConversation(ctx, j.ConversationID); err != nil {
								return err
							}
							if err := tx.DeleteUpstreamSend(ctx, j.ID); err != nil {
								return err
							}
							// Before the commit that lets the next job be claimed.
							mu.Lock()
							delete(inFlight, j.ConversationID)
							last[j.ConversationID] = j.MessageID
							mu.Unlock()
							return nil
						})
						if err != nil {
							t.Error(err)
						}
					}
				}
			}()
		}
		wg.Wait()
		if len(claimed) != convs*perConv {
			t.Fatalf("%d jobs claimed, want %d", len(claimed), convs*perConv)
		}
		for id, n := range claimed {
			if n != 1 {
				t.Errorf("message %d claimed %d times", id, n)
			}
		}
	})
}

// TestUpstreamTokenLeaseIsExclusive: of many nodes asking at once, one gets
// the refresh lease; after the token is stored, or the lease runs out, it
// can be taken again.
func TestUpstreamTokenLeaseIsExclusive(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		lease := func(now time.Time) bool {
			var ok bool
			mustUpdate(t, s, func(tx kefu.Tx) error {
				var err error
				ok, err = tx.LeaseUpstreamToken(ctx, app.ID, now, now.Add(10*time.Second))
				return err
			})
			return ok
		}
		var mu sync.Mutex
		won := 0
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if lease(t0) {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d nodes got the lease, want 1", won)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			return tx.PutUpstreamToken(ctx, &kefu.UpstreamToken{AppID: app.ID, Token: "T1", ExpiresAt: t0.Add(2 * time.Hour)})
		})
		tok, err := s.UpstreamToken(ctx, app.ID)
		if err != nil || tok.Token != "T1" || !tok.RefreshLeaseUntil.IsZero() {
			t.Fatalf("token = %+v (%v)", tok, err)
		}
		if !lease(t0) || lease(t0.Add(time.Second)) || !lease(t0.Add(11*time.Second)) {
			t.Fatal("the lease is not taken once, refused while held and taken again after it ran out")
		}
	})
}
