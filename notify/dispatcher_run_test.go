package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/newshound/newshound/news"
)

// These tests run in a synctest bubble: time.Now, timers and context
// deadlines use a fake clock that jumps forward whenever every goroutine
// is blocked, so a 30-second stall costs no real time.

// TestStalledNotifierDoesNotDelayOthers: the mail server hangs until the
// attempt deadline; slack is delivered at once, during the stall.
func TestStalledNotifierDoesNotDelayOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		slackDone := make(chan struct{})
		var calls int
		var slackDuringStall bool
		mail := notifierFunc(func(ctx context.Context, _ news.Alert) (bool, error) {
			calls++
			if calls > 1 {
				return false, nil // recovered
			}
			select {
			case <-slackDone:
				slackDuringStall = true
			case <-ctx.Done():
			}
			<-ctx.Done()
			// Claims "permanent", but a deadline means the outcome is
			// unknown: the dispatcher must retry.
			return false, ctx.Err()
		})
		slack := notifierFunc(func(context.Context, news.Alert) (bool, error) {
			close(slackDone)
			return false, nil
		})
		d := f.dispatcher(map[string]Notifier{"mail": mail, "slack": slack},
			DispatcherOptions{Now: time.Now, AttemptTimeout: 30 * time.Second})
		// Entries are sent in ID order, so "mail" comes first: a sequential
		// dispatcher would make slack wait for the whole stall.
		a := f.queue(t, []string{"mail", "slack"}, "https://example.com/a")[0]
		start := time.Now()

		mustSweep(t, d, Report{Delivered: 1, Retried: 1})
		if !slackDuringStall {
			t.Error("slack was not delivered while mail stalled")
		}
		if at, ok, _ := f.store.Delivered(a.ID + "/slack"); !ok || !at.Equal(start) {
			t.Errorf("slack delivered at %v (ok %v), want %v, before the mail attempt timed out", at, ok, start)
		}
		q := f.queued(t)
		if len(q) != 1 || q[0].Notifier != "mail" || q[0].Attempts != 1 || !strings.Contains(q[0].LastError, "deadline exceeded") {
			t.Fatalf("queued = %+v, want the mail entry retried after its deadline", q)
		}
		if want := start.Add(30*time.Second + 30*time.Second); !q[0].NextAttempt.Equal(want) {
			t.Errorf("mail next attempt = %v, want %v (timeout + backoff)", q[0].NextAttempt, want)
		}

		time.Sleep(time.Until(q[0].NextAttempt))
		mustSweep(t, d, Report{Delivered: 1})
		if calls != 2 {
			t.Errorf("mail called %d times, want 2", calls)
		}
	})
}

// TestRunDeliversRetriesAndStops drives Run through a wake-up, a retry at
// the scheduled time, an entry queued without wake-up, and shutdown.
func TestRunDeliversRetriesAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		hook := &recorder{answer: func(call int) (bool, error) {
			if call == 1 {
				return true, err503
			}
			return false, nil
		}}
		d := f.dispatcher(map[string]Notifier{"hook": hook}, DispatcherOptions{Now: time.Now})
		ctx, cancel := context.WithCancel(t.Context())
		wake := make(chan struct{}, 1)
		done := make(chan struct{})
		go func() {
			d.Run(ctx, wake)
			close(done)
		}()
		synctest.Wait() // first sweep done, nothing queued

		a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]
		wake <- struct{}{}
		synctest.Wait()
		if got := hook.calls(); len(got) != 1 || len(f.queued(t)) != 1 {
			t.Fatalf("after wake: %d calls, %d queued; want 1 failed call, 1 queued", len(got), len(f.queued(t)))
		}

		time.Sleep(30 * time.Second) // the backoff: Run's timer fires now
		synctest.Wait()
		if got := hook.calls(); len(got) != 2 || got[1] != a.ID || len(f.queued(t)) != 0 {
			t.Fatalf("after backoff: calls %v, %d queued; want a second call for %s and an empty outbox", got, len(f.queued(t)), a.ID)
		}

		f.queue(t, []string{"hook"}, "https://example.com/b") // no wake-up
		time.Sleep(maxIdle + time.Second)
		synctest.Wait()
		if got := hook.calls(); len(got) != 3 {
			t.Errorf("entry queued without wake-up: %d calls after a minute, want 3", len(got))
		}

		cancel()
		<-done
	})
}

