package faults_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/email"
	"github.com/newshound/newshound/notify/slack"
	"github.com/newshound/newshound/notify/webhook"
	"github.com/newshound/newshound/store"
)

// Item 3: 400/401/403/404 → not retried; dead letter with the reason;
// other channels unaffected.
func TestItem03_ClientErrorsAreDeadLetters(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			w := newWorld(t)
			refusal := fmt.Sprintf("refused: reason %d", code)
			hookRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: code, Body: refusal}))
			teamRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
			d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC), "team": w.team(teamRC)}, nil, notify.DispatcherOptions{})
			alerts := []news.Alert{alert(1), alert(2), alert(3)}
			w.queue([]string{"hook", "team"}, alerts...)

			r := sweep(t, d)
			if r.Delivered != 3 || r.Dead != 3 || r.Retried != 0 {
				t.Errorf("sweep = %+v, want 3 delivered (team), 3 dead (hook), none retried", r)
			}
			if hookRC.Count() != 3 || teamRC.Count() != 3 {
				t.Errorf("requests: hook %d, team %d; want 3 each (one per alert)", hookRC.Count(), teamRC.Count())
			}
			want := fmt.Sprintf("receiver answered %d %s: %s", code, http.StatusText(code), refusal)
			dead := w.dead()
			if len(dead) != 3 {
				t.Fatalf("dead letters: %s; want the 3 hook entries", describe(dead))
			}
			for _, e := range dead {
				if e.Notifier != "hook" || !strings.Contains(e.LastError, want) || e.Attempts != 1 || !e.DeadAt.Equal(t0) {
					t.Errorf("dead letter %s; want hook, reason containing %q, 1 attempt, dead at %v", describe([]store.Entry{e}), want, t0)
				}
			}
			for _, a := range alerts {
				if at, ok := w.delivered(a.ID, "team"); !ok || !at.Equal(t0) {
					t.Errorf("team delivery of %s: %v, %v; want at %v", a.ID, at, ok, t0)
				}
				if _, ok := w.delivered(a.ID, "hook"); ok {
					t.Errorf("hook entry of %s marked delivered", a.ID)
				}
			}
			if q := w.queued(); len(q) != 0 {
				t.Errorf("queued: %s; want none", describe(q))
			}
			// Not retried, ever.
			w.clock.Advance(48 * time.Hour)
			sweep(t, d)
			if hookRC.Count() != 3 {
				t.Errorf("hook got %d requests after two days, want still 3", hookRC.Count())
			}
		})
	}
	// Dead letters are said, once: one notice per notifier for the
	// alerts that died together, and a notice that cannot be delivered
	// itself never raises another.
	for _, opsAnswer := range []testreceiver.Answer{testreceiver.OK, {Status: http.StatusUnauthorized, Body: "bad token"}} {
		t.Run(fmt.Sprintf("announced to ops answering %d", opsAnswer.Status), func(t *testing.T) {
			w := newWorld(t)
			hookRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: 404, Body: "no such hook"}))
			opsRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(opsAnswer))
			d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC), "ops": w.hook(opsRC)}, []string{"ops"}, notify.DispatcherOptions{})
			w.queue([]string{"hook"}, alert(1), alert(2), alert(3))
			for range 3 {
				sweep(t, d)
			}
			reqs := opsRC.Requests()
			if len(reqs) != 1 {
				t.Fatalf("ops got %d notices for 3 dead letters of one notifier, want 1", len(reqs))
			}
			var n struct{ Watch, Title, Snippet string }
			if err := json.Unmarshal(reqs[0].Body, &n); err != nil {
				t.Fatal(err)
			}
			if n.Watch != news.WatchDelivery || !strings.Contains(n.Title, "3") || !strings.Contains(n.Title+n.Snippet, "404") {
				t.Errorf("notice = %s; want a %q notice counting 3 alerts and giving the reason", reqs[0].Body, news.WatchDelivery)
			}
			for range 6 {
				w.clock.Advance(time.Hour)
				sweep(t, d)
			}
			if opsRC.Count() != 1 || hookRC.Count() != 3 {
				t.Errorf("after six hours: ops %d requests, hook %d; want 1 and 3", opsRC.Count(), hookRC.Count())
			}
			wantDead := 3
			if opsAnswer.Status != http.StatusOK {
				wantDead = 4 // the notice itself, silently
			}
			if dl := w.dead(); len(dl) != wantDead {
				t.Errorf("dead letters: %s; want %d", describe(dl), wantDead)
			}
		})
	}
	t.Run("slack invalid_payload", func(t *testing.T) {
		w := newWorld(t)
		teamRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: 400, Body: "invalid_payload"}))
		d := w.dispatcher(map[string]notify.Channel{"team": w.team(teamRC)}, nil, notify.DispatcherOptions{})
		w.queue([]string{"team"}, alert(1))
		if r := sweep(t, d); r.Dead != 1 {
			t.Errorf("sweep = %+v, want 1 dead", r)
		}
		if dead := w.dead(); len(dead) != 1 || !strings.Contains(dead[0].LastError, "invalid_payload") {
			t.Errorf("dead letters: %s; want one naming invalid_payload", describe(dead))
		}
	})
}

