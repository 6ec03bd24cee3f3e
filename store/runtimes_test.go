package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// lastTx is the ID of the last committed write transaction.
func lastTx(t *testing.T, s *Store) int {
	t.Helper()
	var id int
	if err := s.view(func(tx *bbolt.Tx) error { id = tx.ID(); return nil }); err != nil {
		t.Fatalf("read transaction: %v", err)
	}
	return id
}

// crash closes the file as a killed process leaves it: nothing held in
// memory is written. The Store must not be used afterwards.
func crash(t *testing.T, s *Store) {
	t.Helper()
	s.held = heldRuns{}
	_ = s.texts.close()
	if err := s.db.Close(); err != nil {
		t.Fatalf("close bbolt: %v", err)
	}
}

func reopenAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// idleState is a source's state after a steady idle run at lastRun.
func idleState(lastRun time.Time) SourceState {
	return SourceState{LastRun: lastRun, LastSuccess: lastRun, Items: 20,
		History: []int{20, 20, 20, 20, 20, 20, 20, 20, 20, 20}}
}

// TestIdlePassCostsNoWrite: a pass that changes nothing but the run times
// commits no write transaction; readers see its times at once, and they
// reach the file with Close.
func TestIdlePassCostsNoWrite(t *testing.T) {
	s, path := openTest(t)
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0)})
	before := lastTx(t, s)
	for i := 1; i <= 3; i++ {
		mustRecord(t, s, Pass{Source: "wire", State: idleState(t0.Add(time.Duration(i) * 15 * time.Minute))})
	}
	if got := lastTx(t, s); got != before {
		t.Errorf("after 3 idle passes last write transaction = %d, want %d (none)", got, before)
	}
	want := idleState(t0.Add(45 * time.Minute))
	got, ok, err := s.SourceState("wire")
	if err != nil || !ok {
		t.Fatalf("SourceState(wire) = %v, %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SourceState(wire) after idle passes (-want +got):\n%s", diff)
	}
	if got, _, err := s.States("wire"); err != nil || !got.LastRun.Equal(want.LastRun) {
		t.Errorf("States(wire).LastRun = %v, %v; want %v", got.LastRun, err, want.LastRun)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s2 := reopenAt(t, path)
	if got, _, err := s2.SourceState("wire"); err != nil || !got.LastRun.Equal(want.LastRun) || !got.LastSuccess.Equal(want.LastSuccess) {
		t.Errorf("after Close and Open, SourceState(wire) run times = %v, %v, %v; want %v", got.LastRun, got.LastSuccess, err, want.LastRun)
	}
}

// TestHeldRunTimesAfterCrash: a crash loses only the held run times; the
// source then reads as last run at its last written pass (and so polls at
// start), every other field as it was.
func TestHeldRunTimesAfterCrash(t *testing.T) {
	s, path := openTest(t)
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0)})
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0.Add(15 * time.Minute))})
	crash(t, s)
	got, ok, err := reopenAt(t, path).SourceState("wire")
	if err != nil || !ok {
		t.Fatalf("SourceState(wire) = %v, %v", ok, err)
	}
	if diff := cmp.Diff(idleState(t0), got); diff != "" {
		t.Errorf("SourceState(wire) after a crash (-want +got):\n%s", diff)
	}
}

// TestHeldRunTimesRideNextWrite: the next write transaction, of any
// source, writes the run times held so far, so a crash after it keeps
// them.
func TestHeldRunTimesRideNextWrite(t *testing.T) {
	s, path := openTest(t)
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0)})
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0.Add(15 * time.Minute))})
	mustRecord(t, s, Pass{Source: "other", State: idleState(t0.Add(20 * time.Minute)),
		Seen: []news.Article{{Keys: []string{"https://example.com/a"}}}})
	if len(s.held.by) != 0 {
		t.Errorf("held after a write = %v, want none", s.held.by)
	}
	crash(t, s)
	if got, _, err := reopenAt(t, path).SourceState("wire"); err != nil || !got.LastRun.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("SourceState(wire).LastRun after a crash = %v, %v; want the time the write carried, %v", got.LastRun, err, t0.Add(15*time.Minute))
	}
}

