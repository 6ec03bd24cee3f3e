package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestDueForReadsOneNotifier: each notifier's range of the due index holds
// its entries only, even for names that are prefixes of one another, and
// the all-notifier reads merge the ranges in next-attempt order.
func TestDueForReadsOneNotifier(t *testing.T) {
	s, _ := openTest(t)
	names := []string{"a", "a.b", "ab", "a-"}
	ids := map[string][]string{}
	for i, n := range names {
		ids[n] = queue(t, s, n, "https://example.com/"+n+"/1", "https://example.com/"+n+"/2")
		// Entry 1 of notifier i falls due i minutes after t0, entry 2 an hour later.
		if err := s.Retry(ids[n][0], t0.Add(time.Duration(i)*time.Minute), "x"); err != nil {
			t.Fatal(err)
		}
		if err := s.Retry(ids[n][1], t0.Add(time.Hour), "x"); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.QueuedNotifiers()
	if want := []string{"a", "a-", "a.b", "ab"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("QueuedNotifiers() = %q, %v; want %q", got, err, want)
	}
	for i, n := range names {
		due, err := s.DueFor(n, t0.Add(10*time.Minute), 0)
		if err != nil || !slices.Equal(entryIDs(due), ids[n][:1]) {
			t.Errorf("DueFor(%q, t0+10m) = %q, %v; want %q", n, entryIDs(due), err, ids[n][:1])
		}
		all, err := s.DueFor(n, t0.Add(2*time.Hour), 1)
		if err != nil || !slices.Equal(entryIDs(all), ids[n][:1]) {
			t.Errorf("DueFor(%q, t0+2h, limit 1) = %q, %v; want %q", n, entryIDs(all), err, ids[n][:1])
		}
		next, ok, err := s.NextDueFor(n)
		if want := t0.Add(time.Duration(i) * time.Minute); err != nil || !ok || !next.Equal(want) {
			t.Errorf("NextDueFor(%q) = %v, %v, %v; want %v", n, next, ok, err, want)
		}
	}
	if _, ok, err := s.NextDueFor("nobody"); ok || err != nil {
		t.Errorf("NextDueFor(nobody) ok = %v, %v; want false, nil", ok, err)
	}
	// Across notifiers: the first entries in name order of their times
	// (a at +0, a.b at +1m, ab at +2m, a- at +3m), then the rest.
	due, err := s.Due(t0.Add(2*time.Minute), 0)
	if want := []string{ids["a"][0], ids["a.b"][0], ids["ab"][0]}; err != nil || !slices.Equal(entryIDs(due), want) {
		t.Errorf("Due(t0+2m) = %q, %v; want %q", entryIDs(due), err, want)
	}
	due, err = s.Due(t0.Add(2*time.Hour), 2)
	if want := []string{ids["a"][0], ids["a.b"][0]}; err != nil || !slices.Equal(entryIDs(due), want) {
		t.Errorf("Due(t0+2h, limit 2) = %q, %v; want %q", entryIDs(due), err, want)
	}
	if next, ok, err := s.NextDue(); err != nil || !ok || !next.Equal(t0) {
		t.Errorf("NextDue() = %v, %v, %v; want %v", next, ok, err, t0)
	}
	if q, err := s.Queued(); err != nil || len(q) != 8 || q[7].NextAttempt.Before(q[0].NextAttempt) {
		t.Errorf("Queued() = %q, %v; want 8 entries in next-attempt order", entryIDs(q), err)
	}
}

// TestQueueRoutes: Notifiers are immediate routes listed first; one entry
// per notifier, the first route naming it wins; a route's Due and Digest
// are kept and FirstDue is the first due time.
func TestQueueRoutes(t *testing.T) {
	s, _ := openTest(t)
	a := testAlert("acme", "https://example.com/a")
	later := t0.Add(8 * time.Hour)
	got, err := s.Queue([]QueuedAlert{{Alert: a, Notifiers: []string{"slack"}, Routes: []Route{
		{Notifier: "slack", Due: later, Digest: true}, // slack already immediate
		{Notifier: "mail", Due: later, Digest: true},
		{Notifier: "hook"}, // zero Due: now
		{Notifier: "mail"}, // mail already routed
	}}})
	if err != nil || !slices.Equal(got, []string{a.ID}) {
		t.Fatalf("Queue() = %q, %v; want [%s]", got, err, a.ID)
	}
	q, err := s.Queued()
	if err != nil {
		t.Fatal(err)
	}
	type sched struct {
		ID             string
		Next, FirstDue time.Time
		Digest         bool
	}
	var gotSched []sched
	for _, e := range q {
		gotSched = append(gotSched, sched{e.ID, e.NextAttempt, e.FirstDue, e.Digest})
	}
	want := []sched{
		{a.ID + "/hook", t0, t0, false},
		{a.ID + "/slack", t0, t0, false},
		{a.ID + "/mail", later, later, true},
	}
	if diff := cmp.Diff(want, gotSched); diff != "" {
		t.Errorf("queued entries mismatch (-want +got):\n%s", diff)
	}
}

// TestQueueDeduplicatesWithRecord: Queue and Record share one dedup rule.
func TestQueueDeduplicatesWithRecord(t *testing.T) {
	s, _ := openTest(t)
	a := testAlert("acme", "https://example.com/a")
	b := testAlert("acme", "https://example.com/b")
	mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: a, Notifiers: []string{"slack"}}}})
	got, err := s.Queue([]QueuedAlert{{Alert: a, Notifiers: []string{"mail"}}, {Alert: b, Notifiers: []string{"mail"}}, {Alert: b, Notifiers: []string{"hook"}}})
	if err != nil || !slices.Equal(got, []string{b.ID}) {
		t.Errorf("Queue(a again, b twice) = %q, %v; want [%s]", got, err, b.ID)
	}
	if got := mustRecord(t, s, Pass{Source: "wire", Alerts: []QueuedAlert{{Alert: b, Notifiers: []string{"slack"}}}}); got != nil {
		t.Errorf("Record(b after Queue) = %q, want nothing new", got)
	}
	q, _ := s.Queued()
	want := []string{a.ID + "/slack", b.ID + "/mail"}
	gotIDs := entryIDs(q)
	slices.Sort(gotIDs)
	slices.Sort(want)
	if !slices.Equal(gotIDs, want) {
		t.Errorf("Queued() = %q, want %q", gotIDs, want)
	}
}

