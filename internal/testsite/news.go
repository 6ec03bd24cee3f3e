package testsite

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

// Item is one story in a feed or sitemap.
type Item struct {
	Path      string
	Title     string
	Published time.Time
}

// Link is one entry of a listing page.
type Link struct {
	Href string // as written in the page (relative, with a query…)
	Text string
}

// The paths of the live listings NewNews serves.
const (
	FeedPath    = "/rss.xml"          // RSS, UTF-8
	ListingPath = "/world/"           // HTML listing, headlines in h2.headline
	SitemapPath = "/news-sitemap.xml" // news sitemap
	ArabicPath  = "/ar/rss.xml"       // RSS in windows-1256, declared only in the XML prolog
)

// newsState is what the live listings list.
type newsState struct {
	feed    []Item // newest first
	listing []string
	sitemap []Item
	arabic  []Item
}

// NewNews starts a site that serves the live listings at FeedPath,
// ListingPath, SitemapPath and ArabicPath (empty until published to) and
// closes at the end of the test. Stories are added with AddStory.
func NewNews(t testing.TB) *Site {
	t.Helper()
	s := New(t)
	s.mu.Lock()
	s.news = &newsState{}
	s.mu.Unlock()
	s.Handle(FeedPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, RSS(s.URL(""), "Wire", "utf-8", s.snapshot(func(n *newsState) []Item { return n.feed })))
	})
	s.Handle(ListingPath, func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		var links []Link
		for _, h := range s.newsState().listing {
			links = append(links, Link{Href: h, Text: "Story"})
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, ListingPage("World", links))
	})
	s.Handle(SitemapPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, NewsSitemap(s.URL(""), s.snapshot(func(n *newsState) []Item { return n.sitemap })))
	})
	s.Handle(ArabicPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(Windows1256(RSS(s.URL(""), "Wire", "windows-1256", s.snapshot(func(n *newsState) []Item { return n.arabic }))))
	})
	return s
}

func (s *Site) snapshot(f func(*newsState) []Item) []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Item(nil), f(s.newsState())...)
}

// newsState needs s.mu held.
func (s *Site) newsState() *newsState {
	if s.news == nil {
		panic("testsite: live listings need a site made by NewNews")
	}
	return s.news
}

func (s *Site) update(f func(*newsState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.newsState())
}

// SetFeed replaces the RSS feed's items (newest first).
func (s *Site) SetFeed(items []Item) { s.update(func(n *newsState) { n.feed = items }) }

// AddToFeed puts it at the top of the RSS feed.
func (s *Site) AddToFeed(it Item) {
	s.update(func(n *newsState) { n.feed = append([]Item{it}, n.feed...) })
}

// SetListing replaces the listing page's links.
func (s *Site) SetListing(hrefs []string) { s.update(func(n *newsState) { n.listing = hrefs }) }

// AddToListing appends a link to the listing page.
func (s *Site) AddToListing(href string) {
	s.update(func(n *newsState) { n.listing = append(n.listing, href) })
}

// SetSitemap replaces the news sitemap's items.
func (s *Site) SetSitemap(items []Item) { s.update(func(n *newsState) { n.sitemap = items }) }

// SetArabic replaces the windows-1256 feed's items.
func (s *Site) SetArabic(items []Item) { s.update(func(n *newsState) { n.arabic = items }) }

// AddStory publishes a story page in the ExampleNews chrome; it is listed
// nowhere until added to a listing. A path under /ar/ is served in
// windows-1256 declared only in its <meta>, any other in UTF-8 declared
// in the Content-Type too.
func (s *Site) AddStory(path, title, bodyHTML string) {
	if strings.HasPrefix(path, "/ar/") {
		s.Page(path, "text/html", Windows1256(NewsPage(ExampleNews, title, bodyHTML, "windows-1256")))
		return
	}
	s.Page(path, "text/html; charset=utf-8", []byte(NewsPage(ExampleNews, title, bodyHTML, "utf-8")))
}

// Windows1256 encodes s in windows-1256; it panics on a rune the code
// page lacks (a broken test).
func Windows1256(s string) []byte {
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("encode windows-1256: %v", err))
	}
	return b
}

// RSS renders an RSS 2.0 feed titled title, declared in encoding, whose
// items link to base+Path (link and guid).
func RSS(base, title, encoding string, items []Item) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="%s"?>
<rss version="2.0"><channel><title>%s</title><link>%s/</link><description>%s</description>
`, encoding, title, base, title)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>\n",
			html.EscapeString(it.Title), base+it.Path, base+it.Path, it.Published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// ListingPage renders a section page titled title whose headlines
// (h2.headline) are links, between navigation and a footer.
func ListingPage(title string, links []Link) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<!doctype html><html><head><title>%s</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav><main>`, title)
	for _, l := range links {
		fmt.Fprintf(&b, "<article><h2 class=\"headline\"><a href=\"%s\">%s</a></h2></article>\n", html.EscapeString(l.Href), html.EscapeString(l.Text))
	}
	b.WriteString(`</main><footer><a href="/contact">Contact</a></footer></body></html>`)
	return b.String()
}

// NewsSitemap renders a Google news sitemap of items at base+Path.
func NewsSitemap(base string, items []Item) string {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
`)
	for _, it := range items {
		fmt.Fprintf(&b, `<url><loc>%s</loc><news:news><news:publication><news:name>Desk</news:name><news:language>en</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>
`, base+it.Path, it.Published.UTC().Format(time.RFC3339), html.EscapeString(it.Title))
	}
	b.WriteString("</urlset>\n")
	return b.String()
}

// URLSet renders a sitemap listing locs (absolute URLs), the news
// namespace declared.
func URLSet(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<url><loc>%s</loc></url>", l)
	}
	b.WriteString("</urlset>")
	return b.String()
}

// SitemapIndex renders a sitemap index of the children at locs, undated.
func SitemapIndex(locs ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, l := range locs {
		fmt.Fprintf(&b, "<sitemap><loc>%s</loc></sitemap>", l)
	}
	b.WriteString("</sitemapindex>")
	return b.String()
}
