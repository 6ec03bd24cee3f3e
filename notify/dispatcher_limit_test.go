package notify

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRateLimit: sends through one notifier are at least MinInterval
// apart (by the test clock, which the fake Sleep advances), and the wait
// carries over to the next sweep.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, nil)
	chat := &digestRecorder{now: f.clock.Now}
	var slept time.Duration
	d := f.dispatcherWith(map[string]Channel{"chat": {Notifier: chat, MinInterval: time.Second}}, nil, DispatcherOptions{
		Sleep: func(_ context.Context, d time.Duration) error {
			slept += d
			f.clock.Advance(d)
			return nil
		},
	})
	f.queue(t, []string{"chat"}, urls("https://example.com/r", 5)...)
	mustSweep(t, d, Report{Delivered: 5})
	f.queue(t, []string{"chat"}, "https://example.com/later")
	mustSweep(t, d, Report{Delivered: 1})

	chat.mu.Lock()
	at := append([]time.Time(nil), chat.at...)
	chat.mu.Unlock()
	for i, start := range at {
		inWindow := 0
		for _, other := range at {
			if !other.Before(start) && other.Before(start.Add(time.Second)) {
				inWindow++
			}
		}
		if inWindow != 1 {
			t.Errorf("%d sends in the second from send %d (%v), want 1", inWindow, i, start)
		}
	}
	if len(at) != 6 || slept != 5*time.Second || !at[5].Equal(t0.Add(5*time.Second)) {
		t.Errorf("%d sends, slept %v, last at %v; want 6 sends, 5s of waiting, the last at t0+5s", len(at), slept, at)
	}
}

// TestRateLimitWaitEndsAtShutdown: cancelling during the wait sends
// nothing more and leaves the rest queued, with no attempt counted.
func TestRateLimitWaitEndsAtShutdown(t *testing.T) {
	f := newFixture(t, nil)
	chat := &recorder{}
	ctx, cancel := context.WithCancel(t.Context())
	d := f.dispatcherWith(map[string]Channel{"chat": {Notifier: chat, MinInterval: time.Second}}, nil, DispatcherOptions{
		Sleep: func(ctx context.Context, _ time.Duration) error {
			cancel() // SIGTERM arrives while waiting for the next slot
			<-ctx.Done()
			return ctx.Err()
		},
	})
	f.queue(t, []string{"chat"}, urls("https://example.com/r", 3)...)
	r, err := d.DeliverDue(ctx)
	if !errors.Is(err, context.Canceled) || r != (Report{Delivered: 1}) {
		t.Errorf("DeliverDue() = %+v, %v; want one delivered, context.Canceled", r, err)
	}
	q := f.queued(t)
	if len(chat.calls()) != 1 || len(q) != 2 || q[0].Attempts != 0 || q[1].Attempts != 0 {
		t.Errorf("%d sent, queued %+v; want 1 sent and 2 untouched", len(chat.calls()), q)
	}
}
