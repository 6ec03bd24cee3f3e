package crawler

import (
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// TestFeedMaxAgeAndOrder: a cold start over a feed listed newest first,
// with MaxAge and MaxItems: items older than MaxAge are never fetched and
// come back in Result.Expired to be marked seen; the rest are fetched
// oldest first, MaxItems a pass, until the backlog is drained, none
// dropped (RELIABILITY.md: old feed items were all fetched on a cold start).
func TestFeedMaxAgeAndOrder(t *testing.T) {
	s := newSite(t)
	ago := func(d time.Duration) time.Time { return testNow.Add(-d) }
	entries := []entry{
		{link: s.URL("/a/new1"), title: "New one", published: ago(time.Hour)},
		{link: s.URL("/a/undated"), title: "Undated"},
		{link: s.URL("/a/new2"), title: "New two", published: ago(2 * time.Hour)},
		{link: s.URL("/a/new3"), title: "New three", published: ago(3 * time.Hour)},
		{link: s.URL("/a/old1"), guid: "old-1", title: "Old one", published: ago(10 * 24 * time.Hour)},
		{link: s.URL("/a/old2"), title: "Old two", published: ago(30 * 24 * time.Hour)},
	}
	for _, e := range entries {
		s.article(e.link[len(s.URL("")):], e.title, para(e.title))
	}
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entries...)))
	c := newTestCrawler(t, Options{})
	src := Source{Name: "courier", Kind: KindFeed, URL: s.URL("/feed"), MaxAge: 3 * 24 * time.Hour, MaxItems: 2, IgnoreRobots: true}
	mem := newMemSeen()
	titles := func(arts []news.Article) []string {
		var out []string
		for _, a := range arts {
			out = append(out, a.Title)
		}
		return out
	}
	passes := []struct {
		articles []string // in listing order
		expired  int
	}{
		{[]string{"New two", "New three"}, 2},
		{[]string{"New one", "Undated"}, 0},
		{nil, 0},
	}
	for i, want := range passes {
		res, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
		if err != nil {
			t.Fatalf("pass %d: Crawl = %v", i+1, err)
		}
		if got := titles(res.Articles); !slices.Equal(got, want.articles) {
			t.Errorf("pass %d: articles = %q, want %q", i+1, got, want.articles)
		}
		if len(res.Expired) != want.expired {
			t.Errorf("pass %d: %d expired, want %d: %+v", i+1, len(res.Expired), want.expired, res.Expired)
		}
		for _, a := range res.Expired {
			if a.ID != "" || a.Text != "" || len(a.Keys) == 0 || a.Source != "courier" {
				t.Errorf("pass %d: expired %+v, want Source and Keys only", i+1, a)
			}
		}
		mem.record(res.Articles)
		mem.record(res.Expired)
	}
	for _, path := range []string{"/a/old1", "/a/old2"} {
		if n := s.hitsOf(path); n != 0 {
			t.Errorf("hits of %s older than MaxAge = %d, want 0", path, n)
		}
	}
	for _, path := range []string{"/a/new1", "/a/new2", "/a/new3", "/a/undated"} {
		if n := s.hitsOf(path); n != 1 {
			t.Errorf("hits of %s = %d, want 1", path, n)
		}
	}
}
