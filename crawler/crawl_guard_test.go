package crawler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
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
			_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
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
			res, err := c.Crawl(t.Context(), Source{Name: "guarded", Kind: KindFeed, URL: at("news.test", "/feed")}, neverSeen)
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
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	at := func(host, path string) string { return "http://" + net.JoinHostPort(host, port) + path }
	s.page("/sitemap.xml", "application/xml", []byte(sitemapIndex(at("169.254.169.254", "/latest/meta-data"), at("evil.test", "/secret/child.xml"))))
	c := newTestCrawler(t, Options{})
	c.lookup = loopbackNames("news.test", "evil.test")
	_, err := c.Crawl(t.Context(), Source{Name: "sm", Kind: KindSitemap, URL: at("news.test", "/sitemap.xml")}, neverSeen)
	if !errors.Is(err, ErrAddressNotAllowed) {
		t.Errorf("Crawl(index of refused children) error = %v, want ErrAddressNotAllowed", err)
	}
	if s.totalHits("/secret/") != 0 {
		t.Errorf("a child sitemap on a refused address was fetched")
	}
}

// TestCrawlLocalSource: a source configured on a loopback literal is a
// local test site, and its links may go anywhere.
func TestCrawlLocalSource(t *testing.T) {
	s := newSite(t)
	_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
	s.article("/a/1", "Local", para("The local story"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: "http://" + net.JoinHostPort("localhost", port) + "/a/1", title: "Local"})))
	c := newTestCrawler(t, Options{})
	c.lookup = loopbackNames("localhost")
	res, err := c.Crawl(t.Context(), Source{Name: "local", Kind: KindFeed, URL: s.URL("/feed")}, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("Crawl(local source) = %d articles, %v, errors %v; want 1", len(res.Articles), err, res.Errors)
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
