package crawler

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
)

func TestIsPublic(t *testing.T) {
	tests := []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"2606:4700:4700::1111", true},
		{"2001:4860:4860::8888", true},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"127.0.0.1", false},
		{"127.255.255.254", false},
		{"10.0.0.1", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"172.32.0.1", true},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"100.128.0.1", true},
		{"192.0.0.8", false},
		{"192.0.2.1", false},
		{"198.18.0.1", false},
		{"198.51.100.7", false},
		{"203.0.113.9", false},
		{"224.0.0.1", false},
		{"239.255.255.250", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::", false},
		{"::1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:169.254.169.254", false},
		{"::ffff:8.8.8.8", true},
		{"::127.0.0.1", false}, // IPv4-compatible (deprecated)
		{"64:ff9b::7f00:1", false},
		{"64:ff9b::808:808", true},
		{"2002:7f00:1::", false},    // 6to4 of 127.0.0.1
		{"2002:a9fe:a9fe::", false}, // 6to4 of 169.254.169.254
		{"2002:808:808::", true},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"fe80::1", false},
		{"fe80::1%eth0", false},
		{"fec0::1", false},
		{"ff02::1", false},
		{"2001:db8::1", false},
		{"2001::1", false}, // Teredo
		{"100::1", false},
	}
	for _, tt := range tests {
		ip := netip.MustParseAddr(tt.ip)
		if got := IsPublic(ip); got != tt.want {
			t.Errorf("IsPublic(%q) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if IsPublic(netip.Addr{}) {
		t.Errorf("IsPublic(zero Addr) = true, want false")
	}
}

func TestLiteralAddr(t *testing.T) {
	tests := []struct {
		host string
		want string // "" = not a literal
	}{
		{"127.0.0.1", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0177.0.0.1", "127.0.0.1"},
		{"0x7f.0.0.1", "127.0.0.1"},
		{"0x7f000001", "127.0.0.1"},
		{"127.1", "127.0.0.1"},
		{"127.0.1", "127.0.0.1"},
		{"127.0.0.1.", "127.0.0.1"},
		{"0", "0.0.0.0"},
		{"0x", "0.0.0.0"},
		{"169.254.43518", "169.254.169.254"},
		{"[::1]", "::1"},
		{"::ffff:127.0.0.1", "127.0.0.1"},
		{"[::ffff:7f00:1]", "127.0.0.1"},
		{"[fe80::1%25eth0]", "fe80::1%25eth0"}, // zone kept; still link-local
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"example.com", ""},
		{"127.0.0.1.example.com", ""},
		{"1.2.3.4.5", ""},
		{"256.0.0.1", ""},
		{"08.0.0.1", ""}, // 8 is not octal
		{"4294967296", ""},
		{"1_0.0.0.1", ""},
		{"", ""},
	}
	for _, tt := range tests {
		a, ok := literalAddr(tt.host)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("literalAddr(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestCheckHost(t *testing.T) {
	for _, host := range []string{
		"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "::ffff:127.0.0.1", "[::1]",
		"169.254.169.254", "10.1.2.3", "172.16.0.1", "192.168.0.1", "[fc00::1]", "[fe80::1]",
		"100.64.0.1", "0.0.0.0", "localhost", "LOCALHOST.", "api.localhost",
	} {
		if err := checkHost(host, IsPublic); !errors.Is(err, ErrAddressNotAllowed) {
			t.Errorf("checkHost(%q) = %v, want ErrAddressNotAllowed", host, err)
		}
	}
	for _, host := range []string{"example.com", "8.8.8.8", "[2606:4700::1111]", "localhost.example.com"} {
		if err := checkHost(host, IsPublic); err != nil {
			t.Errorf("checkHost(%q) = %v, want nil", host, err)
		}
	}
}

func TestPolicyFor(t *testing.T) {
	tests := []struct {
		configured string
		allowAll   bool
		trusts     map[string]bool
	}{
		{"https://news.example/feed", false, map[string]bool{
			"https://news.example/a": true, "http://NEWS.example:8080/b": true,
			"https://other.example/a": false, "http://127.0.0.1/": false,
		}},
		{"http://127.0.0.1:8080/feed", true, map[string]bool{"http://10.0.0.1/": true, "https://example.org/": true}},
		{"http://localhost:8080/feed", true, map[string]bool{"http://169.254.169.254/": true}},
		{"http://[::1]:8080/feed", true, map[string]bool{"http://example.org/": true}},
		{"http://8.8.8.8/feed", false, map[string]bool{"http://8.8.8.8/x": true, "http://127.0.0.1/": false}},
		{"https://Bücher.example/feed", false, map[string]bool{"https://xn--bcher-kva.example/a": true, "https://bücher.example/b": true}},
	}
	for _, tt := range tests {
		p := policyFor(mustParse(t, tt.configured), IsPublic)
		if p.allowAll != tt.allowAll {
			t.Errorf("policyFor(%q).allowAll = %v, want %v", tt.configured, p.allowAll, tt.allowAll)
		}
		for u, want := range tt.trusts {
			if got := p.trusts(mustParse(t, u)); got != want {
				t.Errorf("policyFor(%q).trusts(%q) = %v, want %v", tt.configured, u, got, want)
			}
		}
	}
}

// TestDialerGuard dials a real listener on loopback through names that
// resolve to it: the guarded dialer refuses without connecting, the
// unguarded one connects.
func TestDialerGuard(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "rebind.example":
			return []netip.Addr{netip.MustParseAddr("::ffff:127.0.0.1")}, nil
		case "mixed.example":
			return []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	guarded := &dialer{lookup: lookup, allow: IsPublic, guard: true}
	for _, host := range []string{"rebind.example", "mixed.example", "127.0.0.1"} {
		conn, err := guarded.DialContext(t.Context(), "tcp", net.JoinHostPort(host, port))
		if err == nil {
			conn.Close()
		}
		if !errors.Is(err, ErrAddressNotAllowed) {
			t.Errorf("guarded DialContext(%q) = %v, want ErrAddressNotAllowed", host, err)
		}
	}
	open := &dialer{lookup: lookup, allow: IsPublic, guard: false}
	conn, err := open.DialContext(t.Context(), "tcp", net.JoinHostPort("rebind.example", port))
	if err != nil {
		t.Fatalf("unguarded DialContext(rebind.example) error: %v", err)
	}
	conn.Close()
	// The Control hook refuses on its own, whatever resolved the address.
	if err := guarded.control("tcp4", "127.0.0.1:80", nil); !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("control(127.0.0.1:80) = %v, want ErrAddressNotAllowed", err)
	}
	if err := guarded.control("tcp4", "8.8.8.8:80", nil); err != nil {
		t.Errorf("control(8.8.8.8:80) = %v, want nil", err)
	}
}

func FuzzLiteralAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "2130706433", "0177.0.0.1", "0x7f.1", "[::ffff:127.0.0.1]", "1.2.3.4.", "example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		a, ok := literalAddr(host)
		if ok && !a.IsValid() {
			t.Errorf("literalAddr(%q) = invalid address, ok", host)
		}
		// Whatever netip reads as an address, literalAddr must read the same.
		if n, err := netip.ParseAddr(host); err == nil && (!ok || a != n.Unmap()) {
			t.Errorf("literalAddr(%q) = %v, %v; netip reads %v", host, a, ok, n)
		}
	})
}
