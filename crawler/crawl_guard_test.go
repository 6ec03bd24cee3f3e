package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/newshound/newshound/internal/testsite"
)

// loopbackNames makes the crawler's resolver answer 127.0.0.1 for the
// given names, as a public name under an attacker's DNS (rebinding) would.
func loopbackNames(names ...string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		for _, n := range names {
			if host == n {
				return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
			}
		}
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
}

// TestCrawlAddressGuard: a source on a name that resolves to 127.0.0.1,
// under a policy that calls 127.0.0.1 private. The listing and the
// articles on the source's own host are fetched (the operator chose that
// host); links to loopback in every spelling, a name rebound to loopback,
// and a redirect to one are not.
func TestCrawlAddressGuard(t *testing.T) {
	loopback := netip.MustParseAddr("127.0.0.1")
	policies := map[string]func(netip.Addr) bool{
		"127.0.0.1 private": func(ip netip.Addr) bool { return ip != loopback },
		"IsPublic":          nil,
	}
	for name, allow := range policies {
		t.Run(name, func(t *testing.T) {
			s := newSite(t)
			_, port, _ := net.SplitHostPort(s.Addr())
			at := func(host, path string) string { return "http://" + net.JoinHostPort(host, port) + path }
			s.article("/a/1", "Allowed", para("The story on the source's own host"))
			s.redirect("/a/2", at("evil.test", "/secret/redirected"))
			s.page("/feed", "application/rss+xml", []byte(rssFeed(
				entry{link: at("news.test", "/a/1"), title: "own host"},
				entry{link: at("news.test", "/a/2"), title: "redirects away"},
				entry{link: at("127.0.0.1", "/secret/literal"), title: "literal"},
				entry{link: at("2130706433", "/secret/decimal"), title: "decimal"},
				entry{link: at("0177.0.0.1", "/secret/octal"), title: "octal"},
				entry{link: at("0x7f.1", "/secret/hex"), title: "hex"},
				entry{link: at("::ffff:127.0.0.1", "/secret/mapped"), title: "mapped"},
				entry{link: at("localhost", "/secret/localhost"), title: "localhost"},
				entry{link: at("evil.test", "/secret/rebound"), title: "rebound name"},
			)))
			c := newTestCrawler(t, Options{AllowAddr: allow})
			c.lookup = loopbackNames("news.test", "evil.test", "localhost")
			res, _, err := c.Crawl(t.Context(), Source{Name: "guarded", Kind: KindFeed, URL: at("news.test", "/feed")}, firstPass, neverSeen)
			if err != nil {
				t.Fatalf("Crawl error: %v", err)
			}
			if s.hitsOf("/feed") != 1 || s.hitsOf("/a/1") != 1 || s.hitsOf("/a/2") != 1 {
				t.Errorf("listing, own-host article, own-host redirect fetched %d, %d, %d times; want 1 each",
					s.hitsOf("/feed"), s.hitsOf("/a/1"), s.hitsOf("/a/2"))
			}
			if got := s.totalHits("/secret/"); got != 0 {
				t.Errorf("%d requests reached loopback through discovered links, want 0", got)
			}
			if len(res.Articles) != 1 || res.Articles[0].Title != "own host" {
				t.Errorf("Crawl articles = %v, want only the own-host article", res.Articles)
			}
			if len(res.Errors) != 8 {
				t.Errorf("Crawl Errors = %v, want 8", res.Errors)
			}
			for _, e := range res.Errors {
				if !errors.Is(e, ErrAddressNotAllowed) {
					t.Errorf("Crawl error %q does not wrap ErrAddressNotAllowed", e)
				}
			}
		})
	}
}

// TestCrawlAddressGuardSitemapChild: child sitemaps are discovered links
// too.
func TestCrawlAddressGuardSitemapChild(t *testing.T) {
	s := newSite(t)
	_, port, _ := net.SplitHostPort(s.Addr())
	at := func(host, path string) string { return "http://" + net.JoinHostPort(host, port) + path }
	s.page("/sitemap.xml", "application/xml", []byte(sitemapIndex(at("169.254.169.254", "/latest/meta-data"), at("evil.test", "/secret/child.xml"))))
	c := newTestCrawler(t, Options{})
	c.lookup = loopbackNames("news.test", "evil.test")
	_, _, err := c.Crawl(t.Context(), Source{Name: "sm", Kind: KindSitemap, URL: at("news.test", "/sitemap.xml")}, firstPass, neverSeen)
	if !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("Crawl(index of refused children) error = %v, want ErrAddressNotAllowed", err)
	}
	if s.totalHits("/secret/") != 0 {
		t.Errorf("a child sitemap on a refused address was fetched")
	}
}

