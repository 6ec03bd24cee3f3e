package crawler

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestArticleErrorNamesItem: every failed article comes back as an
// *ArticleError naming its page (user info dropped) and the keys to mark
// seen to give up on it, while errors.As and errors.Is still reach the
// cause (the metrics and the tests classify by it).
func TestArticleErrorNamesItem(t *testing.T) {
	s := newSite(t)
	withPass := strings.Replace(s.URL(""), "http://", "http://reader:s3cret@", 1)
	s.page("/report.pdf", "application/pdf", []byte("%PDF-1.7 ..."))
	s.set("/down", response{Status: http.StatusServiceUnavailable})
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/missing"), guid: "g-missing", title: "Missing"},
		entry{link: s.URL("/report.pdf"), title: "PDF"},
		entry{link: withPass + "/down", title: "Down"},
	)))
	tests := []struct {
		url    string
		status int // of the *StatusError in the chain; 0 = none
		keys   []string
	}{
		{s.URL("/missing"), http.StatusNotFound, []string{s.URL("/missing"), "guid:f:g-missing"}},
		{s.URL("/report.pdf"), 0, []string{s.URL("/report.pdf")}},
		{s.URL("/down"), http.StatusServiceUnavailable, nil},
	}
	c := newTestCrawler(t, Options{})
	res, st, err := c.Crawl(t.Context(), Source{Name: "f", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	if len(res.Errors) != len(tests) {
		t.Fatalf("Crawl Errors = %v, want %d", res.Errors, len(tests))
	}
	for i, tt := range tests {
		var ae *ArticleError
		if !errors.As(res.Errors[i], &ae) {
			t.Errorf("Crawl Errors[%d] = %T %v, want an *ArticleError", i, res.Errors[i], res.Errors[i])
			continue
		}
		if ae.URL != tt.url {
			t.Errorf("ArticleError(%d).URL = %q, want %q", i, ae.URL, tt.url)
		}
		if tt.keys != nil && !slices.Equal(ae.Keys, tt.keys) {
			t.Errorf("ArticleError(%q).Keys = %q, want %q", ae.URL, ae.Keys, tt.keys)
		}
		if len(ae.Keys) == 0 {
			t.Errorf("ArticleError(%q).Keys empty, want the item's lookup key", ae.URL)
		}
		if strings.Contains(ae.URL, "s3cret") || strings.Contains(ae.Error(), "s3cret") {
			t.Errorf("ArticleError(%q) = %q, leaks the password", ae.URL, ae.Error())
		}
		if ae.Error() != ae.Err.Error() {
			t.Errorf("ArticleError(%q).Error() = %q, want the cause's text %q", ae.URL, ae.Error(), ae.Err.Error())
		}
		var se *StatusError
		if got := errors.As(res.Errors[i], &se); got != (tt.status != 0) || (got && se.Code != tt.status) {
			t.Errorf("errors.As(Errors[%d], *StatusError) = %v %+v, want status %d", i, got, se, tt.status)
		}
	}
	if st.ETag != "" {
		t.Errorf("Crawl.ETag = %q, want none (the feed sends none)", st.ETag)
	}
}

// TestChildSitemapErrorWithholdsValidators: a child sitemap that failed
// is not an article (no *ArticleError) and its items were never listed, so
// the index's validators are withheld and the next pass lists in full.
func TestChildSitemapErrorWithholdsValidators(t *testing.T) {
	s := newSite(t)
	s.article("/a/one", "One", para("One"))
	s.page("/good.xml", "application/xml", []byte(urlset(s.URL("/a/one"))))
	s.set("/index.xml", cacheable("application/xml", `"v1"`, "", []byte(sitemapIndex(s.URL("/good.xml"), s.URL("/gone.xml")))))
	c := newTestCrawler(t, Options{})
	res, st, err := c.Crawl(t.Context(), Source{Name: "sm", Kind: KindSitemap, URL: s.URL("/index.xml")}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("Crawl(index with a missing child) = %d articles, %v; want 1", len(res.Articles), err)
	}
	var ae *ArticleError
	if len(res.Errors) != 1 || errors.As(res.Errors[0], &ae) {
		t.Errorf("Crawl Errors = %v, want one child sitemap error that is not an *ArticleError", res.Errors)
	}
	if st.ETag != "" {
		t.Errorf("Crawl.ETag = %q after a child sitemap failed, want none", st.ETag)
	}
}
