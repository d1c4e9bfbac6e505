package httpapi

// AgentConnections reports how many desk WebSockets of the agent this node
// counts, so a test can wait for the server to have noticed a connection
// open or close before it moves the clock.
func (s *Server) AgentConnections(agentID int64) int { return s.live.AgentConnections(agentID) }
