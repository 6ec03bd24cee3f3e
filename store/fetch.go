package store

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// FetchState is what the crawler keeps about a source's listing between
// runs: the HTTP validators of its last complete listing (for a
// conditional GET), when it may be polled again after failures, and the
// feed found on a `url:` page.
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
	// in a row, by URL; nil when none. The caller bounds it. It is a
	// pointer so that FetchState stays comparable, but == then compares
	// the pointer: compare whole states with Equal.
	Failing *ArticleFailures
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

// Equal reports whether f and g hold the same state, failing articles
// compared by content.
func (f FetchState) Equal(g FetchState) bool {
	ff, gf := f.Failing, g.Failing
	f.Failing, g.Failing = nil, nil
	if f != g {
		return false
	}
	var fm, gm ArticleFailures
	if ff != nil {
		fm = *ff
	}
	if gf != nil {
		gm = *gf
	}
	if len(fm) != len(gm) {
		return false
	}
	for u, a := range fm {
		b, ok := gm[u]
		if !ok || a.Attempts != b.Attempts || !a.First.Equal(b.First) || a.LastError != b.LastError {
			return false
		}
	}
	return true
}

// fetchRecord is the on-disk form of FetchState (fixed by
// testdata/fetch.golden.json). "failing" came after v3 without a
// migration: a record without it reads back with no failing articles.
type fetchRecord struct {
	URL          string                   `json:"url,omitempty"`
	ETag         string                   `json:"etag,omitempty"`
	LastModified string                   `json:"last_modified,omitempty"`
	NotBefore    time.Time                `json:"not_before,omitzero"`
	Feed         string                   `json:"feed,omitempty"`
	Failing      map[string]failureRecord `json:"failing,omitempty"`
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
		failing := make(ArticleFailures, len(rec.Failing))
		for u, f := range rec.Failing {
			failing[u] = ArticleFailure(f)
		}
		state.Failing = &failing
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
	if state.Failing != nil && len(*state.Failing) > 0 {
		rec.Failing = make(map[string]failureRecord, len(*state.Failing))
		for u, f := range *state.Failing {
			f.First = utc(f.First)
			rec.Failing[u] = failureRecord(f)
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
