package crawler

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestParseFeedLinks(t *testing.T) {
	page := mustParse(t, "https://courier.example/news/")
	tests := []struct {
		name, html string
		want       []string
	}{
		{"rss and atom in order", `<html><head>
<link rel="alternate" type="application/rss+xml" href="/rss.xml">
<link rel="alternate" type="application/atom+xml" href="https://courier.example/atom">
<link rel="stylesheet" href="/s.css"></head></html>`, []string{"https://courier.example/rss.xml", "https://courier.example/atom"}},
		{"relative to base", `<head><base href="https://cdn.example/x/"><link rel="alternate" type="application/feed+json" href="feed.json"></head>`,
			[]string{"https://cdn.example/x/feed.json"}},
		{"rel list and case", `<link rel="Alternate home" type="Application/RSS+XML; charset=utf-8" href="f">`, []string{"https://courier.example/news/f"}},
		{"duplicates once", `<link rel=alternate type=application/rss+xml href=/f><link rel=alternate type=application/rss+xml href=https://courier.example/f>`,
			[]string{"https://courier.example/f"}},
		{"not feeds", `<link rel="alternate" hreflang="fr" href="/fr/"><link rel="alternate" type="text/html" href="/m"><a rel="alternate" type="application/rss+xml" href="/a">`, nil},
		{"no http", `<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" type="application/rss+xml" href="ftp://x/f">`, nil},
	}
	for _, tt := range tests {
		got, err := parseFeedLinks([]byte(tt.html), "text/html", page)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseFeedLinks(%s) = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func FuzzParseFeedLinks(f *testing.F) {
	f.Add(`<link rel="alternate" type="application/rss+xml" href="/rss">`)
	f.Add(`<base href="//x"><link rel=alternate type=application/atom+xml href="?a#b">`)
	f.Add("<link rel=alternate type=application/feed+json href='\x00'>")
	page := mustParse(f, "https://courier.example/")
	f.Fuzz(func(t *testing.T, doc string) {
		feeds, err := parseFeedLinks([]byte(doc), "text/html", page)
		if err != nil {
			return
		}
		for _, u := range feeds {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				t.Errorf("parseFeedLinks(%q) gave %q, want only http(s) URLs", doc, u)
			}
		}
	})
}

// TestCrawlSite: a `url:` source crawls the first feed its page names and
// returns it; the next crawl goes straight to that feed; when the feed
// fails, the page is read again and the new feed used.
func TestCrawlSite(t *testing.T) {
	s := newSite(t)
	s.article("/a/1", "One", para("One"))
	s.page("/", "text/html", []byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/feed-a"></head><body>home</body></html>`))
	s.page("/feed-a", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a/1"), title: "One"})))
	c := newTestCrawler(t, Options{})
	src := Source{Name: "c", Kind: KindSite, URL: s.URL("/")}

	feeds, err := c.Discover(t.Context(), src)
	if err != nil || !slices.Equal(feeds, []string{s.URL("/feed-a")}) {
		t.Fatalf("Discover = %q, %v; want [%s]", feeds, err, s.URL("/feed-a"))
	}
	res, st, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 || st.Feed != s.URL("/feed-a") {
		t.Fatalf("Crawl(site) = %d articles, feed %q, %v; want 1 via /feed-a", len(res.Articles), st.Feed, err)
	}
	if _, _, err := c.Crawl(t.Context(), src, st, neverSeen); err != nil {
		t.Fatal(err)
	}
	if got := s.hitsOf("/"); got != 2 {
		t.Errorf("page read %d times (Discover, first Crawl), want 2: the second Crawl uses the known feed", got)
	}
	s.set("/feed-a", response{Status: http.StatusGone})
	s.page("/", "text/html", []byte(`<link rel="alternate" type="application/atom+xml" href="/feed-b">`))
	s.page("/feed-b", "application/atom+xml", []byte(atomFeed(entry{link: s.URL("/a/1"), guid: "1", title: "One", published: testNow})))
	res, st, err = c.Crawl(t.Context(), src, st, neverSeen)
	if err != nil || st.Feed != s.URL("/feed-b") || len(res.Articles) != 1 {
		t.Errorf("Crawl(site, feed gone) = feed %q, %d articles, %v; want rediscovered /feed-b", st.Feed, len(res.Articles), err)
	}

	s.page("/", "text/html", []byte(`<html><body>no feeds here</body></html>`))
	if _, err := c.Discover(t.Context(), src); err == nil || !strings.Contains(err.Error(), "no <link") {
		t.Errorf("Discover(page without feeds) error = %v, want one naming the missing link", err)
	}
}
