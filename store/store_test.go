package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// t0 is the fixed start of every test clock.
var t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// fixedClock returns a clock for Options.Now that reads *at.
func fixedClock(at *time.Time) func() time.Time { return func() time.Time { return *at } }

// openTest opens a store in a fresh temporary directory with a clock fixed
// at t0, and closes it when the test ends.
func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newshound.db")
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(%q) error: %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func mustRecord(t *testing.T, s *Store, p Pass) []string {
	t.Helper()
	ids, err := s.Record(p)
	if err != nil {
		t.Fatalf("Record(source %q) error: %v", p.Source, err)
	}
	return ids
}

// testAlert builds a fully populated alert for watch w on article url.
func testAlert(w, url string) news.Alert {
	return news.Alert{
		ID:        news.AlertID(w, url),
		Watch:     w,
		Source:    "wire",
		URL:       url,
		Title:     "Title of " + url,
		Published: t0.Add(-time.Hour),
		Found:     t0,
		Matches:   []news.Match{{Term: w, Seen: []string{w}, Count: 2}},
		Fired:     w + ` AND "said"`,
		Snippet:   "… " + w + " said …",
		// The two words after "… " (3 bytes): w and "said".
		Highlights: []news.Span{{Start: 4, End: 4 + len(w)}, {Start: 5 + len(w), End: 9 + len(w)}},
	}
}

// fillDB records enough to make the file span many pages.
func fillDB(t *testing.T, s *Store) {
	t.Helper()
	p := Pass{Source: "wire"}
	for i := range 400 {
		url := "https://example.com/news/" + string(rune('a'+i%26)) + "/" + time.Duration(i).String()
		p.Seen = append(p.Seen, news.Article{ID: url, Keys: []string{url, "guid:" + url}})
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: testAlert("acme", url), Notifiers: []string{"slack", "mail"}})
	}
	mustRecord(t, s, p)
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	_, path := openTest(t)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("Open(%q) created mode %v, want 0600", path, got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*new-*"))
	if len(leftovers) != 0 {
		t.Errorf("Open left temporary files %v", leftovers)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatal(err)
	}
	a := testAlert("acme", "https://example.com/1")
	mustRecord(t, s, Pass{
		Source: "wire",
		Seen:   []news.Article{{ID: a.URL, Keys: []string{a.URL}}},
		Alerts: []QueuedAlert{{Alert: a, Notifiers: []string{"slack", "mail"}}},
		State:  SourceState{LastRun: t0, LastSuccess: t0, Items: 7},
	})
	if err := s.Ack(entryID(a.ID, "slack"), t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() error: %v", err)
	}

	s, err = Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(%q) after Close error: %v", path, err)
	}
	defer s.Close()
	if seen, err := s.Seen("wire", a.URL); err != nil || !seen {
		t.Errorf("Seen(wire, %q) = %v, %v; want true, nil", a.URL, seen, err)
	}
	if _, ok, err := s.Alert(a.ID); err != nil || !ok {
		t.Errorf("Alert(%q) ok = %v, %v; want true, nil", a.ID, ok, err)
	}
	if st, ok, err := s.SourceState("wire"); err != nil || !ok || st.Items != 7 {
		t.Errorf("SourceState(wire) = %+v, %v, %v; want Items 7", st, ok, err)
	}
	q, err := s.Queued()
	if err != nil || len(q) != 1 || q[0].Notifier != "mail" {
		t.Errorf("Queued() = %+v, %v; want the mail entry only", q, err)
	}
	if at, ok, err := s.Delivered(entryID(a.ID, "slack")); err != nil || !ok || !at.Equal(t0) {
		t.Errorf("Delivered(slack entry) = %v, %v, %v; want %v", at, ok, err, t0)
	}
	// Recording the same alert after the restart queues nothing.
	if ids := mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: a, Notifiers: []string{"slack"}}}}); len(ids) != 0 {
		t.Errorf("Record(known alert) after reopen = %v, want none", ids)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	s, path := openTest(t)
	_, err := Open(path, Options{Timeout: 20 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open(%q) error = %v, want ErrLocked", path, err)
	}
	if want := "in use by another newshound process"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("second Open error %q does not say %q", err, want)
	}
	// The first instance is unharmed.
	if _, err := s.Seen("wire", "x"); err != nil {
		t.Errorf("Seen on first instance after refused second Open: %v", err)
	}
}

// fileDamage is one way a database file gets damaged; size is the file's
// size and used the end of its last used page.
type fileDamage struct {
	name   string
	damage func(t *testing.T, path string, size, used int64)
}