// Item 4: 410 Gone, or Slack channel_is_archived → channel disabled, one
// operator notice, not one per alert.
func TestItem04_GoneDisablesTheChannel(t *testing.T) {
	tests := []struct {
		name    string
		channel string
		gone    testreceiver.Answer
	}{
		{"webhook 410", "hook", testreceiver.Answer{Status: http.StatusGone, Body: "this hook was deleted"}},
		{"slack channel_is_archived", "team", testreceiver.Answer{Status: http.StatusGone, Body: "channel_is_archived"}},
		{"slack no_service", "team", testreceiver.Answer{Status: http.StatusNotFound, Body: "no_service"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			var fixedUp atomic.Bool
			goneRC := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
				if !fixedUp.Load() {
					return tt.gone
				}
				return testreceiver.OK
			})
			opsRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
			ch := w.hook(goneRC)
			if tt.channel == "team" {
				ch = w.team(goneRC)
			}
			// "ops" hears about delivery problems (health.notify).
			channels := map[string]notify.Channel{tt.channel: ch, "ops": w.hook(opsRC)}
			d := w.dispatcher(channels, []string{"ops"}, notify.DispatcherOptions{})
			alerts := []news.Alert{alert(1), alert(2), alert(3), alert(4), alert(5)}
			w.queue([]string{tt.channel}, alerts...)

			// Sweep until nothing more happens (the notice may go out in
			// a later sweep than the one that disabled the channel).
			for range 4 {
				sweep(t, d)
			}
			if n := goneRC.Count(); n != 1 {
				t.Errorf("the gone channel got %d requests, want 1: the first answer disables it", n)
			}
			disabled, err := w.store.DisabledNotifiers()
			if err != nil {
				t.Fatal(err)
			}
			if len(disabled) != 1 || disabled[0].Name != tt.channel || !strings.Contains(disabled[0].Reason, tt.gone.Body) {
				t.Errorf("disabled notifiers = %+v, want %s with the receiver's answer %q", disabled, tt.channel, tt.gone.Body)
			}
			if q := w.queued(); len(q) != len(alerts) {
				t.Errorf("queued: %s; want the %d alerts kept for when the channel comes back", describe(q), len(alerts))
			}
			notices := opsRC.Requests()
			if len(notices) != 1 {
				t.Fatalf("ops got %d notices, want exactly 1 for %d alerts", len(notices), len(alerts))
			}
			var n struct {
				Watch, Title, Snippet string
			}
			if err := json.Unmarshal(notices[0].Body, &n); err != nil {
				t.Fatal(err)
			}
			if n.Watch != news.WatchDelivery || !strings.Contains(n.Title+n.Snippet, tt.channel) {
				t.Errorf("notice = %s; want watch %q naming %s", notices[0].Body, news.WatchDelivery, tt.channel)
			}

			// Hours later: still disabled, still one notice, nothing sent.
			for range 6 {
				w.clock.Advance(time.Hour)
				sweep(t, d)
			}
			if goneRC.Count() != 1 || opsRC.Count() != 1 {
				t.Errorf("after six hours: gone channel %d requests, ops %d notices; want 1 and 1", goneRC.Count(), opsRC.Count())
			}

			// The operator fixes the config: a new fingerprint re-enables
			// the channel and the kept alerts go out, once each.
			fixedUp.Store(true)
			fixed := channels[tt.channel]
			fixed.Fingerprint += "-fixed"
			channels[tt.channel] = fixed
			d.SetChannels(channels, []string{"ops"})
			for range 3 {
				sweep(t, d)
			}
			for _, a := range alerts {
				if _, ok := w.delivered(a.ID, tt.channel); !ok {
					t.Errorf("after the config changed, %s was not delivered through %s", a.ID, tt.channel)
				}
			}
			if want := 1 + len(alerts); goneRC.Count() != want {
				t.Errorf("the re-enabled channel got %d requests in all, want %d", goneRC.Count(), want)
			}
		})
	}
}

