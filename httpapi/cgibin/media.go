package cgibin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/wechat"
)

// cgiUpload is POST /cgi-bin/media/upload?type=image with the file in the
// multipart field "media": a temporary media of the app, valid for
// kefu.MediaLifetime. Only images exist in mini program customer service:
// another type, or a file that is not a JPEG, PNG, GIF or WebP image by its
// content, is 40004; a file over the upload limit is 40006.
func (s *Server) cgiUpload(w http.ResponseWriter, r *http.Request, appID string) {
	if t := r.URL.Query().Get("type"); t != wechat.MediaTypeImage {
		s.writeCGIError(w, r, callUpload, cgiError(wechat.CodeInvalidMediaType, "type must be image"))
		return
	}
	data, name, ct, err := edge.ReadUpload(w, r, s.Config.MaxUploadBytes)
	if err != nil {
		s.writeCGIError(w, r, callUpload, err)
		return
	}
	m, err := s.Engine.PutMedia(r.Context(), appID, data, name, ct)
	if err != nil {
		s.writeCGIError(w, r, callUpload, err)
		return
	}
	writeCGI(w, wechat.MediaInfo{Type: m.Type, MediaID: m.ID, CreatedAt: m.CreatedAt.Unix()})
}

// cgiMediaGet is GET /cgi-bin/media/get?media_id=: the bytes of one of the
// app's temporary media — uploaded by the developer, or sent by a customer
// (the MediaId of an image push) — as an attachment named MEDIA_ID.ext.
func (s *Server) cgiMediaGet(w http.ResponseWriter, r *http.Request, appID string) {
	m, err := s.appMedia(r.Context(), appID, r.URL.Query().Get("media_id"))
	if err != nil {
		s.writeCGIError(w, r, callMediaGet, err)
		return
	}
	ext := edge.ImageTypes[m.ContentType]
	if ext == "" {
		ext = ".jpg"
	}
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Disposition", `attachment; filename="`+m.ID+ext+`"`)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("Cache-Control", "no-store")
	w.Write(m.Data)
}

// appMedia returns a media that the app may use (engine.UsableMedia). One
// that does not exist, belongs to another app or has expired is 40007
// alike, so that media_ids of other apps cannot be probed.
func (s *Server) appMedia(ctx context.Context, appID, id string) (*kefu.Media, error) {
	if id == "" {
		return nil, cgiError(wechat.CodeInvalidMediaID, "media_id is empty")
	}
	m, err := s.Engine.UsableMedia(ctx, appID, id)
	if errors.Is(err, engine.ErrInvalidMedia) {
		return nil, cgiError(wechat.CodeInvalidMediaID, "")
	}
	return m, err
}
