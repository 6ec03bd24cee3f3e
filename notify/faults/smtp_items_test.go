package faults_test

import (
	"maps"
	"mime"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/quiet"
)

func decodeHeader(s string) (string, error) {
	return new(mime.WordDecoder).DecodeHeader(s)
}

// Item 9: SMTP server that never greets → deadline fires, retried later.
func TestItem09_SMTPNeverGreets(t *testing.T) {
	t.Run("channel timeout, then a server that greets", func(t *testing.T) {
		w := newWorld(t)
		srv := testreceiver.NewSMTP(t, 1) // the first connection hears nothing
		const timeout = 300 * time.Millisecond
		d := w.dispatcher(map[string]notify.Channel{"mail": w.mail(srv.Addr, timeout)}, nil, notify.DispatcherOptions{AttemptTimeout: 5 * time.Second})
		a := alert(1)
		w.queue([]string{"mail"}, a)

		start := time.Now()
		r := sweep(t, d)
		if took := time.Since(start); r.Delivered != 0 || took < timeout || took > timeout+5*time.Second {
			t.Fatalf("sweep = %+v after %v; want a failure once the %v greeting deadline fired", r, took, timeout)
		}
		e := onlyEntry(t, w.queued())
		if e.Attempts != 1 || !e.NextAttempt.Equal(t0.Add(30*time.Second)) || !timeoutError(e.LastError) {
			t.Fatalf("after the stall: %s; want 1 attempt, retried in 30s, a timeout as the reason", describe(w.queued()))
		}
		if srv.Connections() != 1 {
			t.Errorf("%d connections, want 1", srv.Connections())
		}
		w.clock.Advance(30 * time.Second)
		if r := sweep(t, d); r.Delivered != 1 {
			t.Fatalf("retry = %+v, want delivered; queued %s", r, describe(w.queued()))
		}
		accepted := srv.Accepted()
		if len(accepted) != 1 || !strings.Contains(header(t, accepted[0], "Message-ID"), a.ID) {
			t.Errorf("accepted %d messages, want 1 carrying the alert id in its Message-ID", len(accepted))
		}
	})
	t.Run("attempt deadline", func(t *testing.T) {
		// The channel's own timeout is long (its default); the
		// dispatcher's per-attempt deadline must cut the stall short.
		w := newWorld(t)
		addr := notifytest.SilentListener(t)
		const attempt = 300 * time.Millisecond
		d := w.dispatcher(map[string]notify.Channel{"mail": w.mail(addr, 0)}, nil, notify.DispatcherOptions{AttemptTimeout: attempt})
		w.queue([]string{"mail"}, alert(1))
		baseline := runtime.NumGoroutine()
		for i := 1; i <= 3; i++ {
			start := time.Now()
			r := sweep(t, d)
			if took := time.Since(start); r.Delivered != 0 || took < attempt || took > attempt+5*time.Second {
				t.Fatalf("attempt %d: %+v after %v; want a failure after the %v attempt deadline", i, r, took, attempt)
			}
			e := onlyEntry(t, w.queued())
			if e.Attempts != i || !timeoutError(e.LastError) {
				t.Fatalf("after attempt %d: %s; want %d attempts and a timeout", i, describe(w.queued()), i)
			}
			w.clock.Advance(e.NextAttempt.Sub(w.clock.Now()))
		}
		assertGoroutines(t, baseline)
	})
}

