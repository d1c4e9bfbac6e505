package httpapi

import (
	"net/http"

	"github.com/kefuhq/kefu/httpapi/admin"
	"github.com/kefuhq/kefu/httpapi/edge"
)

// routeRecorder collects the patterns a route table registers.
type routeRecorder []string

var _ edge.RouteMux = (*routeRecorder)(nil)

func (r *routeRecorder) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	*r = append(*r, pattern)
}

// DeskAndAdminRoutes lists every desk and admin route a server registers,
// the assistant components' routes included (they are desk and admin routes
// too, registered in their own table), so the authorisation test covers
// each one, new ones included.
func DeskAndAdminRoutes(s *Server) []string {
	var r routeRecorder
	s.deskAPI.Routes(&r)
	s.live.DeskRoutes(&r)
	admin.New(s.Surface).Routes(&r)
	return r
}

// AllRoutes lists every route the server registers, in the table it serves.
func AllRoutes(s *Server) []string {
	var r routeRecorder
	s.routes(&r)
	return r
}

// OpenAPIDescription is the description the server serves.
func OpenAPIDescription() []byte { return openAPI }
