package notify

import (
	"context"
	"errors"
	"maps"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/quiet"
)

// outcomeLog is an OnOutcome observer that counts per notifier and
// outcome; the dispatcher calls it from several workers at once.
type outcomeLog struct {
	mu     sync.Mutex
	counts map[string]int // "notifier outcome" → calls
}

func (l *outcomeLog) observe(notifier string, o Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[notifier+" "+string(o)]++
}

func (l *outcomeLog) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.counts)
}

// TestOnOutcome: the observer hears of every entry a sweep handled, once,
// with the notifier and the outcome the Report counts: delivered, retried
// (the failed send and the entry held back after it), dead (a permanent
// failure and a notifier no longer configured) and deferred (quiet hours).
func TestOnOutcome(t *testing.T) {
	f := newFixture(t, nil)
	night, err := quiet.Parse("00:00-23:59 UTC")
	if err != nil {
		t.Fatal(err)
	}
	permanent := notifierFunc(func(context.Context, news.Alert) (bool, error) {
		return false, errors.New("receiver answered 404 Not Found")
	})
	var seen outcomeLog
	d := f.dispatcherWith(map[string]Channel{
		"ok":     {Notifier: &recorder{}},
		"down":   {Notifier: &recorder{answer: func(int) (bool, error) { return true, err503 }}},
		"broken": {Notifier: permanent},
		"asleep": {Notifier: &recorder{}, Quiet: night},
	}, nil, DispatcherOptions{OnOutcome: seen.observe})
	f.queue(t, []string{"ok", "down", "broken", "asleep", "removed"}, urls("https://example.com/", 2)...)

	rep, err := d.DeliverDue(context.Background())
	if err != nil {
		t.Fatalf("DeliverDue() error = %v", err)
	}
	want := map[string]int{
		"ok delivered":    2,
		"down retried":    2,
		"broken dead":     2,
		"asleep deferred": 2,
		"removed dead":    2,
	}
	if diff := cmp.Diff(want, seen.snapshot()); diff != "" {
		t.Errorf("OnOutcome calls (-want +got):\n%s", diff)
	}
	if wantRep := (Report{Delivered: 2, Retried: 2, Dead: 4, Deferred: 2}); rep != wantRep {
		t.Errorf("DeliverDue() = %+v, want %+v (the observer and the Report must agree)", rep, wantRep)
	}
}