// TestItem04_OperatorReEnables: the other way back from a disabled
// notifier is an operator's re-enable (store.Enable, as the outbox
// command does with the daemon stopped); the daemon then starts with the
// same config and the kept alerts go out once each, with no new notice.
func TestItem04_OperatorReEnables(t *testing.T) {
	w := newWorld(t)
	var fixedUp atomic.Bool
	goneRC := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
		if !fixedUp.Load() {
			return testreceiver.Answer{Status: http.StatusGone, Body: "gone"}
		}
		return testreceiver.OK
	})
	opsRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	channels := map[string]notify.Channel{"hook": w.hook(goneRC), "ops": w.hook(opsRC)}
	d := w.dispatcher(channels, []string{"ops"}, notify.DispatcherOptions{})
	alerts := []news.Alert{alert(1), alert(2), alert(3)}
	w.queue([]string{"hook"}, alerts...)
	for range 3 {
		sweep(t, d)
	}
	if goneRC.Count() != 1 || opsRC.Count() != 1 {
		t.Fatalf("gone channel %d requests, ops %d notices; want 1 and 1", goneRC.Count(), opsRC.Count())
	}

	w.clock.Advance(2 * time.Hour)
	fixedUp.Store(true)
	n, err := w.store.Enable("hook", w.clock.Now())
	if err != nil || n != len(alerts) {
		t.Fatalf("Enable = %d, %v; want the %d kept entries made due", n, err, len(alerts))
	}
	d = w.dispatcher(channels, []string{"ops"}, notify.DispatcherOptions{}) // the daemon restarts
	for range 3 {
		sweep(t, d)
	}
	for _, a := range alerts {
		if at, ok := w.delivered(a.ID, "hook"); !ok || !at.Equal(w.clock.Now()) {
			t.Errorf("%s: delivered %v at %v, want at the re-enable (%v)", a.ID, ok, at, w.clock.Now())
		}
	}
	if goneRC.Count() != 1+len(alerts) || opsRC.Count() != 1 {
		t.Errorf("after re-enabling: hook %d requests, ops %d notices; want %d and still 1", goneRC.Count(), opsRC.Count(), 1+len(alerts))
	}
	if disabled, err := w.store.DisabledNotifiers(); err != nil || len(disabled) != 0 {
		t.Errorf("disabled notifiers = %+v, %v; want none", disabled, err)
	}
}

