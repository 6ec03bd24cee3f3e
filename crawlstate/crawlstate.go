// Package crawlstate holds what the crawler remembers of a source between
// passes: one FetchState, which the crawler reads at the start of a Crawl
// and returns changed at its end, and which the store persists as it is
// (store.FetchState, its `fetch/` bucket). It is a leaf: it imports
// neither the store nor the crawler, so both can import it.
package crawlstate

import (
	"maps"
	"time"
)

// FetchState is what the crawler keeps about a source's listing between
// passes: the HTTP validators of its last complete listing (for a
// conditional GET), when it may be polled again after failures, the feed
// found on a `url:` page, a sitemap index's unchanged children and the
// listed articles whose page keeps failing.
//
// The crawler decides every field but NotBefore (the scheduler's
// back-off). The caller stores it only after the pass it describes is
// recorded: stored first, a crash could let the next 304 hide articles
// that were never marked seen. A crash between the two costs at most one
// unconditional fetch.
type FetchState struct {
	// URL is the listing URL the validators, Feed and Children belong to;
	// those of another URL (the config changed) are not used.
	URL          string
	ETag         string
	LastModified string
	// NotBefore is the earliest time the next scheduled run may fetch;
	// zero when the source is not backing off. The scheduler sets it; a
	// Crawl carries it through unchanged.
	NotBefore time.Time
	// Feed is the feed discovered on a `url:` source's page ("" for other
	// kinds, or before discovery).
	Feed string
	// Failing are the listed articles whose page failed on the last passes
	// in a row, by URL; nil when none. The crawler bounds it.
	Failing ArticleFailures
	// Children are, for a sitemap index, the child sitemaps read in full
	// whose every item was handled, by URL, so an unchanged child is not
	// downloaded again; nil when none. The crawler bounds it (one entry
	// per child it follows).
	Children SitemapChildren
}

// SitemapChildren are a sitemap index's remembered children by URL.
type SitemapChildren map[string]SitemapChild

// SitemapChild is what lets the crawler tell that a child sitemap has not
// changed since it was last read in full: enough to skip it, or fetch it
// conditionally, while it is unchanged.
type SitemapChild struct {
	// ETag and LastModified are the child's response validators, sent as
	// If-None-Match and If-Modified-Since; "" sends none.
	ETag, LastModified string
	// LastMod is the index's <lastmod> for the child when it was read and
	// credible; zero when there was none (the child is then never skipped
	// unfetched).
	LastMod time.Time
	// Items is how many entries the child listed, counted in the pass's
	// items when the child is skipped or answers 304, so a quiet pass
	// does not look like an empty listing.
	Items int
	// Verified is when the child was last fetched (read in full or
	// answering 304); a skip by lastmod does not move it.
	Verified time.Time
}

func (c SitemapChild) equal(d SitemapChild) bool {
	return c.ETag == d.ETag && c.LastModified == d.LastModified && c.LastMod.Equal(d.LastMod) &&
		c.Items == d.Items && c.Verified.Equal(d.Verified)
}

// ArticleFailures are a source's failing articles by page URL.
type ArticleFailures map[string]ArticleFailure

// ArticleFailure is one listed article whose page failed (fetch or
// extraction) on every pass since First.
type ArticleFailure struct {
	Attempts  int       // passes in a row on which it failed
	First     time.Time // the first of them
	LastError string    // the latest failure's text
}

func (f ArticleFailure) equal(g ArticleFailure) bool {
	return f.Attempts == g.Attempts && f.First.Equal(g.First) && f.LastError == g.LastError
}

// Equal reports whether f and g hold the same state: times compared as
// instants, the maps by content (nil equals empty).
func (f FetchState) Equal(g FetchState) bool {
	return f.URL == g.URL && f.ETag == g.ETag && f.LastModified == g.LastModified &&
		f.NotBefore.Equal(g.NotBefore) && f.Feed == g.Feed &&
		maps.EqualFunc(f.Failing, g.Failing, ArticleFailure.equal) &&
		maps.EqualFunc(f.Children, g.Children, SitemapChild.equal)
}
