package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestPushJobsGoOutInOrderAndOnce claims and finishes an outbox from many
// workers at once, as several push workers (or nodes) would: every job is
// claimed exactly once, a conversation's jobs one at a time and in order.
func TestPushJobsGoOutInOrderAndOnce(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		const convs, perConv = 6, 5
		jobConv := map[int64]int64{} // job → conversation
		var order []int64            // jobs in enqueue order
		for i := range convs {
			_, c := seedConversation(t, s, app, "u"+string(rune('a'+i)))
			for range perConv {
				m, _, err := appendText(s, c.ID, "", "hi")
				if err != nil {
					t.Fatal(err)
				}
				j := &kefu.PushJob{AppID: app.ID, ConversationID: c.ID, MessageID: m.ID, NextAt: t0, CreatedAt: t0}
				mustUpdate(t, s, func(tx kefu.Tx) error {
					if _, err := tx.LockConversation(ctx, c.ID); err != nil {
						return err
					}
					return tx.EnqueuePush(ctx, j)
				})
				jobConv[j.ID] = c.ID
				order = append(order, j.ID)
			}
		}
		due, err := s.DuePushJobs(ctx, t0, 100)
		if err != nil || len(due) != convs {
			t.Fatalf("due jobs: %d (%v), want the %d heads", len(due), err, convs)
		}

		now := t0.Add(time.Second)
		var mu sync.Mutex
		claimed := map[int64]int{}    // job → times claimed
		inFlight := map[int64]int64{} // conversation → job being tried
		lastDone := map[int64]int64{} // conversation → last job finished
		finished := 0
		progress := make(chan struct{}) // closed, and made anew, as each job finishes
		allDone := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				deadline := time.After(time.Minute)
				for {
					mu.Lock()
					wait := progress // taken before claiming, so no finish is missed
					mu.Unlock()
					var jobs []*kefu.PushJob
					err := s.Update(ctx, func(tx kefu.Tx) error {
						var err error
						jobs, err = tx.ClaimPushJobs(ctx, now, now.Add(time.Minute), 2)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					if len(jobs) == 0 { // the rest are in flight: wait for one to finish
						select {
						case <-wait:
						case <-allDone:
							return
						case <-deadline:
							t.Error("the outbox never emptied")
							return
						}
						continue
					}
					for _, j := range jobs {
						conv := jobConv[j.ID]
						mu.Lock()
						claimed[j.ID]++
						if other, ok := inFlight[conv]; ok {
							t.Errorf("conversation %d: job %d claimed while %d is being tried", conv, j.ID, other)
						}
						if j.ID <= lastDone[conv] {
							t.Errorf("conversation %d: job %d claimed after %d", conv, j.ID, lastDone[conv])
						}
						if j.Tries != 1 || !j.LeaseUntil.Equal(now.Add(time.Minute)) {
							t.Errorf("claimed job %+v: want try 1 and the lease", j)
						}
						inFlight[conv] = j.ID
						mu.Unlock()
						// Finished: out of flight before the job goes, since
						// its successor may be claimed once the delete commits.
						mu.Lock()
						delete(inFlight, conv)
						lastDone[conv] = j.ID
						mu.Unlock()
						if err := s.Update(ctx, func(tx kefu.Tx) error {
							if _, err := tx.LockConversation(ctx, conv); err != nil {
								return err
							}
							return tx.DeletePushJob(ctx, j.ID)
						}); err != nil {
							t.Error(err)
						}
						mu.Lock()
						finished++
						close(progress)
						progress = make(chan struct{})
						if finished == len(order) {
							close(allDone)
						}
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		for _, id := range order {
			if claimed[id] != 1 {
				t.Errorf("job %d claimed %d times, want once", id, claimed[id])
			}
		}
		if due, _ := s.DuePushJobs(ctx, now.Add(time.Hour), 100); len(due) != 0 {
			t.Errorf("%d jobs left in the outbox", len(due))
		}
	})
}

// TestLeasedPushJobIsNotClaimedAgain: a job being tried (leased) is not
// claimed again until its lease runs out, and its conversation's next job
// waits for it.
func TestLeasedPushJobIsNotClaimedAgain(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		ctx := context.Background()
		app := seedApp(t, s)
		_, c := seedConversation(t, s, app, "u")
		var ids []int64
		for range 2 {
			m, _, err := appendText(s, c.ID, "", "hi")
			if err != nil {
				t.Fatal(err)
			}
			j := &kefu.PushJob{AppID: app.ID, ConversationID: c.ID, MessageID: m.ID, NextAt: t0, CreatedAt: t0}
			mustUpdate(t, s, func(tx kefu.Tx) error { return tx.EnqueuePush(ctx, j) })
			ids = append(ids, j.ID)
		}
		claim := func(at time.Time) []*kefu.PushJob {
			var jobs []*kefu.PushJob
			mustUpdate(t, s, func(tx kefu.Tx) error {
				var err error
				jobs, err = tx.ClaimPushJobs(ctx, at, at.Add(time.Minute), 10)
				return err
			})
			return jobs
		}
		if jobs := claim(t0); len(jobs) != 1 || jobs[0].ID != ids[0] {
			t.Fatalf("first claim: %+v, want job %d only", jobs, ids[0])
		}
		if jobs := claim(t0.Add(30 * time.Second)); len(jobs) != 0 {
			t.Fatalf("claimed %+v while the head is leased", jobs)
		}
		// The lease ran out (the worker died): the same job, its second try.
		if jobs := claim(t0.Add(2 * time.Minute)); len(jobs) != 1 || jobs[0].ID != ids[0] || jobs[0].Tries != 2 {
			t.Fatalf("after the lease: %+v, want job %d, try 2", jobs, ids[0])
		}
	})
}
