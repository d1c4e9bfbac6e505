package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite statements prepared. The SQLite driver prepares
// (parses and plans) every statement it is given and throws it away
// afterwards; under load that parsing was about 30% of the server's CPU, all
// of it on the single committer goroutine that bounds SQLite's write rate.
// (PostgreSQL needs no cache here: pgx keeps its own per connection.)
//
// Reads use statements prepared on the read pool. Writes run inside the
// committer's transaction on the one write connection, which cannot prepare
// a statement outside the transaction while it is open: a statement
// missing from the cache runs unprepared that time and is prepared on the
// write database between batches (prepareWanted), when the connection is
// free.
type stmtCache struct {
	db *sql.DB

	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	wanted map[string]struct{}
}

// maxCachedStmts bounds the cache: queries built at run time (IN lists of
// varying length) would otherwise grow it without end.
const maxCachedStmts = 512

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}, wanted: map[string]struct{}{}}
}

// lookup returns the prepared statement of query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// get returns the prepared statement of query, preparing it now if needed
// (only for a database whose connections are not held by a transaction of
// the caller). It returns nil when the cache is full or preparing fails;
// the caller then runs the query unprepared.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if s := c.lookup(query); s != nil {
		return s
	}
	c.mu.RLock()
	full := len(c.stmts) >= maxCachedStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[query]; prev != nil {
		s.Close()
		return prev
	}
	c.stmts[query] = s
	return s
}

// want notes a query to prepare at the next prepareWanted.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	if len(c.stmts)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = struct{}{}
	}
	c.mu.Unlock()
}

// prepareWanted prepares the queries noted by want. The committer calls it
// between batches, when the write connection is free.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	wanted := c.wanted
	if len(wanted) == 0 {
		c.mu.Unlock()
		return
	}
	c.wanted = map[string]struct{}{}
	c.mu.Unlock()
	for q := range wanted {
		c.get(ctx, q)
	}
}

// close closes every prepared statement.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
}
