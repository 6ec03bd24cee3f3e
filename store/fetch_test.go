package store

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestFetchStateRoundTrip(t *testing.T) {
	s, path := openTest(t)
	if got, ok, err := s.FetchState("wire"); err != nil || ok || got != (FetchState{}) {
		t.Fatalf("FetchState(wire) before any put = %+v, %v, %v; want zero, false, nil", got, ok, err)
	}
	want := FetchState{
		URL: "https://example.com/feed.xml", ETag: `W/"abc"`, LastModified: "Sat, 14 Mar 2026 09:26:53 GMT",
		NotBefore: t0.Add(30 * time.Minute), Feed: "https://example.com/rss",
	}
	if err := s.PutFetchState("wire", want); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFetchState("", want); err == nil {
		t.Errorf("PutFetchState(%q) = nil, want an error", "")
	}
	got, ok, err := s.FetchState("wire")
	if err != nil || !ok || got != want {
		t.Errorf("FetchState(wire) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if got, ok, _ := s.FetchState("other"); ok {
		t.Errorf("FetchState(other) = %+v, true; want nothing", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "fetch.golden.json"), rawValue(t, path, "fetch", "wire"))
}

// TestMigrateV2ToV3: a version 2 file keeps its source state and gains an
// empty fetch bucket.
func TestMigrateV2ToV3(t *testing.T) {
	path := fixture(t, func(tx *bbolt.Tx) error {
		if err := createBucketsV1(tx); err != nil {
			return err
		}
		if err := createBucketsV2(tx); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(keyVersion, []byte("2")); err != nil {
			return err
		}
		return tx.Bucket(bucketSources).Put([]byte("wire"),
			[]byte(`{"last_run":"2026-03-14T09:26:53Z","last_success":"2026-03-14T09:26:53Z","consecutive_failures":0,"items":4}`))
	})
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(v2 fixture) error: %v", err)
	}
	defer s.Close()
	checkBuckets(t, s)
	if st, ok, err := s.SourceState("wire"); err != nil || !ok || st.Items != 4 {
		t.Errorf("SourceState(wire) after migration = %+v, %v, %v; want Items 4", st, ok, err)
	}
	if st, ok, err := s.FetchState("wire"); err != nil || ok {
		t.Errorf("FetchState(wire) after migration = %+v, %v, %v; want none", st, ok, err)
	}
	if err := s.PutFetchState("wire", FetchState{ETag: `"x"`}); err != nil {
		t.Errorf("PutFetchState after migration: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), strconv.Itoa(schemaVersion); got != want {
		t.Errorf("meta/version after migration = %q, want %q", got, want)
	}
}