// canary is a server that must never be reached: it counts every
// connection it accepts, so a TLS hello or a request it cannot parse
// counts as much as a request its handler sees.
type canary struct {
	srv   *httptest.Server
	conns atomic.Int64
}

// newCanary listens on addr ("127.0.0.1:0" for any port).
func newCanary(t *testing.T, addr string) *canary {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("canary listen %s: %v", addr, err)
	}
	c := &canary{}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "internal secret")
	}))
	c.srv.Listener.Close()
	c.srv.Listener = l
	c.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	return c
}

func (c *canary) port() string {
	_, port, _ := net.SplitHostPort(c.srv.Listener.Addr().String())
	return port
}

// newSiteAt is newSite listening on addr, closing every connection after
// its response so that each request dials (and resolves) anew.
func newSiteAt(t *testing.T, addr string) *site {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("site listen %s: %v (the test needs the loopback range 127.0.0.0/8)", addr, err)
	}
	return &site{testsite.NewWith(t, testsite.Options{Listener: l, NoKeepAlives: true})}
}

// notLoopback1 is the policy of the item 36 tests: 127.0.0.1 is this
// machine's internal network, any other address (127.0.0.2 included)
// stands for the public internet.
func notLoopback1(a netip.Addr) bool { return a != netip.MustParseAddr("127.0.0.1") }

// TestItem36HostileDNS (RELIABILITY.md item 36): a public source whose
// DNS answers a public address for the listing and 127.0.0.1 from then
// on, and whose items link to its own name on another port, on another
// scheme, and through a redirect to another port. Internal services on
// 127.0.0.1, on the source's own port and on another, must see no
// connection at all, and every article fails with ErrAddressNotAllowed:
// the configured host resolved to a public address, so every later dial
// of it is guarded, its own port included.
func TestItem36HostileDNS(t *testing.T) {
	internal := newCanary(t, "127.0.0.1:0")         // an internal service on the source's port
	other := newCanary(t, "127.0.0.1:0")            // one on another port
	s := newSiteAt(t, "127.0.0.2:"+internal.port()) // the source, at a "public" address
	at := func(scheme, port, path string) string {
		return scheme + "://" + net.JoinHostPort("news.test", port) + path
	}
	var hostile atomic.Bool
	lookups := 0
	var mu sync.Mutex
	feed := rssFeed(
		entry{link: at("http", internal.port(), "/a/1"), title: "own origin, now rebound"},
		entry{link: at("http", other.port(), "/secret/port"), title: "another port"},
		entry{link: at("https", internal.port(), "/secret/scheme"), title: "another scheme"},
		entry{link: at("http", internal.port(), "/hop"), title: "redirect to another port"},
	)
	s.set("/feed", response{Handler: func(w http.ResponseWriter, _ *http.Request) {
		hostile.Store(true) // the listing is on its way; every later answer is 127.0.0.1
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, feed)
	}})
	s.article("/a/1", "Own origin", para("The story on the source's own host"))
	s.redirect("/hop", at("http", other.port(), "/secret/hop"))
	c := newTestCrawler(t, Options{AllowAddr: notLoopback1})
	c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		if host != "news.test" {
			return nil, fmt.Errorf("lookup %s: no such host", host)
		}
		mu.Lock()
		lookups++
		mu.Unlock()
		if hostile.Load() {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
	}
	src := Source{Name: "rebinding", Kind: KindFeed, URL: at("http", internal.port(), "/feed")}
	res, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v (the listing was served at a public address)", err)
	}
	if s.hitsOf("/feed") != 1 {
		t.Errorf("listing fetched %d times, want 1", s.hitsOf("/feed"))
	}
	if got := internal.conns.Load() + other.conns.Load(); got != 0 {
		t.Errorf("internal services got %d connections (own port %d, other port %d), want 0",
			got, internal.conns.Load(), other.conns.Load())
	}
	if len(res.Articles) != 0 {
		t.Errorf("Crawl articles = %q, want none", articleIDs(res.Articles))
	}
	if len(res.Errors) != 4 || !errorsWrap(res.Errors, ErrAddressNotAllowed) {
		t.Errorf("Crawl Errors = %v, want 4 wrapping ErrAddressNotAllowed", res.Errors)
	}
	// The same through FetchArticle, the `extract` tool's path.
	if _, err := c.FetchArticle(t.Context(), src, at("http", internal.port(), "/a/1")); !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("FetchArticle(own origin, rebound) error = %v, want ErrAddressNotAllowed", err)
	}
	if got := internal.conns.Load(); got != 0 {
		t.Errorf("FetchArticle reached the internal service (%d connections), want 0", got)
	}
}

