package edge

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/kefuhq/kefu"
)

// ImageTypes are the image formats Kefu accepts, by sniffed content type.
var ImageTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}

// ReadUpload reads the multipart field "media" (WeChat's name) of at most
// limit bytes and checks by its content, not its name, that it is an image.
func ReadUpload(w http.ResponseWriter, r *http.Request, limit int64) (data []byte, filename, contentType string, err error) {
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
	if _, ok := ImageTypes[ct]; !ok {
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

// UploadResponse answers an upload.
type UploadResponse struct {
	MediaID string `json:"media_id"`
	URL     string `json:"url"`
}
