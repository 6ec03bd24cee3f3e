package crawler

import (
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// entry is one item of a feed built for a test.
type entry struct {
	link, guid, title, desc string
	published               time.Time
}

func rssFeed(entries ...entry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Courier</title><link>https://courier.example/</link><description>d</description>`)
	for _, e := range entries {
		b.WriteString("<item>")
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(e.title))
		if e.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", html.EscapeString(e.link))
		}
		if e.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, html.EscapeString(e.guid))
		}
		if e.desc != "" {
			fmt.Fprintf(&b, "<description>%s</description>", html.EscapeString(e.desc))
		}
		if !e.published.IsZero() {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", e.published.Format(time.RFC1123Z))
		}
		b.WriteString("</item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

func atomFeed(entries ...entry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Courier</title><id>urn:x</id><updated>2024-03-05T00:00:00Z</updated>`)
	for _, e := range entries {
		fmt.Fprintf(&b, `<entry><title>%s</title><link rel="alternate" href="%s"/><id>%s</id><published>%s</published><updated>%s</updated></entry>`,
			html.EscapeString(e.title), html.EscapeString(e.link), html.EscapeString(e.guid),
			e.published.Format(time.RFC3339), e.published.Format(time.RFC3339))
	}
	b.WriteString("</feed>")
	return b.String()
}

func rdfFeed(entries ...entry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="x"><title>Courier</title><link>https://courier.example/</link><description>d</description></channel>`)
	for _, e := range entries {
		fmt.Fprintf(&b, `<item rdf:about="%[1]s"><title>%[2]s</title><link>%[1]s</link><dc:date>%[3]s</dc:date></item>`,
			html.EscapeString(e.link), html.EscapeString(e.title), e.published.Format(time.RFC3339))
	}
	b.WriteString("</rdf:RDF>")
	return b.String()
}

func jsonFeed(entries ...entry) string {
	type jitem struct {
		ID            string `json:"id"`
		URL           string `json:"url,omitempty"`
		Title         string `json:"title"`
		DatePublished string `json:"date_published"`
	}
	f := struct {
		Version string  `json:"version"`
		Title   string  `json:"title"`
		Items   []jitem `json:"items"`
	}{Version: "https://jsonfeed.org/version/1.1", Title: "Courier"}
	for _, e := range entries {
		f.Items = append(f.Items, jitem{e.guid, e.link, e.title, e.published.Format(time.RFC3339)})
	}
	b, _ := json.Marshal(f)
	return string(b)
}

func checkNoChrome(t *testing.T, a news.Article) {
	t.Helper()
	for _, w := range chromeWords {
		if strings.Contains(a.Text, w) {
			t.Errorf("article %s: Text contains page chrome %q:\n%s", a.ID, w, a.Text)
		}
	}
}

// TestCrawlFeedKinds crawls the same two articles through every feed format,
// then crawls again with the keys the first pass returned recorded as seen:
// the second pass must fetch the feed and no article page.
func TestCrawlFeedKinds(t *testing.T) {
	pub := time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)
	tests := []struct {
		name, contentType string
		render            func(...entry) string
	}{
		{"rss2", "application/rss+xml", rssFeed},
		{"atom", "application/atom+xml; charset=utf-8", atomFeed},
		{"rdf", "application/rdf+xml", rdfFeed},
		{"jsonfeed", "application/feed+json", jsonFeed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			s.article("/world/raid", "Raid in al Hol", para("A raid on the al Hol camp"))
			s.article("/world/strike", "Port strike", para("The port strike"))
			s.page("/feed", tt.contentType, []byte(tt.render(
				entry{link: s.URL("/world/raid?utm_source=feed"), guid: "c-1", title: "Raid in al Hol", published: pub},
				entry{link: s.URL("/world/strike#top"), guid: "c-2", title: "Port strike", published: pub.Add(time.Hour)},
			)))
			c := newTestCrawler(t, Options{})
			src := Source{Name: "courier", Kind: KindFeed, URL: s.URL("/feed")}
			mem := newMemSeen()
			res, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
			if err != nil {
				t.Fatalf("Crawl(%s) error: %v", tt.name, err)
			}
			if res.Items != 2 || len(res.Articles) != 2 || len(res.Errors) != 0 {
				t.Fatalf("Crawl(%s) = %d items, %d articles, errors %v; want 2, 2, none", tt.name, res.Items, len(res.Articles), res.Errors)
			}
			raid := res.Articles[0]
			if want := s.URL("/world/raid"); raid.ID != want || raid.URL != want || raid.Keys[0] != want {
				t.Errorf("Crawl(%s) raid ID %q URL %q Keys %q, want %q first", tt.name, raid.ID, raid.URL, raid.Keys, want)
			}
			if raid.Source != "courier" || raid.Title != "Raid in al Hol" || !raid.Published.Equal(pub) || !raid.Found.Equal(testNow) {
				t.Errorf("Crawl(%s) raid = source %q title %q published %v found %v", tt.name, raid.Source, raid.Title, raid.Published, raid.Found)
			}
			if !strings.Contains(raid.Text, "A raid on the al Hol camp was reported on Tuesday") {
				t.Errorf("Crawl(%s) raid text lacks the article paragraph:\n%s", tt.name, raid.Text)
			}
			for _, a := range res.Articles {
				checkNoChrome(t, a)
			}
			if s.hitsOf("/world/raid") != 1 || s.hitsOf("/world/strike") != 1 {
				t.Errorf("Crawl(%s): article pages fetched %d and %d times, want once each",
					tt.name, s.hitsOf("/world/raid"), s.hitsOf("/world/strike"))
			}

			mem.record(res.Articles)
			again, _, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
			if err != nil {
				t.Fatalf("second Crawl(%s) error: %v", tt.name, err)
			}
			if len(again.Articles) != 0 || again.Items != 2 {
				t.Errorf("second Crawl(%s) = %d articles of %d items, want 0 of 2", tt.name, len(again.Articles), again.Items)
			}
			if got := s.totalHits("/world/"); got != 2 {
				t.Errorf("after second Crawl(%s): %d article requests in all, want 2 (none by the second pass)", tt.name, got)
			}
			if got := s.hitsOf("/feed"); got != 2 {
				t.Errorf("after second Crawl(%s): feed fetched %d times, want 2 (no collector may skip a revisit)", tt.name, got)
			}
		})
	}
}