// TestItem04_GoneNoticeRecipient: the notice recipient is the channel
// that is gone. Its notice cannot be sent and must not raise another: the
// gone channel hears nothing more while disabled, and nothing piles up.
func TestItem04_GoneNoticeRecipient(t *testing.T) {
	w := newWorld(t)
	var fixedUp atomic.Bool
	teamRC := testreceiver.NewHTTP(t, w.clock.Now, func(int, []byte) testreceiver.Answer {
		if !fixedUp.Load() {
			return testreceiver.Answer{Status: http.StatusGone, Body: "channel_is_archived"}
		}
		return testreceiver.OK
	})
	channels := map[string]notify.Channel{"team": w.team(teamRC)}
	d := w.dispatcher(channels, []string{"team"}, notify.DispatcherOptions{})
	alerts := []news.Alert{alert(1), alert(2), alert(3)}
	w.queue([]string{"team"}, alerts...)
	for range 6 {
		sweep(t, d)
		w.clock.Advance(time.Hour)
	}
	if n := teamRC.Count(); n != 1 {
		t.Errorf("the archived channel got %d requests, want 1", n)
	}
	notices := 0
	for _, e := range append(w.queued(), w.dead()...) {
		if news.IsNotice(e.Alert.Watch) {
			notices++
		}
	}
	if notices > 1 {
		t.Errorf("%d notice entries in the store, want at most the one about team: %s", notices, describe(append(w.queued(), w.dead()...)))
	}
	// Fixed: the alerts go out once each, and at most one notice.
	fixedUp.Store(true)
	team := channels["team"]
	team.Fingerprint += "-fixed"
	channels["team"] = team
	d.SetChannels(channels, []string{"team"})
	for range 3 {
		sweep(t, d)
	}
	for _, a := range alerts {
		if _, ok := w.delivered(a.ID, "team"); !ok {
			t.Errorf("%s not delivered after the fix", a.ID)
		}
	}
	if n := teamRC.Count() - 1; n < len(alerts) || n > len(alerts)+1 {
		t.Errorf("after the fix team got %d requests, want the %d alerts and at most one notice", n, len(alerts))
	}
}

// Item 6: 3xx from a webhook → a failure, never followed.
func TestItem06_RedirectIsNeverFollowed(t *testing.T) {
	for _, channel := range []string{"hook", "team"} {
		for _, code := range []int{301, 302, 303, 307, 308} {
			t.Run(fmt.Sprintf("%s %d", channel, code), func(t *testing.T) {
				w := newWorld(t)
				elsewhere := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
				rc := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: code,
					Header: map[string]string{"Location": elsewhere.URL + "/stolen"}, Body: "moved"}))
				ch := w.hook(rc)
				if channel == "team" {
					ch = w.team(rc)
				}
				d := w.dispatcher(map[string]notify.Channel{channel: ch}, nil, notify.DispatcherOptions{})
				a := alert(1)
				w.queue([]string{channel}, a)
				if r := sweep(t, d); r.Delivered != 0 {
					t.Errorf("sweep = %+v; a redirect is not a delivery", r)
				}
				if elsewhere.Count() != 0 {
					t.Errorf("the redirect target got %d requests; redirects must never be followed", elsewhere.Count())
				}
				if _, ok := w.delivered(a.ID, channel); ok {
					t.Errorf("entry marked delivered after a %d", code)
				}
				// Kept, with the status as the reason: queued for a retry
				// (the operator may fix the receiver) or dead.
				kept := append(w.queued(), w.dead()...)
				if len(kept) != 1 || !strings.Contains(kept[0].LastError, fmt.Sprint(code)) {
					t.Errorf("store: %s; want the entry kept with %d in its last error", describe(kept), code)
				}
			})
		}
	}
}

