package crawler

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/newshound/newshound/news"
)

// This file and the other crawl_hardened*_test.go files cover the "bad
// input from the web" list of RELIABILITY.md (items 23–29)
// through a real httptest server and Crawl. What crawl_faults_test.go,
// crawl_guard_test.go, crawl_charset_test.go and crawl_sitemap_test.go
// already cover is not repeated here; each test below also crawls a
// healthy source with the same Crawler, to show one source's bad input
// stays that source's problem.

// healthy is a well-behaved source on its own server.
type healthy struct {
	s   *site
	src Source
}

func newHealthy(t *testing.T) healthy {
	t.Helper()
	s := newSite(t)
	s.article("/ok/1", "Healthy", para("The healthy story"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/ok/1"), title: "Healthy"})))
	return healthy{s: s, src: Source{Name: "healthy", Kind: KindFeed, URL: s.URL("/feed")}}
}

// check crawls the healthy source with c and fails the test unless it
// yields its one article.
func (h healthy) check(t *testing.T, c *Crawler, after string) {
	t.Helper()
	res, _, err := c.Crawl(t.Context(), h.src, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 || len(res.Errors) != 0 || !strings.Contains(res.Articles[0].Text, "The healthy story") {
		t.Errorf("Crawl(healthy) after %s = %d articles, %v, errors %v; want its one article", after, len(res.Articles), err, res.Errors)
	}
}

// TestCrawlHardenedXML (item 23): truncated XML fails the source with a
// parse error. An illegal control character or an undeclared entity fails
// a sitemap (encoding/xml is strict, and a sitemap has no item-level
// recovery), while a feed reads past them (gofeed's leniency, kept on
// purpose: see TestParseFeedTolerates) and its item is crawled with a
// clean title.
func TestCrawlHardenedXML(t *testing.T) {
	s := newSite(t)
	s.article("/a/1", "Story", para("The story"))
	rss := rssFeed(entry{link: s.URL("/a/1"), title: "Security Council"})
	sm := urlset(s.URL("/a/1"))
	s.page("/feed/control", "application/rss+xml", []byte(strings.Replace(rss, "Security", "Secu\x01\x0Brity", 1)))
	s.page("/feed/entity", "application/rss+xml", []byte(strings.Replace(rss, "Security", "Security&nbsp;&bogus;", 1)))
	s.page("/feed/truncated", "application/rss+xml", []byte(rss[:strings.Index(rss, "<item>")+20]))
	s.page("/sm/control", "application/xml", []byte(strings.Replace(sm, "<loc>", "<loc>\x01", 1)))
	s.page("/sm/entity", "application/xml", []byte(strings.Replace(sm, "</url>", "<x>&nbsp;</x></url>", 1)))
	s.page("/sm/truncated", "application/xml", []byte(sm[:len(sm)-12]))
	tests := []struct {
		name, path, kind string
		wantErr          string // "" = the source succeeds with the article
		wantTitle        string
	}{
		{"feed control characters", "/feed/control", KindFeed, "", "Security Council"},
		{"feed undeclared entity", "/feed/entity", KindFeed, "", "Security &bogus; Council"},
		{"feed truncated", "/feed/truncated", KindFeed, "crawl x: parse feed: ", ""},
		{"sitemap control character", "/sm/control", KindSitemap, "crawl x: parse sitemap: ", ""},
		{"sitemap undeclared entity", "/sm/entity", KindSitemap, "crawl x: parse sitemap: ", ""},
		{"sitemap truncated", "/sm/truncated", KindSitemap, "crawl x: parse sitemap: ", ""},
	}
	h := newHealthy(t)
	c := newTestCrawler(t, Options{})
	for _, tt := range tests {
		res, _, err := c.Crawl(t.Context(), Source{Name: "x", Kind: tt.kind, URL: s.URL(tt.path)}, firstPass, neverSeen)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Errorf("Crawl(%s) = %d articles, error %v; want an error starting %q", tt.name, len(res.Articles), err, tt.wantErr)
			}
		case err != nil || len(res.Articles) != 1:
			t.Errorf("Crawl(%s) = %d articles, error %v, errors %v; want the one article", tt.name, len(res.Articles), err, res.Errors)
		case res.Articles[0].Title != tt.wantTitle:
			t.Errorf("Crawl(%s) title = %q, want %q", tt.name, res.Articles[0].Title, tt.wantTitle)
		}
		h.check(t, c, tt.name)
	}
}

// TestCrawlHardenedInvalidUTF8 (item 25): a page and a feed that declare
// UTF-8 but carry invalid bytes (a lone continuation byte, a truncated
// sequence, 0xFF) are read with U+FFFD in their place; the words around
// them survive.
func TestCrawlHardenedInvalidUTF8(t *testing.T) {
	s := newSite(t)
	bad := "Caf\xe9 \x80 \xe2\x82 \xff"
	page := strings.Replace(articleHTML("Ministers", "", para("The ministers met in Geneva "+"MARKER")), "MARKER", bad+" and agreed", 1)
	s.page("/a/1", "text/html; charset=utf-8", []byte(page))
	s.page("/feed", "application/rss+xml; charset=utf-8", []byte(strings.Replace(
		rssFeed(entry{link: s.URL("/a/1"), title: "Talks TITLE resume"}), "TITLE", bad, 1)))
	h := newHealthy(t)
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "u", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("Crawl(invalid UTF-8) = %d articles, %v, errors %v; want 1", len(res.Articles), err, res.Errors)
	}
	a := res.Articles[0]
	for field, v := range map[string]string{"Title": a.Title, "Text": a.Text} {
		if !isValidUTF8(v) || !strings.ContainsRune(v, '\uFFFD') {
			t.Errorf("article %s = %q, want valid UTF-8 with U+FFFD for the bad bytes", field, v)
		}
	}
	if !strings.HasPrefix(a.Title, "Talks") || !strings.HasSuffix(a.Title, "resume") {
		t.Errorf("article Title = %q, want the words around the bad bytes kept", a.Title)
	}
	if !strings.Contains(a.Text, "The ministers met in Geneva") || !strings.Contains(a.Text, "and agreed") {
		t.Errorf("article Text = %q, want the words around the bad bytes kept", a.Text)
	}
	h.check(t, c, "invalid UTF-8")
}

