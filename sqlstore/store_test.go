package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

var t0 = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

func seedApp(t *testing.T, s kefu.Store) *kefu.App {
	t.Helper()
	a := &kefu.App{ID: "wx1234567890abcdef", OriginalID: "gh_abcdef123456", Name: "Shop", Secret: "0123456789abcdef0123456789abcdef",
		Push: kefu.PushConfig{Mode: kefu.PushSafe, Format: kefu.PushJSON}, WidgetOrigins: []string{"https://shop.example"}, CreatedAt: t0}
	mustUpdate(t, s, func(tx kefu.Tx) error { return tx.CreateApp(context.Background(), a) })
	return a
}

func seedConversation(t *testing.T, s kefu.Store, app *kefu.App, external string) (*kefu.Customer, *kefu.Conversation) {
	t.Helper()
	cust := &kefu.Customer{AppID: app.ID, OpenID: "o" + external, Channel: kefu.ChannelWeb, ExternalID: external, CreatedAt: t0}
	conv := &kefu.Conversation{AppID: app.ID, State: kefu.StateDeveloper, CreatedAt: t0, UpdatedAt: t0}
	mustUpdate(t, s, func(tx kefu.Tx) error {
		ctx := context.Background()
		if err := tx.CreateCustomer(ctx, cust); err != nil {
			return err
		}
		conv.CustomerID = cust.ID
		return tx.CreateConversation(ctx, conv)
	})
	return cust, conv
}

func mustUpdate(t *testing.T, s kefu.Store, fn func(kefu.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func text(s string) *kefu.Message {
	return &kefu.Message{Sender: kefu.SenderUser, Kind: kefu.KindText, Phase: kefu.StateDeveloper, CreatedAt: t0, Text: &kefu.Text{Content: s}}
}

// appendText appends one message in its own Update, the way the engine does.
func appendText(s kefu.Store, convID int64, clientID, body string) (*kefu.Message, bool, error) {
	var out *kefu.Message
	var dup bool
	err := s.Update(context.Background(), func(tx kefu.Tx) error {
		ctx := context.Background()
		c, err := tx.LockConversation(ctx, convID)
		if err != nil {
			return err
		}
		m := text(body)
		m.ClientMsgID = clientID
		if out, dup, err = tx.AppendMessage(ctx, c, m); err != nil || dup {
			return err
		}
		return tx.SaveConversation(ctx, c)
	})
	return out, dup, err
}

// sendText is the engine's shape of a message: lock, append, change, save.
func sendText(convID int64, body string, change func(*kefu.Conversation)) func(kefu.Tx) error {
	return func(tx kefu.Tx) error {
		ctx := context.Background()
		c, err := tx.LockConversation(ctx, convID)
		if err != nil {
			return err
		}
		if _, _, err := tx.AppendMessage(ctx, c, text(body)); err != nil {
			return err
		}
		if change != nil {
			change(c)
		}
		return tx.SaveConversation(ctx, c)
	}
}

func TestAppendIsGapFreeUnderConcurrency(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		var convs []*kefu.Conversation
		for i := range 4 {
			_, c := seedConversation(t, s, app, fmt.Sprint("u", i))
			convs = append(convs, c)
		}
		const writers, each = 16, 25
		var wg sync.WaitGroup
		var failed atomic.Int32
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					c := convs[(w+i)%len(convs)]
					if _, _, err := appendText(s, c.ID, fmt.Sprintf("w%d-%d", w, i), "hi"); err != nil {
						t.Error(err)
						failed.Add(1)
						return
					}
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			return
		}
		total := 0
		for _, c := range convs {
			msgs, err := s.Messages(context.Background(), c.ID, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				if m.Seq != int64(i+1) {
					t.Fatalf("conversation %d: message %d has seq %d: sequence has a gap", c.ID, i, m.Seq)
				}
			}
			got, _ := s.Conversation(context.Background(), c.ID)
			if got.LastSeq != int64(len(msgs)) {
				t.Errorf("conversation last_seq %d, %d messages", got.LastSeq, len(msgs))
			}
			total += len(msgs)
		}
		if total != writers*each {
			t.Errorf("stored %d messages, want %d", total, writers*each)
		}
	})
}

