package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
	"github.com/newshound/newshound/store"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// notifierFunc adapts a function to Notifier: the test double of a channel.
type notifierFunc func(ctx context.Context, a news.Alert) (bool, error)

func (f notifierFunc) Notify(ctx context.Context, a news.Alert) (bool, error) { return f(ctx, a) }

// recorder is a Notifier that answers from a script and remembers the
// alert IDs it was given.
type recorder struct {
	mu     sync.Mutex
	ids    []string
	answer func(call int) (bool, error) // call counts from 1
}

func (r *recorder) Notify(_ context.Context, a news.Alert) (bool, error) {
	r.mu.Lock()
	r.ids = append(r.ids, a.ID)
	call := len(r.ids)
	r.mu.Unlock()
	if r.answer == nil {
		return false, nil
	}
	return r.answer(call)
}

func (r *recorder) calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

type fixture struct {
	store *store.Store
	clock *testclock.Clock
	logs  *testlog.Buffer
}

// newFixture opens a real store in a temporary directory; now is the
// store's clock (the test clock when nil).
func newFixture(t *testing.T, now func() time.Time) *fixture {
	t.Helper()
	f := &fixture{clock: testclock.New(t0), logs: &testlog.Buffer{}}
	if now == nil {
		now = f.clock.Now
	}
	s, err := store.Open(filepath.Join(t.TempDir(), "newshound.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	f.store = s
	return f
}

// dispatcher returns a Dispatcher on the fixture with no jitter (Rand 0.5).
func (f *fixture) dispatcher(n map[string]Notifier, opts DispatcherOptions) *Dispatcher {
	if opts.Now == nil {
		opts.Now = f.clock.Now
	}
	opts.Logger = slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	return NewDispatcher(f.store, Channels(n), nil, opts)
}

// queue records one alert per url, each for every notifier, and returns
// the alerts.
func (f *fixture) queue(t *testing.T, notifiers []string, urls ...string) []news.Alert {
	t.Helper()
	p := store.Pass{Source: "wire"}
	var alerts []news.Alert
	for _, u := range urls {
		a := news.Alert{ID: news.AlertID("acme", u), Watch: "acme", Source: "wire", URL: u, Title: "About " + u}
		alerts = append(alerts, a)
		p.Alerts = append(p.Alerts, outbox.QueuedAlert{Alert: a, Notifiers: notifiers})
	}
	if _, err := f.store.Record(p); err != nil {
		t.Fatal(err)
	}
	return alerts
}

func (f *fixture) queued(t *testing.T) []outbox.Entry {
	t.Helper()
	q, err := f.store.Queued()
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (f *fixture) dead(t *testing.T) []outbox.Entry {
	t.Helper()
	d, err := f.store.DeadLetters()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustSweep(t *testing.T, d *Dispatcher, want Report) {
	t.Helper()
	got, err := d.DeliverDue(context.Background())
	if err != nil || got != want {
		t.Fatalf("DeliverDue() = %+v, %v; want %+v, nil", got, err, want)
	}
}

var err503 = errors.New("receiver answered 503 Service Unavailable: (empty body)")

// TestRetriedThenDelivered: 503, 503, then 200 — delivered once, each
// attempt counted and carrying the same alert ID, backoff doubling.
func TestRetriedThenDelivered(t *testing.T) {
	f := newFixture(t, nil)
	hook := &recorder{answer: func(call int) (bool, error) {
		if call <= 2 {
			return true, err503
		}
		return false, nil
	}}
	d := f.dispatcher(map[string]Notifier{"hook": hook}, DispatcherOptions{})
	a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]

	wantNext := t0
	for attempt, backoff := range []time.Duration{30 * time.Second, time.Minute} {
		mustSweep(t, d, Report{Retried: 1})
		q := f.queued(t)
		wantNext = f.clock.Now().Add(backoff)
		if len(q) != 1 || q[0].Attempts != attempt+1 || !q[0].NextAttempt.Equal(wantNext) || q[0].LastError != err503.Error() {
			t.Fatalf("after failure %d, queued = %+v; want attempts %d, next %v", attempt+1, q, attempt+1, wantNext)
		}
		mustSweep(t, d, Report{}) // not due yet: nothing sent
		f.clock.Advance(backoff)
	}
	mustSweep(t, d, Report{Delivered: 1})

	if q := f.queued(t); len(q) != 0 {
		t.Errorf("outbox after delivery = %+v, want empty", q)
	}
	if at, ok, err := f.store.Delivered(a.ID + "/hook"); err != nil || !ok || !at.Equal(wantNext) {
		t.Errorf("Delivered(%s/hook) = %v, %v, %v; want %v", a.ID, at, ok, err, wantNext)
	}
	if got, want := strings.Join(hook.calls(), ","), strings.Repeat(a.ID+",", 3); got+"," != want {
		t.Errorf("alert IDs sent = %s, want %s three times", got, a.ID)
	}
	for _, want := range []string{"alert=" + a.ID, "notifier=hook", "attempt=1", "attempt=2", "503 Service Unavailable"} {
		if !strings.Contains(f.logs.String(), want) {
			t.Errorf("log does not contain %q:\n%s", want, f.logs)
		}
	}
}

func TestPermanentFailuresAreDeadLettered(t *testing.T) {
	tests := []struct {
		name       string
		notifiers  map[string]Notifier
		wantReason string
	}{
		{"404", map[string]Notifier{"hook": notifierFunc(func(context.Context, news.Alert) (bool, error) {
			return false, errors.New("receiver answered 404 Not Found: no such hook")
		})}, "receiver answered 404 Not Found: no such hook"},
		{"panic", map[string]Notifier{"hook": notifierFunc(func(context.Context, news.Alert) (bool, error) {
			panic("template bug")
		})}, "notifier panicked: template bug"},
		{"not configured", map[string]Notifier{"other": &recorder{}}, `notifier "hook" is not configured`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			d := f.dispatcher(tt.notifiers, DispatcherOptions{})
			a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]
			mustSweep(t, d, Report{Dead: 1})
			dead := f.dead(t)
			if len(dead) != 1 || dead[0].LastError != tt.wantReason || dead[0].AlertID != a.ID || !dead[0].DeadAt.Equal(t0) {
				t.Errorf("dead letters = %+v, want one for %s with reason %q", dead, a.ID, tt.wantReason)
			}
			if q := f.queued(t); len(q) != 0 {
				t.Errorf("outbox = %+v, want empty", q)
			}
			if logs := f.logs.String(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, a.ID) {
				t.Errorf("no warning naming %s logged:\n%s", a.ID, logs)
			}
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	tests := []struct {
		retryAfter time.Duration
		want       time.Duration
	}{
		{0, 30 * time.Second},
		{10 * time.Second, 30 * time.Second},         // shorter than the backoff
		{120 * time.Second, 120 * time.Second},       // 429 Retry-After: 120
		{2 * time.Hour, 2 * time.Hour},               // beyond MaxBackoff
		{30 * 24 * time.Hour, maxRetryAfter},         // absurd: capped
		{-time.Minute, 30 * time.Second},             // nonsense: ignored
		{time.Duration(1 << 62), maxRetryAfter},      // overflow-sized
		{maxRetryAfter + time.Second, maxRetryAfter}, // just over the cap
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.retryAfter), func(t *testing.T) {
			f := newFixture(t, nil)
			hook := notifierFunc(func(context.Context, news.Alert) (bool, error) {
				return true, fmt.Errorf("send: %w", &DelayError{After: tt.retryAfter, Err: errors.New("receiver answered 429 Too Many Requests")})
			})
			d := f.dispatcher(map[string]Notifier{"hook": hook}, DispatcherOptions{})
			f.queue(t, []string{"hook"}, "https://example.com/a")
			mustSweep(t, d, Report{Retried: 1})
			q := f.queued(t)
			if got := q[0].NextAttempt.Sub(t0); len(q) != 1 || got != tt.want {
				t.Errorf("with Retry-After %v, next attempt in %v, want %v", tt.retryAfter, got, tt.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	d := NewDispatcher(nil, nil, nil, DispatcherOptions{MinBackoff: 30 * time.Second, MaxBackoff: time.Hour})
	tests := []struct {
		attempt int
		rand    float64
		want    time.Duration
	}{
		{1, 0.5, 30 * time.Second},
		{2, 0.5, time.Minute},
		{3, 0.5, 2 * time.Minute},
		{7, 0.5, 32 * time.Minute},
		{8, 0.5, time.Hour}, // 64m capped
		{31, 0.5, time.Hour},
		{40, 0.5, time.Hour},
		{1000, 0.5, time.Hour},
		{0, 0.5, 30 * time.Second},
		{1, 0, 24 * time.Second},              // -20%
		{1, 0.999999999999, 36 * time.Second}, // +20% (rounded below)
		{7, 0.999999999999, 38*time.Minute + 24*time.Second},
		{8, 0, 48 * time.Minute},       // jitter applies below the cap too
		{8, 0.999999999999, time.Hour}, // never above MaxBackoff
	}
	for _, tt := range tests {
		d.rand = func() float64 { return tt.rand }
		got := d.retryDelay(tt.attempt, err503)
		if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
			t.Errorf("retryDelay(%d) with rand %v = %v, want %v", tt.attempt, tt.rand, got, tt.want)
		}
	}
}

// TestChannelDownDefersTheRest: after a retryable failure, the notifier's
// other due entries are rescheduled without being sent.
func TestChannelDownDefersTheRest(t *testing.T) {
	f := newFixture(t, nil)
	hook := &recorder{answer: func(int) (bool, error) { return true, err503 }}
	chat := &recorder{}
	d := f.dispatcher(map[string]Notifier{"hook": hook, "chat": chat}, DispatcherOptions{})
	f.queue(t, []string{"hook", "chat"}, "https://example.com/1", "https://example.com/2", "https://example.com/3")

	mustSweep(t, d, Report{Delivered: 3, Retried: 3})
	if n := len(hook.calls()); n != 1 {
		t.Errorf("failing notifier called %d times, want 1", n)
	}
	if n := len(chat.calls()); n != 3 {
		t.Errorf("healthy notifier called %d times, want 3", n)
	}
	for _, e := range f.queued(t) {
		if e.Notifier != "hook" || e.Attempts != 1 || !e.NextAttempt.Equal(t0.Add(30*time.Second)) || !strings.Contains(e.LastError, "503") {
			t.Errorf("queued entry = %+v, want a hook entry rescheduled in 30s", e)
		}
	}
}

// TestBatches: more entries than one Due batch all go out in one sweep.
func TestBatches(t *testing.T) {
	f := newFixture(t, nil)
	chat := &recorder{}
	d := f.dispatcher(map[string]Notifier{"chat": chat}, DispatcherOptions{})
	d.batch = 4
	var urls []string
	for i := range 3*d.batch + 1 {
		urls = append(urls, fmt.Sprintf("https://example.com/%d", i))
	}
	f.queue(t, []string{"chat"}, urls...)
	mustSweep(t, d, Report{Delivered: len(urls)})
	if q := f.queued(t); len(q) != 0 {
		t.Errorf("%d entries left queued, want 0", len(q))
	}
}

func TestDeliverDueAfterCancelSendsNothing(t *testing.T) {
	f := newFixture(t, nil)
	chat := &recorder{}
	d := f.dispatcher(map[string]Notifier{"chat": chat}, DispatcherOptions{})
	f.queue(t, []string{"chat"}, "https://example.com/a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := d.DeliverDue(ctx)
	if !errors.Is(err, context.Canceled) || r != (Report{}) {
		t.Errorf("DeliverDue(cancelled) = %+v, %v; want nothing done, context.Canceled", r, err)
	}
	if len(chat.calls()) != 0 || len(f.queued(t)) != 1 {
		t.Errorf("cancelled sweep sent %d, left %d queued; want 0 sent, 1 queued", len(chat.calls()), len(f.queued(t)))
	}
}

// Channels wraps plain notifiers as channels with default settings.
func Channels(n map[string]Notifier) map[string]Channel {
	out := make(map[string]Channel, len(n))
	for name, notifier := range n {
		out[name] = Channel{Notifier: notifier}
	}
	return out
}
