// Package netguard keeps the requests Kefu makes to URLs an admin typed
// (push URLs, their handshake, and whatever connector calls come later)
// away from addresses that belong to Kefu's own network: loopback,
// link-local (cloud metadata at 169.254.169.254 among them), private
// ranges, CGNAT, unspecified and multicast addresses. The check runs at
// connect time on the resolved address, so a name that resolves to a
// public address when the URL is saved and to 10.0.0.5 later (DNS
// rebinding) is refused all the same. An app whose admin allows private
// addresses (a server on the same network, the demo, tests) skips it.
package netguard

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// RefusedError is a connection refused because of where it would go.
type RefusedError struct {
	IP   netip.Addr
	What string // "a private address", "a loopback address", …
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s is %s; allow private addresses for this app to push there", e.IP, e.What)
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	benchmark = netip.MustParsePrefix("198.18.0.0/15")
	reserved  = netip.MustParsePrefix("240.0.0.0/4")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	// The metadata services of the big clouds: link-local on most, a ULA on
	// AWS's IPv6 (fd00:ec2::254), and Alibaba's 100.100.100.200 (in CGNAT).
	metadata = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254"),
		netip.MustParseAddr("100.100.100.200")}
)

// Check reports why ip may not be connected to, or nil. IPv4-mapped IPv6
// addresses (::ffff:10.0.0.5) are checked as the IPv4 address they are,
// and so are the IPv4 addresses inside NAT64 and 6to4 addresses.
func Check(ip netip.Addr) error {
	ip = ip.Unmap()
	if ip.Is6() && (nat64.Contains(ip) || sixToFour.Contains(ip)) {
		if err := Check(embeddedIPv4(ip)); err != nil {
			return &RefusedError{IP: ip, What: err.(*RefusedError).What}
		}
	}
	what := ""
	switch {
	case !ip.IsValid():
		return &RefusedError{IP: ip, What: "not an address"}
	case isMetadata(ip):
		what = "a cloud metadata address"
	case ip.IsLoopback():
		what = "a loopback address"
	case ip.IsLinkLocalUnicast():
		what = "a link-local address"
	case ip.IsPrivate():
		what = "a private address"
	case ip.IsUnspecified() || thisNet.Contains(ip):
		what = "an unspecified address"
	case ip.IsMulticast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast():
		what = "a multicast address"
	case cgnat.Contains(ip):
		what = "a shared (CGNAT) address"
	case benchmark.Contains(ip) || reserved.Contains(ip) || ip == netip.MustParseAddr("255.255.255.255"):
		what = "a reserved address"
	default:
		return nil
	}
	return &RefusedError{IP: ip, What: what}
}

func isMetadata(ip netip.Addr) bool {
	for _, m := range metadata {
		if ip == m {
			return true
		}
	}
	return false
}

// embeddedIPv4 is the IPv4 address in the last 32 bits of a NAT64 address
// or in bits 16–48 of a 6to4 address.
func embeddedIPv4(ip netip.Addr) netip.Addr {
	b := ip.As16()
	if sixToFour.Contains(ip) {
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
}

type allowKey struct{}

// AllowPrivate returns a context whose requests may (allow true) reach
// private addresses: the app's admin said so.
func AllowPrivate(ctx context.Context, allow bool) context.Context {
	return context.WithValue(ctx, allowKey{}, allow)
}

// PrivateAllowed reports whether ctx allows private addresses.
func PrivateAllowed(ctx context.Context) bool {
	allow, _ := ctx.Value(allowKey{}).(bool)
	return allow
}

// control is a net.Dialer ControlContext: it sees the address actually
// being connected to, after resolution.
func control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	if PrivateAllowed(ctx) {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("netguard: unexpected address %q: %w", address, err)
	}
	return Check(ap.Addr())
}

// Dialer returns d with the connect-time check installed.
func Dialer(d *net.Dialer) *net.Dialer {
	d.ControlContext = control
	return d
}

// Transport returns a round tripper that dials through the check: requests
// whose context does not allow private addresses are refused before a
// connection to one is made. Requests that do allow them use their own
// connection pool, so a connection made for an app that allows private
// addresses is never reused by one that does not. base is cloned; a nil
// base means http.DefaultTransport. Proxies from the environment are not
// used: the check must see the address Kefu connects to.
func Transport(base *http.Transport) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport.(*http.Transport)
	}
	guarded := base.Clone()
	guarded.Proxy = nil
	guarded.DialContext = Dialer(&net.Dialer{Timeout: dialTimeout, KeepAlive: dialTimeout}).DialContext
	open := guarded.Clone()
	return &transport{guarded: guarded, open: open}
}

const dialTimeout = 30 * time.Second // as http.DefaultTransport

type transport struct{ guarded, open *http.Transport }

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if PrivateAllowed(r.Context()) {
		return t.open.RoundTrip(r)
	}
	return t.guarded.RoundTrip(r)
}

// CheckURL is the save-time check of a URL: every address its host
// resolves to must pass Check (unless allowPrivate). It does not replace
// the connect-time check — names can change what they resolve to — it
// tells the admin early, in a sentence.
func CheckURL(ctx context.Context, r *net.Resolver, rawURL string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return Check(ip)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		// An unknown name fails the handshake with its own explanation.
		return nil
	}
	for _, ip := range ips {
		if err := Check(ip); err != nil {
			return err
		}
	}
	return nil
}