func TestAppendWithSameClientIDIsNoOp(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		_, c := seedConversation(t, s, app, "u")
		first, dup, err := appendText(s, c.ID, "client-1", "hello")
		if err != nil || dup {
			t.Fatalf("first append: dup=%v err=%v", dup, err)
		}
		again, dup, err := appendText(s, c.ID, "client-1", "hello (retried)")
		if err != nil || !dup {
			t.Fatalf("retried append: dup=%v err=%v, want dup", dup, err)
		}
		if again.ID != first.ID || again.Seq != first.Seq || again.Text.Content != "hello" {
			t.Errorf("retry returned %+v, want the first message %+v", again, first)
		}
		msgs, _ := s.Messages(context.Background(), c.ID, 0, 0, 0)
		if len(msgs) != 1 {
			t.Errorf("%d messages stored, want 1", len(msgs))
		}
		// Without a client id, nothing is deduplicated.
		appendText(s, c.ID, "", "a")
		appendText(s, c.ID, "", "a")
		msgs, _ = s.Messages(context.Background(), c.ID, 0, 0, 0)
		if len(msgs) != 3 {
			t.Errorf("%d messages stored, want 3", len(msgs))
		}
	})
}

func TestFailedUpdateInBatchLeavesOthers(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		_, c := seedConversation(t, s, app, "u")
		boom := errors.New("boom")
		var wg sync.WaitGroup
		var okCount atomic.Int32
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Update(context.Background(), func(tx kefu.Tx) error {
					if err := sendText(c.ID, fmt.Sprint(i), nil)(tx); err != nil {
						return err
					}
					if i%3 == 0 {
						return boom // after writing: must be undone
					}
					return nil
				})
				switch {
				case err == nil:
					okCount.Add(1)
				case !errors.Is(err, boom):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		msgs, _ := s.Messages(context.Background(), c.ID, 0, 0, 0)
		if len(msgs) != int(okCount.Load()) || len(msgs) != 33 {
			t.Errorf("%d messages stored, %d updates succeeded, want 33 of each", len(msgs), okCount.Load())
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("gap at %d: seq %d", i, m.Seq)
			}
		}
	})
}

func TestPanickingUpdateDoesNotStopTheStore(t *testing.T) {
	s := kefutest.OpenStore(t, "sqlite")
	err := s.Update(context.Background(), func(tx kefu.Tx) error { panic("bug") })
	if kefu.ErrorCode(err) != kefu.EINTERNAL {
		t.Fatalf("panicking update returned %v, want an internal error", err)
	}
	seedApp(t, s) // still works
}

func TestAgentLoadNeverExceedsCapacity(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		s := kefutest.OpenStore(t, engine)
		a := &kefu.Agent{Login: "alice", Name: "Alice", Role: kefu.RoleAgent, MaxSessions: 3, AutoAccept: true, CreatedAt: t0}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.CreateAgent(context.Background(), a) })
		var wg sync.WaitGroup
		var won atomic.Int32
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.Update(context.Background(), func(tx kefu.Tx) error {
					ok, err := tx.AddAgentLoad(context.Background(), a.ID, 1)
					if ok {
						won.Add(1)
					}
					return err
				})
			}()
		}
		wg.Wait()
		got, err := s.Agent(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if won.Load() != 3 || got.ActiveCount != 3 {
			t.Errorf("%d increments won, active count %d; want 3 and 3", won.Load(), got.ActiveCount)
		}
	})
}

