package store

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// segmentPath is the file of t0's day in the text directory of path.
func segmentPath(path string) string { return filepath.Join(path+".texts", "2026-03-14.seg") }

// recordN records n articles "<prefix>0".."<prefix>n-1" found at t0, one
// pass each.
func recordN(t *testing.T, s *Store, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i)
		mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article(id, t0.Add(time.Duration(i)*time.Second))}})
		ids = append(ids, id)
	}
	return ids
}

func reopen(t *testing.T, s *Store, path string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(again) error: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestTextSegmentDamagedTail: a segment whose end is torn (a crash in the
// middle of an append) or overwritten (zeros or garbage after a power
// cut) keeps every record before the damage; the next append cuts the
// damage off and goes on after the last good record.
func TestTextSegmentDamagedTail(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, file string)
	}{
		{"torn in the last record", func(t *testing.T, file string) {
			info, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			truncate(t, file, info.Size()-7)
		}},
		{"torn in the last header", func(t *testing.T, file string) {
			b := readAll(t, file)
			last := lastRecordStart(t, b)
			truncate(t, file, int64(last+3))
		}},
		{"zeros appended", func(t *testing.T, file string) {
			info, _ := os.Stat(file)
			overwrite(t, file, info.Size(), make([]byte, 4096))
		}},
		{"last record garbled", func(t *testing.T, file string) {
			info, _ := os.Stat(file)
			overwrite(t, file, info.Size()-20, []byte("garbage!"))
		}},
		{"huge length", func(t *testing.T, file string) {
			info, _ := os.Stat(file)
			overwrite(t, file, info.Size(), []byte{0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t)
			ids := recordN(t, s, "a", 3)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, segmentPath(path))
			now := t0
			s, err := Open(path, Options{Now: fixedClock(&now)})
			if err != nil {
				t.Fatalf("Open(damaged segment) error: %v", err)
			}
			defer s.Close()
			want := ids
			if tt.name != "zeros appended" && tt.name != "huge length" {
				want = ids[:2] // the last record is lost
			}
			if got := storedIDs(t, s, time.Time{}); !slices.Equal(got, want) {
				t.Errorf("Articles() over a segment %s = %q, want %q", tt.name, got, want)
			}
			more := recordN(t, s, "b", 2)
			if got, want := storedIDs(t, s, time.Time{}), slices.Concat(want, more); !slices.Equal(got, want) {
				t.Errorf("Articles() after appending to a segment %s = %q, want %q", tt.name, got, want)
			}
			if got := segmentRecords(t, s); got != len(want)+len(more) {
				t.Errorf("segment holds %d good records, want %d (the damage cut off)", got, len(want)+len(more))
			}
		})
	}
}

// lastRecordStart walks the frames of a segment and returns the offset of
// its last record.
func lastRecordStart(t *testing.T, b []byte) int {
	t.Helper()
	off, last := len(segmentMagic), -1
	for off+segmentHeader <= len(b) {
		n := int(b[off])<<24 | int(b[off+1])<<16 | int(b[off+2])<<8 | int(b[off+3])
		last = off
		off += segmentHeader + n
	}
	if last < 0 {
		t.Fatal("segment has no record")
	}
	return last
}

// TestTextSegmentCreatedWithoutMagic: a segment created but cut before its
// magic reached the disk (empty, part of the magic, zeros) is started
// afresh.
func TestTextSegmentCreatedWithoutMagic(t *testing.T) {
	for _, content := range []string{"", "newsh", "\x00\x00\x00"} {
		s, path := openTest(t)
		if err := os.MkdirAll(path+".texts", 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, segmentPath(path), []byte(content))
		if got := storedIDs(t, s, time.Time{}); got != nil {
			t.Errorf("Articles() over a segment holding %q = %q, want none", content, got)
		}
		ids := recordN(t, s, "a", 2)
		if got := storedIDs(t, s, time.Time{}); !slices.Equal(got, ids) {
			t.Errorf("Articles() after appending to a segment that held %q = %q, want %q", content, got, ids)
		}
	}
}

