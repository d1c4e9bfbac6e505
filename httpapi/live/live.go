// Package live is Kefu's WebSocket side: the transport, the customer's
// connection (messages and session state as they happen, resumed from the
// last sequence number), the workspace's connection (the desk hub fans one
// bus subscription per app out to the node's agents) and agent presence
// across nodes (an agent with no workspace open anywhere is set offline).
// What a frame asks for (a customer's message, an agent's reply) is done by
// clientapi and deskapi.
package live

import (
	"context"
	"sync"
	"time"

	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/clientapi"
	"github.com/kefuhq/kefu/httpapi/deskapi"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// Server serves the two WebSockets and keeps presence.
type Server struct {
	edge.Surface
	bus       bus.Bus
	clientAPI *clientapi.Server
	deskAPI   *deskapi.Server
	presence  *presence
	desk      *deskHub

	connsMu sync.Mutex
	conns   map[*wsConn]struct{} // open WebSockets, closed on Shutdown

	limits  edge.Limits
	sockets *edge.SocketCounter // open WebSockets per address
}

// Config tunes the WebSocket side. Zero fields take their defaults.
type Config struct {
	// PresenceGrace is how long an agent may be without a workspace
	// connection before being set offline (DefaultPresenceGrace).
	PresenceGrace time.Duration
	// DeskResync is how often the desk hub looks in the store for messages
	// its workspaces missed (DefaultDeskResync).
	DeskResync time.Duration
}

// New returns the WebSocket side.
func New(s edge.Surface, b bus.Bus, c *clientapi.Server, d *deskapi.Server, cfg Config) *Server {
	l := &Server{Surface: s, bus: b, clientAPI: c, deskAPI: d, conns: map[*wsConn]struct{}{}}
	l.desk = newDeskHub(l, b, cfg.DeskResync)
	l.limits = s.Config.Limits.WithDefaults()
	l.sockets = edge.NewSocketCounter(l.limits.AddressSockets)
	// A new identity at every start: a restarted node is a new node to the
	// others (its announcements' sequence starts again).
	l.presence = newPresence(l, engine.NewAlnum(12), cfg.PresenceGrace)
	return l
}

// Routes mounts the customer's and the workspace's WebSockets.
func (s *Server) Routes(mux edge.RouteMux) {
	mux.HandleFunc("GET /api/client/ws", s.clientWS)
	s.DeskRoutes(mux)
}

// DeskRoutes mounts the workspace's WebSocket alone (a desk route, for
// the routes' authorisation test).
func (s *Server) DeskRoutes(mux edge.RouteMux) { mux.HandleFunc("GET /api/desk/ws", s.deskWS) }

// AgentConnections reports how many workspace WebSockets of the agent this
// node counts.
func (s *Server) AgentConnections(agentID int64) int {
	s.presence.mu.Lock()
	defer s.presence.mu.Unlock()
	return s.presence.conns[agentID]
}

// Run does the server's background work until ctx is done: the desk hub's
// sweeps for messages its workspaces missed (see deskResume); and it
// heartbeats which agents have a workspace open here and sets offline the
// agents that have none open anywhere (see presence).
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { s.desk.runResume(ctx) })
	s.presence.start()
	<-ctx.Done()
	s.presence.stop()
}

// CloseConnections closes every open WebSocket with "going away", so
// clients reconnect to another node (or this one after a restart) and
// resume from their last sequence number.
func (s *Server) CloseConnections() {
	defer s.presence.stop()
	s.connsMu.Lock()
	conns := make([]*wsConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connsMu.Unlock()
	for _, c := range conns {
		c.goingAway()
	}
}
