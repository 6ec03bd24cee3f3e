package store

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// article builds a fully populated article with ID id found at found.
func article(id string, found time.Time) news.Article {
	return news.Article{
		ID:        id,
		Keys:      []string{id, "guid:" + id},
		URL:       id,
		Source:    "wire",
		Title:     "Title of " + id,
		Text:      "Families left the al-Hol camp.\n\nالهول " + strings.Repeat("More text. ", 50),
		Published: found.Add(-time.Hour),
		Found:     found,
	}
}

// storedIDs lists the IDs Articles(since) visits, in order.
func storedIDs(t *testing.T, s *Store, since time.Time) []string {
	t.Helper()
	var ids []string
	err := s.Articles(since, func(a news.Article) error {
		ids = append(ids, a.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("Articles(%v) error: %v", since, err)
	}
	return ids
}

func TestArticlesRoundTrip(t *testing.T) {
	s, _ := openTest(t)
	want := article("https://example.com/a", t0.In(time.FixedZone("AST", 3*3600)))
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{want}})
	var got []news.Article
	if err := s.Articles(time.Time{}, func(a news.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	want.Keys = []string{want.ID} // only the ID is kept: seen keys live in seen/
	if diff := cmp.Diff([]news.Article{want}, got); diff != "" {
		t.Errorf("Articles() mismatch (-want +got):\n%s", diff)
	}
	if len(got) == 1 && got[0].Found.Location() != time.UTC {
		t.Errorf("Articles()[0].Found location = %v, want UTC", got[0].Found.Location())
	}
}

// TestArticlesOrderAndSince: texts come back day by day, oldest day
// first, and within a day in the order they were stored (the crawler
// stores them about as it finds them).
func TestArticlesOrderAndSince(t *testing.T) {
	s, _ := openTest(t)
	// Over three passes and two sources; e is found the next day but
	// stored first.
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{
		article("e", t0.Add(24*time.Hour)), article("c", t0.Add(2*time.Hour)), article("a", t0),
	}})
	mustRecord(t, s, Pass{Source: "desk", Seen: []news.Article{article("b", t0.Add(time.Hour))}})
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article("d", t0.Add(2*time.Hour))}})
	tests := []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"c", "a", "b", "d", "e"}},
		{t0, []string{"c", "a", "b", "d", "e"}},
		{t0.Add(1), []string{"c", "b", "d", "e"}},
		{t0.Add(2 * time.Hour), []string{"c", "d", "e"}},
		{t0.Add(3 * time.Hour), []string{"e"}},
		{t0.Add(25 * time.Hour), nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, storedIDs(t, s, tt.since)); diff != "" {
			t.Errorf("Articles(%v) ids mismatch (-want +got):\n%s", tt.since, diff)
		}
	}
}

// TestTextFirstRecordWins: an article crawled again, or found by a second
// source, keeps the text, source and found time of its first record.
func TestTextFirstRecordWins(t *testing.T) {
	s, _ := openTest(t)
	first := article("https://example.com/a", t0)
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{first}})
	again := article("https://example.com/a", t0.Add(time.Hour))
	again.Source, again.Text = "desk", "edited text"
	mustRecord(t, s, Pass{Source: "desk", Seen: []news.Article{again}})

	var got []news.Article
	if err := s.Articles(time.Time{}, func(a news.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Source != "wire" || got[0].Text != first.Text || !got[0].Found.Equal(t0) {
		t.Errorf("Articles() after two records = %+v, want only the first record", got)
	}
}

func TestTextSkipsArticleWithoutID(t *testing.T) {
	s, _ := openTest(t)
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{{Keys: []string{"k"}, Text: "no id"}}})
	if got := storedIDs(t, s, time.Time{}); got != nil {
		t.Errorf("Articles() = %q, want none for an article without ID", got)
	}
	if seen, _ := s.Seen("wire", "k"); !seen {
		t.Error("the article's key is not marked seen")
	}
}

