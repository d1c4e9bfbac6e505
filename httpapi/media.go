package httpapi

import (
	"net/http"
	"strconv"
)

// serveMedia serves an image by its unguessable id — like WeChat's CDN
// links, the URL itself is the permission. Served as an attachment-safe,
// sandboxed, immutable resource.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	m, err := s.Read.Media(r.Context(), r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	w.Write(m.Data)
}
