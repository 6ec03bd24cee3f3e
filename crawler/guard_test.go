package crawler

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strconv"
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

// TestPolicyIsOrigin: exactly the configured scheme, host and port are the
// origin, default ports made explicit (RELIABILITY.md item 36).
func TestPolicyIsOrigin(t *testing.T) {
	tests := []struct {
		configured string
		isOrigin   map[string]bool
	}{
		{"https://news.example/feed", map[string]bool{
			"https://news.example/a":      true,
			"https://NEWS.example./b":     true,
			"https://news.example:443/c":  true,
			"https://news.example:0443/d": true,
			"http://news.example/a":       false, // scheme
			"https://news.example:8443/a": false, // port
			"http://news.example:443/a":   false, // scheme, same port
			"https://other.example/a":     false,
			"http://127.0.0.1/":           false,
		}},
		{"http://news.example:8080/feed", map[string]bool{
			"http://news.example:8080/a": true,
			"http://news.example/a":      false,
			"https://news.example:8080/": false,
		}},
		{"http://127.0.0.1:8080/feed", map[string]bool{
			"http://127.0.0.1:8080/a": true,
			"http://127.0.0.1:8081/":  false,
			"http://127.0.0.1/":       false,
			"https://127.0.0.1:8080/": false,
			"http://10.0.0.1:8080/":   false,
			"http://localhost:8080/":  false,
		}},
		{"http://2130706433:8080/feed", map[string]bool{
			"http://127.0.0.1:8080/a":          true,
			"http://0x7f.1:8080/b":             true,
			"http://[::ffff:127.0.0.1]:8080/c": true,
			"http://127.0.0.2:8080/":           false,
		}},
		{"http://[::1]:8080/feed", map[string]bool{"http://[::1]:8080/a": true, "http://[0::1]:8080/b": true, "http://[::1]:9090/": false}},
		{"https://Bücher.example/feed", map[string]bool{"https://xn--bcher-kva.example/a": true, "https://bücher.example/b": true}},
	}
	for _, tt := range tests {
		p := policyFor(mustParse(t, tt.configured))
		for u, want := range tt.isOrigin {
			if got := p.isOrigin(mustParse(t, u)); got != want {
				t.Errorf("policyFor(%q).isOrigin(%q) = %v, want %v", tt.configured, u, got, want)
			}
		}
	}
	var none *fetchPolicy
	if none.isOrigin(mustParse(t, "http://127.0.0.1/")) {
		t.Errorf("nil policy isOrigin = true, want false")
	}
}

// TestPolicyClassify: the origin is local only when its configured
// address, or every address its name first resolves to, is refused; that
// first answer is pinned for the session, whatever DNS says later
// (RELIABILITY.md item 36).
func TestPolicyClassify(t *testing.T) {
	answers := map[string][]string{
		"public.example":   {"8.8.8.8"},
		"intranet.example": {"10.0.0.1", "::1"},
		"mixed.example":    {"8.8.8.8", "127.0.0.1"},
		"localhost":        {"127.0.0.1", "::1"},
	}
	tests := []struct {
		configured string
		pinned     []string // nil: a guarded, ordinary host
	}{
		{"https://public.example/feed", nil},
		{"https://mixed.example/feed", nil},
		{"http://8.8.8.8/feed", nil},
		{"http://intranet.example:8080/feed", []string{"10.0.0.1", "::1"}},
		{"http://localhost:8080/feed", []string{"127.0.0.1", "::1"}},
		{"http://127.0.0.1:8080/feed", []string{"127.0.0.1"}},
		{"http://2130706433:8080/feed", []string{"127.0.0.1"}},
		{"http://[::ffff:169.254.169.254]/feed", []string{"169.254.169.254"}},
	}
	for _, tt := range tests {
		lookups := 0
		lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
			lookups++
			if lookups > 1 {
				return []netip.Addr{netip.MustParseAddr("8.8.4.4")}, nil // DNS changed its mind
			}
			var as []netip.Addr
			for _, a := range answers[host] {
				as = append(as, netip.MustParseAddr(a))
			}
			return as, nil
		}
		p := policyFor(mustParse(t, tt.configured))
		for range 2 {
			pin, err := p.classify(t.Context(), lookup, IsPublic, nil)
			if err != nil {
				t.Fatalf("policyFor(%q).classify error: %v", tt.configured, err)
			}
			var got []string
			if pin != nil {
				for _, a := range pin.addrs {
					got = append(got, a.String())
				}
			}
			if !slices.Equal(got, tt.pinned) {
				t.Errorf("policyFor(%q).classify = pinned %v, want %v", tt.configured, got, tt.pinned)
			}
		}
		if lookups > 1 {
			t.Errorf("policyFor(%q).classify looked the origin up %d times, want at most once", tt.configured, lookups)
		}
	}
	// An origin once public stays guarded in later sessions of the same
	// Crawler, whatever its name resolves to then; another port of the
	// same host is another origin.
	var public publicOrigins
	first := policyFor(mustParse(t, "https://public.example/feed"))
	if pin, err := first.classify(t.Context(), lookupAll("8.8.8.8"), IsPublic, &public); pin != nil || err != nil {
		t.Fatalf("classify(public answer) = %v, %v; want no pin", pin, err)
	}
	later := policyFor(mustParse(t, "https://public.example:443/other"))
	if pin, err := later.classify(t.Context(), lookupAll("127.0.0.1"), IsPublic, &public); pin != nil || err != nil {
		t.Errorf("classify(loopback answer) in a later session = %v, %v; want no pin (remembered public)", pin, err)
	}
	otherPort := policyFor(mustParse(t, "https://public.example:8443/feed"))
	if pin, err := otherPort.classify(t.Context(), lookupAll("127.0.0.1"), IsPublic, &public); pin == nil || err != nil {
		t.Errorf("classify(loopback answer) of another port = %v, %v; want a pin", pin, err)
	}

	// A failed lookup is not remembered: the next request classifies anew.
	p := policyFor(mustParse(t, "http://flaky.example/"))
	fail := func(context.Context, string) ([]netip.Addr, error) { return nil, errors.New("timeout") }
	if _, err := p.classify(t.Context(), fail, IsPublic, nil); err == nil {
		t.Errorf("classify(failing lookup) error = nil, want the lookup's")
	}
	pin, err := p.classify(t.Context(), loopbackNames("flaky.example"), IsPublic, nil)
	if err != nil || pin == nil {
		t.Errorf("classify after a failed lookup = %v, %v; want a pin to 127.0.0.1", pin, err)
	}
}

