package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

// oneBatch runs fns as updates of one batch, in order: a first update holds
// the only committer until all of them are queued behind it. It returns
// each update's error.
func oneBatch(t *testing.T, s *sqlstore.Store, fns ...func(kefu.Tx) error) []error {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{}, 1)
	blocked := make(chan error, 1)
	go func() {
		blocked <- s.Update(context.Background(), func(kefu.Tx) error {
			select {
			case started <- struct{}{}: // first run (a batch may run again)
			default:
			}
			<-release
			return nil
		})
	}()
	<-started // the blocker is with the committer
	var once bool
	defer func() {
		if !once {
			close(release)
		}
	}()
	waitQueued := func(n int) {
		t.Helper()
		kefutest.UntilTrue(t, fmt.Sprintf("%d updates queued", n), func() bool { return sqlstore.QueuedUpdates(s) == n })
	}
	errs := make([]chan error, len(fns))
	for i, fn := range fns {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- s.Update(context.Background(), fn) }()
		waitQueued(i + 1)
	}
	close(release)
	once = true
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	out := make([]error, len(fns))
	for i := range fns {
		out[i] = <-errs[i]
	}
	return out
}

// A batch's conversation saves are held back and written together; every
// op of the batch, and every read inside it, sees the saves before it.
func TestHeldSavesInOneBatch(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s, err := sqlstore.Open(context.Background(), kefutest.StoreDSN(t, engine), sqlstore.Options{Committers: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		app := seedApp(t, s)
		var convs []*kefu.Conversation
		for _, u := range []string{"a", "b", "c"} {
			_, c := seedConversation(t, s, app, u)
			convs = append(convs, c)
		}
		ctx := context.Background()

		t.Run("several conversations, several saves each", func(t *testing.T) {
			var fns []func(kefu.Tx) error
			for round := range 3 {
				for i, c := range convs {
					fns = append(fns, sendText(c.ID, "m", func(c *kefu.Conversation) {
						c.SessionFrom = string(rune('a'+i)) + string(rune('0'+round))
					}))
				}
			}
			for i, err := range oneBatch(t, s, fns...) {
				if err != nil {
					t.Fatalf("update %d: %v", i, err)
				}
			}
			for i, c := range convs {
				got, err := s.Conversation(ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				msgs, _ := s.Messages(ctx, c.ID, 0, 0, 0)
				want := string(rune('a'+i)) + "2"
				if got.LastSeq != 3 || len(msgs) != 3 || got.SessionFrom != want {
					t.Errorf("conversation %d: last_seq %d, %d messages, session_from %q; want 3, 3, %q",
						i, got.LastSeq, len(msgs), got.SessionFrom, want)
				}
			}
		})

		t.Run("a read inside the batch sees the saves before it", func(t *testing.T) {
			queuedAt := t0.Add(time.Hour)
			var seen []int64
			errs := oneBatch(t, s,
				sendText(convs[0].ID, "queue me", func(c *kefu.Conversation) {
					c.State, c.QueuedAt = kefu.StateQueued, queuedAt
				}),
				func(tx kefu.Tx) error {
					seen = nil
					q, err := tx.Queue(ctx, kefu.QueueFilter{AppIDs: []string{app.ID}})
					for _, c := range q {
						seen = append(seen, c.ID)
					}
					return err
				})
			if errors.Join(errs...) != nil {
				t.Fatal(errs)
			}
			if len(seen) != 1 || seen[0] != convs[0].ID {
				t.Errorf("the queue read in the batch held %v, want [%d]", seen, convs[0].ID)
			}
		})

		t.Run("every read of conversations inside the batch sees the saves before it", func(t *testing.T) {
			var byID, byCustomer string
			errs := oneBatch(t, s,
				sendText(convs[2].ID, "m", func(c *kefu.Conversation) { c.SessionFrom = "seen by customer" }),
				func(tx kefu.Tx) error {
					// Each read comes first in its own batch: the first read
					// writes the held saves, for every read after it.
					c, err := tx.ConversationByCustomer(ctx, convs[2].CustomerID)
					if err != nil {
						return err
					}
					byCustomer = c.SessionFrom
					return nil
				})
			if errors.Join(errs...) != nil {
				t.Fatal(errs)
			}
			errs = oneBatch(t, s,
				sendText(convs[2].ID, "m", func(c *kefu.Conversation) { c.SessionFrom = "seen by id" }),
				func(tx kefu.Tx) error {
					c, err := tx.Conversation(ctx, convs[2].ID)
					if err == nil {
						byID = c.SessionFrom
					}
					return err
				})
			if errors.Join(errs...) != nil {
				t.Fatal(errs)
			}
			if byCustomer != "seen by customer" || byID != "seen by id" {
				t.Errorf("reads in the batch saw session_from %q (by customer) and %q (by id), want the saves before them", byCustomer, byID)
			}
		})

		t.Run("a failed op's saves are undone, the others' kept", func(t *testing.T) {
			boom := errors.New("boom")
			before, _ := s.Conversation(ctx, convs[1].ID)
			errs := oneBatch(t, s,
				sendText(convs[1].ID, "kept", func(c *kefu.Conversation) { c.SessionFrom = "kept" }),
				func(tx kefu.Tx) error {
					if err := sendText(convs[1].ID, "undone", func(c *kefu.Conversation) { c.SessionFrom = "undone" })(tx); err != nil {
						return err
					}
					return boom
				},
				sendText(convs[2].ID, "kept too", func(c *kefu.Conversation) { c.SessionFrom = "kept too" }),
			)
			if errs[0] != nil || !errors.Is(errs[1], boom) || errs[2] != nil {
				t.Fatalf("errors %v, want [nil boom nil]", errs)
			}
			got, _ := s.Conversation(ctx, convs[1].ID)
			if got.SessionFrom != "kept" || got.LastSeq != before.LastSeq+1 {
				t.Errorf("conversation after the failed op: session_from %q, last_seq %d; want \"kept\", %d",
					got.SessionFrom, got.LastSeq, before.LastSeq+1)
			}
			msgs, _ := s.Messages(ctx, convs[1].ID, before.LastSeq, 0, 0)
			if len(msgs) != 1 || msgs[0].Text.Content != "kept" {
				t.Errorf("messages after the failed op: %d, want only \"kept\"", len(msgs))
			}
			if got, _ := s.Conversation(ctx, convs[2].ID); got.SessionFrom != "kept too" {
				t.Errorf("the other conversation's save was lost: session_from %q", got.SessionFrom)
			}
		})
	})
}