// Item 7: Slack 200 with a body other than "ok" → not delivered.
func TestItem07_SlackNotOK(t *testing.T) {
	for _, body := range []string{"", "no_text", "<html><body>Please log in to the hotel Wi-Fi</body></html>", "okay", "ok ok"} {
		t.Run(fmt.Sprintf("%q", body), func(t *testing.T) {
			w := newWorld(t)
			rc := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: http.StatusOK, Body: body}))
			d := w.dispatcher(map[string]notify.Channel{"team": w.team(rc)}, nil, notify.DispatcherOptions{})
			a := alert(1)
			w.queue([]string{"team"}, a)
			if r := sweep(t, d); r.Delivered != 0 || rc.Count() != 1 {
				t.Errorf("sweep = %+v after %d requests; want not delivered after 1", r, rc.Count())
			}
			if _, ok := w.delivered(a.ID, "team"); ok {
				t.Error("entry marked delivered")
			}
			// The package documents it as permanent: Slack looked at the
			// message and refused it.
			dead := w.dead()
			want := strings.Join(strings.Fields(body), " ")
			if want == "" {
				want = "(empty body)"
			}
			if len(dead) != 1 || !strings.Contains(dead[0].LastError, want) {
				t.Errorf("dead letters: %s; want one whose reason quotes %q", describe(dead), want)
			}
		})
	}
	t.Run("control: ok with a newline is delivered", func(t *testing.T) {
		w := newWorld(t)
		rc := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.Answer{Status: http.StatusOK, Body: "ok\n"}))
		d := w.dispatcher(map[string]notify.Channel{"team": w.team(rc)}, nil, notify.DispatcherOptions{})
		w.queue([]string{"team"}, alert(1))
		if r := sweep(t, d); r.Delivered != 1 {
			t.Errorf("sweep = %+v, want delivered", r)
		}
	})
}

// Item 8: a 20 kB title → truncated by runes before sending; length never
// fails a delivery.
func TestItem08_HugeTitle(t *testing.T) {
	w := newWorld(t)
	hookRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	teamRC := testreceiver.NewHTTP(t, w.clock.Now, testreceiver.Always(testreceiver.OK))
	mail := testreceiver.NewSMTP(t, 0)
	d := w.dispatcher(map[string]notify.Channel{"hook": w.hook(hookRC), "team": w.team(teamRC), "mail": w.mail(mail.Addr, 0)}, nil, notify.DispatcherOptions{})
	// Multi-byte runes throughout (Cyrillic, Han, an emoji), so a cut by
	// bytes would split a rune.
	a := alert(1)
	a.Title = strings.Repeat("Пролив Халвард 海峡 🚢 ", 1000)
	if len(a.Title) < 20_000 {
		t.Fatalf("title is %d bytes, want ≥ 20 kB", len(a.Title))
	}
	w.queue([]string{"hook", "team", "mail"}, a)
	if r := sweep(t, d); r.Delivered != 3 {
		t.Fatalf("sweep = %+v, want delivered through all three channels; dead: %s", r, describe(w.dead()))
	}
	prefix := string([]rune(a.Title)[:100])

	var p struct{ Title string }
	if err := json.Unmarshal(hookRC.Requests()[0].Body, &p); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(p.Title); n > webhook.MaxTitleRunes || !utf8.ValidString(p.Title) || !strings.HasPrefix(p.Title, prefix) {
		t.Errorf("webhook title: %d runes (max %d), valid UTF-8 %v, starts with the title %v",
			n, webhook.MaxTitleRunes, utf8.ValidString(p.Title), strings.HasPrefix(p.Title, prefix))
	}

	text := slackText(t, teamRC.Requests()[0].Body)
	if !utf8.ValidString(text) || !strings.Contains(text, prefix) || strings.Contains(text, string([]rune(a.Title)[:slack.MaxTitleRunes+1])) {
		t.Errorf("slack text: valid %v, contains the start %v, longer than %d runes of title %v", utf8.ValidString(text),
			strings.Contains(text, prefix), slack.MaxTitleRunes, strings.Contains(text, string([]rune(a.Title)[:slack.MaxTitleRunes+1])))
	}

	accepted := mail.Accepted()
	if len(accepted) != 1 {
		t.Fatalf("smtp accepted %d messages, want 1", len(accepted))
	}
	subject, err := decodeHeader(header(t, accepted[0], "Subject"))
	if err != nil {
		t.Fatal(err)
	}
	title := strings.TrimPrefix(subject, "[newshound] "+watch+": ")
	if n := utf8.RuneCountInString(title); n > email.MaxTitleRunes || !strings.HasPrefix(title, strings.TrimSpace(prefix[:len(prefix)-1])) {
		t.Errorf("e-mail subject title: %d runes (max %d): %.80q…", n, email.MaxTitleRunes, title)
	}
}