func TestTextDefaults(t *testing.T) {
	s, _ := openTest(t) // clock at t0
	a := article("x", time.Time{})
	a.Source = ""
	mustRecord(t, s, Pass{Source: "desk", Seen: []news.Article{a}})
	err := s.Articles(time.Time{}, func(got news.Article) error {
		if !got.Found.Equal(t0) || got.Source != "desk" {
			t.Errorf("article without Found and Source read back with %v, %q; want the store clock %v and the pass's source desk",
				got.Found, got.Source, t0)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTextLongID(t *testing.T) {
	s, _ := openTest(t)
	long := "https://example.com/" + strings.Repeat("x", 40000)
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article(long, t0)}})
	if got := storedIDs(t, s, time.Time{}); len(got) != 1 || got[0] != long {
		t.Errorf("Articles() with a 40 kB ID returned %d ids, want the full ID back", len(got))
	}
	if n, err := s.PruneTexts(t0.Add(24*time.Hour), 0); n != 1 || err != nil {
		t.Errorf("PruneTexts(a day later) = %d, %v; want 1, nil", n, err)
	}
}

// TestArticlesBatches: more articles than one read transaction holds come
// back complete and in order, and the callback may use the store (it runs
// outside any transaction) and stop the walk with its error.
func TestArticlesBatches(t *testing.T) {
	s, _ := openTest(t)
	const n = 3*articlesPerRead + 5
	var seen []news.Article
	var want []string
	for i := range n {
		id := fmt.Sprintf("https://example.com/%04d", i)
		seen = append(seen, article(id, t0.Add(time.Duration(i)*time.Minute)))
		want = append(want, id)
	}
	mustRecord(t, s, Pass{Source: "wire", Seen: seen})
	var got []string
	err := s.Articles(time.Time{}, func(a news.Article) error {
		got = append(got, a.ID)
		// A write from inside the callback would deadlock against an
		// open read transaction that needs a remap; it must just work.
		_, err := s.Record(Pass{Source: "probe", Seen: []news.Article{{Keys: []string{a.ID}}}})
		return err
	})
	if err != nil {
		t.Fatalf("Articles() error: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Articles() ids mismatch (-want +got):\n%s", diff)
	}
	stop := errors.New("enough")
	calls := 0
	err = s.Articles(time.Time{}, func(news.Article) error {
		calls++
		if calls == articlesPerRead+1 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != articlesPerRead+1 {
		t.Errorf("Articles(callback failing at call %d) = %v after %d calls; want %v at once", articlesPerRead+1, err, calls, stop)
	}
}

// TestPruneTexts: texts go a whole UTC day (one segment file) at a time,
// once the day is over before the cut-off; article_ids/ goes by week.
func TestPruneTexts(t *testing.T) {
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC) // the end of t0's day
	tests := []struct {
		name     string
		before   time.Time
		batch    int
		wantN    int
		wantRest []string
	}{
		{"nothing older", t0, 2, 0, []string{"0", "1", "2", "3", "4"}},
		{"day not over", midnight.Add(-time.Nanosecond), 2, 0, []string{"0", "1", "2", "3", "4"}},
		{"day just over", midnight, 2, 1, []string{"1", "2", "3", "4"}},
		{"two days", t0.Add(2 * 24 * time.Hour), 1, 2, []string{"2", "3", "4"}},
		{"all", t0.Add(6 * 24 * time.Hour), 0, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			var seen []news.Article
			for i := range 5 {
				seen = append(seen, article(fmt.Sprint(i), t0.Add(time.Duration(i)*24*time.Hour)))
			}
			mustRecord(t, s, Pass{Source: "wire", Seen: seen})
			n, err := s.PruneTexts(tt.before, tt.batch)
			if err != nil || n != tt.wantN {
				t.Errorf("PruneTexts(%v, %d) = %d, %v; want %d, nil", tt.before, tt.batch, n, err, tt.wantN)
			}
			if diff := cmp.Diff(tt.wantRest, storedIDs(t, s, time.Time{})); diff != "" {
				t.Errorf("Articles() after PruneTexts mismatch (-want +got):\n%s", diff)
			}
			if got := len(segmentFiles(t, s)); got != len(tt.wantRest) {
				t.Errorf("%d segment files after PruneTexts, want %d (one per day left)", got, len(tt.wantRest))
			}
			if got, want := countKeys(t, s, bucketArticleIDs), idsFrom(seen, tt.before); got != want {
				t.Errorf("article_ids/ holds %d keys after PruneTexts(%v), want %d", got, tt.before, want)
			}
			// A pruned article recorded again is stored afresh.
			if tt.wantN > 0 {
				mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article("0", t0.Add(10*24*time.Hour))}})
				if got := storedIDs(t, s, t0.Add(10*24*time.Hour)); !slices.Equal(got, []string{"0"}) {
					t.Errorf("Articles(later) after re-recording a pruned article = %q, want [0]", got)
				}
			}
		})
	}
}

// idsFrom counts the articles whose week did not end before before: the
// article_ids/ keys PruneTexts keeps.
func idsFrom(articles []news.Article, before time.Time) int {
	n := 0
	for _, a := range articles {
		if weekOf(a.Found) >= weekOf(before) {
			n++
		}
	}
	return n
}

// segmentFiles lists the names of the segment files of s.
func segmentFiles(t *testing.T, s *Store) []string {
	t.Helper()
	segs, err := s.texts.segments()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, seg := range segs {
		names = append(names, seg.name)
	}
	return names
}

