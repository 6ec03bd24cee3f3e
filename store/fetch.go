package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/newshound/newshound/crawlstate"
	"go.etcd.io/bbolt"
)

// FetchState is a source's crawl state as the crawler reads and writes it
// (crawlstate.FetchState), stored as it is in the `fetch/` bucket by
// Record, in the transaction of the pass it describes (Pass.Fetch), so
// validators are never stored without the articles they hide; or by
// PutFetchState alone.
type FetchState = crawlstate.FetchState

// SitemapChildren, SitemapChild, ArticleFailures and ArticleFailure are the
// parts of a FetchState, named here so the store's readers need not import
// crawlstate.
type (
	SitemapChildren = crawlstate.SitemapChildren
	SitemapChild    = crawlstate.SitemapChild
	ArticleFailures = crawlstate.ArticleFailures
	ArticleFailure  = crawlstate.ArticleFailure
)

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
	return rec.state(), true, nil
}

func (rec fetchRecord) state() FetchState {
	state := FetchState{URL: rec.URL, ETag: rec.ETag, LastModified: rec.LastModified, NotBefore: rec.NotBefore, Feed: rec.Feed}
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
	return state
}

// PutFetchState replaces the fetch state of a source in one transaction.
func (s *Store) PutFetchState(source string, state FetchState) error {
	if source == "" {
		return errors.New("put fetch state: empty source name")
	}
	rec := toFetchRecord(state)
	err := s.update(func(tx *bbolt.Tx) error {
		return putJSON(tx.Bucket(bucketFetch), []byte(source), rec)
	})
	if err != nil {
		return fmt.Errorf("put fetch state of source %q: %w", source, err)
	}
	return nil
}

func toFetchRecord(state FetchState) fetchRecord {
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
	return rec
}
