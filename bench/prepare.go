package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/sqlstore"
)

// Preparation: before a Kefu server starts, the bench opens the same store
// with sqlstore and the engine, in this process, and creates the mini
// programs and agents the scenario needs — the way `kefu app add` does —
// so that setting up thousands of them measures nothing and takes no time
// on the server's clock.

// agentPassword is the password of every bench agent. Its hash is the
// product's, at the smallest Argon2id cost (8 KiB, one pass), so that
// signing in two thousand agents does not cost the server a minute of CPU:
// sign-in is setup here, not what is measured.
const agentPassword = "kefu-bench-password"

// fixture is what a scenario prepared in the store.
type fixture struct {
	apps   []*kefu.App
	agents []*benchAgent
}

// benchAgent is an agent account the bench created.
type benchAgent struct {
	Login string
	App   string
}

// appSpec says what mini program to create: with a push URL (safe mode, in
// format), or without one (customers' messages go straight to the queue).
type appSpec struct {
	pushURL string // "" for none; the app id is appended
	format  kefu.PushFormat
	agents  int  // agents serving it
	online  bool // agents start online (no one signs in for them)
	max     int  // sessions per agent (default 5)
}

// prepare opens the store at dsn, creates the apps and agents, and closes it.
func prepare(ctx context.Context, dsn string, specs []appSpec) (*fixture, error) {
	st, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	eng := engine.New(st, bus.NewLocal(), kefu.SystemClock{}, nil, nil, engine.Config{})
	hash := edge.HashPasswordAtCost(agentPassword, 8, 1)
	f := &fixture{}
	now := time.Now().UTC().Truncate(time.Millisecond)
	n := 0
	for i, sp := range specs {
		a := &kefu.App{ID: fmt.Sprintf("wxbench%09d", i), OriginalID: fmt.Sprintf("gh_bench%06d", i), Name: fmt.Sprintf("Bench %d", i),
			Secret: engine.NewSecret(16)}
		if sp.pushURL != "" {
			a.Push = kefu.PushConfig{URL: sp.pushURL + a.ID, Token: "benchtoken", EncodingAESKey: engine.NewAlnum(43),
				Mode: kefu.PushSafe, Format: sp.format,
				AllowPrivate: true} // the bench's developer server is local
		}
		if err := eng.CreateApp(ctx, a); err != nil {
			return nil, fmt.Errorf("create app: %w", err)
		}
		f.apps = append(f.apps, a)
		status := kefu.StatusOffline
		if sp.online {
			status = kefu.StatusOnline
		}
		maxS := sp.max
		if maxS == 0 {
			maxS = kefu.DefaultMaxSessions
		}
		// Agents are created in batches of a few hundred per transaction.
		for k := 0; k < sp.agents; k += 200 {
			err := st.Update(ctx, func(tx kefu.Tx) error {
				for j := k; j < min(k+200, sp.agents); j++ {
					ag := &kefu.Agent{Login: fmt.Sprintf("bench%06d", n+j), Name: fmt.Sprintf("Agent %d", n+j), Role: kefu.RoleAgent,
						PasswordHash: hash, MaxSessions: maxS, AutoAccept: true, Status: status, Apps: []string{a.ID}, CreatedAt: now}
					if err := tx.CreateAgent(ctx, ag); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("create agents: %w", err)
			}
		}
		for j := range sp.agents {
			f.agents = append(f.agents, &benchAgent{Login: fmt.Sprintf("bench%06d", n+j), App: a.ID})
		}
		n += sp.agents
	}
	return f, nil
}

// store is where one Kefu server under test keeps its data.
type store struct {
	engine  string // "sqlite" or "postgres"
	dataDir string // SQLite
	dsn     string // PostgreSQL (with the scratch schema)
	drop    func() // removes a PostgreSQL scratch schema
}

// path is what sqlstore.Open takes.
func (s *store) path() string {
	if s.engine == "postgres" {
		return s.dsn
	}
	return filepath.Join(s.dataDir, "kefu.db")
}

// newStore makes an empty store: a fresh directory for SQLite, or a fresh
// schema in the PostgreSQL database at base.
func (r *run) newStore(ctx context.Context, engineName, name string) (*store, error) {
	if engineName == "sqlite" {
		return &store{engine: "sqlite", dataDir: filepath.Join(r.tmp, name), drop: func() {}}, nil
	}
	schema, err := scratchSchema(ctx, r.cfg.PostgresDSN)
	if err != nil {
		return nil, err
	}
	dsn, err := withSearchPath(r.cfg.PostgresDSN, schema)
	if err != nil {
		return nil, err
	}
	return &store{engine: "postgres", dsn: dsn, drop: func() { dropSchema(r.cfg.PostgresDSN, schema) }}, nil
}

// scratchSchema creates a new, empty schema in the database at dsn.
func scratchSchema(ctx context.Context, dsn string) (string, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "kefubench_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		return "", fmt.Errorf("postgres: create schema: %w", err)
	}
	return schema, nil
}

func dropSchema(dsn, schema string) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return
	}
	defer db.Close()
	db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
}

func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("postgres DSN: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
