package crawler

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestCrawlHardenedPrivateLinks (item 29) adds to TestCrawlAddressGuard,
// which covers loopback in every spelling through a feed: a listing page
// whose links point at link-local (the cloud metadata address) and
// private ranges, spelled as dotted quads, decimal, octal, hex, short
// forms, IPv4-mapped and NAT64 IPv6, plus a name that resolves to 10.x.
// None is fetched (were the guard to let one through, the dial would go
// to an address that does not answer here and fail with a different
// error); each is an error of its own article, the own-host article is
// crawled, and another source is unaffected.
func TestCrawlHardenedPrivateLinks(t *testing.T) {
	s := newSite(t)
	_, port, _ := net.SplitHostPort(s.Addr())
	at := func(host, path string) string { return "http://" + net.JoinHostPort(host, port) + path }
	s.article("/a/own", "Own host", para("The story on the source's own host"))
	hosts := []string{
		"169.254.169.254",        // cloud metadata
		"2852039166",             // 169.254.169.254 in decimal
		"0251.0376.0251.0376",    // … in octal
		"0xa9fea9fe",             // … in hex
		"::ffff:169.254.169.254", // … IPv4-mapped
		"::ffff:a9fe:a9fe",       // … IPv4-mapped, hex groups
		"64:ff9b::a9fe:a9fe",     // … NAT64
		"fe80::1",                // IPv6 link-local
		"10.0.0.1",               // private
		"167772161",              // 10.0.0.1 in decimal
		"012.0.0.1",              // 10.0.0.1 in octal
		"10.1",                   // 10.0.0.1, short form
		"0xc0.0xa8.0x01.0x01",    // 192.168.1.1 in hex
		"172.16.5.4",             // private
		"100.64.0.1",             // carrier-grade NAT
		"fd00::1",                // IPv6 unique local
		"intranet.test",          // a name that resolves to 10.0.0.1
	}
	var list strings.Builder
	list.WriteString(`<html><body><ul>`)
	fmt.Fprintf(&list, `<li><a class="story" href="%s">own</a></li>`, at("news.test", "/a/own"))
	for i, h := range hosts {
		fmt.Fprintf(&list, `<li><a class="story" href="%s">%d</a></li>`, at(h, fmt.Sprintf("/secret/%d", i)), i)
	}
	list.WriteString(`</ul></body></html>`)
	s.page("/list", "text/html", []byte(list.String()))
	h := newHealthy(t)
	c := newTestCrawler(t, Options{})
	c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		switch host {
		case "news.test":
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		case "intranet.test":
			return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
		}
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	src := Source{Name: "guarded", Kind: KindPage, URL: at("news.test", "/list"), Links: "a.story", Timeout: 2 * time.Second}
	res, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	if len(res.Articles) != 1 || res.Articles[0].Title != "Own host" {
		t.Errorf("Crawl articles = %v, want only the own-host article", articleIDs(res.Articles))
	}
	if res.Items != len(hosts)+1 {
		t.Errorf("Crawl Items = %d, want %d (every link listed)", res.Items, len(hosts)+1)
	}
	if len(res.Errors) != len(hosts) || !errorsWrap(res.Errors, ErrAddressNotAllowed) {
		t.Errorf("Crawl Errors = %v, want %d errors wrapping ErrAddressNotAllowed", res.Errors, len(hosts))
	}
	if got := s.totalHits("/secret/"); got != 0 {
		t.Errorf("%d requests reached the server through refused links, want 0", got)
	}
	h.check(t, c, "private links")
}
