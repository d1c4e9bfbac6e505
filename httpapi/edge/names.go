package edge

import "context"

// AgentNames caches agent names while a batch of messages is rendered.
type AgentNames map[int64]string

// AgentName is the name of agent id ("" for none), read once per batch.
func (s *Surface) AgentName(ctx context.Context, id int64, names AgentNames) string {
	if id == 0 {
		return ""
	}
	if n, ok := names[id]; ok {
		return n
	}
	n := ""
	if a, err := s.Read.Agent(ctx, id); err == nil {
		n = a.Name
	}
	names[id] = n
	return n
}
