package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// KindSite is a web page (config `url:`) whose <link rel="alternate"> feed
// is crawled.
const KindSite = "site"

// feedTypes are the <link type> values autodiscovery accepts.
var feedTypes = []string{"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}

// Discover fetches src.URL and returns the feeds its <link rel="alternate">
// elements name, absolute and in page order. It is what `newshound check`
// reports for a `url:` source; Crawl uses the first.
func (c *Crawler) Discover(ctx context.Context, src Source) (feeds []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("discover panicked", "source", src.Name, "panic", r, "stack", string(debug.Stack()))
			feeds, err = nil, fmt.Errorf("discover %s: panic: %v", src.Name, r)
		}
	}()
	configured, err := parseHTTPURL(src.URL)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", src.Name, err)
	}
	feeds, err = c.newSession(ctx, src, configured).discover(src.URL)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", src.Name, err)
	}
	return feeds, nil
}

func (s *session) discover(pageURL string) ([]string, error) {
	f, err := s.get(pageURL, acceptHTML)
	if err != nil {
		return nil, err
	}
	feeds, err := parseFeedLinks(f.Body, f.ContentType, f.URL)
	if err != nil {
		return nil, err
	}
	if len(feeds) == 0 {
		return nil, fmt.Errorf("no <link rel=\"alternate\"> feed on %s", redact(f.URL.String()))
	}
	return feeds, nil
}

// listSite lists a `url:` source through its feed: the one discovered
// before (FetchState.Feed) while it works, else the first one the page names
// now. Validators belong to the feed they came from, so a newly
// discovered feed is fetched unconditionally.
func (s *session) listSite() ([]item, error) {
	if s.known.Feed != "" {
		items, err := s.listFeed(s.known.Feed)
		if err == nil || errors.Is(err, errNotModified) {
			s.feed = s.known.Feed
			return items, err
		}
		s.c.log.Warn("discovered feed failed; discovering again", "source", s.src.Name, "feed", redact(s.known.Feed), "err", err)
	}
	feeds, err := s.discover(s.src.URL)
	if err != nil {
		return nil, err
	}
	if feeds[0] != s.known.Feed {
		s.known.ETag, s.known.LastModified = "", ""
	}
	s.feed = feeds[0]
	return s.listFeed(feeds[0])
}

// parseFeedLinks returns the href of every <link rel="alternate"> with a
// feed type, resolved against the page URL (or its <base href>), http(s)
// only, deduplicated, in page order. It is pure.
func parseFeedLinks(body []byte, contentType string, pageURL *url.URL) ([]string, error) {
	doc, err := html.Parse(strings.NewReader(decodeHTML(body, contentType)))
	if err != nil {
		return nil, fmt.Errorf("parse page: %w", err)
	}
	d := goquery.NewDocumentFromNode(doc)
	base := pageURL
	if href, ok := d.Find("base[href]").First().Attr("href"); ok {
		if b := absoluteHTTP(pageURL, href); b != "" {
			base, _ = url.Parse(b)
		}
	}
	var feeds []string
	d.Find("link[href]").Each(func(_ int, l *goquery.Selection) {
		rel, _ := l.Attr("rel")
		typ, _ := l.Attr("type")
		if !slices.Contains(strings.Fields(strings.ToLower(rel)), "alternate") ||
			!slices.Contains(feedTypes, mediaType(typ)) {
			return
		}
		href, _ := l.Attr("href")
		if abs := absoluteHTTP(base, href); abs != "" && !slices.Contains(feeds, abs) {
			feeds = append(feeds, abs)
		}
	})
	return feeds, nil
}
