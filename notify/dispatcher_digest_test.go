package notify

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/notify/quiet"
	"github.com/newshound/newshound/outbox"
)

var digestRoute = []outbox.Route{{Notifier: "mail", Digest: true}}

// TestDigestChunks: digest entries go out oldest first in chunks of at
// most DigestSize, one NotifyDigest call each, after the immediate ones;
// a chunk's outcome applies to all its entries, and after the retryable
// failure of chunk 2 chunk 3 is rescheduled without being sent.
func TestDigestChunks(t *testing.T) {
	f := newFixture(t, nil)
	mail := &digestRecorder{answer: func(call int) (bool, error) {
		if call == 4 { // the second digest chunk
			return true, err503
		}
		return false, nil
	}}
	d := f.dispatcherWith(map[string]Channel{"mail": {Notifier: mail, DigestSize: 3}}, nil, DispatcherOptions{})
	digests := f.queueRoutes(t, nil, digestRoute, urls("https://example.com/d", 7)...)
	singles := f.queueRoutes(t, []string{"mail"}, nil, "https://example.com/s1", "https://example.com/s2")

	mustSweep(t, d, Report{Delivered: 2 + 3, Retried: 4})
	calls, isDigest := mail.snapshot()
	dig := ids(digests)
	want := [][]string{{singles[0].ID}, {singles[1].ID}, dig[0:3], dig[3:6]}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
	if wantDigest := []bool{false, false, true, true}; !slices.Equal(isDigest, wantDigest) {
		t.Errorf("NotifyDigest used = %v, want %v", isDigest, wantDigest)
	}
	q := f.queued(t)
	var retried []string
	for _, e := range q {
		retried = append(retried, e.AlertID)
		if e.Attempts != 1 || !e.Digest || !e.NextAttempt.Equal(q[0].NextAttempt) {
			t.Errorf("retried entry = %+v; want attempt 1, digest, the same next attempt as the others", e)
		}
	}
	slices.Sort(retried)
	wantRetried := slices.Clone(dig[3:7])
	slices.Sort(wantRetried)
	if !slices.Equal(retried, wantRetried) {
		t.Errorf("queued after the sweep = %q, want chunks 2 and 3 %q", retried, wantRetried)
	}

	// They come back together: one digest of 3, one of 1.
	f.clock.Advance(time.Minute)
	mustSweep(t, d, Report{Delivered: 4})
	calls, isDigest = mail.snapshot()
	if diff := cmp.Diff([][]string{dig[3:6], dig[6:7]}, calls[4:]); diff != "" {
		t.Errorf("calls after the retry mismatch (-want +got):\n%s", diff)
	}
	if !isDigest[4] || !isDigest[5] {
		t.Errorf("NotifyDigest used = %v; want a digest of one to be a digest too", isDigest[4:])
	}
}

// TestDigestWithoutDigestNotifier: a notifier that cannot send digests
// gets digest entries one by one.
func TestDigestWithoutDigestNotifier(t *testing.T) {
	f := newFixture(t, nil)
	mail := &recorder{}
	d := f.dispatcherWith(map[string]Channel{"mail": {Notifier: mail, DigestSize: 2}}, nil, DispatcherOptions{})
	alerts := f.queueRoutes(t, nil, digestRoute, urls("https://example.com/d", 5)...)
	mustSweep(t, d, Report{Delivered: 5})
	if got := mail.calls(); !slices.Equal(got, ids(alerts)) {
		t.Errorf("Notify calls = %q, want one per alert, oldest first %q", got, ids(alerts))
	}
}

// TestDigestBatchBoundary: more digest entries than one DueFor batch
// still go out in full chunks.
func TestDigestBatchBoundary(t *testing.T) {
	f := newFixture(t, nil)
	mail := &digestRecorder{}
	d := f.dispatcherWith(map[string]Channel{"mail": {Notifier: mail, DigestSize: 3}}, nil, DispatcherOptions{})
	d.batch = 4
	alerts := f.queueRoutes(t, nil, digestRoute, urls("https://example.com/d", 9)...)
	mustSweep(t, d, Report{Delivered: 9})
	calls, _ := mail.snapshot()
	all := ids(alerts)
	if diff := cmp.Diff([][]string{all[0:3], all[3:6], all[6:9]}, calls); diff != "" {
		t.Errorf("calls mismatch (-want +got):\n%s", diff)
	}
}

// TestQuietHours: inside the window nothing is sent and nothing counted;
// entries wait for the window's end and then go as one digest.
func TestQuietHours(t *testing.T) {
	f := newFixture(t, nil)
	w, err := quiet.Parse("22:00-07:00")
	if err != nil {
		t.Fatal(err)
	}
	mail := &digestRecorder{}
	d := f.dispatcherWith(map[string]Channel{"mail": {Notifier: mail, Quiet: w}}, nil, DispatcherOptions{})
	night := time.Date(2026, 3, 14, 23, 0, 0, 0, time.UTC)
	f.clock.Advance(night.Sub(f.clock.Now()))
	alerts := f.queueRoutes(t, []string{"mail"}, nil, urls("https://example.com/n", 3)...)

	mustSweep(t, d, Report{Deferred: 3})
	end := time.Date(2026, 3, 15, 7, 0, 0, 0, time.UTC)
	for _, e := range f.queued(t) {
		if !e.NextAttempt.Equal(end) || !e.Digest || e.Attempts != 0 {
			t.Errorf("entry in quiet hours = %+v; want deferred to %v as digest, no attempt", e, end)
		}
	}
	if calls, _ := mail.snapshot(); len(calls) != 0 {
		t.Fatalf("sent during quiet hours: %q", calls)
	}
	f.clock.Advance(end.Sub(f.clock.Now()) - time.Second)
	mustSweep(t, d, Report{}) // still quiet, nothing due
	f.clock.Advance(time.Second)
	mustSweep(t, d, Report{Delivered: 3})
	calls, isDigest := mail.snapshot()
	if diff := cmp.Diff([][]string{ids(alerts)}, calls); diff != "" || !isDigest[0] {
		t.Errorf("at the window's end, calls (-want +got), digest %v:\n%s", isDigest, diff)
	}
}
