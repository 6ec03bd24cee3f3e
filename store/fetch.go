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
}

// fetchRecord is the on-disk form of FetchState (fixed by
// testdata/fetch.golden.json).
type fetchRecord struct {
	URL          string    `json:"url,omitempty"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	NotBefore    time.Time `json:"not_before,omitzero"`
	Feed         string    `json:"feed,omitempty"`
}

// FetchState returns the stored fetch state of a source; ok is false when
// none was ever stored.
func (s *Store) FetchState(source string) (state FetchState, ok bool, err error) {
	var rec fetchRecord
	ok, err = s.getJSON(bucketFetch, source, &rec)
	if err != nil || !ok {
		return FetchState{}, ok, wrapf(err, "read fetch state of source %q", source)
	}
	return FetchState(rec), true, nil
}

// PutFetchState replaces the fetch state of a source in one transaction.
func (s *Store) PutFetchState(source string, state FetchState) error {
	if source == "" {
		return errors.New("put fetch state: empty source name")
	}
	rec := fetchRecord(state)
	rec.NotBefore = utc(rec.NotBefore)
	err := s.update(func(tx *bbolt.Tx) error {
		return putJSON(tx.Bucket(bucketFetch), []byte(source), rec)
	})
	if err != nil {
		return fmt.Errorf("put fetch state of source %q: %w", source, err)
	}
	return nil
}