// TestQueueRefusesInvalidAlerts: one bad alert stores nothing at all.
func TestQueueRefusesInvalidAlerts(t *testing.T) {
	good := QueuedAlert{Alert: testAlert("acme", "https://example.com/a"), Notifiers: []string{"slack"}}
	tests := []struct {
		name string
		bad  QueuedAlert
		want string
	}{
		{"empty id", QueuedAlert{Notifiers: []string{"slack"}}, "empty ID"},
		{"empty notifier", QueuedAlert{Alert: testAlert("acme", "b"), Notifiers: []string{""}}, "empty notifier name"},
		{"empty route", QueuedAlert{Alert: testAlert("acme", "b"), Routes: []Route{{Digest: true}}}, "empty notifier name"},
		{"NUL in name", QueuedAlert{Alert: testAlert("acme", "b"), Routes: []Route{{Notifier: "a\x00b"}}}, "NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			got, err := s.Queue([]QueuedAlert{good, tt.bad})
			if err == nil || !strings.Contains(err.Error(), tt.want) || got != nil {
				t.Errorf("Queue(good, %s) = %q, %v; want an error containing %q", tt.name, got, err, tt.want)
			}
			if _, ok, _ := s.Alert(good.Alert.ID); ok {
				t.Errorf("Queue(good, %s) stored the good alert; want nothing stored", tt.name)
			}
		})
	}
}

// TestDefer: no attempt counted, Digest set, FirstDue kept, index moved.
func TestDefer(t *testing.T) {
	s, _ := openTest(t)
	id := queue(t, s, "slack", "https://example.com/a")[0]
	if err := s.Retry(id, t0.Add(time.Minute), "503"); err != nil {
		t.Fatal(err)
	}
	end := t0.Add(7 * time.Hour)
	if err := s.Defer(id, end, true); err != nil {
		t.Fatal(err)
	}
	if due, err := s.DueFor("slack", end.Add(-time.Nanosecond), 0); err != nil || len(due) != 0 {
		t.Errorf("DueFor(before the deferred time) = %q, %v; want none", entryIDs(due), err)
	}
	due, err := s.DueFor("slack", end, 0)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueFor(deferred time) = %q, %v; want the entry", entryIDs(due), err)
	}
	e := due[0]
	if e.Attempts != 1 || !e.Digest || !e.FirstDue.Equal(t0) || !e.NextAttempt.Equal(end) || e.LastError != "503" {
		t.Errorf("deferred entry = %+v; want attempts 1, digest, first due %v, next %v, last error kept", e, t0, end)
	}
	if err := s.Defer("nh_none/slack", end, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("Defer(unknown) error = %v, want ErrNotFound", err)
	}
}
