package faults_test

import (
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// Item 12: one channel down for hours → the others deliver on time. Down
// is tried three ways: a webhook receiver that closes every connection
// without an answer (a crashed proxy), one that accepts and never answers
// (each attempt costs the full per-attempt timeout), and an SMTP server
// that accepts and never greets.
func TestItem12_OneChannelDownForHours(t *testing.T) {
	t.Run("webhook connection closed", func(t *testing.T) { oneChannelDown(t, "hook", testreceiver.Answer{HangUp: true}, 10*time.Minute) })
	t.Run("webhook stalled", func(t *testing.T) { oneChannelDown(t, "hook", testreceiver.Answer{Stall: true}, time.Hour) })
	t.Run("smtp never greets", func(t *testing.T) { oneChannelDown(t, "mail", testreceiver.Answer{}, time.Hour) })
}

// oneChannelDown keeps the channel named down failing (HTTP receivers
// answer failure) for six hours while alerts arrive every step, then
// brings it back.
func oneChannelDown(t *testing.T, down string, failure testreceiver.Answer, step time.Duration) {
	w := newWorld(t)
	var up atomic.Bool
	hookRC := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
		if down == "hook" && !up.Load() {
			return failure
		}
		return testreceiver.OK
	})
	teamRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	mail := testreceiver.NewSMTP(t, 0)
	mail.HoldAll(down == "mail")
	stalls := failure.Stall || down == "mail"
	const attemptTimeout = 250 * time.Millisecond
	d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC), "team": w.team(teamRC), "mail": w.mail(mail.Addr, 0)}, nil,
		notify.DispatcherOptions{MaxBackoff: 30 * time.Minute, AttemptTimeout: attemptTimeout})
	others := []string{"hook", "team", "mail"}
	others = slices.DeleteFunc(others, func(n string) bool { return n == down })
	attempts := func() int {
		if down == "mail" {
			return mail.Connections()
		}
		return hookRC.Count()
	}
	// lastAttempt is when the down channel's latest attempt began (wall
	// clock): its request, or its connection to the SMTP server.
	lastAttempt := func() time.Time {
		if down == "mail" {
			return mail.LastAccept()
		}
		reqs := hookRC.Requests()
		return reqs[len(reqs)-1].Real
	}

	var alerts []news.Alert
	const hours = 6
	sweeps := hours * int(time.Hour/step)
	for i := range sweeps {
		a := alert(i)
		alerts = append(alerts, a)
		queuedAt := w.clock.Now()
		w.queue([]string{"hook", "team", "mail"}, a)
		before := attempts()
		sweep(t, d)
		for _, ch := range others {
			if at, ok := w.delivered(a.ID, ch); !ok || !at.Equal(queuedAt) {
				t.Fatalf("alert %d through %s: delivered %v at %v; want at once (%v) while %s is down", i, ch, ok, at, queuedAt, down)
			}
		}
		// While the down channel stalls, team must not wait for it: had
		// it waited, its request would come a whole attempt timeout after
		// the stalled attempt began.
		if stalls && attempts() > before {
			reqs := teamRC.Requests()
			if got := reqs[len(reqs)-1].Real.Sub(lastAttempt()); got >= attemptTimeout {
				t.Errorf("alert %d: team's request came %v after %s's stalled attempt began; it waited for the %v timeout", i, got, down, attemptTimeout)
			}
		}
		w.clock.Advance(step)
	}
	// The down channel's entries are all kept, backing off no longer than
	// the cap.
	q := w.queued()
	if len(q) != len(alerts) {
		t.Fatalf("queued: %d entries, want the %d %s entries", len(q), len(alerts), down)
	}
	for _, e := range q {
		if e.Notifier != down || e.Attempts == 0 || e.NextAttempt.Sub(w.clock.Now()) > 36*time.Minute {
			t.Errorf("queued %s; want %s entries, attempted, next attempt within the 30m cap (+20%%)", describe([]store.Entry{e}), down)
		}
	}
	if dl := w.dead(); len(dl) != 0 {
		t.Errorf("dead letters while down six hours: %s", describe(dl))
	}
	// A channel that is down costs one attempt per sweep, not one per
	// queued alert.
	if n := attempts(); n > sweeps {
		t.Errorf("the down channel was tried %d times in %d sweeps", n, sweeps)
	}

	// Recovery: within one backoff cap everything goes, once each.
	up.Store(true)
	mail.HoldAll(false)
	for range 8 {
		w.clock.Advance(5 * time.Minute)
		sweep(t, d)
	}
	if q := w.queued(); len(q) != 0 {
		t.Errorf("after recovery still queued: %s", describe(q))
	}
	got := acceptedIDs(t, hookRC)
	accepted := mail.Accepted()
	for _, a := range alerts {
		if got[a.ID] != 1 {
			t.Errorf("hook delivered %s %d times, want once", a.ID, got[a.ID])
		}
	}
	if teamRC.Count() != len(alerts) || len(accepted) != len(alerts) {
		t.Errorf("team got %d requests, mail %d messages; want %d each, no repeats", teamRC.Count(), len(accepted), len(alerts))
	}
}

