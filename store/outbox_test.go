package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/newshound/newshound/internal/golden"
	"go.etcd.io/bbolt"
)

// queue records one alert per url for notifier n, at the store clock.
func queue(t *testing.T, s *Store, n string, urls ...string) []string {
	t.Helper()
	var ids []string
	p := Pass{Source: "wire"}
	for _, u := range urls {
		a := testAlert("acme", u)
		p.Alerts = append(p.Alerts, QueuedAlert{Alert: a, Notifiers: []string{n}})
		ids = append(ids, entryID(a.ID, n))
	}
	mustRecord(t, s, p)
	return ids
}

func entryIDs(es []Entry) []string {
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestDueOrderAndLimit(t *testing.T) {
	s, _ := openTest(t)
	if _, ok, err := s.NextDue(); ok || err != nil {
		t.Errorf("NextDue() on empty outbox ok = %v, %v; want false, nil", ok, err)
	}
	ids := queue(t, s, "slack", "https://example.com/0", "https://example.com/1", "https://example.com/2", "https://example.com/3")
	// Reschedule so that the order is 2, 0, 3 (1 is in the future).
	for id, next := range map[string]time.Time{
		ids[0]: t0.Add(2 * time.Minute),
		ids[1]: t0.Add(time.Hour),
		ids[2]: t0.Add(time.Minute),
		ids[3]: t0.Add(3 * time.Minute),
	} {
		if err := s.Retry(id, next, "503"); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(3 * time.Minute)
	tests := []struct {
		now   time.Time
		limit int
		want  []string
	}{
		{now, 0, []string{ids[2], ids[0], ids[3]}},
		{now, 2, []string{ids[2], ids[0]}},
		{now, -1, []string{ids[2], ids[0], ids[3]}},
		{t0.Add(2 * time.Minute), 10, []string{ids[2], ids[0]}},
		{t0.Add(time.Minute - 1), 10, nil},
		{t0.Add(24 * time.Hour), 0, []string{ids[2], ids[0], ids[3], ids[1]}},
	}
	for _, tt := range tests {
		got, err := s.Due(tt.now, tt.limit)
		if err != nil {
			t.Fatalf("Due(%v, %d) error: %v", tt.now, tt.limit, err)
		}
		if diff := cmp.Diff(tt.want, entryIDs(got)); diff != "" {
			t.Errorf("Due(%v, %d) mismatch (-want +got):\n%s", tt.now, tt.limit, diff)
		}
	}
	next, ok, err := s.NextDue()
	if err != nil || !ok || !next.Equal(t0.Add(time.Minute)) {
		t.Errorf("NextDue() = %v, %v, %v; want %v", next, ok, err, t0.Add(time.Minute))
	}
	all, err := s.Queued()
	if err != nil || len(all) != 4 || all[3].ID != ids[1] {
		t.Errorf("Queued() = %v, %v; want all four, latest last", entryIDs(all), err)
	}
}

func TestEntryLifecycle(t *testing.T) {
	s, _ := openTest(t)
	ids := queue(t, s, "mail", "https://example.com/ok", "https://example.com/bad")
	ok, bad := ids[0], ids[1]

	if err := s.Retry(ok, t0.Add(time.Minute), "421 try later"); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ok, t0.Add(3*time.Minute), "421 still busy"); err != nil {
		t.Fatal(err)
	}
	q, err := s.Queued()
	if err != nil || len(q) != 2 {
		t.Fatalf("Queued() = %v, %v", entryIDs(q), err)
	}
	e := q[1]
	if e.ID != ok || e.Attempts != 2 || e.LastError != "421 still busy" || !e.NextAttempt.Equal(t0.Add(3*time.Minute)) ||
		!e.Created.Equal(t0) || e.Alert.ID != e.AlertID || e.Notifier != "mail" {
		t.Errorf("after two Retry calls, entry = %+v", e)
	}
	if err := s.Ack(ok, t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Dead(bad, "550 no such user", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if q, err := s.Queued(); err != nil || len(q) != 0 {
		t.Errorf("Queued() after Ack and Dead = %v, %v; want empty", entryIDs(q), err)
	}
	if _, ok, err := s.NextDue(); ok || err != nil {
		t.Errorf("NextDue() after Ack and Dead ok = %v, %v; want false", ok, err)
	}
	if at, found, err := s.Delivered(ok); err != nil || !found || !at.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("Delivered(%q) = %v, %v, %v", ok, at, found, err)
	}
	dead, err := s.DeadLetters()
	if err != nil || len(dead) != 1 {
		t.Fatalf("DeadLetters() = %v, %v; want one", entryIDs(dead), err)
	}
	d := dead[0]
	if d.ID != bad || d.LastError != "550 no such user" || d.Attempts != 1 || !d.DeadAt.Equal(t0.Add(5*time.Minute)) ||
		d.Alert.URL != "https://example.com/bad" {
		t.Errorf("dead letter = %+v", d)
	}
}

func TestUnknownEntryIsNotFound(t *testing.T) {
	s, _ := openTest(t)
	id := queue(t, s, "slack", "https://example.com/a")[0]
	if err := s.Ack(id, t0); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(id string) error{
		"Ack":   func(id string) error { return s.Ack(id, t0) },
		"Retry": func(id string) error { return s.Retry(id, t0, "x") },
		"Dead":  func(id string) error { return s.Dead(id, "x", t0) },
	}
	for name, op := range ops {
		for _, id := range []string{id, "nh_never/slack", ""} {
			if err := op(id); !errors.Is(err, ErrNotFound) {
				t.Errorf("%s(%q) error = %v, want ErrNotFound", name, id, err)
			}
		}
	}
}

func TestEntryTimesRoundTrip(t *testing.T) {
	s, _ := openTest(t)
	id := queue(t, s, "slack", "https://example.com/a")[0]
	next := time.Date(2026, 3, 14, 10, 0, 0, 123456789, time.FixedZone("NPT", 5*3600+2700))
	if err := s.Retry(id, next, "503"); err != nil {
		t.Fatal(err)
	}
	q, err := s.Queued()
	if err != nil || len(q) != 1 {
		t.Fatalf("Queued() = %v, %v", q, err)
	}
	if got := q[0].NextAttempt; !got.Equal(next) || got.Location() != time.UTC {
		t.Errorf("NextAttempt = %v, want %v in UTC", got, next)
	}
	if got, _, _ := s.NextDue(); !got.Equal(next) {
		t.Errorf("NextDue() = %v, want %v (nanoseconds kept)", got, next)
	}
}

// TestOnDiskFormat pins the JSON written to each bucket; a diff here is a
// schema change and needs a migration. Run with -update to accept it.
func TestOnDiskFormat(t *testing.T) {
	s, path := openTest(t)
	ids := queue(t, s, "slack", "https://example.com/a", "https://example.com/b")
	mustRecord(t, s, Pass{Source: "wire", State: SourceState{
		LastRun: t0, LastSuccess: t0.Add(-time.Hour), ConsecutiveFailures: 1, LastError: "fetch: timeout", Items: 12,
	}})
	if err := s.Retry(ids[0], t0.Add(time.Minute), "receiver answered 503 Service Unavailable: (empty body)"); err != nil {
		t.Fatal(err)
	}
	if err := s.Dead(ids[1], "receiver answered 404 Not Found: no such hook", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	digest := testAlert("acme", "https://example.com/c")
	if _, err := s.Queue([]QueuedAlert{{Alert: digest, Routes: []Route{{Notifier: "mail", Due: t0.Add(time.Hour), Digest: true}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Disable(DisabledNotifier{Name: "slack", Reason: "receiver answered 410 Gone: (empty body)",
		Fingerprint: "sha256:0123abcd", At: t0.Add(3 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	alertID := testAlert("acme", "https://example.com/a").ID
	for _, g := range []struct{ file, bucket, key string }{
		{"alert", "alerts", alertID},
		{"entry", "outbox", ids[0]},
		{"entry_digest", "outbox", entryID(digest.ID, "mail")},
		{"disabled", "disabled", "slack"},
		{"dead", "dead", ids[1]},
		{"source", "sources", "wire"},
		{"version", "meta", "version"},
	} {
		checkGolden(t, filepath.Join("testdata", g.file+".golden.json"), rawValue(t, path, g.bucket, g.key))
	}
}

func rawValue(t *testing.T, path, bucket, key string) []byte {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []byte
	err = db.View(func(tx *bbolt.Tx) error {
		out = slices.Clone(tx.Bucket([]byte(bucket)).Get([]byte(key)))
		return nil
	})
	if err != nil || out == nil {
		t.Fatalf("raw %s/%s = %q, %v", bucket, key, out, err)
	}
	return out
}

func checkGolden(t *testing.T, file string, raw []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatalf("stored value for %s is not JSON: %v", file, err)
	}
	buf.WriteByte('\n')
	golden.Check(t, file, buf.Bytes())
}
