package faults_test

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// Item 1: webhook answers 503 for ten minutes → retried with capped
// exponential backoff and jitter, never sooner than Retry-After; delivered
// once after recovery; every attempt carries the same id.
func TestItem01_503ForTenMinutes(t *testing.T) {
	w := newWorld(t)
	const retryAfter = 45 * time.Second
	recovery := t0.Add(10 * time.Minute)
	rc := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
		if w.clock.Now().Before(recovery) {
			return testreceiver.Answer{Status: http.StatusServiceUnavailable, Header: map[string]string{"Retry-After": "45"}, Body: "down for maintenance"}
		}
		return testreceiver.Answer{Status: http.StatusOK}
	})
	// Real jitter: a seeded generator, so the test is repeatable.
	jitter := rand.New(rand.NewPCG(1, 2))
	minB, maxB := 30*time.Second, 4*time.Minute
	d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(rc)}, nil,
		notify.DispatcherOptions{MinBackoff: minB, MaxBackoff: maxB, Rand: jitter.Float64})
	a := alert(1)
	w.queue([]string{"hook"}, a)

	var delays []time.Duration
	for attempt := 1; ; attempt++ {
		if attempt > 30 {
			t.Fatalf("not delivered after 30 attempts; queued %s", describe(w.queued()))
		}
		before := rc.Count()
		r := sweep(t, d)
		if rc.Count() != before+1 {
			t.Fatalf("attempt %d: receiver got %d requests, want 1", attempt, rc.Count()-before)
		}
		if r.Delivered == 1 {
			if w.clock.Now().Before(recovery) {
				t.Fatalf("delivered at %v, before the receiver recovered", w.clock.Now())
			}
			break
		}
		e := onlyEntry(t, w.queued())
		delay := e.NextAttempt.Sub(w.clock.Now())
		delays = append(delays, delay)
		// Exponential from MinBackoff, doubled per failure, capped, ±20%
		// jitter, and never below Retry-After.
		backoff := min(minB<<(attempt-1), maxB)
		lo, hi := max(backoff*8/10, retryAfter), max(min(backoff*12/10, maxB), retryAfter)
		if e.Attempts != attempt || delay < lo || delay > hi || !strings.Contains(e.LastError, "503") {
			t.Fatalf("after failure %d: attempts %d, next attempt in %v (want %d, in [%v, %v]), last error %q",
				attempt, e.Attempts, delay, attempt, lo, hi, e.LastError)
		}
		// Never sooner: a sweep just before the next attempt sends nothing.
		w.clock.Advance(delay - time.Second)
		sweep(t, d)
		if rc.Count() != before+1 {
			t.Fatalf("a sweep %v before the next attempt sent the alert again", time.Second)
		}
		w.clock.Advance(time.Second)
	}
	t.Logf("delays between attempts: %v", delays)
	if len(delays) < 4 {
		t.Errorf("only %d retries in ten minutes: %v; want the backoff to reach its cap", len(delays), delays)
	}
	distinct := map[time.Duration]bool{}
	for _, dl := range delays {
		distinct[dl] = true
	}
	if len(distinct) < 3 {
		t.Errorf("delays %v: no jitter", delays)
	}

	reqs := rc.Requests()
	for i, r := range reqs {
		if id := hookID(t, r); id != a.ID {
			t.Errorf("attempt %d carried id %s, want %s", i+1, id, a.ID)
		}
		if !bytes.Equal(r.Body, reqs[0].Body) {
			t.Errorf("attempt %d body differs from the first:\n%s\n%s", i+1, r.Body, reqs[0].Body)
		}
	}
	if got := acceptedIDs(t, rc); got[a.ID] != 1 || len(got) != 1 {
		t.Errorf("accepted deliveries = %v, want %s once", got, a.ID)
	}
	if at, ok := w.delivered(a.ID, "hook"); !ok || at.Before(recovery) {
		t.Errorf("delivered mark = %v, %v; want set, after %v", at, ok, recovery)
	}
	if q, dl := w.queued(), w.dead(); len(q) != 0 || len(dl) != 0 {
		t.Errorf("after delivery: queued %s; dead %s; want both empty", describe(q), describe(dl))
	}
	w.clock.Advance(time.Hour)
	sweep(t, d)
	if n := len(reqs); rc.Count() != n {
		t.Errorf("a sweep after delivery sent %d more requests", rc.Count()-n)
	}
}

// Item 2: receiver accepts the connection and never answers → the
// per-attempt timeout fires; no goroutine leaks.
func TestItem02_ReceiverNeverAnswers(t *testing.T) {
	for _, channel := range []string{"hook", "team"} {
		t.Run(channel, func(t *testing.T) { neverAnswers(t, channel, testreceiver.Answer{Stall: true}) })
	}
	// A receiver that sends "200 OK" and then nothing: the status is the
	// webhook receiver's verdict (delivered), while Slack's confirmation
	// is the body "ok", which never came (not delivered, retried).
	t.Run("hook status then silence", func(t *testing.T) {
		neverAnswers(t, "hook", testreceiver.Answer{Status: http.StatusOK, StallBody: true})
	})
	t.Run("team status then silence", func(t *testing.T) {
		neverAnswers(t, "team", testreceiver.Answer{Status: http.StatusOK, StallBody: true})
	})
}

