package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestCrawlNewsSitemap(t *testing.T) {
	s := newSite(t)
	s.article("/news/1", "Page title", para("The first sitemap story"))
	s.page("/news-sitemap.xml", "application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>`+s.URL("/news/1")+`</loc><lastmod>2024-03-05T12:00:00Z</lastmod>
<news:news><news:publication><news:name>Courier</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2024-03-05T09:30:00+01:00</news:publication_date><news:title>Sitemap title</news:title></news:news></url>
</urlset>`))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "sm", Kind: KindSitemap, URL: s.URL("/news-sitemap.xml")}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("Crawl(news sitemap) = %d articles, %v (errors %v); want 1, nil", len(res.Articles), err, res.Errors)
	}
	a := res.Articles[0]
	if a.Title != "Sitemap title" || !a.Published.Equal(time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("Crawl(news sitemap) = title %q published %v, want the sitemap's title and publication date", a.Title, a.Published)
	}
	if !strings.Contains(a.Text, "The first sitemap story") {
		t.Errorf("Crawl(news sitemap) text lacks the article:\n%s", a.Text)
	}
	checkNoChrome(t, a)
}

// TestCrawlSitemapIndex follows an index (depth 0) to a plain child, a
// .xml.gz child served as application/x-gzip, a broken child (a per-item
// error) and a nested index (depth 1), whose gzip-encoded child (depth 2)
// is read and whose own index child (depth 2) is read but not followed.
func TestCrawlSitemapIndex(t *testing.T) {
	s := newSite(t)
	for _, p := range []string{"/a/1", "/a/2", "/a/3", "/a/4"} {
		s.article(p, "Story "+p, para("Story "+p))
	}
	s.page("/sitemap.xml", "text/xml", []byte(sitemapIndex(s.URL("/sm/plain.xml"), s.URL("/sm/archive.xml.gz"),
		s.URL("/sm/nested.xml"), s.URL("/sm/missing.xml"))))
	s.page("/sm/plain.xml", "application/xml", []byte(urlset(s.URL("/a/1"))))
	s.page("/sm/archive.xml.gz", "application/x-gzip", gzipBytes(t, []byte(urlset(s.URL("/a/2"), s.URL("/a/1")))))
	s.page("/sm/nested.xml", "application/xml", []byte(sitemapIndex(s.URL("/sm/gz-encoded.xml"), s.URL("/sm/too-deep-index.xml"))))
	s.set("/sm/gz-encoded.xml", response{ContentType: "application/xml", Encoding: "gzip", Body: gzipBytes(t, []byte(urlset(s.URL("/a/3"))))})
	s.page("/sm/too-deep-index.xml", "application/xml", []byte(sitemapIndex(s.URL("/sm/too-deep.xml"))))
	s.page("/sm/too-deep.xml", "application/xml", []byte(urlset(s.URL("/a/4"))))

	c := newTestCrawler(t, Options{})
	res, st, err := c.Crawl(t.Context(), Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl(sitemap index) error: %v", err)
	}
	var ids []string
	for _, a := range res.Articles {
		ids = append(ids, strings.TrimPrefix(a.ID, s.URL("")))
	}
	if got, want := strings.Join(ids, " "), "/a/1 /a/2 /a/3"; got != want {
		t.Errorf("Crawl(sitemap index) articles = %s, want %s", got, want)
	}
	if res.Items != 4 {
		t.Errorf("Crawl(sitemap index) Items = %d, want 4 (a/1 listed twice)", res.Items)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "missing.xml: http status 404") {
		t.Errorf("Crawl(sitemap index) Errors = %v, want the missing child's 404", res.Errors)
	}
	if s.hitsOf("/sm/too-deep.xml") != 0 || s.hitsOf("/a/4") != 0 {
		t.Errorf("Crawl(sitemap index) followed an index nested deeper than %d", maxSitemapDepth)
	}
	// Only urlsets read in full are remembered: not the indexes (a 304
	// would hide their children), not the child that failed.
	if got, want := childKeys(st.Children, s.URL("")), "/sm/archive.xml.gz /sm/gz-encoded.xml /sm/plain.xml"; got != want {
		t.Errorf("Crawl(sitemap index) Children = %s, want %s", got, want)
	}
}

func TestCrawlSitemapIndexAllChildrenFail(t *testing.T) {
	s := newSite(t)
	s.page("/sitemap.xml", "text/xml", []byte(sitemapIndex(s.URL("/gone-1.xml"), s.URL("/gone-2.xml"))))
	c := newTestCrawler(t, Options{})
	_, _, err := c.Crawl(t.Context(), Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}, firstPass, neverSeen)
	if err == nil || !strings.Contains(err.Error(), "every child sitemap failed") {
		t.Errorf("Crawl(index of broken children) error = %v, want \"every child sitemap failed\"", err)
	}
}

func TestCrawlSitemapChildLimit(t *testing.T) {
	s := newSite(t)
	var children []string
	for i := range maxSitemapChildren + 5 {
		p := fmt.Sprintf("/sm/%d.xml", i)
		s.page(p, "application/xml", []byte(urlset()))
		children = append(children, s.URL(p))
	}
	s.page("/sitemap.xml", "text/xml", []byte(sitemapIndex(children...)))
	c := newTestCrawler(t, Options{})
	if _, _, err := c.Crawl(t.Context(), Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}, firstPass, neverSeen); err != nil {
		t.Fatalf("Crawl(big index) error: %v", err)
	}
	if got := s.totalHits("/sm/"); got != maxSitemapChildren {
		t.Errorf("Crawl(big index) fetched %d children, want %d", got, maxSitemapChildren)
	}
}

// TestCrawlGzipBomb serves small gzip bodies that expand far past the cap,
// as a .xml.gz sitemap and as a Content-Encoding: gzip feed: the source
// fails with the cap error, after reading only up to the cap.
func TestCrawlGzipBomb(t *testing.T) {
	bomb := gzipBytes(t, bytes.Repeat([]byte("<"), 32<<20))
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes compressed; want a small one", len(bomb))
	}
	s := newSite(t)
	s.page("/sitemap.xml.gz", "application/octet-stream", bomb)
	s.set("/feed", response{ContentType: "application/rss+xml", Encoding: "gzip", Body: bomb})
	tests := []struct {
		src  Source
		opts Options
		want string
	}{
		{Source{Name: "sm", Kind: KindSitemap, URL: s.URL("/sitemap.xml.gz")}, Options{}, "body exceeds 10 MiB"},
		{Source{Name: "feed", Kind: KindFeed, URL: s.URL("/feed")}, Options{MaxBodyBytes: 1 << 20}, "body exceeds 1 MiB"},
	}
	for _, tt := range tests {
		c := newTestCrawler(t, tt.opts)
		_, _, err := c.Crawl(t.Context(), tt.src, firstPass, neverSeen)
		if !errors.Is(err, ErrBodyTooLarge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Crawl(%s bomb) error = %v, want %q", tt.src.Name, err, tt.want)
		}
	}
}

// TestCrawlFetchCap: a first pass over a big sitemap fetches at most
// DefaultMaxItems pages; the rest are not lost but fetched next pass.
func TestCrawlFetchCap(t *testing.T) {
	s := newSite(t)
	var urls []string
	for i := range DefaultMaxItems + 3 {
		p := fmt.Sprintf("/a/%d", i)
		s.article(p, "Story", para(fmt.Sprintf("Story number %d", i)))
		urls = append(urls, s.URL(p))
	}
	s.page("/sitemap.xml", "application/xml", []byte(urlset(urls...)))
	c := newTestCrawler(t, Options{})
	src := Source{Name: "big", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	mem := newMemSeen()
	first, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
	if err != nil || len(first.Articles) != DefaultMaxItems || first.Items != DefaultMaxItems+3 {
		t.Fatalf("first Crawl = %d articles of %d items, %v; want %d of %d", len(first.Articles), first.Items, err, DefaultMaxItems, DefaultMaxItems+3)
	}
	mem.record(first.Articles)
	second, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
	if err != nil || len(second.Articles) != 3 {
		t.Fatalf("second Crawl = %d articles, %v; want the 3 deferred", len(second.Articles), err)
	}
	if got := s.totalHits("/a/"); got != DefaultMaxItems+3 {
		t.Errorf("%d article requests over two passes, want %d (each page once)", got, DefaultMaxItems+3)
	}
}
