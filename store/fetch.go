package store

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"go.etcd.io/bbolt"
)

// FetchState is what the crawler keeps about a source's listing between
// runs: the HTTP validators of its last complete listing (for a
// conditional GET), when it may be polled again after failures, the
// feed found on a `url:` page, and a sitemap index's unchanged children.
//
// It lives in its own bucket, written by PutFetchState after Record, not
// inside the pass transaction: the caller must only store validators after
// the pass they describe is recorded, or a 304 could hide articles that
// were never marked seen. A crash between the two transactions loses at
// most the validators, which costs one unconditional fetch.
type FetchState struct {
	// URL is the listing URL the validators belong to; validators of
	// another URL (the config changed) must not be sent.
	URL          string
	ETag         string
	LastModified string
	// NotBefore is the earliest time the next scheduled run may fetch;
	// zero when the source is not backing off.
	NotBefore time.Time
	// Feed is the feed discovered on a `url:` source's page ("" for other
	// kinds, or before discovery).
	Feed string
	// Failing are the listed articles whose page failed on the last passes
	// in a row, by URL; nil when none. The caller bounds it.
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
// changed since it was last read in full (crawler.ChildSitemap).
type SitemapChild struct {
	ETag, LastModified string    // the child's validators, for a conditional GET
	LastMod            time.Time // the index's <lastmod> for it; zero when none
	Items              int       // entries it listed
	Verified           time.Time // when it was last fetched
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

// fetchRecord is the on-disk form of FetchState (fixed by
// testdata/fetch.golden.json). "failing" and "children" came after v3
// without a migration: a record without them reads back with none.
type fetchRecord struct {
	URL          string                   `json:"url,omitempty"`
	ETag         string                   `json:"etag,omitempty"`
	LastModified string                   `json:"last_modified,omitempty"`
	NotBefore    time.Time                `json:"not_before,omitzero"`
	Feed         string                   `json:"feed,omitempty"`
	Failing      map[string]failureRecord `json:"failing,omitempty"`
	Children     map[string]childRecord   `json:"children,omitempty"`
}

type childRecord struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastMod      time.Time `json:"lastmod,omitzero"`
	Items        int       `json:"items,omitempty"`
	Verified     time.Time `json:"verified,omitzero"`
}

type failureRecord struct {
	Attempts  int       `json:"attempts"`
	First     time.Time `json:"first"`
	LastError string    `json:"last_error,omitempty"`
}

// FetchState returns the stored fetch state of a source; ok is false when
// none was ever stored.
func (s *Store) FetchState(source string) (state FetchState, ok bool, err error) {
	var rec fetchRecord
	ok, err = s.getJSON(bucketFetch, source, &rec)
	if err != nil || !ok {
		return FetchState{}, ok, wrapf(err, "read fetch state of source %q", source)
	}
	state = FetchState{URL: rec.URL, ETag: rec.ETag, LastModified: rec.LastModified, NotBefore: rec.NotBefore, Feed: rec.Feed}
	if len(rec.Failing) > 0 {
		state.Failing = make(ArticleFailures, len(rec.Failing))
		for u, f := range rec.Failing {
			state.Failing[u] = ArticleFailure(f)
		}
	}
	if len(rec.Children) > 0 {
		state.Children = make(SitemapChildren, len(rec.Children))
		for u, c := range rec.Children {
			state.Children[u] = SitemapChild(c)
		}
	}
	return state, true, nil
}

// PutFetchState replaces the fetch state of a source in one transaction.
func (s *Store) PutFetchState(source string, state FetchState) error {
	if source == "" {
		return errors.New("put fetch state: empty source name")
	}
	rec := fetchRecord{URL: state.URL, ETag: state.ETag, LastModified: state.LastModified,
		NotBefore: utc(state.NotBefore), Feed: state.Feed}
	if len(state.Failing) > 0 {
		rec.Failing = make(map[string]failureRecord, len(state.Failing))
		for u, f := range state.Failing {
			f.First = utc(f.First)
			rec.Failing[u] = failureRecord(f)
		}
	}
	if len(state.Children) > 0 {
		rec.Children = make(map[string]childRecord, len(state.Children))
		for u, c := range state.Children {
			c.LastMod, c.Verified = utc(c.LastMod), utc(c.Verified)
			rec.Children[u] = childRecord(c)
		}
	}
	err := s.update(func(tx *bbolt.Tx) error {
		return putJSON(tx.Bucket(bucketFetch), []byte(source), rec)
	})
	if err != nil {
		return fmt.Errorf("put fetch state of source %q: %w", source, err)
	}
	return nil
}