func neverAnswers(t *testing.T, channel string, stall testreceiver.Answer) {
	w := newWorld(t)
	rc := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(stall))
	ch := w.hook(rc)
	if channel == "team" {
		ch = w.team(rc)
	}
	const timeout = 300 * time.Millisecond
	d := w.dispatcher(map[string]notify.Channel{channel: ch}, nil, notify.DispatcherOptions{AttemptTimeout: timeout})
	a := alert(1)
	w.queue([]string{channel}, a)
	baseline := runtime.NumGoroutine()

	attempts := 5
	if stall.StallBody && channel == "hook" {
		attempts = 1 // delivered by its status
	}
	for i := 1; i <= attempts; i++ {
		start := time.Now()
		r := sweep(t, d)
		took := time.Since(start)
		if took > timeout+5*time.Second {
			t.Fatalf("attempt %d took %v; the %v per-attempt timeout did not fire", i, took, timeout)
		}
		if rc.Count() != i {
			t.Fatalf("attempt %d: the receiver got %d requests in all, want %d", i, rc.Count(), i)
		}
		if stall.StallBody && channel == "hook" {
			if r.Delivered != 1 {
				t.Fatalf("sweep = %+v; the 200 status is the webhook's confirmation", r)
			}
			break
		}
		if r.Delivered != 0 || took < timeout {
			t.Fatalf("attempt %d: %+v after %v; want nothing delivered, back after the %v timeout", i, r, took, timeout)
		}
		e := onlyEntry(t, w.queued())
		if e.Attempts != i || !e.NextAttempt.After(w.clock.Now()) || !timeoutError(e.LastError) {
			t.Fatalf("after attempt %d: %s; want attempts %d, rescheduled, a timeout as last error", i, describe([]store.Entry{e}), i)
		}
		w.clock.Advance(e.NextAttempt.Sub(w.clock.Now()))
	}
	if n := len(w.dead()); n != 0 {
		t.Errorf("%d dead letters; a timeout is not permanent", n)
	}
	// Every goroutine of the attempts (client connections, timers, the
	// server's handlers) must be gone.
	w.client.CloseIdleConnections()
	assertGoroutines(t, baseline)
}

// Item 5: 429 with Retry-After: 120 → next attempt not before 120 s;
// nothing dropped.
func TestItem05_429RetryAfter(t *testing.T) {
	for _, tt := range []struct{ name, channel, retryAfter string }{
		{"webhook seconds", "hook", "120"},
		{"webhook date", "hook", t0.Add(120 * time.Second).Format(http.TimeFormat)},
		{"slack seconds", "team", "120"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			rc := testreceiver.NewHTTP(t, w.clock.Now, func(n int, _ []byte) testreceiver.Answer {
				if n == 1 {
					return testreceiver.Answer{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": tt.retryAfter}, Body: "rate_limited"}
				}
				return testreceiver.OK
			})
			ch := w.hook(rc)
			if tt.channel == "team" {
				ch = w.team(rc)
			}
			d := w.dispatcher(map[string]notify.Channel{tt.channel: ch}, nil, notify.DispatcherOptions{})
			alerts := []news.Alert{alert(1), alert(2), alert(3)}
			w.queue([]string{tt.channel}, alerts...)

			if r := sweep(t, d); r.Delivered != 0 || r.Dead != 0 {
				t.Errorf("first sweep = %+v, want nothing delivered or dropped", r)
			}
			q := w.queued()
			if len(q) != 3 {
				t.Fatalf("queued: %s; want all 3 kept", describe(q))
			}
			for _, e := range q {
				if e.NextAttempt.Before(t0.Add(120 * time.Second)) {
					t.Errorf("entry %s next attempt %v, sooner than Retry-After (%v)", e.ID, e.NextAttempt, t0.Add(120*time.Second))
				}
			}
			w.clock.Advance(119 * time.Second)
			sweep(t, d)
			if rc.Count() != 1 {
				t.Fatalf("%d requests by 119 s, want only the first", rc.Count())
			}
			w.clock.Advance(time.Second)
			if r := sweep(t, d); r.Delivered != 3 {
				t.Errorf("sweep at 120 s = %+v, want the 3 alerts delivered", r)
			}
			for _, a := range alerts {
				if at, ok := w.delivered(a.ID, tt.channel); !ok || !at.Equal(t0.Add(120*time.Second)) {
					t.Errorf("%s delivered %v, %v; want at 120 s", a.ID, at, ok)
				}
			}
			if rc.Count() != 4 {
				t.Errorf("%d requests, want 4 (one 429, three deliveries)", rc.Count())
			}
			if tt.channel == "hook" {
				if got := acceptedIDs(t, rc); len(got) != 3 {
					t.Errorf("accepted ids %v, want 3 distinct, once each", got)
				}
			}
			if q, dl := w.queued(), w.dead(); len(q)+len(dl) != 0 {
				t.Errorf("left: queued %s, dead %s", describe(q), describe(dl))
			}
		})
	}
}
