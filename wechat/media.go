package wechat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// MaxTempMediaBytes bounds what UploadTempMedia sends and GetTempMedia
// reads; WeChat's own limits are lower (images 2 MB, video 10 MB).
const MaxTempMediaBytes = 20 << 20

// MediaTypeImage is the only temporary media type customer-service messages
// use.
const MediaTypeImage = "image"

// MediaInfo is the answer of /cgi-bin/media/upload.
type MediaInfo struct {
	Type      string `json:"type"`
	MediaID   string `json:"media_id"` // valid for 3 days
	CreatedAt int64  `json:"created_at"`
}

// UploadTempMedia uploads a temporary media file (mediaType "image" for
// customer-service messages) as the multipart/form-data field "media" with
// filename, and returns its media_id. The content is read into memory (at
// most MaxTempMediaBytes) so that the call can be retried with a fresh
// token.
func (c *Client) UploadTempMedia(ctx context.Context, mediaType, filename string, r io.Reader) (*MediaInfo, error) {
	info, err := c.uploadTempMedia(ctx, mediaType, filename, r)
	if err != nil {
		return nil, fmt.Errorf("wechat: upload temp media: %w", err)
	}
	return info, nil
}

func (c *Client) uploadTempMedia(ctx context.Context, mediaType, filename string, r io.Reader) (*MediaInfo, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTempMediaBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", filename, err)
	}
	if len(data) > MaxTempMediaBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", filename, MaxTempMediaBytes)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "media", "filename": filename}))
	h.Set("Content-Type", http.DetectContentType(data))
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, err
	}
	part.Write(data) // writes to a bytes.Buffer cannot fail
	if err := mw.Close(); err != nil {
		return nil, err
	}

	var info MediaInfo
	err = c.withToken(ctx, func(token string) error {
		u := c.apiURL("/cgi-bin/media/upload", token, url.Values{"type": {mediaType}})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body.Bytes()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return c.doJSON(req, &info)
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}

// GetTempMedia downloads a temporary media file with a GET of
// /cgi-bin/media/get (not a POST, as some SDKs do) and returns its bytes and
// Content-Type. WeChat answers errors such as 40007 (invalid media_id) as
// JSON, returned as *APIError.
func (c *Client) GetTempMedia(ctx context.Context, mediaID string) (data []byte, contentType string, err error) {
	err = c.withToken(ctx, func(token string) error {
		data, contentType, err = c.getTempMedia(ctx, token, mediaID)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("wechat: get temp media: %w", err)
	}
	return data, contentType, nil
}

func (c *Client) getTempMedia(ctx context.Context, token, mediaID string) ([]byte, string, error) {
	u := c.apiURL("/cgi-bin/media/get", token, url.Values{"media_id": {mediaID}})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxTempMediaBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: reading the answer: %w", req.URL.Path, err)
	}
	if len(data) > MaxTempMediaBytes {
		return nil, "", fmt.Errorf("GET %s: the media is larger than %d bytes", req.URL.Path, MaxTempMediaBytes)
	}
	contentType := resp.Header.Get("Content-Type")
	if isJSONAnswer(contentType, data) || resp.StatusCode != http.StatusOK {
		if err := decodeAPIResponse(req, resp, data, nil); err != nil {
			return nil, "", err
		}
	}
	return data, contentType, nil
}

// isJSONAnswer tells an error answer from media: WeChat labels it JSON, or
// sometimes text/plain.
func isJSONAnswer(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasSuffix(mt, "json") {
		return true
	}
	return (mt == "text/plain" || mt == "") && bytes.HasPrefix(bytes.TrimSpace(body), []byte(`{"errcode"`))
}
