package crawler

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// item is one entry a listing named: a feed item, a link on a listing
// page, a <url> of a sitemap. Only Link is always set for pages and
// sitemaps; feed items may lack it.
type item struct {
	Link      string    // absolute http(s) URL, "" when the entry has none
	GUID      string    // feed GUID / Atom id / JSON Feed id, as given
	Title     string    // plain text
	Summary   string    // plain text of the content, else the description
	Published time.Time // zero when not given
	// Modified (Atom updated, sitemap lastmod) stands in for Published
	// only when the page has no date either.
	Modified time.Time
	// child is the URL of the child sitemap that listed the item; "" for
	// the listing itself. An item that fails or is deferred keeps its
	// child from being skipped next pass (children.go).
	child string
}

// parseFeed reads RSS 0.9x/2.0, RSS 1.0 (RDF), Atom and JSON Feed. The body
// is decoded to UTF-8 first (decodeXML: BOM, header, XML declaration), so a
// windows-1256 feed reads the same whether its encoding is declared in the
// header or only in its prolog. Relative links are resolved against base.
// Before gofeed sees it, the feed is checked against the nesting and size
// limits and cut after maxListed entries (limitFeed); dropped counts the
// entries cut. gofeed has panicked on malformed feeds: a panic is returned
// as an error.
func parseFeed(body []byte, contentType string, base *url.URL) (items []item, dropped int, err error) {
	defer func() {
		if r := recover(); r != nil {
			items, dropped, err = nil, 0, &ParseError{What: "feed", Err: fmt.Errorf("parser panic: %v", r)}
		}
	}()
	data, dropped, err := limitFeed(decodeXML(body, contentType), maxListed)
	if err != nil {
		return nil, 0, &ParseError{What: "feed", Err: err}
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(data))
	if err != nil {
		return nil, 0, &ParseError{What: "feed", Err: err}
	}
	for _, it := range f.Items {
		if it == nil {
			continue
		}
		items = append(items, feedItem(it, base))
	}
	return items, dropped, nil
}

func feedItem(it *gofeed.Item, base *url.URL) item {
	out := item{
		GUID:    strings.TrimSpace(it.GUID),
		Title:   plainLine(it.Title),
		Summary: HTMLText(firstNonEmpty(it.Content, it.Description)),
	}
	for _, l := range append([]string{it.Link}, it.Links...) {
		if abs := absoluteHTTP(base, l); abs != "" {
			out.Link = abs
			break
		}
	}
	if it.PublishedParsed != nil {
		out.Published = it.PublishedParsed.UTC()
	}
	if it.UpdatedParsed != nil {
		out.Modified = it.UpdatedParsed.UTC()
	}
	return out
}

// plainLine renders a title that may carry markup or entities as one line
// of text.
func plainLine(s string) string {
	return collapseSpace(HTMLText(s))
}

// absoluteHTTP resolves ref against base and returns it when it is an
// http(s) URL with a host, without its fragment; "" otherwise.
func absoluteHTTP(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		r = base.ResolveReference(r)
	}
	if (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
		return ""
	}
	r.Fragment, r.RawFragment = "", ""
	return r.String()
}