// fileDamages are the damages Open and Verify must both refuse.
func fileDamages() []fileDamage {
	return []fileDamage{
		{"empty", func(t *testing.T, path string, _, _ int64) { truncate(t, path, 0) }},
		{"truncated to one page", func(t *testing.T, path string, _, _ int64) { truncate(t, path, pageSize) }},
		{"truncated mid-meta", func(t *testing.T, path string, _, _ int64) { truncate(t, path, pageSize+1000) }},
		{"truncated to half", func(t *testing.T, path string, size, _ int64) { truncate(t, path, size/2) }},
		{"last used page cut", func(t *testing.T, path string, _, used int64) { truncate(t, path, used-pageSize) }},
		{"garbage", func(t *testing.T, path string, _, _ int64) {
			writeFile(t, path, bytes.Repeat([]byte("not a database\x00\xff"), 4096))
		}},
		{"short garbage", func(t *testing.T, path string, _, _ int64) { writeFile(t, path, []byte("junk")) }},
		{"data pages overwritten", func(t *testing.T, path string, size, _ int64) {
			overwrite(t, path, 2*pageSize, bytes.Repeat([]byte{0xff}, int(size)-2*pageSize))
		}},
		{"first half of the pages overwritten", func(t *testing.T, path string, _, used int64) {
			overwrite(t, path, 2*pageSize, bytes.Repeat([]byte{0xa5}, int(used/2)))
		}},
		{"meta pages zeroed", func(t *testing.T, path string, _, _ int64) {
			overwrite(t, path, 0, make([]byte, 2*pageSize))
		}},
	}
}

// damagedCopy builds a filled database, closes it and damages it.
func damagedCopy(t *testing.T, d fileDamage) string {
	t.Helper()
	s, path := openTest(t)
	fillDB(t, s)
	used := highWater(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	d.damage(t, path, info.Size(), used)
	return path
}

func TestDamagedFileIsRefused(t *testing.T) {
	for _, tt := range fileDamages() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := damagedCopy(t, tt)
			before := readAll(t, path)

			s2, err := Open(path, Options{})
			if err == nil {
				// Some damage only shows when the pages are read; it
				// must then surface as ErrCorrupt, never as a panic.
				err = useAll(s2)
				_ = s2.Close()
			}
			t.Logf("Open(%s database): %v", tt.name, err)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open(%s database) error = %v, want ErrCorrupt", tt.name, err)
			}
			if after := readAll(t, path); !bytes.Equal(before, after) {
				t.Errorf("Open(%s database) changed the file (%d bytes → %d)", tt.name, len(before), len(after))
			}
		})
	}
}

// useAll reads every kind of record, returning the first error.
func useAll(s *Store) error {
	if _, err := s.Queued(); err != nil {
		return err
	}
	if _, err := s.DeadLetters(); err != nil {
		return err
	}
	_, _, err := s.SourceState("wire")
	return err
}

func TestOpenErrorsAreNotCorruption(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
	}{
		{"missing directory", filepath.Join(dir, "nope", "db")},
		{"directory", dir},
	}
	for _, tt := range tests {
		_, err := Open(tt.path, Options{})
		if err == nil || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrLocked) {
			t.Errorf("Open(%s) error = %v, want a plain error", tt.name, err)
		}
	}
}

// highWater returns how many bytes of the file hold pages in use: bbolt
// grows files ahead of need, so cutting beyond this loses nothing.
func highWater(t *testing.T, s *Store) int64 {
	t.Helper()
	var n int64
	if err := s.db.View(func(tx *bbolt.Tx) error { n = tx.Size(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func truncate(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func overwrite(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenFollowsReplacedFile: a process that opened the database while
// another held it and replaced it by a new file (compact renames its copy
// over the database before letting go of the old one's lock) ends up on
// the new file, not on the old, unlinked one where its writes would be
// lost.
func TestOpenFollowsReplacedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newshound.db")
	holder, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	replacement := filepath.Join(dir, "replacement.db")
	r, err := Open(replacement, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustRecord(t, r, Pass{Source: "wire", Seen: []news.Article{{Keys: []string{"from-the-replacement"}}}})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	opened := make(chan *Store)
	go func() {
		s, err := Open(path, Options{Timeout: 10 * time.Second})
		if err != nil {
			t.Errorf("Open(while held and replaced) error: %v", err)
		}
		opened <- s
	}()
	// Give the second Open time to open the old file and wait for its
	// lock; if it is late it opens the new file directly and the test
	// proves less, but never fails wrongly.
	time.Sleep(300 * time.Millisecond)
	if err := os.Rename(replacement, path); err != nil {
		t.Fatal(err)
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	s := <-opened
	if s == nil {
		return
	}
	defer s.Close()
	if seen, err := s.Seen("wire", "from-the-replacement"); err != nil || !seen {
		t.Errorf("Seen(key of the replacement) after opening a replaced file = %v, %v; want true: the store opened the old file", seen, err)
	}
}
