package engine

import "time"

// SetCacheClock makes the engine's caches read time from now.
func SetCacheClock(e *Engine, now func() time.Time) { e.cache.now = now }
