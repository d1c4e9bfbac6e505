package httpapi

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/kefuhq/kefu"
)

// imageTypes are the image formats Kefu accepts, by sniffed content type.
var imageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// readUpload reads the multipart field "media" (WeChat's name) of at most
// limit bytes and checks by its content, not its name, that it is an image.
func readUpload(w http.ResponseWriter, r *http.Request, limit int64) (data []byte, filename, contentType string, err error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", "", kefu.Errorf(kefu.ETOOLARGE, "the file is larger than %d MB", limit>>20)
		}
		return nil, "", "", kefu.Errorf(kefu.EINVALID, "send the file as multipart/form-data in the field \"media\"")
	}
	defer r.MultipartForm.RemoveAll()
	f, hdr, err := r.FormFile("media")
	if err != nil {
		return nil, "", "", kefu.Errorf(kefu.EINVALID, "send the file in the multipart field \"media\"")
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, "", "", kefu.Errorf(kefu.EINVALID, "could not read the upload")
	}
	if int64(len(data)) > limit {
		return nil, "", "", kefu.Errorf(kefu.ETOOLARGE, "the file is larger than %d MB", limit>>20)
	}
	if len(data) == 0 {
		return nil, "", "", kefu.Errorf(kefu.EINVALID, "the file is empty")
	}
	ct := http.DetectContentType(data)
	if _, ok := imageTypes[ct]; !ok {
		return nil, "", "", kefu.Errorf(kefu.EINVALID, "only JPEG, PNG, GIF and WebP images can be sent (this file is %s)", ct)
	}
	return data, cleanFilename(hdr.Filename), ct, nil
}

// cleanFilename keeps a file name printable and short; it is only ever
// shown, never used as a path.
func cleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`"<>`, r) {
			return -1
		}
		return r
	}, name)
	if len(name) > 120 {
		name = name[:120]
	}
	if name == "" || name == "." || name == "/" {
		name = "image"
	}
	return name
}

type uploadResponse struct {
	MediaID string `json:"media_id"`
	URL     string `json:"url"`
}

func (s *Server) clientUpload(w http.ResponseWriter, r *http.Request, cl *clientClaims) {
	data, name, ct, err := readUpload(w, r, s.cfg.MaxUploadBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err := s.eng.PutMedia(r.Context(), cl.App, data, name, ct)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, uploadResponse{MediaID: m.ID, URL: "/media/" + m.ID})
}

// serveMedia serves an image by its unguessable id — like WeChat's CDN
// links, the URL itself is the permission. Served as an attachment-safe,
// sandboxed, immutable resource.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	m, err := s.read.Media(r.Context(), r.PathValue("id"))
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
