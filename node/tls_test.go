package node_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/httpapi/edge"
	"github.com/kefuhq/kefu/node"
)

// TestServeTLS: with a certificate and key the node serves HTTPS, says so
// in its public URL, sends HSTS with every response, marks the desk cookie
// Secure and keeps the server's timeouts on its TLS connections.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)

	n, err := node.Open(context.Background(), node.Config{Addr: "127.0.0.1:0", DataDir: dir, TLSCert: certFile, TLSKey: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Shutdown(context.Background())
	if !strings.HasPrefix(n.URL(), "https://") {
		t.Errorf("public URL %s, want https", n.URL())
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(n.URL() + "/healthz")
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP %d", resp.StatusCode)
	}
	for _, path := range []string{"/healthz", "/api/client/state", "/desk", "/connect/wxnone", "/cgi-bin/token"} {
		resp, err := hc.Get(n.URL() + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("GET %s (HTTP %d): Strict-Transport-Security %q, want max-age=31536000", path, resp.StatusCode, got)
		}
	}

	// A signed-in agent's cookie is Secure: it never travels over plain HTTP.
	ctx := context.Background()
	a := &kefu.Agent{Login: "tls-admin", Name: "Admin", Role: kefu.RoleAdmin, PasswordHash: edge.HashPassword("tls-password-123"),
		MaxSessions: kefu.DefaultMaxSessions, Status: kefu.StatusOffline, CreatedAt: time.Now()}
	if err := n.Store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	resp, err = hc.Post(n.URL()+"/api/desk/login", "application/json", strings.NewReader(`{"login":"tls-admin","password":"tls-password-123"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusOK || len(cookies) == 0 {
		t.Fatalf("sign in over TLS: HTTP %d, cookies %v", resp.StatusCode, cookies)
	}
	for _, c := range cookies {
		if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
			t.Errorf("cookie %s: Secure %v HttpOnly %v SameSite %v; want Secure, HttpOnly, Strict", c.Name, c.Secure, c.HttpOnly, c.SameSite)
		}
	}

	// A TLS client that never finishes its request headers is cut off by
	// ReadHeaderTimeout like a plain one (the server's timeouts hold for
	// every connection it serves).
	conn, err := tls.Dial("tcp", n.Addr().String(), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")) // and never the blank line
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	buf := make([]byte, 512)
	nr, err := conn.Read(buf)
	if err == nil && !strings.Contains(string(buf[:nr]), "408") {
		t.Errorf("a TLS request without the end of its headers got %q, want the connection closed", buf[:nr])
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Error("a TLS request without the end of its headers was held open for a minute; ReadHeaderTimeout is 10 s")
	}
}

// TestSecureCookiesWithoutTLS: behind a TLS-terminating proxy, SecureCookies
// alone marks the cookie Secure, and HSTS is left to the proxy.
func TestSecureCookiesWithoutTLS(t *testing.T) {
	dir := t.TempDir()
	cfg := node.Config{Addr: "127.0.0.1:0", DataDir: dir}
	cfg.HTTP.SecureCookies = true
	n, err := node.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	defer n.Shutdown(context.Background())
	ctx := context.Background()
	a := &kefu.Agent{Login: "proxy-admin", Name: "Admin", Role: kefu.RoleAdmin, PasswordHash: edge.HashPassword("proxy-password-123"),
		MaxSessions: kefu.DefaultMaxSessions, Status: kefu.StatusOffline, CreatedAt: time.Now()}
	if err := n.Store.Update(ctx, func(tx kefu.Tx) error { return tx.CreateAgent(ctx, a) }); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(n.URL()+"/api/desk/login", "application/json", strings.NewReader(`{"login":"proxy-admin","password":"proxy-password-123"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cs := resp.Cookies(); resp.StatusCode != http.StatusOK || len(cs) == 0 || !cs[0].Secure {
		t.Errorf("sign in with SecureCookies: HTTP %d, cookies %v; want a Secure cookie", resp.StatusCode, cs)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP answered Strict-Transport-Security %q; browsers ignore it there, the proxy sets it", got)
	}
}
