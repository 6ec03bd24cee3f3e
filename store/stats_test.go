package store

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestQueueStats agrees with what Queued and DeadLetters list, per
// notifier: counts, the oldest first-due time, dead letters.
func TestQueueStats(t *testing.T) {
	s, _ := openTest(t)
	mail := queue(t, s, "mail", "https://example.com/0", "https://example.com/1", "https://example.com/2")
	queue(t, s, "slack", "https://example.com/3")
	if err := s.Dead(mail[1], "550 no such user", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(mail[0], t0.Add(time.Hour), "451"); err != nil { // Retry keeps FirstDue
		t.Fatal(err)
	}
	got, err := s.QueueStats()
	if err != nil {
		t.Fatalf("QueueStats: %v", err)
	}
	want := map[string]QueueStat{}
	queued, err := s.Queued()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range queued {
		st := want[e.Notifier]
		st.Queued++
		if st.Oldest.IsZero() || e.FirstDue.Before(st.Oldest) {
			st.Oldest = e.FirstDue
		}
		want[e.Notifier] = st
	}
	dead, err := s.DeadLetters()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range dead {
		st := want[e.Notifier]
		st.Dead++
		want[e.Notifier] = st
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("QueueStats() mismatch with Queued/DeadLetters (-want +got):\n%s", diff)
	}
	if got["mail"].Queued != 2 || got["mail"].Dead != 1 || got["slack"].Queued != 1 || got["mail"].Oldest.IsZero() {
		t.Errorf("QueueStats() = %+v, want mail 2 queued + 1 dead with an oldest time, slack 1 queued", got)
	}
}