// Item 10: SMTP 4xx (greylisting) → deferred, delivered once later. 5xx →
// dead letter, queue continues.
func TestItem10_SMTPGreylistAndReject(t *testing.T) {
	greylisted := smtpErr(451, smtp.EnhancedCode{4, 7, 1}, "Greylisted, please try again later")
	firstOnly := func(n int) error {
		if n == 1 {
			return greylisted
		}
		return nil
	}
	for _, step := range []string{"MAIL", "RCPT", "DATA"} {
		t.Run("greylist at "+step, func(t *testing.T) {
			w := newWorld(t)
			srv := testreceiver.NewSMTP(t, 0)
			switch step {
			case "MAIL":
				srv.OnMail = firstOnly
			case "RCPT":
				srv.OnRcpt = firstOnly
			default:
				srv.OnData = func(n int, _ []byte) (error, bool) {
					if n == 1 {
						return greylisted, false
					}
					return nil, false
				}
			}
			d := w.dispatcher(map[string]notify.Channel{"mail": w.mail(srv.Addr, 0)}, nil, notify.DispatcherOptions{})
			a := alert(1)
			w.queue([]string{"mail"}, a)
			if r := sweep(t, d); r.Delivered != 0 || r.Dead != 0 {
				t.Fatalf("first sweep = %+v, want deferred", r)
			}
			e := onlyEntry(t, w.queued())
			if e.Attempts != 1 || !e.NextAttempt.Equal(t0.Add(30*time.Second)) || !strings.Contains(e.LastError, "451") {
				t.Fatalf("after greylisting: %s; want 1 attempt, next in 30s, 451 as reason", describe(w.queued()))
			}
			w.clock.Advance(29 * time.Second)
			sweep(t, d)
			if srv.Sessions() != 1 {
				t.Fatalf("%d SMTP sessions by 29 s, want 1", srv.Sessions())
			}
			w.clock.Advance(time.Second)
			if r := sweep(t, d); r.Delivered != 1 {
				t.Fatalf("retry = %+v, want delivered", r)
			}
			w.clock.Advance(time.Hour)
			sweep(t, d)
			accepted := srv.Accepted()
			if len(accepted) != 1 {
				t.Errorf("server accepted %d messages, want exactly 1", len(accepted))
			}
			if at, ok := w.delivered(a.ID, "mail"); !ok || !at.Equal(t0.Add(30*time.Second)) {
				t.Errorf("delivered %v at %v; want at 30 s", ok, at)
			}
		})
	}
	rejected := smtpErr(554, smtp.EnhancedCode{5, 7, 1}, "Message rejected as spam")
	unknown := smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "No such user here")
	for _, tt := range []struct {
		name   string
		set    func(*testreceiver.SMTP)
		reason string
	}{
		{"554 after DATA", func(s *testreceiver.SMTP) {
			s.OnData = func(n int, _ []byte) (error, bool) {
				if n == 2 {
					return rejected, false
				}
				return nil, false
			}
		}, "554"},
		{"550 at RCPT", func(s *testreceiver.SMTP) {
			s.OnRcpt = func(n int) error {
				if n == 2 {
					return unknown
				}
				return nil
			}
		}, "550"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			srv := testreceiver.NewSMTP(t, 0)
			tt.set(srv)
			d := w.dispatcher(map[string]notify.Channel{"mail": w.mail(srv.Addr, 0)}, nil, notify.DispatcherOptions{})
			// Three alerts, sent oldest first: the second is refused.
			alerts := []news.Alert{alert(1), alert(2), alert(3)}
			for _, a := range alerts {
				w.queue([]string{"mail"}, a)
				w.clock.Advance(time.Second)
			}
			if r := sweep(t, d); r.Delivered != 2 || r.Dead != 1 || r.Retried != 0 {
				t.Errorf("sweep = %+v, want 2 delivered, 1 dead, the queue going on past the refusal", r)
			}
			dead := w.dead()
			if len(dead) != 1 || !strings.Contains(dead[0].LastError, tt.reason) {
				t.Fatalf("dead letters: %s; want one with %s in its reason", describe(dead), tt.reason)
			}
			if q := w.queued(); len(q) != 0 {
				t.Errorf("queued: %s", describe(q))
			}
			delivered := 0
			for _, a := range alerts {
				if _, ok := w.delivered(a.ID, "mail"); ok {
					delivered++
				} else if a.ID != dead[0].AlertID {
					t.Errorf("%s neither delivered nor dead", a.ID)
				}
			}
			if accepted := srv.Accepted(); delivered != 2 || len(accepted) != 2 {
				t.Errorf("%d delivered marks, %d messages accepted; want 2 and 2", delivered, len(accepted))
			}
		})
	}
}

// Item 11: connection lost after the final "." → one retry with the same
// Message-ID.
func TestItem11_DroppedAfterDot(t *testing.T) {
	w := newWorld(t)
	srv := testreceiver.NewSMTP(t, 0)
	srv.OnData = func(n int, _ []byte) (error, bool) { return nil, n == 1 }
	d := w.dispatcher(map[string]notify.Channel{"mail": w.mail(srv.Addr, 0)}, nil, notify.DispatcherOptions{})
	a := alert(1)
	w.queue([]string{"mail"}, a)

	if r := sweep(t, d); r.Delivered != 0 || r.Dead != 0 {
		t.Fatalf("first sweep = %+v; the outcome is unknown, so neither delivered nor dead", r)
	}
	e := onlyEntry(t, w.queued())
	if e.Attempts != 1 {
		t.Fatalf("after the drop: %s; want 1 attempt, queued for a retry", describe(w.queued()))
	}
	w.clock.Advance(e.NextAttempt.Sub(w.clock.Now()))
	if r := sweep(t, d); r.Delivered != 1 {
		t.Fatalf("retry = %+v, want delivered", r)
	}
	for range 3 {
		w.clock.Advance(time.Hour)
		sweep(t, d)
	}
	_, data := srv.Calls()
	received := srv.Received()
	if data != 2 || len(received) != 2 {
		t.Fatalf("server saw %d DATA commands, %d whole messages; want exactly 2 (one retry)", data, len(received))
	}
	first, second := header(t, received[0], "Message-ID"), header(t, received[1], "Message-ID")
	if first == "" || first != second || !strings.Contains(first, a.ID) {
		t.Errorf("Message-IDs %q and %q; want the same, derived from %s", first, second, a.ID)
	}
	if q, dl := w.queued(), w.dead(); len(q)+len(dl) != 0 {
		t.Errorf("left: queued %s, dead %s", describe(q), describe(dl))
	}
}

