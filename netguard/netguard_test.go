package netguard_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kefuhq/kefu/netguard"
)

func TestCheckRefusesEveryInternalRange(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		what string // "" for an address that may be reached
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.0.0.5", "private"},
		{"10.255.255.255", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:10.0.0.5", "private"},
		{"::ffff:192.168.0.1", "private"},
		{"fc00::1", "private"},
		{"fdff:ffff::1", "private"},
		{"169.254.169.254", "metadata"},
		{"::ffff:169.254.169.254", "metadata"},
		{"fd00:ec2::254", "metadata"},
		{"100.100.100.200", "metadata"},
		{"169.254.1.1", "link-local"},
		{"fe80::1", "link-local"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"ff05::2", "multicast"},
		{"100.64.0.1", "CGNAT"},
		{"100.127.255.255", "CGNAT"},
		{"198.18.0.1", "reserved"},
		{"240.0.0.1", "reserved"},
		{"255.255.255.255", "reserved"},
		{"64:ff9b::a00:5", "private"},  // NAT64 of 10.0.0.5
		{"2002:7f00:1::1", "loopback"}, // 6to4 of 127.0.0.1
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"192.169.0.1", ""},
		{"169.255.0.1", ""},
		{"::ffff:8.8.8.8", ""},
		{"2001:4860:4860::8888", ""},
		{"64:ff9b::808:808", ""}, // NAT64 of 8.8.8.8
		{"fe00::1", ""},
	} {
		t.Run(tc.ip, func(t *testing.T) {
			err := netguard.Check(netip.MustParseAddr(tc.ip))
			if tc.what == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var re *netguard.RefusedError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tc.what) {
				t.Fatalf("got %v, want a refusal naming %s", err, tc.what)
			}
		})
	}
}

func TestRefusalSaysWhatToDo(t *testing.T) {
	err := netguard.Check(netip.MustParseAddr("10.0.0.5"))
	want := "refused: 10.0.0.5 is a private address; allow private addresses for this app to push there"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// The transport refuses at connect time: nothing reaches a loopback
// server unless the request's context allows private addresses.
func TestTransportRefusesAtConnectTime(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	hc := &http.Client{Transport: netguard.Transport(nil)}
	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}

	err := get(context.Background())
	var re *netguard.RefusedError
	if !errors.As(err, &re) || re.What != "a loopback address" {
		t.Fatalf("got %v, want a loopback refusal", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the server was reached %d times", hits.Load())
	}
	if err := get(netguard.AllowPrivate(context.Background(), true)); err != nil {
		t.Fatalf("allowed request failed: %v", err)
	}
	// The allowed request's kept-alive connection is not lent to a guarded one.
	if err := get(context.Background()); !errors.As(err, &re) {
		t.Fatalf("got %v after an allowed request, want a refusal", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("the server was reached %d times, want 1", hits.Load())
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"http://10.0.0.5/hook", false, false},
		{"http://[::1]:8080/hook", false, false},
		{"http://[::ffff:169.254.169.254]/latest", false, false},
		{"http://localhost:8080/hook", false, false},
		{"http://10.0.0.5/hook", true, true},
		{"https://93.184.215.14/hook", false, true},
	} {
		err := netguard.CheckURL(ctx, nil, tc.url, tc.allow)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, allow=%v) = %v, want ok=%v", tc.url, tc.allow, err, tc.ok)
		}
	}
}
