package sqlstore_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/sqlstore"
)

// TestMigrationGivesEndedConversationsTheirTeam: before migration 0005 a
// conversation whose session ended lost its team (and so was visible to
// every agent of the app). The migration gives such a conversation the
// team of its last session, and leaves alone conversations that never had
// a session. The test puts a database in the old shape — team cleared,
// 0005 not applied — and opens it again.
func TestMigrationGivesEndedConversationsTheirTeam(t *testing.T) {
	kefutest.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		dsn := kefutest.StoreDSN(t, engine)
		s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		app := seedApp(t, s)
		teamA, teamB := &kefu.Team{Name: "A", CreatedAt: t0}, &kefu.Team{Name: "B", CreatedAt: t0}
		_, served := seedConversation(t, s, app, "served")
		_, never := seedConversation(t, s, app, "never-served")
		mustUpdate(t, s, func(tx kefu.Tx) error {
			if err := tx.CreateTeam(ctx, teamA); err != nil {
				return err
			}
			if err := tx.CreateTeam(ctx, teamB); err != nil {
				return err
			}
			// Two ended sessions: first team B's, then team A's, the last.
			for _, team := range []int64{teamB.ID, teamA.ID} {
				ss := &kefu.Session{ConversationID: served.ID, AppID: app.ID, CustomerID: served.CustomerID, TeamID: team,
					State: kefu.StateClosed, QueuedAt: t0, ClosedAt: t0, CloseReason: kefu.CloseByAgent}
				if err := tx.CreateSession(ctx, ss); err != nil {
					return err
				}
			}
			return nil
		})
		s.Close()

		raw := rawDB(t, engine, dsn)
		for _, q := range []string{
			`UPDATE conversations SET team_id = 0`,
			`DELETE FROM schema_migrations WHERE name = '0005_ended_session_team.sql'`,
		} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		raw.Close()

		s, err = sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if c, err := s.Conversation(ctx, served.ID); err != nil || c.TeamID != teamA.ID {
			t.Errorf("served conversation: team %v (%v), want its last session's team %d", c.TeamID, err, teamA.ID)
		}
		if c, err := s.Conversation(ctx, never.ID); err != nil || c.TeamID != 0 {
			t.Errorf("never-served conversation: team %v (%v), want 0", c.TeamID, err)
		}
	})
}

// rawDB opens the database behind a store's DSN directly.
func rawDB(t *testing.T, engine, dsn string) *sql.DB {
	t.Helper()
	driver, src := "sqlite", "file:"+dsn
	if engine == "postgres" {
		driver, src = "pgx", dsn
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
