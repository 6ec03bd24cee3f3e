package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// TestRetryAll reschedules several entries in one call: each counts an
// attempt, gets its own next attempt and error, and moves in the due
// index; one missing entry makes the whole call change nothing.
func TestRetryAll(t *testing.T) {
	s, _ := openTest(t)
	ids := queue(t, s, "mail", "https://example.com/0", "https://example.com/1", "https://example.com/2")
	rs := []Reschedule{
		{ID: ids[0], Next: t0.Add(time.Minute), LastError: "451 greylisted"},
		{ID: ids[2], Next: t0.Add(2 * time.Minute), LastError: "not sent, notifier failed on an earlier alert: 451 greylisted"},
	}
	if err := s.RetryAll(rs); err != nil {
		t.Fatalf("RetryAll: %v", err)
	}
	due, err := s.DueFor("mail", t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryIDs(due); !slices.Equal(got, []string{ids[1]}) {
		t.Errorf("DueFor(mail, t0) = %q, want only the entry not retried %q", got, ids[1])
	}
	later, err := s.DueFor("mail", t0.Add(2*time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Entry{}
	for _, e := range later {
		byID[e.ID] = e
	}
	for _, r := range rs {
		e := byID[r.ID]
		if e.Attempts != 1 || !e.NextAttempt.Equal(r.Next) || e.LastError != r.LastError {
			t.Errorf("entry %s after RetryAll = attempts %d, next %v, error %q; want 1, %v, %q",
				r.ID, e.Attempts, e.NextAttempt, e.LastError, r.Next, r.LastError)
		}
	}

	// All or nothing: a missing id leaves the others as they were.
	err = s.RetryAll([]Reschedule{{ID: ids[1], Next: t0.Add(time.Hour), LastError: "x"}, {ID: "nh_missing/mail", Next: t0.Add(time.Hour)}})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("RetryAll(with a missing entry) error = %v, want ErrNotFound", err)
	}
	due, err = s.DueFor("mail", t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryIDs(due); !slices.Equal(got, []string{ids[1]}) || due[0].Attempts != 0 {
		t.Errorf("after a failed RetryAll, DueFor(mail, t0) = %q (attempts %d), want %q untouched", got, due[0].Attempts, ids[1])
	}
	if err := s.RetryAll(nil); err != nil {
		t.Errorf("RetryAll(nil) = %v, want nil", err)
	}
}