// TestTextSegmentForeignFile: a file with a segment's name that is not
// one is never rewritten: the pass fails with an error naming it, and
// nothing of the pass is recorded (it is crawled again next run).
func TestTextSegmentForeignFile(t *testing.T) {
	s, path := openTest(t)
	if err := os.MkdirAll(path+".texts", 0o700); err != nil {
		t.Fatal(err)
	}
	foreign := []byte("somebody's notes, not a newshound segment at all\n")
	writeFile(t, segmentPath(path), foreign)
	_, err := s.Record(Pass{Source: "wire", Seen: []news.Article{article("a", t0)}})
	if err == nil || !strings.Contains(err.Error(), "2026-03-14.seg is not a newshound text segment") {
		t.Errorf("Record() next to a foreign segment file error = %v, want one naming the file", err)
	}
	if seen, _ := s.Seen("wire", "a"); seen {
		t.Error("the failed pass marked its article seen")
	}
	if got := readAll(t, segmentPath(path)); !bytes.Equal(got, foreign) {
		t.Errorf("foreign file changed to %q", got)
	}
	if err := s.Articles(time.Time{}, func(news.Article) error { return nil }); err == nil || !strings.Contains(err.Error(), "not a newshound text segment") {
		t.Errorf("Articles() over a foreign segment file error = %v, want one naming it", err)
	}
}

// TestTextInvisibleUntilIndexed: texts appended by a pass whose
// transaction never committed (a crash between the two) are never read;
// the pass recorded again on the next run is read once.
func TestTextInvisibleUntilIndexed(t *testing.T) {
	s, path := openTest(t)
	texts, err := encodeTexts("wire", []news.Article{article("a", t0)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.texts.append(texts); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, path) // the "crash"
	if got := storedIDs(t, s, time.Time{}); got != nil {
		t.Errorf("Articles() after an append without its transaction = %q, want none", got)
	}
	later := article("a", t0.Add(time.Minute))
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{later}})
	var got []news.Article
	if err := s.Articles(time.Time{}, func(a news.Article) error { got = append(got, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || !got[0].Found.Equal(later.Found) {
		t.Errorf("Articles() after recording the pass again = %+v, want the one recorded record", got)
	}
	if n := segmentRecords(t, s); n != 2 {
		t.Errorf("segment holds %d records, want 2 (the orphan stays until its day is pruned)", n)
	}
}

// TestTextRecordRepeated: a record written twice with the same found time
// (an append repeated after a failed commit in the same second) is read
// once.
func TestTextRecordRepeated(t *testing.T) {
	s, _ := openTest(t)
	texts, err := encodeTexts("wire", []news.Article{article("a", t0)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.texts.append(texts); err != nil {
		t.Fatal(err)
	}
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article("a", t0)}})
	if got := storedIDs(t, s, time.Time{}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Articles() over a record written twice = %q, want [a]", got)
	}
}

// TestTextFilesArePrivate: the text directory is 0700 and its segments
// 0600, like the database.
func TestTextFilesArePrivate(t *testing.T) {
	s, path := openTest(t)
	recordN(t, s, "a", 1)
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{{path + ".texts", 0o700}, {segmentPath(path), 0o600}} {
		info, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != tt.want {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(tt.path), got, tt.want)
		}
	}
}

// TestTextSizeAndDir: TextSize adds up the segments, which live in
// TextDir; pruning every day gives the space back.
func TestTextSizeAndDir(t *testing.T) {
	s, path := openTest(t)
	if n, err := s.TextSize(); n != 0 || err != nil {
		t.Errorf("TextSize() of a new store = %d, %v; want 0, nil", n, err)
	}
	if got, want := s.TextDir(), path+".texts"; got != want {
		t.Errorf("TextDir() = %q, want %q", got, want)
	}
	recordN(t, s, "a", 3)
	info, err := os.Stat(segmentPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.TextSize(); n != info.Size() || err != nil {
		t.Errorf("TextSize() = %d, %v; want the segment's %d", n, err, info.Size())
	}
	if _, err := s.PruneTexts(t0.Add(48*time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if n, err := s.TextSize(); n != 0 || err != nil {
		t.Errorf("TextSize() after pruning = %d, %v; want 0", n, err)
	}
}

// TestTextConcurrentReadersAndWriters: passes record while replays read;
// readers see only whole records and the end state holds every text once
// (run with -race).
func TestTextConcurrentReadersAndWriters(t *testing.T) {
	s, _ := openTest(t)
	const writers, passes = 4, 25
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for p := range passes {
				id := fmt.Sprintf("w%d-%02d", w, p)
				if _, err := s.Record(Pass{Source: fmt.Sprint("src", w), Seen: []news.Article{article(id, t0.Add(time.Duration(p)*time.Minute))}}); err != nil {
					t.Errorf("Record(%s) error: %v", id, err)
				}
			}
		})
	}
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := s.Articles(time.Time{}, func(a news.Article) error {
				if !strings.HasPrefix(a.Text, "Families left") {
					return fmt.Errorf("article %s read with text %.20q", a.ID, a.Text)
				}
				return nil
			}); err != nil {
				t.Errorf("Articles() during writes: %v", err)
				return
			}
		}
	})
	wg.Wait()
	close(done)
	readers.Wait()
	got := storedIDs(t, s, time.Time{})
	if len(got) != writers*passes {
		t.Errorf("Articles() after concurrent passes = %d texts, want %d", len(got), writers*passes)
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != writers*passes {
		t.Errorf("Articles() returned an ID twice")
	}
}

