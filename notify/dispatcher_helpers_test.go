package notify

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// digestRecorder is a DigestNotifier that remembers every call (the alert
// IDs of each message, and the test clock when it was made) and answers
// from a script.
type digestRecorder struct {
	mu     sync.Mutex
	now    func() time.Time
	calls  [][]string
	at     []time.Time
	digest []bool
	answer func(call int) (bool, error) // call counts from 1
}

func (r *digestRecorder) record(ids []string, digest bool) (bool, error) {
	r.mu.Lock()
	r.calls = append(r.calls, ids)
	r.digest = append(r.digest, digest)
	if r.now != nil {
		r.at = append(r.at, r.now())
	}
	call := len(r.calls)
	r.mu.Unlock()
	if r.answer == nil {
		return false, nil
	}
	return r.answer(call)
}

func (r *digestRecorder) Notify(_ context.Context, a news.Alert) (bool, error) {
	return r.record([]string{a.ID}, false)
}

func (r *digestRecorder) NotifyDigest(_ context.Context, alerts []news.Alert) (bool, error) {
	ids := make([]string, len(alerts))
	for i, a := range alerts {
		ids[i] = a.ID
	}
	return r.record(ids, true)
}

func (r *digestRecorder) snapshot() (calls [][]string, digest []bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.calls...), append([]bool(nil), r.digest...)
}

// dispatcherWith returns a Dispatcher on the fixture driving channels,
// with notices going to notices, no jitter (Rand 0.5) and a fake Sleep
// that advances the test clock.
func (f *fixture) dispatcherWith(channels map[string]Channel, notices []string, opts DispatcherOptions) *Dispatcher {
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	opts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	if opts.Sleep == nil {
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			f.clock.Advance(d)
			return nil
		}
	}
	return NewDispatcher(f.store, channels, notices, opts)
}

// queueRoutes queues one alert per url with the given routes, advancing
// the clock a second after each so that their creation times differ.
func (f *fixture) queueRoutes(t *testing.T, notifiers []string, routes []outbox.Route, urls ...string) []news.Alert {
	t.Helper()
	var alerts []news.Alert
	for _, u := range urls {
		a := news.Alert{ID: news.AlertID("acme", u), Watch: "acme", Source: "wire", URL: u, Title: "About " + u}
		if _, err := f.store.Queue([]outbox.QueuedAlert{{Alert: a, Notifiers: notifiers, Routes: routes}}); err != nil {
			t.Fatal(err)
		}
		alerts = append(alerts, a)
		f.clock.Advance(time.Second)
	}
	return alerts
}

func ids(alerts []news.Alert) []string {
	out := make([]string, len(alerts))
	for i, a := range alerts {
		out[i] = a.ID
	}
	return out
}

func urls(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = prefix + "/" + string(rune('a'+i%26)) + "/" + time.Duration(i).String()
	}
	return out
}
