package engine_test

import (
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
)

// TestReportOfAScriptedDay plays a day whose figures are known exactly:
// ten sessions waiting 1 to 10 minutes for alice, who answers each 30 s
// after accepting and closes a minute later; one customer left waiting
// until the timeout; one session handed to a team's queue (a second
// session) and abandoned there; six ratings; alice online from 09:00 to
// 14:00.
func TestReportOfAScriptedDay(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engineName string) {
		f := newFixture(t, engineName, "")
		alice := f.agent("alice", 10) // online since t0 (09:00)
		team := &kefu.Team{Name: "Refunds", CreatedAt: t0}
		f.update(func(tx kefu.Tx) error { return tx.CreateTeam(f.ctx, team) })
		var convs []int64
		for i := range 10 {
			f.clock.Set(t0.Add(time.Duration(i) * 20 * time.Minute))
			c := f.open("u" + string(rune('a'+i))).Conversation
			convs = append(convs, c.ID)
			f.say(c.ID, "hi")
			f.clock.Advance(time.Duration(i+1) * time.Minute)
			if _, err := f.eng.Accept(f.ctx, c.ID, alice.ID); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(30 * time.Second)
			if _, err := f.eng.Send(f.ctx, engine.SendRequest{ConversationID: c.ID, Sender: kefu.SenderAgent, Agent: alice, Source: "desk",
				Message: &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "hello"}}}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
			if _, err := f.eng.Close(f.ctx, c.ID, alice); err != nil {
				t.Fatal(err)
			}
		}
		// 12:20: nobody takes u-k; the timeout ends the wait.
		f.clock.Set(t0.Add(200 * time.Minute))
		left := f.open("uk").Conversation
		f.say(left.ID, "anyone?")
		f.clock.Advance(31 * time.Minute)
		if _, err := f.eng.Sweep(f.ctx); err != nil {
			t.Fatal(err)
		}
		// 13:00: u-l is handed to the team's queue, where nobody takes it.
		f.clock.Set(t0.Add(240 * time.Minute))
		moved := f.open("ul").Conversation
		f.say(moved.ID, "refund please")
		f.clock.Advance(time.Minute)
		if _, err := f.eng.TransferTo(f.ctx, moved.ID, alice, engine.TransferTarget{TeamID: team.ID}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(31 * time.Minute)
		if _, err := f.eng.Sweep(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(t0.Add(5 * time.Hour))
		if err := f.eng.SetStatus(f.ctx, alice.ID, kefu.StatusOffline, false); err != nil {
			t.Fatal(err)
		}

		// 14:01: six customers rate; a second rating changes nothing.
		f.clock.Advance(time.Minute)
		for i, score := range []int{5, 4, 5, 3, 1, 5} {
			if _, err := f.eng.Rate(f.ctx, engine.RateRequest{ConversationID: convs[i], Score: score, Comment: "thanks"}); err != nil {
				t.Fatal(err)
			}
		}
		again, err := f.eng.Rate(f.ctx, engine.RateRequest{ConversationID: convs[0], Score: 1})
		if err != nil || again.Score != 5 {
			t.Fatalf("rating again = %+v, %v; want the first rating (5) kept", again, err)
		}
		if _, err := f.eng.Rate(f.ctx, engine.RateRequest{ConversationID: left.ID, Score: 3}); kefu.ErrorCode(err) != kefu.ENOTFOUND {
			t.Errorf("rating a wait no agent served: %v, want not found", err)
		}
		if _, err := f.eng.Rate(f.ctx, engine.RateRequest{ConversationID: convs[7], Score: 6}); kefu.ErrorCode(err) != kefu.EINVALID {
			t.Errorf("score 6: %v, want invalid", err)
		}

		day := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
		rep, err := f.eng.Report(f.ctx, kefu.ReportQuery{From: day, To: day.Add(24 * time.Hour), Bucket: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		m := func(d time.Duration) int64 { return d.Milliseconds() }
		want := engine.ReportRow{Start: day, Started: 13, Transferred: 1, Served: 10, Abandoned: 2,
			QueueWait:     engine.Durations{Count: 10, P50: m(5 * time.Minute), P90: m(9 * time.Minute)},
			FirstResponse: engine.Durations{Count: 10, P50: m(5*time.Minute + 30*time.Second), P90: m(9*time.Minute + 30*time.Second)},
			Resolution:    engine.Durations{Count: 10, P50: m(6*time.Minute + 30*time.Second), P90: m(10*time.Minute + 30*time.Second)},
			MessagesIn:    12, MessagesOut: 10,
			CSAT:          engine.CSAT{Count: 6, Average: 23.0 / 6, Scores: [5]int{1, 0, 1, 1, 3}},
			OnlineSeconds: 5 * 3600}
		if rep.Total != want {
			t.Errorf("day total\n got %+v\nwant %+v", rep.Total, want)
		}
		if len(rep.Rows) != 24 {
			t.Fatalf("%d hourly rows, want 24", len(rep.Rows))
		}
		// 09:00–10:00 holds the sessions queued at 09:00, 09:20 and 09:40.
		nine := rep.Rows[9]
		if nine.Started != 3 || nine.QueueWait != (engine.Durations{Count: 3, P50: m(2 * time.Minute), P90: m(3 * time.Minute)}) ||
			nine.OnlineSeconds != 3600 || nine.MessagesIn != 3 || nine.CSAT.Count != 0 {
			t.Errorf("09:00 row: %+v", nine)
		}
		if r := rep.Rows[14]; r.CSAT.Count != 6 || r.OnlineSeconds != 0 || r.Started != 0 {
			t.Errorf("14:00 row: %+v", r)
		}

		// Filters: the team had one session (opened by the transfer), the
		// web channel none.
		byTeam, err := f.eng.Report(f.ctx, kefu.ReportQuery{From: day, To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour, TeamID: team.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := byTeam.Total; got.Started != 1 || got.Abandoned != 1 || got.Served != 0 || got.OnlineSeconds != 0 {
			t.Errorf("team report: %+v", got)
		}
		web, err := f.eng.Report(f.ctx, kefu.ReportQuery{From: day, To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour, Channel: kefu.ChannelWeb})
		if err != nil {
			t.Fatal(err)
		}
		if got := web.Total; got.Started != 0 || got.MessagesIn != 0 || got.CSAT.Count != 0 {
			t.Errorf("web report: %+v", got)
		}
		byAgent, err := f.eng.Report(f.ctx, kefu.ReportQuery{From: day, To: day.Add(24 * time.Hour), Bucket: 24 * time.Hour, AgentID: alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		if got := byAgent.Total; got.Served != 10 || got.MessagesOut != 10 || got.MessagesIn != 10 || got.CSAT.Count != 6 || got.OnlineSeconds != 5*3600 {
			t.Errorf("alice's report: %+v", got)
		}
	})
}