// TestCrawlSeenEverything: a seen func that knows everything means no
// article page is requested at all.
func TestCrawlSeenEverything(t *testing.T) {
	s := newSite(t)
	s.article("/a/1", "One", para("One"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a/1"), title: "One"}, entry{guid: "g", title: "Brief", desc: "text"})))
	c := newTestCrawler(t, Options{})
	var asked []string
	res, _, err := c.Crawl(t.Context(), Source{Name: "s", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, func(key string) (bool, error) {
		asked = append(asked, key)
		return true, nil
	})
	if err != nil || len(res.Articles) != 0 || res.Items != 2 {
		t.Fatalf("Crawl(all seen) = %d articles of %d items, %v; want 0 of 2, nil", len(res.Articles), res.Items, err)
	}
	if got := s.hitsOf("/a/1"); got != 0 {
		t.Errorf("Crawl(all seen) fetched the article page %d times, want 0", got)
	}
	if want := []string{s.URL("/a/1"), "guid:s:g"}; !slices.Equal(asked, want) {
		t.Errorf("Crawl(all seen) asked seen(%q), want %q", asked, want)
	}
}

func TestCrawlListingPage(t *testing.T) {
	s := newSite(t)
	s.article("/world/1", "First", para("The first story"))
	s.article("/world/2", "Second", para("The second story"))
	s.page("/world", "text/html; charset=utf-8", []byte(`<html><body>
<nav><a href="/sport">Sport</a></nav>
<div class="teaser"><h2><a href="/world/1?utm_source=front">First</a></h2></div>
<div class="teaser"><h2><a href="world/2">Second</a></h2><a href="/world/1#comments">comments</a></div>
<div class="teaser"><h2><a href="/world/1">First again</a></h2></div>
</body></html>`))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "front", Kind: KindPage, URL: s.URL("/world"), Links: ".teaser h2"}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl(page) error: %v", err)
	}
	if res.Items != 2 || len(res.Articles) != 2 {
		t.Fatalf("Crawl(page) = %d articles of %d items, want 2 of 2; errors %v", len(res.Articles), res.Items, res.Errors)
	}
	if res.Articles[0].ID != s.URL("/world/1") || res.Articles[1].ID != s.URL("/world/2") {
		t.Errorf("Crawl(page) IDs = %q, %q; want /world/1, /world/2", res.Articles[0].ID, res.Articles[1].ID)
	}
	if res.Articles[0].Title != "First" {
		t.Errorf("Crawl(page) title = %q, want the page's own %q", res.Articles[0].Title, "First")
	}
	if s.hitsOf("/sport") != 0 {
		t.Errorf("Crawl(page) followed a link the selector does not match")
	}
}

// TestCrawlIdentity: duplicated GUIDs with different links stay distinct;
// two links to one rel=canonical merge into one article carrying both
// keys; an item without a link becomes an article from its description
// without any fetch.
func TestCrawlIdentity(t *testing.T) {
	s := newSite(t)
	canon := `<link rel="canonical" href="` + s.URL("/story/canonical") + `">`
	s.page("/story/a", "text/html", []byte(articleHTML("A", canon, para("The merged story"))))
	s.page("/story/b", "text/html", []byte(articleHTML("B", canon, para("The merged story"))))
	s.article("/story/c", "C", para("Another story"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/story/a"), guid: "dup", title: "A"},
		entry{link: s.URL("/story/b"), guid: "dup", title: "B"},
		entry{link: s.URL("/story/c"), guid: "dup", title: "C"},
		entry{guid: "brief-1", title: "Brief", desc: "<p>Ministers met in <b>Geneva</b>.</p>"},
		entry{title: "Bulletin", desc: "No link, no guid."},
	)))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "s", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	var ids []string
	for _, a := range res.Articles {
		ids = append(ids, a.ID)
	}
	want := []string{s.URL("/story/canonical"), s.URL("/story/c"), "guid:s:brief-1", ids[len(ids)-1]}
	if !slices.Equal(ids, want) || !strings.HasPrefix(want[3], "hash:") {
		t.Fatalf("Crawl IDs = %q, want %q with a hash: last", ids, want)
	}
	merged := res.Articles[0]
	wantKeys := []string{s.URL("/story/a"), s.URL("/story/canonical"), "guid:s:dup", s.URL("/story/b")}
	if !slices.Equal(merged.Keys, wantKeys) {
		t.Errorf("merged article Keys = %q, want %q", merged.Keys, wantKeys)
	}
	brief := res.Articles[2]
	if brief.Text != "Ministers met in Geneva." || brief.Title != "Brief" || brief.URL != "" {
		t.Errorf("linkless article = title %q text %q url %q, want the feed's title and text, no URL", brief.Title, brief.Text, brief.URL)
	}
	if got := s.totalHits("/story/"); got != 3 {
		t.Errorf("Crawl fetched %d article pages, want 3", got)
	}
}