func TestRoundTrips(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		got, err := s.App(ctx, app.ID)
		if err != nil || got.Secret != app.Secret || got.WidgetOrigins[0] != "https://shop.example" || !got.CreatedAt.Equal(t0) {
			t.Fatalf("app round trip: %+v %v", got, err)
		}
		if _, err := s.App(ctx, "wxnope"); !errors.Is(err, kefu.ErrNotFound) {
			t.Errorf("missing app: %v, want ErrNotFound", err)
		}
		dupApp := *app
		if err := s.Update(ctx, func(tx kefu.Tx) error { return tx.CreateApp(ctx, &dupApp) }); kefu.ErrorCode(err) != kefu.ECONFLICT {
			t.Errorf("duplicate app: %v, want conflict", err)
		}

		cust, conv := seedConversation(t, s, app, "visitor")
		if c, err := s.CustomerByExternalID(ctx, app.ID, kefu.ChannelWeb, "visitor"); err != nil || c.ID != cust.ID {
			t.Errorf("customer by external id: %+v %v", c, err)
		}
		if c, err := s.CustomerByOpenID(ctx, app.ID, cust.OpenID); err != nil || c.ID != cust.ID {
			t.Errorf("customer by openid: %+v %v", c, err)
		}

		// Every kind of body survives the store.
		bodies := []*kefu.Message{
			{Kind: kefu.KindText, Text: &kefu.Text{Content: "你好 <b>"}},
			{Kind: kefu.KindImage, Image: &kefu.Image{MediaID: "m1"}},
			{Kind: kefu.KindMiniProgramPage, MiniProgramPage: &kefu.MiniProgramPage{Title: "t", PagePath: "/p", ThumbMediaID: "m"}},
			{Kind: kefu.KindLink, Link: &kefu.Link{Title: "t", URL: "https://x.example"}},
			{Kind: kefu.KindRich, Rich: &kefu.Rich{HTML: "<p>hi</p>"}},
			{Kind: kefu.KindProduct, Product: &kefu.Product{Name: "Phone", Params: []kefu.ProductParam{{Text: "¥1", Color: "#FF0000", Size: 12, Fold: true}}}},
			{Kind: kefu.KindNotice, Notice: &kefu.Notice{Code: "x", Text: "y", Params: map[string]string{"agent": "A"}}},
			{Kind: kefu.KindEvent, Event: &kefu.Event{Event: "user_enter_tempsession", SessionFrom: "from", Card: &kefu.MessageCard{Title: "c"}}},
		}
		mustUpdate(t, s, func(tx kefu.Tx) error {
			c, err := tx.LockConversation(ctx, conv.ID)
			if err != nil {
				return err
			}
			for _, m := range bodies {
				m.Sender, m.Phase, m.CreatedAt = kefu.SenderAgent, kefu.StateActive, t0
				if _, _, err := tx.AppendMessage(ctx, c, m); err != nil {
					return err
				}
			}
			return tx.SaveConversation(ctx, c)
		})
		msgs, err := s.Messages(ctx, conv.ID, 0, 0, 0)
		if err != nil || len(msgs) != len(bodies) {
			t.Fatalf("messages: %d %v", len(msgs), err)
		}
		if msgs[0].Text.Content != "你好 <b>" || msgs[5].Product.Params[0].Color != "#FF0000" || msgs[6].Notice.Params["agent"] != "A" ||
			msgs[7].Event.Card.Title != "c" || msgs[2].MiniProgramPage.PagePath != "/p" {
			t.Errorf("bodies did not round-trip: %+v", msgs)
		}
		if msgs[0].MsgID != kefu.MsgIDBase+msgs[0].ID {
			t.Errorf("MsgID %d", msgs[0].MsgID)
		}
		if page, _ := s.Messages(ctx, conv.ID, 2, 4, 0); len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
			t.Errorf("range (2,4]: %d messages", len(page))
		}

		// Text search finds messages, openids and names, case-insensitively.
		for _, q := range []string{"你好", "PHONE", cust.OpenID[:6]} {
			found, err := s.Conversations(ctx, kefu.ConversationFilter{Text: q})
			if err != nil || len(found) != 1 || found[0].ID != conv.ID {
				t.Errorf("search %q: %d results, %v", q, len(found), err)
			}
		}
		if found, _ := s.Conversations(ctx, kefu.ConversationFilter{Text: "%"}); len(found) != 0 {
			t.Errorf("search %%: LIKE wildcards must be literal, got %d results", len(found))
		}

		// Settings.
		if _, err := s.Setting(ctx, "k"); !errors.Is(err, kefu.ErrNotFound) {
			t.Errorf("missing setting: %v", err)
		}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutSetting(ctx, "k", "v1") })
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutSetting(ctx, "k", "v2") })
		if v, _ := s.Setting(ctx, "k"); v != "v2" {
			t.Errorf("setting = %q", v)
		}

		// Media.
		mustUpdate(t, s, func(tx kefu.Tx) error {
			return tx.PutMedia(ctx, &kefu.Media{ID: "media1", AppID: app.ID, Type: "image", ContentType: "image/png", Filename: "a.png", Size: 3, Data: []byte{1, 2, 3}, CreatedAt: t0})
		})
		if m, err := s.Media(ctx, "media1"); err != nil || string(m.Data) != "\x01\x02\x03" || m.ContentType != "image/png" {
			t.Errorf("media: %+v %v", m, err)
		}

		// Access tokens: a new token retires older ones after the overlap.
		tok1 := &kefu.AccessToken{Hash: "h1", Nonce: "n1", AppID: app.ID, ExpiresAt: t0.Add(2 * time.Hour), CreatedAt: t0}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutAccessToken(ctx, tok1, t0.Add(2*time.Hour)) })
		later := t0.Add(time.Hour)
		tok2 := &kefu.AccessToken{Hash: "h2", Nonce: "n2", AppID: app.ID, ExpiresAt: later.Add(2 * time.Hour), CreatedAt: later}
		mustUpdate(t, s, func(tx kefu.Tx) error { return tx.PutAccessToken(ctx, tok2, later.Add(5*time.Minute)) })
		if _, err := s.AccessToken(ctx, "h1", later.Add(4*time.Minute)); err != nil {
			t.Errorf("old token within the overlap: %v", err)
		}
		if _, err := s.AccessToken(ctx, "h1", later.Add(5*time.Minute)); !errors.Is(err, kefu.ErrNotFound) {
			t.Errorf("old token after the overlap: %v, want not found", err)
		}
		if latest, err := s.LatestAccessToken(ctx, app.ID, false, later); err != nil || latest.Hash != "h2" {
			t.Errorf("latest token: %+v %v", latest, err)
		}
	})
}