// Item 13: alert storm (500 matches in a pass) → all queued in bounded
// transactions, none dropped.
func TestItem13_AlertStorm(t *testing.T) {
	w := newWorld(t)
	hookRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	teamRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC), "team": w.team(teamRC)}, nil, notify.DispatcherOptions{})
	const storm = 500
	var alerts []news.Alert
	for i := range storm {
		alerts = append(alerts, alert(i))
	}
	w.queue([]string{"hook", "team"}, alerts...)
	if q := w.queued(); len(q) != 2*storm {
		t.Fatalf("queued %d entries, want %d (one per alert and notifier)", len(q), 2*storm)
	}
	if r := sweep(t, d); r.Delivered != 2*storm || r.Dead != 0 || r.Retried != 0 {
		t.Errorf("one sweep = %+v, want all %d delivered", r, 2*storm)
	}
	got := acceptedIDs(t, hookRC)
	if len(got) != storm {
		t.Errorf("hook received %d distinct alerts, want %d", len(got), storm)
	}
	for _, a := range alerts {
		if got[a.ID] != 1 {
			t.Errorf("hook received %s %d times, want once", a.ID, got[a.ID])
		}
	}
	if teamRC.Count() != storm {
		t.Errorf("team received %d messages, want %d", teamRC.Count(), storm)
	}
	if q := w.queued(); len(q) != 0 {
		t.Errorf("left queued: %d", len(q))
	}
}

// TestItem13_AlertStormIntoAFailingChannel: the storm meets a receiver
// answering 503. The channel is tried once per sweep, not 500 times, and
// every alert is kept and delivered once after recovery.
func TestItem13_AlertStormIntoAFailingChannel(t *testing.T) {
	w := newWorld(t)
	var up atomic.Bool
	hookRC := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
		if !up.Load() {
			return testreceiver.Answer{Status: http.StatusServiceUnavailable}
		}
		return testreceiver.OK
	})
	d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC)}, nil, notify.DispatcherOptions{})
	const storm = 500
	var alerts []news.Alert
	for i := range storm {
		alerts = append(alerts, alert(i))
	}
	w.queue([]string{"hook"}, alerts...)
	for range 3 {
		start := time.Now()
		sweep(t, d)
		t.Logf("sweep of %d entries into a failing channel took %v", storm, time.Since(start).Round(time.Millisecond))
		next := w.queued()[0].NextAttempt
		w.clock.Advance(next.Sub(w.clock.Now()))
	}
	if n := hookRC.Count(); n != 3 {
		t.Errorf("the failing receiver got %d requests in 3 sweeps, want 3", n)
	}
	if q := w.queued(); len(q) != storm {
		t.Fatalf("queued %d, want all %d kept", len(q), storm)
	}
	up.Store(true)
	sweep(t, d)
	got := acceptedIDs(t, hookRC)
	for _, a := range alerts {
		if got[a.ID] != 1 {
			t.Errorf("%s delivered %d times, want once", a.ID, got[a.ID])
		}
	}
	if q, dl := w.queued(), w.dead(); len(q)+len(dl) != 0 {
		t.Errorf("left: %d queued, %d dead", len(q), len(dl))
	}
}
