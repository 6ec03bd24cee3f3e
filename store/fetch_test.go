package store

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

func TestFetchStateRoundTrip(t *testing.T) {
	s, path := openTest(t)
	if got, ok, err := s.FetchState("wire"); err != nil || ok || !got.Equal(FetchState{}) {
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
	if err != nil || !ok || !got.Equal(want) {
		t.Errorf("FetchState(wire) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if got.NotBefore.Location() != time.UTC {
		t.Errorf("FetchState(wire).NotBefore = %v, want it in UTC", got.NotBefore)
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

// TestFetchStateFailingRoundTrip: failing articles are stored with the
// rest of the fetch state (their layout fixed by
// testdata/fetch_failing.golden.json), times in UTC, and an empty map is
// stored as none.
func TestFetchStateFailingRoundTrip(t *testing.T) {
	s, path := openTest(t)
	berlin := time.FixedZone("CET", 3600)
	failing := ArticleFailures{
		"https://example.com/gone": {Attempts: 3, First: t0.In(berlin), LastError: "fetch https://example.com/gone: http status 404"},
		"https://example.com/slow": {Attempts: 1, First: t0.Add(time.Hour), LastError: "timed out"},
	}
	want := FetchState{URL: "https://example.com/feed.xml", Failing: failing}
	if err := s.PutFetchState("wire", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.FetchState("wire")
	if err != nil || !ok || !got.Equal(want) {
		t.Fatalf("FetchState(wire) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if f := got.Failing["https://example.com/gone"]; f.First.Location() != time.UTC {
		t.Errorf("FetchState(wire) failing First = %v, want it in UTC", f.First)
	}
	empty := ArticleFailures{}
	if err := s.PutFetchState("desk", FetchState{ETag: `"e"`, Failing: empty}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.FetchState("desk"); err != nil || got.Failing != nil {
		t.Errorf("FetchState(desk) after storing an empty map = %+v, %v; want Failing nil", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "fetch_failing.golden.json"), rawValue(t, path, "fetch", "wire"))
}

// TestFetchStateReadsOldRecord: a record written before "failing" existed
// (testdata/fetch.golden.json) reads back whole, with no failing articles.
func TestFetchStateReadsOldRecord(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "fetch.golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, path := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketFetch).Put([]byte("wire"), old) })
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	now := t0
	s, err = Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want := FetchState{
		URL: "https://example.com/feed.xml", ETag: `W/"abc"`, LastModified: "Sat, 14 Mar 2026 09:26:53 GMT",
		NotBefore: t0.Add(30 * time.Minute), Feed: "https://example.com/rss",
	}
	if got, ok, err := s.FetchState("wire"); err != nil || !ok || !got.Equal(want) {
		t.Errorf("FetchState(old record) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
}

// TestFetchStateChildrenRoundTrip: a sitemap index's children are stored
// with the rest of the fetch state (their layout fixed by
// testdata/fetch_children.golden.json), lastmods in UTC, and an empty map
// is stored as none.
func TestFetchStateChildrenRoundTrip(t *testing.T) {
	s, path := openTest(t)
	berlin := time.FixedZone("CET", 3600)
	children := SitemapChildren{
		"https://example.com/sitemap-news-1.xml": {ETag: `"c1"`, LastModified: "Sat, 14 Mar 2026 09:00:00 GMT", LastMod: t0.In(berlin), Items: 120},
		"https://example.com/sitemap-news-2.xml": {LastMod: t0.Add(-time.Hour), Items: 3},
		"https://example.com/sitemap-news-3.xml": {ETag: `W/"c3"`},
	}
	want := FetchState{URL: "https://example.com/sitemap.xml", ETag: `"idx"`, Children: children}
	if err := s.PutFetchState("wire", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.FetchState("wire")
	if err != nil || !ok || !got.Equal(want) {
		t.Fatalf("FetchState(wire) = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if c := got.Children["https://example.com/sitemap-news-1.xml"]; c.LastMod.Location() != time.UTC {
		t.Errorf("FetchState(wire) child LastMod = %v, want it in UTC", c.LastMod)
	}
	empty := SitemapChildren{}
	if err := s.PutFetchState("desk", FetchState{ETag: `"e"`, Children: empty}); err != nil {
		t.Fatal(err)
	}
	if got, _, err := s.FetchState("desk"); err != nil || got.Children != nil {
		t.Errorf("FetchState(desk) after storing an empty map = %+v, %v; want Children nil", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "fetch_children.golden.json"), rawValue(t, path, "fetch", "wire"))
}

func TestFetchStateChildrenEqual(t *testing.T) {
	child := func(etag string, lastmod time.Time, items int) SitemapChildren {
		return SitemapChildren{"https://example.com/c.xml": {ETag: etag, LastModified: "Tue", LastMod: lastmod, Items: items}}
	}
	base := FetchState{URL: "u", Children: child(`"c"`, t0, 4)}
	tests := []struct {
		name  string
		other FetchState
		want  bool
	}{
		{"same content, other pointer", FetchState{URL: "u", Children: child(`"c"`, t0, 4)}, true},
		{"same instant, other zone", FetchState{URL: "u", Children: child(`"c"`, t0.In(time.FixedZone("X", 7200)), 4)}, true},
		{"other etag", FetchState{URL: "u", Children: child(`"d"`, t0, 4)}, false},
		{"other lastmod", FetchState{URL: "u", Children: child(`"c"`, t0.Add(time.Minute), 4)}, false},
		{"other items", FetchState{URL: "u", Children: child(`"c"`, t0, 5)}, false},
		{"other last-modified", FetchState{URL: "u", Children: SitemapChildren{"https://example.com/c.xml": {ETag: `"c"`, LastMod: t0, Items: 4}}}, false},
		{"other url", FetchState{URL: "u", Children: SitemapChildren{"https://example.com/d.xml": {ETag: `"c"`, LastModified: "Tue", LastMod: t0, Items: 4}}}, false},
		{"none", FetchState{URL: "u"}, false},
		{"other listing url", FetchState{URL: "v", Children: child(`"c"`, t0, 4)}, false},
	}
	for _, tt := range tests {
		if got := base.Equal(tt.other); got != tt.want {
			t.Errorf("Equal(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.other.Equal(base); got != tt.want {
			t.Errorf("Equal(%s) reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
	if empty := (SitemapChildren{}); !(FetchState{URL: "u"}).Equal(FetchState{URL: "u", Children: empty}) {
		t.Errorf("Equal(nil children, empty children) = false, want true")
	}
}

func TestFetchStateEqual(t *testing.T) {
	gone := func(attempts int, first time.Time, msg string) ArticleFailures {
		return ArticleFailures{"https://example.com/gone": {Attempts: attempts, First: first, LastError: msg}}
	}
	base := FetchState{URL: "u", ETag: `"e"`, Failing: gone(2, t0, "404")}
	tests := []struct {
		name  string
		other FetchState
		want  bool
	}{
		{"same content, other pointer", FetchState{URL: "u", ETag: `"e"`, Failing: gone(2, t0, "404")}, true},
		{"same instant, other zone", FetchState{URL: "u", ETag: `"e"`, Failing: gone(2, t0.In(time.FixedZone("X", 7200)), "404")}, true},
		{"other etag", FetchState{URL: "u", ETag: `"f"`, Failing: gone(2, t0, "404")}, false},
		{"other attempts", FetchState{URL: "u", ETag: `"e"`, Failing: gone(3, t0, "404")}, false},
		{"other first", FetchState{URL: "u", ETag: `"e"`, Failing: gone(2, t0.Add(time.Second), "404")}, false},
		{"other error", FetchState{URL: "u", ETag: `"e"`, Failing: gone(2, t0, "410")}, false},
		{"other url", FetchState{URL: "u", ETag: `"e"`, Failing: ArticleFailures{"https://example.com/x": {Attempts: 2, First: t0, LastError: "404"}}}, false},
		{"none", FetchState{URL: "u", ETag: `"e"`}, false},
	}
	for _, tt := range tests {
		if got := base.Equal(tt.other); got != tt.want {
			t.Errorf("Equal(%s) = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.other.Equal(base); got != tt.want {
			t.Errorf("Equal(%s) reversed = %v, want %v", tt.name, got, tt.want)
		}
	}
	if empty := (ArticleFailures{}); !(FetchState{URL: "u"}).Equal(FetchState{URL: "u", Failing: empty}) {
		t.Errorf("Equal(nil failing, empty failing) = false, want true")
	}
}
