package crawler

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/news"
)

// Hostile sources (RELIABILITY.md items 31, 34 and 35): a listing built to
// make one pass endless, huge, or to claim another site's story.

// TestItem31_LinklessItemsCountAgainstMaxItems: items without link or GUID
// were taken from the listing without limit, so one feed of 240,000 of
// them queued 240,000 alerts in one pass. Every new item counts.
func TestItem31_LinklessItemsCountAgainstMaxItems(t *testing.T) {
	const n, limit = 5000, 50
	entries := make([]entry, n)
	for i := range entries {
		entries[i] = entry{title: fmt.Sprintf("CENTCOM %d", i)}
	}
	s := newSite(t)
	s.set("/feed", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, rssFeed(entries...))
	}})
	c := newTestCrawler(t, Options{})
	seen := newMemSeen()
	src := Source{Name: "flood", Kind: KindFeed, URL: s.URL("/feed"), MaxItems: limit}
	for pass := range 3 {
		res, st, err := c.Crawl(t.Context(), src, firstPass, seen.seen)
		if err != nil {
			t.Fatalf("pass %d: Crawl = %v", pass, err)
		}
		if len(res.Articles) != limit {
			t.Fatalf("pass %d: Crawl took %d linkless items, want max_items = %d", pass, len(res.Articles), limit)
		}
		if want := fmt.Sprintf("CENTCOM %d", pass*limit); res.Articles[0].Title != want {
			t.Errorf("pass %d: first article %q, want %q (listing order, the rest deferred)", pass, res.Articles[0].Title, want)
		}
		if st.ETag != "" {
			t.Errorf("pass %d: ETag %q kept with items deferred; a 304 would hide them", pass, st.ETag)
		}
		seen.record(res.Articles)
	}
}

// TestItem31_BudgetDefersTheRest: a pass has a wall-time budget. Pages
// that answer slowly use it up; what was fetched by then is returned, the
// rest is deferred (neither an article nor an error, so the next pass
// tries it), and the listing's validators are withheld.
func TestItem31_BudgetDefersTheRest(t *testing.T) {
	s := newSite(t)
	var entries []entry
	for i := range 6 {
		path := fmt.Sprintf("/a/%d", i)
		entries = append(entries, entry{link: s.URL(path), title: fmt.Sprintf("Story %d", i)})
		if i < 2 {
			s.article(path, fmt.Sprintf("Story %d", i), para("CENTCOM"))
			continue
		}
		s.set(path, response{Handler: func(w http.ResponseWriter, r *http.Request) {
			select { // a drip that outlasts the budget
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}})
	}
	s.set("/feed", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, rssFeed(entries...))
	}})
	c := newTestCrawler(t, Options{PerHost: 1})
	src := Source{Name: "slow", Kind: KindFeed, URL: s.URL("/feed"), Budget: 700 * time.Millisecond}
	res, st, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl(budget spent on article pages) = %v, want the pass to succeed with what it fetched", err)
	}
	var titles []string
	for _, a := range res.Articles {
		titles = append(titles, a.Title)
	}
	if strings.Join(titles, ",") != "Story 0,Story 1" {
		t.Errorf("Crawl articles = %q, want the two fetched before the budget ran out", titles)
	}
	if len(res.Errors) != 0 {
		t.Errorf("Crawl errors = %v, want none: items cut by the budget are deferred, not failed", res.Errors)
	}
	if st.ETag != "" {
		t.Errorf("ETag %q kept with items deferred", st.ETag)
	}

	// A listing that does not answer within the budget fails the pass and
	// says why.
	s.set("/stuck", response{Handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }})
	_, _, err = c.Crawl(t.Context(), Source{Name: "stuck", Kind: KindFeed, URL: s.URL("/stuck"), Budget: 300 * time.Millisecond}, firstPass, neverSeen)
	if err == nil || !strings.Contains(err.Error(), "pass budget of 300ms spent") {
		t.Errorf("Crawl(listing outlasts the budget) = %v, want an error naming the budget", err)
	}
}

