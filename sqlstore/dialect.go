package sqlstore

import (
	"strconv"
	"strings"
	"sync"
)

// dialect holds the few places where SQLite and PostgreSQL differ. Queries
// are written once, with ? placeholders.
type dialect struct {
	name      string
	forUpdate string // row lock suffix for SELECTs inside a transaction
	// skipLocked is the suffix of a queue's SELECT that passes over rows
	// other transactions hold (SQLite has a single writer: none)
	skipLocked string
	dollar     bool // placeholders are $1, $2… (PostgreSQL)
	cache      sync.Map
}

var (
	sqliteDialect   = &dialect{name: "sqlite"}
	postgresDialect = &dialect{name: "postgres", forUpdate: " FOR UPDATE", skipLocked: " FOR UPDATE SKIP LOCKED", dollar: true}
)

// rebind turns ? placeholders into the engine's form, remembering the result.
func (d *dialect) rebind(query string) string {
	if !d.dollar {
		return query
	}
	if q, ok := d.cache.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	inString := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	q := b.String()
	d.cache.Store(query, q)
	return q
}