// TestMigrateV6LeftoverSegments: segments left by a v6 migration whose
// commit never happened are replaced by the next attempt, not read twice.
func TestMigrateV6LeftoverSegments(t *testing.T) {
	path := v5WithTexts(t, "https://wire.example/t1", "https://wire.example/t2")
	if err := os.MkdirAll(path+".texts", 0o700); err != nil {
		t.Fatal(err)
	}
	// A half-moved copy of the same texts, and a stray day.
	leftover := newTextLog(path)
	texts, err := encodeTexts("wire", []news.Article{article("https://wire.example/t1", t0)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := leftover.append(append(texts, pendingText{key: []byte("x"), at: t0.Add(-72 * time.Hour), value: []byte("junk")})); err != nil {
		t.Fatal(err)
	}
	if err := leftover.close(); err != nil {
		t.Fatal(err)
	}
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(v5 with leftover segments) error: %v", err)
	}
	defer s.Close()
	checkBuckets(t, s)
	if got, want := storedIDs(t, s, time.Time{}), []string{"https://wire.example/t1", "https://wire.example/t2"}; !slices.Equal(got, want) {
		t.Errorf("Articles() after migration = %q, want %q", got, want)
	}
	if got, want := segmentFiles(t, s), []string{"2026-03-14.seg"}; !slices.Equal(got, want) {
		t.Errorf("segment files after migration = %q, want %q", got, want)
	}
	if got := segmentRecords(t, s); got != 2 {
		t.Errorf("segments hold %d records after migration, want 2", got)
	}
}

// v5WithTexts builds a version 5 file holding the texts of articles with
// the given IDs, found at t0, in articles/ and article_ids/.
func v5WithTexts(t *testing.T, ids ...string) string {
	t.Helper()
	var articles []news.Article
	for _, id := range ids {
		articles = append(articles, article(id, t0))
	}
	texts, err := encodeTexts("wire", articles, t0)
	if err != nil {
		t.Fatal(err)
	}
	return fixture(t, func(tx *bbolt.Tx) error {
		if err := createBuckets(tx, slices.Concat(bucketsV1, bucketsV3, bucketsV4, bucketsV5)); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketMeta), keyVersion, 5); err != nil {
			return err
		}
		for _, text := range texts {
			if err := tx.Bucket(bucketArticles).Put(foundKey(text.at, text.key), text.value); err != nil {
				return err
			}
			if err := tx.Bucket(bucketArticleIDs).Put(articleIDKey(weekOf(text.at), text.key), nanosKey(text.at)); err != nil {
				return err
			}
		}
		return nil
	})
}

// FuzzTextSegment: whatever follows the magic in a segment, opening it for
// appending never panics, keeps every record a reader accepts, cuts the
// rest, and a record appended afterwards is read back after them.
func FuzzTextSegment(f *testing.F) {
	good := appendRecord(appendRecord(nil, []byte("first value")), []byte("second"))
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(append(bytes.Clone(good), 0, 0, 0, 0, 0, 0, 0, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, tail []byte) {
		l := newTextLog(filepath.Join(t.TempDir(), "f.db"))
		if err := os.MkdirAll(l.dir, 0o700); err != nil {
			t.Fatal(err)
		}
		name := segmentName(t0)
		if err := os.WriteFile(filepath.Join(l.dir, name), append([]byte(segmentMagic), tail...), 0o600); err != nil {
			t.Fatal(err)
		}
		var before [][]byte
		if err := l.eachInSegment(name, func(v []byte) error { before = append(before, bytes.Clone(v)); return nil }); err != nil {
			t.Fatalf("reading the segment: %v", err)
		}
		if err := l.append([]pendingText{{key: []byte("k"), at: t0, value: []byte("appended")}}); err != nil {
			t.Fatalf("append after %q: %v", tail, err)
		}
		if err := l.close(); err != nil {
			t.Fatal(err)
		}
		var after [][]byte
		if err := l.eachInSegment(name, func(v []byte) error { after = append(after, bytes.Clone(v)); return nil }); err != nil {
			t.Fatalf("reading the repaired segment: %v", err)
		}
		want := append(before, []byte("appended"))
		if !slices.EqualFunc(after, want, bytes.Equal) {
			t.Errorf("records after repair and append = %q, want %q", after, want)
		}
	})
}