// TestItem34_GiantFieldsCapped: a 3 MB title, a 9 KiB link and a page of
// 2 MB of text are cut when the article is built, so nothing downstream
// (store, API, page, feed, channels) ever holds them.
func TestItem34_GiantFieldsCapped(t *testing.T) {
	s := newSite(t)
	giantTitle := strings.Repeat("CENTCOM ", 3<<17)
	giantLink := s.URL("/long?" + strings.Repeat("x", news.MaxURLBytes+1))
	s.page("/long", "text/html", []byte(articleHTML("Long", "", para("Long"))))
	bigText := strings.Repeat(para("CENTCOM")+" ", (2<<20)/200)
	s.page("/big", "text/html; charset=utf-8", []byte(articleHTML("Big", "", bigText)))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{title: giantTitle, desc: "CENTCOM"},
		entry{link: giantLink, title: "Giant link", desc: "CENTCOM"},
		entry{link: s.URL("/big"), title: "Big"},
	)))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "huge", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Articles) != 3 {
		t.Fatalf("Crawl = %d articles, want 3", len(res.Articles))
	}
	for _, a := range res.Articles {
		if n := utf8.RuneCountInString(a.Title); n > news.MaxTitleRunes {
			t.Errorf("article %.40q: title of %d runes, want at most %d", a.Title, n, news.MaxTitleRunes)
		}
		if len(a.Text) > news.MaxTextBytes {
			t.Errorf("article %.40q: text of %d bytes, want at most %d", a.Title, len(a.Text), news.MaxTextBytes)
		}
		for _, f := range []string{a.ID, a.URL} {
			if len(f) > news.MaxURLBytes {
				t.Errorf("article %.40q: ID or URL of %d bytes, want at most %d", a.Title, len(f), news.MaxURLBytes)
			}
		}
	}
	if got := s.hitsOf("/long"); got != 0 {
		t.Errorf("the 9 KiB link was fetched %d times, want 0: it is no link", got)
	}
	if !strings.HasPrefix(res.Articles[1].ID, "hash:") {
		t.Errorf("item with a giant link has ID %.60q, want the hash of its title and text", res.Articles[1].ID)
	}
	if len(res.Articles[2].Text) < 1<<19 {
		t.Errorf("big page text of %d bytes, want it kept up to the cap", len(res.Articles[2].Text))
	}
}

// TestItem35_ForgedTitleOnAnotherSite: a hostile source lists a real
// site's article under a forged headline to claim its alert first. For a
// page on another site the page's own title wins; for the source's own
// pages the listing's headline still does.
func TestItem35_ForgedTitleOnAnotherSite(t *testing.T) {
	real := newSite(t)
	real.article("/story", "Real headline", para("CENTCOM"))
	hostile := newSite(t)
	hostile.article("/own", "Page title of its own", para("CENTCOM"))
	hostile.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: real.URL("/story"), title: "FORGED: ISIS claims CENTCOM base"},
		entry{link: hostile.URL("/own"), title: "Editor's headline"},
	)))
	// Both sites are on loopback: let the guard pass them so the test is
	// about titles alone.
	c := newTestCrawler(t, Options{AllowAddr: func(netip.Addr) bool { return true }})
	res, _, err := c.Crawl(t.Context(), Source{Name: "hostile", Kind: KindFeed, URL: hostile.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, a := range res.Articles {
		got[a.URL] = a.Title
		if a.Source != "hostile" {
			t.Errorf("article %s claimed by %q, want the source that listed it", a.URL, a.Source)
		}
	}
	for url, want := range map[string]string{real.URL("/story"): "Real headline", hostile.URL("/own"): "Editor's headline"} {
		if got[url] != want {
			t.Errorf("title of %s = %q, want %q", url, got[url], want)
		}
	}
}

// TestItem40_CrawlErrorsMaskCredentials: every crawler error that names a
// URL (they are stored as the source's last error and shown) masks its
// user info and credential parameters, the redirect-loop error included.
func TestItem40_CrawlErrorsMaskCredentials(t *testing.T) {
	s := newSite(t)
	s.redirect("/loop", "/loop?token=S3CRET-LOOP")
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/missing?apikey=S3CRET-ART"), title: "Gone"})))
	c := newTestCrawler(t, Options{})
	_, _, err := c.Crawl(t.Context(), Source{Name: "loop", Kind: KindFeed, URL: s.URL("/loop?token=S3CRET-LOOP")}, firstPass, neverSeen)
	if err == nil || strings.Contains(err.Error(), "S3CRET") {
		t.Errorf("Crawl(redirect loop) = %v, want an error without the token", err)
	}
	res, _, err := c.Crawl(t.Context(), Source{Name: "feed", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil || len(res.Errors) != 1 {
		t.Fatalf("Crawl(feed with a missing page) = %d errors, %v; want 1, nil", len(res.Errors), err)
	}
	if got := res.Errors[0].Error(); strings.Contains(got, "S3CRET") {
		t.Errorf("article error %q shows the API key", got)
	}
}
