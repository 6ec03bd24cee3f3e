package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/idna"
)

// ErrAddressNotAllowed is wrapped by every error that refuses a request
// because its host is, or resolves to, an address the policy rejects
// (loopback, private, link-local, ... by default).
var ErrAddressNotAllowed = errors.New("address not allowed")

// nonPublic lists the IPv4 and IPv6 ranges that must never be reached
// through a link found on the web: they address this machine, the local
// network, the cloud metadata service, carrier-grade NAT, documentation and
// reserved space. IPv4-mapped IPv6 is unmapped before the check, and the
// IPv4 address embedded in NAT64 and 6to4 addresses is checked too.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"; 0.0.0.0 reaches localhost on Linux
		"10.0.0.0/8",      // private
		"100.64.0.0/10",   // carrier-grade NAT, shared address space
		"127.0.0.0/8",     // loopback
		"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
		"172.16.0.0/12",   // private
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // TEST-NET-1
		"192.88.99.0/24",  // 6to4 relay anycast (deprecated)
		"192.168.0.0/16",  // private
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // TEST-NET-2
		"203.0.113.0/24",  // TEST-NET-3
		"224.0.0.0/4",     // multicast
		"240.0.0.0/4",     // reserved, broadcast
		"::/96",           // unspecified, loopback, IPv4-compatible (deprecated)
		"::ffff:0:0:0/96", // IPv4-translated
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, ...)
		"2001:db8::/32",   // documentation
		"3fff::/20",       // documentation
		"fc00::/7",        // unique local
		"fe80::/10",       // link-local
		"fec0::/10",       // site-local (deprecated)
		"ff00::/8",        // multicast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

var nat64 = netip.MustParsePrefix("64:ff9b::/96")
var sixToFour = netip.MustParsePrefix("2002::/16")

// IsPublic reports whether ip is a globally routable unicast address that a
// crawler may fetch links from. It rejects the unspecified address,
// loopback, private, link-local, carrier-grade NAT, multicast, documentation
// and reserved ranges, in IPv4 and IPv6 spellings, including IPv4-mapped
// IPv6 (::ffff:127.0.0.1) and the IPv4 embedded in NAT64 and 6to4 addresses.
// It is pure.
func IsPublic(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() && (nat64.Contains(ip) || sixToFour.Contains(ip)) {
		// The packet ends up at the embedded IPv4 address.
		b := ip.As16()
		var v4 [4]byte
		if nat64.Contains(ip) {
			copy(v4[:], b[12:16])
		} else {
			copy(v4[:], b[2:6])
		}
		return IsPublic(netip.AddrFrom4(v4))
	}
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() || ip.IsMulticast() ||
		ip.IsLinkLocalUnicast() || ip.IsInterfaceLocalMulticast() || !ip.IsGlobalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// literalAddr returns the address a URL host names literally, in any
// spelling a browser or libc would accept: IPv6 with or without brackets
// (and zone), IPv4-mapped IPv6, dotted quad, and the inet_aton forms the
// WHATWG URL parser also accepts (decimal 2130706433, octal 0177.0.0.1,
// hex 0x7f.1, short 127.1, trailing dot). ok is false for a host name.
func literalAddr(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Unmap(), true
	}
	return parseLooseIPv4(host)
}