func TestQueueOrderAndExpiry(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		s := kefutest.OpenStore(t, engine)
		app := seedApp(t, s)
		var ids []int64
		for i := range 5 {
			_, c := seedConversation(t, s, app, fmt.Sprint("q", i))
			ids = append(ids, c.ID)
			mustUpdate(t, s, func(tx kefu.Tx) error {
				c, err := tx.LockConversation(ctx, c.ID)
				if err != nil {
					return err
				}
				// Queued in reverse order of creation.
				c.State, c.QueuedAt, c.LastActivityAt = kefu.StateQueued, t0.Add(time.Duration(10-i)*time.Second), t0.Add(time.Duration(i)*time.Minute)
				return tx.SaveConversation(ctx, c)
			})
		}
		q, err := s.Queue(ctx, kefu.QueueFilter{AppIDs: []string{app.ID}})
		if err != nil || len(q) != 5 {
			t.Fatalf("queue: %d %v", len(q), err)
		}
		for i, c := range q {
			if c.ID != ids[4-i] {
				t.Errorf("queue[%d] = %d, want %d (oldest transfer first)", i, c.ID, ids[4-i])
			}
		}
		if pos, _ := s.QueuePosition(ctx, q[3]); pos != 3 {
			t.Errorf("position of the 4th = %d", pos)
		}
		exp, err := s.ExpiredConversations(ctx, t0.Add(2*time.Minute), 100)
		if err != nil || len(exp) != 3 {
			t.Errorf("expired before +2m: %v %v, want the first three", exp, err)
		}
	})
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	dsn := kefutest.StoreDSN(t, "sqlite")
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app := seedApp(t, s)
	s.Close()
	s, err = sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.App(context.Background(), app.ID); err != nil {
		t.Errorf("app lost across reopen: %v", err)
	}
}

func TestUpdateAfterCloseFails(t *testing.T) {
	s, err := sqlstore.Open(context.Background(), kefutest.StoreDSN(t, "sqlite"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	err = s.Update(context.Background(), func(kefu.Tx) error { return nil })
	if kefu.ErrorCode(err) != kefu.EUNAVAILABLE {
		t.Errorf("update after close: %v", err)
	}
}