// TestCrawlHardenedGUIDs (item 26) adds to TestCrawlIdentity: an item
// repeated verbatim is fetched and returned once; items without GUIDs are
// each crawled (none swallowed); and on the next pass a GUID that changed
// while the link stayed (an unstable GUID) brings no new article, so it
// cannot alert twice.
func TestCrawlHardenedGUIDs(t *testing.T) {
	s := newSite(t)
	for _, p := range []string{"/a/1", "/a/2", "/a/3"} {
		s.article(p, "Story "+p, para("The story at "+p))
	}
	first := rssFeed(
		entry{link: s.URL("/a/1"), guid: "g1", title: "One"},
		entry{link: s.URL("/a/1"), guid: "g1", title: "One"},
		entry{link: s.URL("/a/2"), title: "Two"},
		entry{link: s.URL("/a/3"), title: "Three"},
		entry{title: "Brief", desc: "A brief without link or guid."},
		entry{title: "Brief", desc: "A brief without link or guid."},
	)
	s.page("/feed", "application/rss+xml", []byte(first))
	h := newHealthy(t)
	c := newTestCrawler(t, Options{})
	src := Source{Name: "g", Kind: KindFeed, URL: s.URL("/feed")}
	mem := newMemSeen()
	res, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	if got, want := articleIDs(res.Articles), []string{s.URL("/a/1"), s.URL("/a/2"), s.URL("/a/3")}; len(got) != 4 || strings.Join(got[:3], " ") != strings.Join(want, " ") || !strings.HasPrefix(got[3], "hash:") {
		t.Fatalf("Crawl IDs = %q, want %q and one hash: brief", got, want)
	}
	if got := s.hitsOf("/a/1"); got != 1 {
		t.Errorf("repeated item fetched %d times, want 1", got)
	}
	mem.record(res.Articles)
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/a/1"), guid: "g1-changed", title: "One"},
		entry{link: s.URL("/a/2"), guid: "new-guid", title: "Two"},
		entry{title: "Brief", desc: "A brief without link or guid."},
	)))
	again, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
	if err != nil || len(again.Articles) != 0 {
		t.Errorf("second Crawl (GUIDs changed, links same) = %q, %v; want no new article", articleIDs(again.Articles), err)
	}
	if got := s.totalHits("/a/"); got != 3 {
		t.Errorf("%d article fetches over two passes, want 3", got)
	}
	h.check(t, c, "duplicate GUIDs")
}

