package sqlstore

// QueuedUpdates is how many updates wait for a committer.
func QueuedUpdates(s *Store) int { return len(s.ops) }