// TestRunShutdownLetsSendFinish: cancelling Run does not cut a send in
// flight; Run returns once it is done, and nothing leaks (synctest fails
// the test if a goroutine of the bubble is left blocked).
func TestRunShutdownLetsSendFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		release := make(chan struct{})
		hook := notifierFunc(func(ctx context.Context, _ news.Alert) (bool, error) {
			select {
			case <-release:
				return false, nil
			case <-ctx.Done():
				return true, ctx.Err()
			}
		})
		d := f.dispatcher(map[string]Notifier{"hook": hook}, DispatcherOptions{Now: time.Now, AttemptTimeout: time.Hour})
		a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			d.Run(ctx, nil)
			close(done)
		}()
		synctest.Wait() // the send is in flight
		cancel()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Run returned with a send in flight")
		default:
		}
		close(release)
		<-done
		if _, ok, _ := f.store.Delivered(a.ID + "/hook"); !ok {
			t.Error("the send in flight at shutdown was not acknowledged")
		}
	})
}

// TestSetChannelsDuringRun swaps notifiers and adds and removes one while
// Run sweeps (run with -race); every alert is delivered by one of the
// versions, none is lost, and no worker is left behind (synctest fails
// the test on a goroutine of the bubble still blocked at the end).
func TestSetChannelsDuringRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		versions := []*recorder{{}, {}}
		d := f.dispatcher(map[string]Notifier{"hook": versions[0]}, DispatcherOptions{Now: time.Now})
		ctx, cancel := context.WithCancel(t.Context())
		wake := make(chan struct{}, 1)
		done := make(chan struct{})
		go func() {
			d.Run(ctx, wake)
			close(done)
		}()
		poke := func() {
			select {
			case wake <- struct{}{}:
			default:
			}
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			// Odd versions add a notifier, even ones drop it: its worker
			// starts and stops while the hook's keeps delivering.
			for i := range 200 {
				set := map[string]Notifier{"hook": versions[i%2]}
				if i%2 == 1 {
					set["extra"] = &recorder{}
				}
				d.SetChannels(Channels(set), nil)
				poke()
			}
		})
		wg.Go(func() {
			for i := range 20 {
				f.queue(t, []string{"hook"}, fmt.Sprintf("https://example.com/%d", i))
				poke()
			}
		})
		wg.Wait()
		poke()
		synctest.Wait()
		if n := len(versions[0].calls()) + len(versions[1].calls()); n != 20 {
			t.Errorf("%d deliveries, want 20", n)
		}
		if q, dead := f.queued(t), f.dead(t); len(q)+len(dead) != 0 {
			t.Errorf("%d queued and %d dead letters left, want none", len(q), len(dead))
		}
		cancel()
		<-done
	})
}

// TestRunDeadLettersUnconfigured: Run has no worker for a notifier that
// is not configured; its due entries become dead letters anyway, and the
// notice about them goes out.
func TestRunDeadLettersUnconfigured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		ops := &noticeBox{}
		d := f.dispatcherWith(map[string]Channel{"ops": {Notifier: ops}}, []string{"ops"}, DispatcherOptions{Now: time.Now})
		a := f.queue(t, []string{"old-hook"}, "https://example.com/a")[0]
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			d.Run(ctx, nil)
			close(done)
		}()
		synctest.Wait()
		dead := f.dead(t)
		if len(dead) != 1 || dead[0].AlertID != a.ID || dead[0].LastError != `notifier "old-hook" is not configured` {
			t.Errorf("dead letters = %+v; want %s/old-hook, not configured", dead, a.ID)
		}
		if n := ops.got(); len(n) != 1 || !strings.HasPrefix(n[0].Title, `1 alert could not be delivered through "old-hook"`) {
			t.Errorf("notices = %+v; want one about old-hook", n)
		}
		cancel()
		<-done
	})
}

// TestRunAnnouncesLeftovers: a dead letter whose notice a crash prevented
// (Dead committed, Announce never ran) is announced when Run starts.
func TestRunAnnouncesLeftovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, time.Now)
		a := f.queue(t, []string{"hook"}, "https://example.com/a")[0]
		if err := f.store.Dead(a.ID+"/hook", "receiver answered 404 Not Found", time.Now()); err != nil {
			t.Fatal(err)
		}
		ops := &noticeBox{}
		d := f.dispatcherWith(map[string]Channel{"ops": {Notifier: ops}, "hook": {Notifier: &recorder{}}}, []string{"ops"},
			DispatcherOptions{Now: time.Now})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() {
			d.Run(ctx, nil)
			close(done)
		}()
		synctest.Wait()
		if n := ops.got(); len(n) != 1 || !strings.Contains(n[0].Snippet, a.ID+"/hook") {
			t.Errorf("notices = %+v; want one listing %s/hook", n, a.ID)
		}
		cancel()
		<-done
	})
}