// TestPassThatChangesStateWrites: any change but later run times is
// written at once, in a write transaction.
func TestPassThatChangesStateWrites(t *testing.T) {
	next := t0.Add(15 * time.Minute)
	tests := []struct {
		name string
		pass Pass
	}{
		{"new articles count", Pass{Source: "wire", State: func() SourceState { s := idleState(next); s.New = 1; return s }()}},
		{"failure", Pass{Source: "wire", State: func() SourceState {
			s := idleState(next)
			s.LastSuccess, s.ConsecutiveFailures, s.LastError = t0, 1, "fetch feed: 503"
			return s
		}()}},
		{"history", Pass{Source: "wire", State: func() SourceState { s := idleState(next); s.History = append(s.History[1:], 21); return s }()}},
		{"run time earlier", Pass{Source: "wire", State: idleState(t0.Add(-time.Minute))}},
		{"fetch state", Pass{Source: "wire", State: idleState(next), Fetch: &FetchState{ETag: `"v2"`}}},
		{"seen key", Pass{Source: "wire", State: idleState(next), Seen: []news.Article{{Keys: []string{"k"}}}}},
		{"never recorded", Pass{Source: "new", State: idleState(next)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, path := openTest(t)
			mustRecord(t, s, Pass{Source: "wire", State: idleState(t0)})
			before := lastTx(t, s)
			mustRecord(t, s, tt.pass)
			if got := lastTx(t, s); got != before+1 {
				t.Errorf("Record(%s): last write transaction = %d, want %d", tt.name, got, before+1)
			}
			crash(t, s)
			got, _, err := reopenAt(t, path).SourceState(tt.pass.Source)
			if diff := cmp.Diff(tt.pass.State, got); err != nil || diff != "" {
				t.Errorf("Record(%s): state after a crash, %v (-want +got):\n%s", tt.name, err, diff)
			}
		})
	}
}

// TestBackupHasHeldRunTimes: a backup of a running store carries the
// run times held in memory.
func TestBackupHasHeldRunTimes(t *testing.T) {
	s, _ := openTest(t)
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0)})
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0.Add(15 * time.Minute))})
	copyPath := filepath.Join(t.TempDir(), "backup.db")
	if _, err := BackupFile(s, copyPath); err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	if got, _, err := reopenAt(t, copyPath).SourceState("wire"); err != nil || !got.LastRun.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("backup's SourceState(wire).LastRun = %v, %v; want %v", got.LastRun, err, t0.Add(15*time.Minute))
	}
}

// TestRecordStoresFetchState: the pass's fetch state is stored in its
// transaction; a pass without one keeps the stored one.
func TestRecordStoresFetchState(t *testing.T) {
	s, _ := openTest(t)
	want := FetchState{URL: "https://example.com/feed", ETag: `"v1"`, NotBefore: t0.Add(time.Hour),
		Failing: ArticleFailures{"https://example.com/a": {Attempts: 2, First: t0, LastError: "404"}}}
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0), Fetch: &want})
	mustRecord(t, s, Pass{Source: "wire", State: idleState(t0.Add(time.Minute)), Seen: []news.Article{{Keys: []string{"k"}}}})
	for name, read := range map[string]func() (FetchState, error){
		"FetchState": func() (FetchState, error) { f, _, err := s.FetchState("wire"); return f, err },
		"States":     func() (FetchState, error) { _, f, err := s.States("wire"); return f, err },
	} {
		got, err := read()
		if diff := cmp.Diff(want, got); err != nil || diff != "" {
			t.Errorf("%s(wire) = %v (-want +got):\n%s", name, err, diff)
		}
	}
}

// TestSeenManyAgreesWithSeen: over keys in the current week, in sealed
// weeks and unknown, of this source and another, SeenMany answers as
// Seen does.
func TestSeenManyAgreesWithSeen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "newshound.db")
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	var keys []string
	for week := range 4 {
		var arts []news.Article
		for i := range 30 {
			k := fmt.Sprintf("https://example.com/w%d/%d", week, i)
			keys = append(keys, k)
			arts = append(arts, news.Article{Keys: []string{k}})
		}
		mustRecord(t, s, Pass{Source: "wire", Seen: arts, State: SourceState{LastRun: now}})
		now = now.Add(seenWeek)
	}
	mustRecord(t, s, Pass{Source: "other", Seen: []news.Article{{Keys: []string{"https://example.com/other"}}}})
	keys = append(keys, "https://example.com/other", "https://example.com/never")
	got, err := s.SeenMany("wire", keys)
	if err != nil {
		t.Fatalf("SeenMany: %v", err)
	}
	for _, k := range keys {
		want, err := s.Seen("wire", k)
		if err != nil {
			t.Fatalf("Seen(%q): %v", k, err)
		}
		if got[k] != want {
			t.Errorf("SeenMany(wire)[%q] = %v, want %v (Seen)", k, got[k], want)
		}
	}
	if len(got) != 120 {
		t.Errorf("SeenMany(wire) holds %d keys, want 120", len(got))
	}
}
