package engine

import (
	"context"
	"errors"

	"github.com/kefuhq/kefu"
)

// PutMedia stores an uploaded image of an app and returns its record, with
// a new unguessable id.
func (e *Engine) PutMedia(ctx context.Context, appID string, data []byte, filename, contentType string) (*kefu.Media, error) {
	m := &kefu.Media{ID: NewMediaID(), AppID: appID, Type: "image", ContentType: contentType, Filename: filename,
		Size: int64(len(data)), Data: data, CreatedAt: e.clock.Now()}
	if err := e.store.Update(ctx, func(tx kefu.Tx) error { return tx.PutMedia(ctx, m) }); err != nil {
		return nil, err
	}
	return m, nil
}

// UsableMedia returns a media that an app may use — to send, or to read
// back through /cgi-bin: it must be the app's own and younger than
// kefu.MediaLifetime (by the engine's clock), like WeChat's temporary
// media. Any other id, an unknown one included, is ErrInvalidMedia.
func (e *Engine) UsableMedia(ctx context.Context, appID, id string) (*kefu.Media, error) {
	if id == "" {
		return nil, ErrInvalidMedia
	}
	m, err := e.store.Media(ctx, id)
	if errors.Is(err, kefu.ErrNotFound) {
		return nil, ErrInvalidMedia
	}
	if err != nil {
		return nil, err
	}
	if m.AppID != appID || !e.clock.Now().Before(m.CreatedAt.Add(kefu.MediaLifetime)) {
		return nil, ErrInvalidMedia
	}
	return m, nil
}

// ErrInvalidMedia is UsableMedia's answer for a media the app may not use.
var ErrInvalidMedia = kefu.Errorf(kefu.EINVALID, "invalid media_id")
