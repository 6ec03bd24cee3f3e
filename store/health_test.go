package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

func TestSourceHealthRoundTrip(t *testing.T) {
	s, path := openTest(t)
	want := SourceState{
		LastRun:             t0,
		LastSuccess:         t0.Add(-3 * time.Hour),
		ConsecutiveFailures: 3,
		LastError:           "fetch feed: 503 Service Unavailable",
		ConsecutiveEmpty:    1,
		New:                 0,
		History:             []int{12, 0, -1, -1, -1},
		Unhealthy:           true,
		UnhealthySince:      t0.In(time.FixedZone("CET", 3600)),
		Noticed:             true,
		Episodes:            2,
	}
	mustRecord(t, s, Pass{Source: "wire", State: want})
	got, ok, err := s.SourceState("wire")
	if err != nil || !ok {
		t.Fatalf("SourceState(wire) ok = %v, %v", ok, err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SourceState(wire) mismatch (-want +got):\n%s", diff)
	}
	if got.UnhealthySince.Location() != time.UTC {
		t.Errorf("SourceState(wire).UnhealthySince location = %v, want UTC", got.UnhealthySince.Location())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "source_health.golden.json"), rawValue(t, path, "sources", "wire"))
}

// TestSourceHealthHistoryBounded: a caller that appends without trimming
// still stores only the last HistoryLen runs.
func TestSourceHealthHistoryBounded(t *testing.T) {
	s, _ := openTest(t)
	var h []int
	for i := range 25 {
		h = append(h, i)
	}
	mustRecord(t, s, Pass{Source: "wire", State: SourceState{LastRun: t0, History: h}})
	got, _, err := s.SourceState("wire")
	if err != nil {
		t.Fatal(err)
	}
	if want := h[len(h)-HistoryLen:]; !cmp.Equal(got.History, want) {
		t.Errorf("SourceState(wire).History = %v, want %v", got.History, want)
	}
}

// TestSourceStateBeforeHealth: a record written before the health fields
// existed reads back as a healthy source with its old fields intact.
func TestSourceStateBeforeHealth(t *testing.T) {
	s, path := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	old := `{"last_run":"2026-03-14T09:26:53Z","last_success":"2026-03-14T08:26:53Z","consecutive_failures":4,"last_error":"fetch: timeout","items":12}`
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSources).Put([]byte("wire"), []byte(old))
	})
	if cerr := db.Close(); err != nil || cerr != nil {
		t.Fatalf("write old record: %v, %v", err, cerr)
	}
	s, err = Open(path, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.SourceState("wire")
	if err != nil || !ok {
		t.Fatalf("SourceState(wire) ok = %v, %v", ok, err)
	}
	want := SourceState{LastRun: t0, LastSuccess: t0.Add(-time.Hour), ConsecutiveFailures: 4, LastError: "fetch: timeout", Items: 12}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SourceState(wire) of an old record mismatch (-want +got):\n%s", diff)
	}
}