func articleIDs(arts []news.Article) []string {
	ids := make([]string, len(arts))
	for i, a := range arts {
		ids[i] = a.ID
	}
	return ids
}

// errorsWrap reports whether every error wraps target.
func errorsWrap(errs []error, target error) bool {
	for _, e := range errs {
		if !errors.Is(e, target) {
			return false
		}
	}
	return len(errs) > 0
}

// TestCrawlHardenedRedirectLoops (item 28) adds to TestCrawlRedirects a
// page that redirects to itself and a loop between two sites, as article
// links and as the source itself: each stops with a redirect error of its
// own, and the next source is crawled normally.
func TestCrawlHardenedRedirectLoops(t *testing.T) {
	a, b := newSite(t), newSite(t)
	a.redirect("/self", "/self")
	a.redirect("/ping", b.URL("/pong"))
	b.redirect("/pong", a.URL("/ping"))
	a.article("/fine", "Fine", para("The fine story"))
	a.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: a.URL("/self"), title: "Self"},
		entry{link: a.URL("/ping"), title: "Ping"},
		entry{link: a.URL("/fine"), title: "Fine"},
	)))
	h := newHealthy(t)
	// Both sites stand for public hosts: the loop crosses from one to the
	// other, which the address guard would refuse between two loopback
	// ports (RELIABILITY.md item 36).
	c := newTestCrawler(t, Options{AllowAddr: func(netip.Addr) bool { return true }})
	res, _, err := c.Crawl(t.Context(), Source{Name: "loops", Kind: KindFeed, URL: a.URL("/feed")}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 || res.Articles[0].Title != "Fine" {
		t.Fatalf("Crawl(feed of redirect loops) = %d articles, %v; want only the fine one", len(res.Articles), err)
	}
	if len(res.Errors) != 2 {
		t.Fatalf("Crawl(feed of redirect loops) Errors = %v, want 2", res.Errors)
	}
	for _, e := range res.Errors {
		if !strings.Contains(e.Error(), "redirect loop at ") {
			t.Errorf("Crawl(feed of redirect loops) error %q, want a redirect error", e)
		}
	}
	h.check(t, c, "redirect loops in articles")
	for _, u := range []string{a.URL("/self"), a.URL("/ping")} {
		_, _, err := c.Crawl(t.Context(), Source{Name: "loop", Kind: KindFeed, URL: u}, firstPass, neverSeen)
		if err == nil || !strings.HasPrefix(err.Error(), "crawl loop: ") || !strings.Contains(err.Error(), "redirect loop at ") {
			t.Errorf("Crawl(source %s) error = %v, want a redirect error of source loop", u, err)
		}
		h.check(t, c, "redirect loop as the source")
	}
	if got := a.hitsOf("/ping") + b.hitsOf("/pong"); got > 2*(DefaultMaxRedirects+1) {
		t.Errorf("the cross-site loop took %d requests over two crawls, want at most %d", got, 2*(DefaultMaxRedirects+1))
	}
}