// segmentRecords counts every good record in the segments of s, visible
// or not.
func segmentRecords(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.texts.eachRecord(time.Time{}, func([]byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func countKeys(t *testing.T, s *Store, bucket []byte) int {
	t.Helper()
	n := 0
	if err := s.db.View(func(tx *bbolt.Tx) error { n = tx.Bucket(bucket).Stats().KeyN; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDamagedTextIsCorrupt: an indexed record whose checksum holds but
// whose value does not inflate or does not decode gives ErrCorrupt (only
// a bug or deliberate tampering makes one).
func TestDamagedTextIsCorrupt(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
	}{
		{"not deflate", []byte("\xff\xff junk")},
		{"not json", deflate(t, []byte("{nope"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article("a", t0)}})
			if err := s.texts.append([]pendingText{{key: []byte("b"), at: t0, value: tt.value}}); err != nil {
				t.Fatal(err)
			}
			err := s.Articles(time.Time{}, func(news.Article) error { return nil })
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Articles() over %s error = %v, want ErrCorrupt", tt.name, err)
			}
		})
	}
}

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOnDiskText pins the segment file (magic, frame, the inflated
// record) and the article's article_ids/ entry.
func TestOnDiskText(t *testing.T) {
	s, path := openTest(t)
	a := article("https://example.com/a", t0)
	a.Text = "Families left the al-Hol camp.\n\nالهول"
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{a}})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	seg := readAll(t, filepath.Join(path+".texts", "2026-03-14.seg"))
	if !bytes.HasPrefix(seg, []byte("newshound texts v1\n")) {
		t.Fatalf("segment starts %q, want the magic", seg[:min(len(seg), 20)])
	}
	frame := seg[len(segmentMagic):]
	if len(frame) < segmentHeader {
		t.Fatalf("segment holds %d bytes after the magic, want a record", len(frame))
	}
	n := binary.BigEndian.Uint32(frame[:4])
	if int(n) != len(frame)-segmentHeader {
		t.Fatalf("record length %d, want the %d bytes that follow", n, len(frame)-segmentHeader)
	}
	value := frame[segmentHeader:]
	if got, want := binary.BigEndian.Uint32(frame[4:8]), crc32.Checksum(value, crc32.MakeTable(crc32.Castagnoli)); got != want {
		t.Errorf("record checksum %08x, want CRC-32C %08x", got, want)
	}
	plain, err := io.ReadAll(flate.NewReader(bytes.NewReader(value)))
	if err != nil {
		t.Fatalf("stored text does not inflate: %v", err)
	}
	checkGolden(t, filepath.Join("testdata", "text.golden.json"), plain)
	idx := rawValue(t, path, string(bucketArticleIDs), string(articleIDKey(weekOf(t0), []byte(a.ID))))
	if want := foundKey(t0, nil); !bytes.Equal(idx, want) {
		t.Errorf("article_ids value = %x, want the found time %x", idx, want)
	}
}

// FuzzTextRecord: any article survives encodeTexts and decodeText (with
// each invalid UTF-8 byte replaced, as JSON does), and decodeText never panics on
// arbitrary bytes.
func FuzzTextRecord(f *testing.F) {
	f.Add("https://example.com/a", "Title", "text الهول", []byte("junk"))
	f.Add("", "", "", []byte{})
	f.Add("x", "\xff", "a\x00b", deflate(f, []byte(`{"id":"x"}`)))
	f.Fuzz(func(t *testing.T, id, title, text string, junk []byte) {
		_, _ = decodeText(junk) // must not panic
		a := news.Article{ID: id, URL: id, Source: "wire", Title: title, Text: text, Found: t0}
		pending, err := encodeTexts("wire", []news.Article{a}, t0)
		if err != nil {
			t.Fatalf("encodeTexts: %v", err)
		}
		if id == "" {
			if len(pending) != 0 {
				t.Errorf("encodeTexts(no ID) = %d texts, want none", len(pending))
			}
			return
		}
		got, err := decodeText(pending[0].value)
		if err != nil {
			t.Fatalf("decodeText(encodeTexts(%q)): %v", id, err)
		}
		// JSON replaces each invalid byte by U+FFFD, as ranging does.
		valid := func(s string) string { return string([]rune(s)) }
		if got.ID != valid(id) || got.Title != valid(title) || got.Text != valid(text) || !got.Found.Equal(t0) {
			t.Errorf("decodeText(encodeTexts(%q, %q, %q)) = %q, %q, %q", id, title, text, got.ID, got.Title, got.Text)
		}
	})
}