// Item 10, one recipient refused: a server that refuses one of three
// addresses for good (550 at RCPT) costs the other two nothing: each gets
// the alert once, it counts as delivered, no dead letter, and a warning
// names the refused address with the reply. One refused for now (450)
// sends nothing and defers the whole message; the retry reaches everyone
// the server accepts. Single alerts and quiet-hours digests alike.
func TestItem10_SMTPRefusedRecipient(t *testing.T) {
	unknown := smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "No such user here")
	busy := smtpErr(450, smtp.EnhancedCode{4, 2, 1}, "Mailbox busy")
	const desk, night, gone = "desk@example.org", "night@example.org", "gone@example.org"
	window, err := quiet.Parse("08:00-10:00 UTC") // t0 is 09:00 UTC
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		quiet quiet.Window
		// copies is how many messages each accepted recipient gets for
		// the two alerts: two singles, or one digest.
		copies int
	}{
		{"single", quiet.Window{}, 2},
		{"digest", window, 1},
	} {
		for _, tc := range []struct {
			name string
			// refuse answers RCPT TO on the first attempt; the retry
			// (if any) only refuses gone.
			refuse    map[string]error
			firstTry  bool // delivered at the first attempt
			lastError string
		}{
			{"one of three 550", map[string]error{gone: unknown}, true, ""},
			{"450 and 550", map[string]error{night: busy, gone: unknown}, false, "450 4.2.1 Mailbox busy"},
		} {
			t.Run(mode.name+"/"+tc.name, func(t *testing.T) {
				w := newWorld(t)
				srv := testreceiver.NewSMTP(t, 0)
				attempt := 1
				srv.Refuse = func(addr string) error {
					if attempt > 1 && addr != gone {
						return nil
					}
					return tc.refuse[addr]
				}
				ch := w.mailTo(srv.Addr, 0, desk, night, gone)
				ch.Quiet = mode.quiet
				d := w.dispatcher(map[string]notify.Channel{"mail": ch}, nil, notify.DispatcherOptions{})
				alerts := []news.Alert{alert(1), alert(2)}
				w.queue([]string{"mail"}, alerts...)
				if !mode.quiet.IsZero() {
					if r := sweep(t, d); r.Deferred != 2 {
						t.Fatalf("sweep in quiet hours = %+v, want 2 deferred", r)
					}
					w.clock.Advance(time.Hour)
				}

				r := sweep(t, d)
				if !tc.firstTry {
					if r.Delivered != 0 || r.Dead != 0 {
						t.Fatalf("first attempt = %+v, want deferred (a recipient refused for now)", r)
					}
					if got := srv.ReceivedBy(); len(got) != 0 {
						t.Fatalf("first attempt delivered %v, want nothing sent", got)
					}
					q := w.queued()
					for _, e := range q {
						if e.Attempts != 1 || !strings.Contains(e.LastError, tc.lastError) {
							t.Fatalf("after the 450: %s; want 1 attempt each, %q as reason", describe(q), tc.lastError)
						}
					}
					w.clock.Advance(q[0].NextAttempt.Sub(w.clock.Now()))
					attempt++
					r = sweep(t, d)
				}
				if r.Delivered != 2 || r.Dead != 0 {
					t.Errorf("sweep = %+v, want both alerts delivered, none dead", r)
				}
				for _, a := range alerts {
					if _, ok := w.delivered(a.ID, "mail"); !ok {
						t.Errorf("%s not marked delivered", a.ID)
					}
				}
				if q, dl := w.queued(), w.dead(); len(q)+len(dl) != 0 {
					t.Errorf("left: queued %s, dead %s", describe(q), describe(dl))
				}
				want := map[string]int{desk: mode.copies, night: mode.copies}
				if got := srv.ReceivedBy(); !maps.Equal(got, want) {
					t.Errorf("copies received = %v, want %v (the refused address none)", got, want)
				}
				logs := w.logs.String()
				if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "<"+gone+">: 550 5.1.1 No such user here") {
					t.Errorf("logs do not warn about %s with the reply:\n%s", gone, logs)
				}
			})
		}
	}
}