// parseLooseIPv4 parses the inet_aton / WHATWG IPv4 number forms: one to
// four dot-separated parts, each decimal, octal (leading 0) or hex (0x), the
// last part filling the remaining bytes.
func parseLooseIPv4(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return netip.Addr{}, false
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Part(p)
		if !ok {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseIPv4Part(p string) (uint64, bool) {
	base := 10
	switch {
	case p == "":
		return 0, false
	case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
		base, p = 16, p[2:]
		if p == "" {
			return 0, true // "0x" alone is zero, as in WHATWG
		}
	case len(p) > 1 && p[0] == '0':
		base, p = 8, p[1:]
	}
	// ParseUint would accept "_" separators and signs; only digits count.
	for _, r := range p {
		if !isDigit(r, base) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(p, base, 64)
	if err != nil || n > 1<<32-1 {
		return 0, false
	}
	return n, true
}

func isDigit(r rune, base int) bool {
	switch {
	case r >= '0' && r <= '7':
		return true
	case r == '8' || r == '9':
		return base >= 10
	case (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F'):
		return base == 16
	}
	return false
}

// isLocalName reports host names that always mean this machine
// (RFC 6761): "localhost" and anything under ".localhost".
func isLocalName(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// fetchPolicy is the address policy of one crawl session (one Crawl or
// FetchArticle). It travels in the request context so the shared
// transport can apply it per request, redirect hop by redirect hop.
//
// The source's configured origin — scheme, host and port exactly, default
// ports made explicit (http 80, https 443) — is the one place that may be
// exempt from the guard, and only when it is local: its configured address
// is itself one the policy refuses (a loopback/private literal), or its
// name resolves, at the session's first request to it, to refused
// addresses only (localhost, an intranet name). That resolution is pinned
// for the session: requests to the origin then dial only those addresses,
// never resolving again. An origin whose first resolution holds any
// allowed (public) address is an ordinary host: every dial of it,
// listing included, resolves and is checked, so DNS that answers public
// first and 127.0.0.1 or 169.254.169.254 later is refused at dial time.
// The Crawler remembers such an origin (publicOrigins), so it stays
// guarded in its later sessions too: DNS that turns hostile between two
// passes cannot make it local. The same host on another port or scheme is
// never the origin, and no link of a local source reaches any other
// refused address.
type fetchPolicy struct {
	// scheme, host and port are the configured origin: scheme lower case,
	// host as hostKey spells it, port numeric (never empty).
	scheme, host string
	port         uint16

	mu         sync.Mutex
	classified bool       // the origin's first resolution is done; guarded by mu
	pin        *originPin // set when that resolution made the origin local; guarded by mu
}

// originPin is a local origin's addresses as first resolved in a session:
// the only addresses the pinned dialer connects to, and only for host and
// port.
type originPin struct {
	host  string
	port  uint16
	addrs []netip.Addr
}

type policyKey struct{}

// pinKey carries the *originPin of a request to a local origin from the
// transport to the pinned dialer.
type pinKey struct{}

// policyFor returns the fetch policy of a session whose source is
// configured at configured. The origin is classified at its first request
// (classify), not here.
func policyFor(configured *url.URL) *fetchPolicy {
	port, _ := urlPort(configured)
	return &fetchPolicy{scheme: strings.ToLower(configured.Scheme), host: hostKey(configured), port: port}
}

// isOrigin reports whether u addresses exactly the configured origin: same
// scheme, host and port. Only such requests may skip the guard, and only
// when classify finds the origin local.
func (p *fetchPolicy) isOrigin(u *url.URL) bool {
	if p == nil || strings.ToLower(u.Scheme) != p.scheme || hostKey(u) != p.host {
		return false
	}
	port, ok := urlPort(u)
	return ok && port == p.port
}

// classify resolves the origin once per session and reports its pin when
// it is local, nil when it is an ordinary, guarded host. A literal address
// is its own resolution. An origin that public remembers as public is
// guarded without a lookup; one found public now is remembered there. A
// failed lookup is returned and not remembered, so the next request tries
// again.
func (p *fetchPolicy) classify(ctx context.Context, lookup func(context.Context, string) ([]netip.Addr, error),
	allow func(netip.Addr) bool, public *publicOrigins) (*originPin, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.classified {
		return p.pin, nil
	}
	key := p.key()
	if public.has(key) {
		p.classified = true
		return nil, nil
	}
	var addrs []netip.Addr
	if a, ok := literalAddr(p.host); ok {
		addrs = []netip.Addr{a}
	} else {
		var err error
		if addrs, err = lookup(ctx, p.host); err != nil {
			return nil, fmt.Errorf("resolve %s: %w", p.host, err)
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", p.host)
		}
	}
	local := true
	for i, a := range addrs {
		addrs[i] = a.Unmap()
		if allow(addrs[i]) {
			local = false
		}
	}
	p.classified = true
	if local {
		p.pin = &originPin{host: p.host, port: p.port, addrs: addrs}
	} else {
		public.add(key)
	}
	return p.pin, nil
}

// key names the origin in publicOrigins: "scheme://host:port".
func (p *fetchPolicy) key() string {
	return p.scheme + "://" + net.JoinHostPort(p.host, strconv.Itoa(int(p.port)))
}

// maxPublicOrigins bounds publicOrigins. Origins are configured ones
// (sources, and the URLs given to FetchArticle), so the bound is only
// reached by a misuse; past it new origins are guarded per session only.
const maxPublicOrigins = 10000

// publicOrigins is the set of configured origins a Crawler has seen
// resolve to an allowed address. It is never pruned: an origin once public
// is guarded for the Crawler's life, even should its name later resolve
// to refused addresses only. Its zero value is empty and ready; a nil
// *publicOrigins remembers nothing.
type publicOrigins struct {
	mu   sync.Mutex
	keys map[string]bool // guarded by mu
}

func (po *publicOrigins) has(key string) bool {
	if po == nil {
		return false
	}
	po.mu.Lock()
	defer po.mu.Unlock()
	return po.keys[key]
}

func (po *publicOrigins) add(key string) {
	if po == nil {
		return
	}
	po.mu.Lock()
	defer po.mu.Unlock()
	if po.keys == nil {
		po.keys = map[string]bool{}
	}
	if len(po.keys) < maxPublicOrigins {
		po.keys[key] = true
	}
}

// urlPort is the port a request to u connects to: the explicit one, or the
// scheme's default. ok is false for a port that is not a number in range.
func urlPort(u *url.URL) (uint16, bool) {
	if s := u.Port(); s != "" {
		n, err := strconv.ParseUint(s, 10, 16)
		return uint16(n), err == nil
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return 80, true
	case "https":
		return 443, true
	}
	return 0, false
}

// hostKey is a URL's host name as compared for the origin: see normHost.
func hostKey(u *url.URL) string { return normHost(u.Hostname()) }

// normHost spells a host as compared for the origin: an address literal
// in its canonical form, whatever its spelling (2130706433, [::ffff:7f00:1]
// and 127.0.0.1 alike, as colly's URL parser may rewrite one into
// another); a name lower case, without a trailing dot, internationalised
// in its ASCII (punycode) form, as net/http sends it.
func normHost(host string) string {
	if a, ok := literalAddr(host); ok {
		return a.String()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if a, err := idna.Lookup.ToASCII(host); err == nil {
		return a
	}
	return host
}

// checkHost rejects, before any request, a host that literally names an
// address the policy refuses, or a name that always means this machine.
// Names are checked again at dial time, after resolution.
func checkHost(host string, allow func(netip.Addr) bool) error {
	if a, ok := literalAddr(host); ok {
		if !allow(a) {
			return fmt.Errorf("host %s is %s: %w", host, a, ErrAddressNotAllowed)
		}
		return nil
	}
	if isLocalName(host) {
		return fmt.Errorf("host %s is local: %w", host, ErrAddressNotAllowed)
	}
	return nil
}

// dialer connects the default transports. A guarded dialer (pinned false)
// resolves the host at every dial and refuses it when any address is one
// the policy rejects: the check sits at dial time, on the addresses about
// to be connected, so DNS rebinding and every spelling of a host are
// covered. A pinned dialer never resolves: it serves only requests to a
// local origin, connecting to the addresses that origin was classified
// with (the *originPin in the dial context), for its host and port alone.
// Either way the socket's Control hook checks the exact address again.
type dialer struct {
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	allow  func(netip.Addr) bool
	pinned bool
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("dial %s: bad port: %w", addr, err)
	}
	var addrs []netip.Addr
	var ok func(netip.Addr) bool
	if d.pinned {
		pin, _ := ctx.Value(pinKey{}).(*originPin)
		if pin == nil || normHost(host) != pin.host || uint16(port) != pin.port {
			// Only the transport's own routing sends requests here; fail
			// closed should that ever break.
			return nil, fmt.Errorf("dial %s: not the source's local origin: %w", addr, ErrAddressNotAllowed)
		}
		addrs = pin.addrs
		ok = func(a netip.Addr) bool {
			return slices.ContainsFunc(pin.addrs, func(p netip.Addr) bool { return p.WithZone("") == a })
		}
	} else {
		if addrs, err = d.resolve(ctx, host); err != nil {
			return nil, err
		}
		// Refuse the host as a whole if any address is off limits, rather
		// than racing for one that happens to be public.
		for _, a := range addrs {
			if !d.allow(a) {
				return nil, fmt.Errorf("dial %s: resolves to %s: %w", host, a, ErrAddressNotAllowed)
			}
		}
		ok = d.allow
	}
	nd := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control(ok)}
	var errs []error
	for _, a := range addrs {
		conn, err := nd.DialContext(ctx, "tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("dial %s: %w", host, errors.Join(errs...))
}

func (d *dialer) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	addrs, err := d.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for i := range addrs {
		addrs[i] = addrs[i].Unmap()
	}
	return addrs, nil
}

// control is the last line: it sees the exact address the socket is about
// to connect to and refuses it unless ok accepts it.
func control(ok func(netip.Addr) bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("connect %s: %w", address, err)
		}
		if !ok(ap.Addr().Unmap().WithZone("")) {
			return fmt.Errorf("connect %s: %w", address, ErrAddressNotAllowed)
		}
		return nil
	}
}

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