// TestItem36LoopbackSource (RELIABILITY.md item 36): a source configured
// on a loopback address, literally or by a name that resolves to it, may
// reach loopback on its own scheme, host and port, and nowhere else among
// refused addresses: its links to another loopback port, to its own port
// under another name or scheme, and redirects there are not fetched. A
// link to a public host is.
func TestItem36LoopbackSource(t *testing.T) {
	for _, origin := range []string{"127.0.0.1", "local.test"} {
		t.Run(origin, func(t *testing.T) {
			s := newSite(t)
			_, port, _ := net.SplitHostPort(s.Addr())
			at := func(scheme, host, port, path string) string {
				return scheme + "://" + net.JoinHostPort(host, port) + path
			}
			internal := newCanary(t, "127.0.0.1:0")
			public := newSiteAt(t, "127.0.0.2:0")
			_, publicPort, _ := net.SplitHostPort(public.Addr())
			public.article("/p/1", "Public", para("The story on a public host"))
			s.article("/a/1", "Own origin", para("The story on the source's own host"))
			s.redirect("/hop", at("http", origin, internal.port(), "/secret/hop"))
			s.page("/feed", "application/rss+xml", []byte(rssFeed(
				entry{link: at("http", origin, port, "/a/1"), title: "own origin"},
				entry{link: at("http", "public.test", publicPort, "/p/1"), title: "public host"},
				entry{link: at("http", origin, internal.port(), "/secret/port"), title: "another port"},
				entry{link: at("http", "127.0.0.1", internal.port(), "/secret/literal"), title: "another port, literal"},
				entry{link: at("http", "localhost", internal.port(), "/secret/localhost"), title: "another port, localhost"},
				entry{link: at("http", "rebound.test", internal.port(), "/secret/rebound"), title: "another port, rebound name"},
				entry{link: at("https", origin, port, "/secret/scheme"), title: "another scheme"},
				entry{link: at("http", "localhost", port, "/secret/name"), title: "own port, another name"},
				entry{link: at("http", origin, port, "/hop"), title: "redirect to another port"},
			)))
			c := newTestCrawler(t, Options{AllowAddr: notLoopback1})
			c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
				switch host {
				case "local.test", "rebound.test", "localhost":
					return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
				case "public.test":
					return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil
				}
				return nil, fmt.Errorf("lookup %s: no such host", host)
			}
			res, _, err := c.Crawl(t.Context(), Source{Name: "local", Kind: KindFeed, URL: at("http", origin, port, "/feed")}, firstPass, neverSeen)
			if err != nil {
				t.Fatalf("Crawl error: %v", err)
			}
			if got := internal.conns.Load(); got != 0 {
				t.Errorf("the service on another loopback port got %d connections, want 0", got)
			}
			if got := s.totalHits("/secret/"); got != 0 {
				t.Errorf("%d requests reached the source's own port under another name or scheme, want 0", got)
			}
			ids := articleIDs(res.Articles)
			slices.Sort(ids)
			if want := []string{at("http", origin, port, "/a/1"), at("http", "public.test", publicPort, "/p/1")}; !slices.Equal(ids, want) {
				t.Errorf("Crawl articles = %q, want %q", ids, want)
			}
			if len(res.Errors) != 7 || !errorsWrap(res.Errors, ErrAddressNotAllowed) {
				t.Errorf("Crawl Errors = %v, want 7 wrapping ErrAddressNotAllowed", res.Errors)
			}
		})
	}
}

func TestFetchArticle(t *testing.T) {
	s := newSite(t)
	s.article("/a/1", "Fetched", para("The fetched story"))
	s.page("/doc.pdf", "application/pdf", []byte("%PDF"))
	c := newTestCrawler(t, Options{})
	art, err := c.FetchArticle(t.Context(), Source{Name: "tool"}, s.URL("/a/1?utm_source=x"))
	if err != nil {
		t.Fatalf("FetchArticle error: %v", err)
	}
	if art.ID != s.URL("/a/1") || art.Source != "tool" || !art.Found.Equal(testNow) || art.Title != "Fetched" {
		t.Errorf("FetchArticle = ID %q source %q found %v title %q", art.ID, art.Source, art.Found, art.Title)
	}
	checkNoChrome(t, art)
	if _, err := c.FetchArticle(t.Context(), Source{Name: "tool"}, s.URL("/doc.pdf")); err == nil {
		t.Errorf("FetchArticle(pdf) error = nil, want a content type error")
	}
	if _, err := c.FetchArticle(t.Context(), Source{Name: "tool"}, "file:///etc/passwd"); err == nil {
		t.Errorf("FetchArticle(file URL) error = nil, want an error")
	}
}
