package connector

import (
	"net/http"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/netguard"
)

// Every call made for a connected app — WeChat's API at the app's base
// URL, and the picture URLs of its pushes — goes through netguard like
// pushes do: a connection to a loopback, private, link-local or metadata
// address is refused when it is made (after resolution, so DNS rebinding
// is caught too), unless the app's admin allows private addresses for it
// (the same per-app setting as for its push URL). The default base URL,
// api.weixin.qq.com, is public and never refused.

// guardedTransport is the default transport: netguard's, over base.
func guardedTransport(base *http.Transport) http.RoundTripper { return netguard.Transport(base) }

// appHTTP is the HTTP client for calls made for app.
func (c *Connector) appHTTP(app *kefu.App) *http.Client {
	hc := *c.cfg.HTTPClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = allowTransport{base: base, allow: app.Push.AllowPrivate}
	return &hc
}

// allowTransport tells netguard, through each request's context, whether
// the app allows private addresses.
type allowTransport struct {
	base  http.RoundTripper
	allow bool
}

func (t allowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(netguard.AllowPrivate(r.Context(), t.allow)))
}
