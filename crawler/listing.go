package crawler

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/PuerkitoBio/goquery"
	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
)

// compileSelector checks a listing page's CSS selector. goquery would
// silently match nothing for an invalid one; a typo must be an error.
// Compiled selectors are cached by their text: a source's selector is
// compiled once, not on every poll.
func compileSelector(sel string) (cascadia.Selector, error) {
	if m, ok := selectors.Load(sel); ok {
		return m.(cascadia.Selector), nil
	}
	if strings.TrimSpace(sel) == "" {
		return nil, fmt.Errorf("links selector is empty")
	}
	m, err := cascadia.Compile(sel)
	if err != nil {
		return nil, fmt.Errorf("links selector %q: %w", sel, err)
	}
	if selectorCount.Add(1) > maxCachedSelectors {
		// Only reachable through ever-changing configs: start afresh.
		selectors.Clear()
		selectorCount.Store(1)
	}
	selectors.Store(sel, m)
	return m, nil
}

// selectors caches compiled listing selectors (string → cascadia.Selector,
// which is safe for concurrent matching); selectorCount bounds it.
var (
	selectors     sync.Map
	selectorCount atomic.Int64
)

// maxCachedSelectors bounds the selector cache, far above any config.
const maxCachedSelectors = 10000

// parseListing returns the links a CSS selector picks on a listing page:
// the href of each matched element, or of every a[href] inside it,
// resolved against the page URL (or its <base href>), http(s) only,
// without fragments, deduplicated by canonical URL in page order. Links
// past the first maxListed are dropped and counted exactly (dropped).
func parseListing(body []byte, contentType string, pageURL *url.URL, selector string) (items []item, dropped int, err error) {
	m, err := compileSelector(selector)
	if err != nil {
		return nil, 0, err
	}
	page := decodeHTML(body, contentType)
	if err := limitHTML(page, maxListingNodes); err != nil {
		return nil, 0, &ParseError{What: "listing page", Err: err}
	}
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, 0, &ParseError{What: "listing page", Err: err}
	}
	d := goquery.NewDocumentFromNode(doc)
	base := pageURL
	if href, ok := d.Find("base[href]").First().Attr("href"); ok {
		if b := absoluteHTTP(pageURL, href); b != "" {
			base, _ = url.Parse(b)
		}
	}
	seen := map[string]bool{}
	add := func(href string) {
		link := absoluteHTTP(base, href)
		if link == "" {
			return
		}
		key, err := Canonicalize(link)
		if err != nil || seen[key] {
			return
		}
		seen[key] = true
		if len(items) == maxListed {
			dropped++
			return
		}
		items = append(items, item{Link: link})
	}
	d.FindMatcher(m).Each(func(_ int, s *goquery.Selection) {
		if href, ok := s.Attr("href"); ok {
			add(href)
			return
		}
		s.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			add(href)
		})
	})
	return items, dropped, nil
}