// lookupAll answers addrs for every name.
func lookupAll(addrs ...string) func(context.Context, string) ([]netip.Addr, error) {
	return func(context.Context, string) ([]netip.Addr, error) {
		var as []netip.Addr
		for _, a := range addrs {
			as = append(as, netip.MustParseAddr(a))
		}
		return as, nil
	}
}

// TestDialerGuard dials a real listener on loopback through names that
// resolve to it: the guarded dialer refuses without connecting; the pinned
// dialer connects to its pin's addresses for the pin's host and port only,
// without resolving.
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
	_, portStr, _ := net.SplitHostPort(l.Addr().String())
	port, _ := strconv.ParseUint(portStr, 10, 16)
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "rebind.example":
			return []netip.Addr{netip.MustParseAddr("::ffff:127.0.0.1")}, nil
		case "mixed.example":
			return []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("127.0.0.1")}, nil
		}
		return nil, errors.New("no such host")
	}
	guarded := &dialer{lookup: lookup, allow: IsPublic}
	for _, host := range []string{"rebind.example", "mixed.example", "127.0.0.1"} {
		conn, err := guarded.DialContext(t.Context(), "tcp", net.JoinHostPort(host, portStr))
		if err == nil {
			conn.Close()
		}
		if !errors.Is(err, ErrAddressNotAllowed) {
			t.Errorf("guarded DialContext(%q) = %v, want ErrAddressNotAllowed", host, err)
		}
	}

	pinned := &dialer{allow: IsPublic, pinned: true}
	pin := &originPin{host: "local.example", port: uint16(port), addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	ctx := context.WithValue(t.Context(), pinKey{}, pin)
	conn, err := pinned.DialContext(ctx, "tcp", net.JoinHostPort("LOCAL.example.", portStr))
	if err != nil {
		t.Fatalf("pinned DialContext(own origin) error: %v", err)
	}
	conn.Close()
	for _, tt := range []struct {
		ctx  context.Context
		addr string
	}{
		{ctx, net.JoinHostPort("local.example", strconv.Itoa(int(port)+1))}, // another port
		{ctx, net.JoinHostPort("rebind.example", portStr)},                  // another host
		{ctx, net.JoinHostPort("127.0.0.1", portStr)},                       // its address, not its name
		{t.Context(), net.JoinHostPort("local.example", portStr)},           // no pin
	} {
		conn, err := pinned.DialContext(tt.ctx, "tcp", tt.addr)
		if err == nil {
			conn.Close()
		}
		if !errors.Is(err, ErrAddressNotAllowed) {
			t.Errorf("pinned DialContext(%q) = %v, want ErrAddressNotAllowed", tt.addr, err)
		}
	}

	// The Control hook refuses on its own, whatever resolved the address.
	for _, tt := range []struct {
		name    string
		ok      func(netip.Addr) bool
		address string
		want    bool
	}{
		{"IsPublic", IsPublic, "127.0.0.1:80", false},
		{"IsPublic", IsPublic, "8.8.8.8:80", true},
		{"IsPublic", IsPublic, "[::ffff:169.254.169.254]:80", false},
		{"pinned to 127.0.0.1", func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }, "127.0.0.1:80", true},
		{"pinned to 127.0.0.1", func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }, "[::ffff:127.0.0.1]:80", true},
		{"pinned to 127.0.0.1", func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }, "169.254.169.254:80", false},
	} {
		err := control(tt.ok)("tcp", tt.address, nil)
		if got := err == nil; got != tt.want || (err != nil && !errors.Is(err, ErrAddressNotAllowed)) {
			t.Errorf("control(%s)(%q) = %v, want allowed %v", tt.name, tt.address, err, tt.want)
		}
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
