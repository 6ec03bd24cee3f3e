package notify

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/newshound/newshound/news"
)

// safetyNet bounds a wait that only a broken dispatcher would make long;
// it is not a measurement.
const safetyNet = 10 * time.Second

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(safetyNet):
		t.Fatalf("%s did not happen", what)
		panic("unreachable")
	}
}

// TestHungNotifierDoesNotDelayOthers: while mail hangs on its first alert
// (until released), slack delivers that alert and then a second one
// queued later: slack never waits for mail, not even for one attempt.
func TestHungNotifierDoesNotDelayOthers(t *testing.T) {
	f := newFixture(t, nil)
	release := make(chan struct{})
	mailStarted := make(chan struct{})
	var mailReturned atomic.Bool
	var once sync.Once
	mail := notifierFunc(func(ctx context.Context, _ news.Alert) (bool, error) {
		once.Do(func() { close(mailStarted) })
		defer mailReturned.Store(true)
		select {
		case <-release:
			return false, nil
		case <-ctx.Done():
			return true, ctx.Err()
		}
	})
	slackSent := make(chan string, 4)
	slack := notifierFunc(func(_ context.Context, a news.Alert) (bool, error) {
		slackSent <- a.ID
		return false, nil
	})
	d := f.dispatcherWith(Channels(map[string]Notifier{"mail": mail, "slack": slack}), nil, DispatcherOptions{AttemptTimeout: time.Hour})
	a := f.queue(t, []string{"mail", "slack"}, "https://example.com/a")[0]
	ctx, cancel := context.WithCancel(t.Context())
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		d.Run(ctx, wake)
		close(done)
	}()

	receive(t, mailStarted, "the mail send")
	if got := receive(t, slackSent, "slack's first delivery"); got != a.ID {
		t.Errorf("slack sent %s, want %s", got, a.ID)
	}
	b := f.queue(t, []string{"slack"}, "https://example.com/b")[0]
	wake <- struct{}{}
	if got := receive(t, slackSent, "slack's second delivery while mail hangs"); got != b.ID {
		t.Errorf("slack sent %s, want %s", got, b.ID)
	}
	if mailReturned.Load() {
		t.Fatal("mail returned before it was released: the test proves nothing")
	}
	close(release)
	cancel()
	receive(t, done, "Run's return")
	for _, id := range []string{a.ID + "/mail", a.ID + "/slack", b.ID + "/slack"} {
		if _, ok, err := f.store.Delivered(id); !ok || err != nil {
			t.Errorf("Delivered(%s) = %v, %v; want true", id, ok, err)
		}
	}
}

// TestGraceCutsStalledSend: at shutdown a send that does not finish gets
// Grace, then its context is cancelled; the entry stays queued and due,
// with no attempt counted (its outcome is unknown: it is sent again).
func TestGraceCutsStalledSend(t *testing.T) {
	for _, mode := range []string{"Run", "DeliverDue"} {
		t.Run(mode, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, time.Now)
				started := make(chan struct{})
				hook := notifierFunc(func(ctx context.Context, _ news.Alert) (bool, error) {
					close(started)
					<-ctx.Done()
					return false, ctx.Err()
				})
				const grace = 5 * time.Second
				d := f.dispatcherWith(Channels(map[string]Notifier{"hook": hook}), nil,
					DispatcherOptions{Now: time.Now, AttemptTimeout: time.Hour, Grace: grace})
				a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() {
					if mode == "Run" {
						d.Run(ctx, nil)
						done <- nil
						return
					}
					_, err := d.DeliverDue(ctx)
					done <- err
				}()
				<-started
				cancelled := time.Now()
				cancel()
				err := <-done
				if waited := time.Since(cancelled); waited != grace {
					t.Errorf("%s returned %v after cancel, want the grace period %v", mode, waited, grace)
				}
				if mode == "DeliverDue" && !errors.Is(err, context.Canceled) {
					t.Errorf("DeliverDue() error = %v, want context.Canceled", err)
				}
				q := f.queued(t)
				if len(q) != 1 || q[0].AlertID != a.ID || q[0].Attempts != 0 || q[0].LastError != "" || q[0].NextAttempt.After(time.Now()) {
					t.Errorf("queued = %+v; want the cut entry untouched and due", q)
				}
				if len(f.dead(t)) != 0 || !strings.Contains(f.logs.String(), "cut short at shutdown") {
					t.Errorf("dead letters %d, logs:\n%s", len(f.dead(t)), f.logs)
				}
			})
		})
	}
}

// TestRunLeavesNoGoroutines: workers started and stopped by SetChannels
// and the loop itself are all gone once Run returns.
func TestRunLeavesNoGoroutines(t *testing.T) {
	f := newFixture(t, nil)
	before := runtime.NumGoroutine()
	hook, extra := &recorder{}, &recorder{}
	small := Channels(map[string]Notifier{"hook": hook})
	big := Channels(map[string]Notifier{"hook": hook, "extra": extra, "more": extra})
	d := f.dispatcherWith(small, nil, DispatcherOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	wake := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		d.Run(ctx, wake)
		close(done)
	}()
	for i := range 50 {
		if i%2 == 0 {
			d.SetChannels(big, nil)
		} else {
			d.SetChannels(small, nil)
		}
		if i%10 == 0 {
			f.queue(t, []string{"hook"}, urls("https://example.com/l", i+1)...)
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}
	cancel()
	receive(t, done, "Run's return")
	deadline := time.Now().Add(safetyNet)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Run returned, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
