package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/email"
	"github.com/newshound/newshound/notify/slack"
	"github.com/newshound/newshound/notify/webhook"
	"github.com/newshound/newshound/store"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

const (
	hookSecret = "faults-webhook-secret-77c1"
	watch      = "strait"
)

// world is one test's store, clock, logs and transport.
type world struct {
	t     *testing.T
	clock *testclock.Clock
	store *store.Store
	logs  *testlog.Buffer
	// client carries every HTTP channel's requests; its idle connections
	// are closed at cleanup so goroutine counts are not disturbed.
	client *http.Client
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, clock: testclock.New(t0), logs: &testlog.Buffer{}}
	s, err := store.Open(filepath.Join(t.TempDir(), "newshound.db"), store.Options{Now: w.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	w.store = s
	tr := http.DefaultTransport.(*http.Transport).Clone()
	w.client = &http.Client{Transport: tr}
	t.Cleanup(tr.CloseIdleConnections)
	return w
}

// dispatcher returns a real Dispatcher on the world's store and clock:
// MinBackoff 30s, MaxBackoff 1h, no jitter (Rand 0.5) unless opts say
// otherwise, AttemptTimeout 5s.
func (w *world) dispatcher(channels map[string]notify.Channel, notices []string, opts notify.DispatcherOptions) *notify.Dispatcher {
	if opts.Now == nil {
		opts.Now = w.clock.Now
	}
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	if opts.MinBackoff == 0 {
		opts.MinBackoff = 30 * time.Second
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = time.Hour
	}
	if opts.AttemptTimeout == 0 {
		opts.AttemptTimeout = 5 * time.Second
	}
	opts.Logger = slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return notify.NewDispatcher(w.store, channels, notices, opts)
}

// hook is a webhook channel to rc, signed with hookSecret.
func (w *world) hook(rc *testreceiver.HTTP) notify.Channel {
	w.t.Helper()
	n, err := webhook.New(webhook.Config{URL: rc.URL + "/hooks/9f3e2c1b7d", Secret: hookSecret},
		webhook.WithHTTPClient(w.client), webhook.WithNow(w.clock.Now))
	if err != nil {
		w.t.Fatal(err)
	}
	return notify.Channel{Notifier: n, Fingerprint: "hook-1"}
}

// team is a Slack channel to rc.
func (w *world) team(rc *testreceiver.HTTP) notify.Channel {
	w.t.Helper()
	n, err := slack.New(slack.Config{WebhookURL: rc.URL + "/services/T0/B0/XXXX"},
		slack.WithHTTPClient(w.client), slack.WithNow(w.clock.Now))
	if err != nil {
		w.t.Fatal(err)
	}
	return notify.Channel{Notifier: n, Fingerprint: "team-1"}
}

// mail is an e-mail channel to the SMTP server at addr; timeout bounds the
// dial, greeting and each command (0: the channel's default).
func (w *world) mail(addr string, timeout time.Duration) notify.Channel {
	w.t.Helper()
	return w.mailTo(addr, timeout, "desk@example.org")
}

// mailTo is mail to the recipients to; the channel logs to the world's
// logs.
func (w *world) mailTo(addr string, timeout time.Duration, to ...string) notify.Channel {
	w.t.Helper()
	opts := []email.Option{email.WithNow(w.clock.Now),
		email.WithLogger(slog.New(slog.NewTextHandler(w.logs, nil)).With("notifier", "mail"))}
	if timeout > 0 {
		opts = append(opts, email.WithTimeout(timeout))
	}
	n, err := email.New(email.Config{Addr: addr, TLS: email.TLSNone,
		From: "newshound <alerts@example.org>", To: to}, opts...)
	if err != nil {
		w.t.Fatal(err)
	}
	return notify.Channel{Notifier: n, Fingerprint: "mail-1"}
}

// alert is a plausible alert for article n.
func alert(n int) news.Alert {
	u := fmt.Sprintf("https://news.example/2026/story-%d.html", n)
	return news.Alert{
		ID: news.AlertID(watch, u), Watch: watch, Source: "wire", URL: u,
		Title:   fmt.Sprintf("Tankers pass the Halvard Strait, alert %d", n),
		Found:   t0,
		Matches: []news.Match{{Term: "Halvard Strait", Seen: []string{"Halvard Strait"}, Count: 1}},
		Snippet: "Tankers resumed passage through the Halvard Strait, the port authority said.",
		Fired:   "Halvard Strait",
	}
}

// queue records alerts in one pass, each for every notifier, as the app
// does after a crawl.
func (w *world) queue(notifiers []string, alerts ...news.Alert) {
	w.t.Helper()
	p := store.Pass{Source: "wire"}
	for _, a := range alerts {
		p.Alerts = append(p.Alerts, store.QueuedAlert{Alert: a, Notifiers: notifiers})
	}
	ids, err := w.store.Record(p)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(ids) != len(alerts) {
		w.t.Fatalf("Record queued %d alerts, want %d", len(ids), len(alerts))
	}
}

func (w *world) queued() []store.Entry {
	w.t.Helper()
	q, err := w.store.Queued()
	if err != nil {
		w.t.Fatal(err)
	}
	return q
}

func (w *world) dead() []store.Entry {
	w.t.Helper()
	d, err := w.store.DeadLetters()
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// delivered reports whether entry alertID/notifier was acknowledged, and
// when (on the test clock).
func (w *world) delivered(alertID, notifier string) (time.Time, bool) {
	w.t.Helper()
	at, ok, err := w.store.Delivered(alertID + "/" + notifier)
	if err != nil {
		w.t.Fatal(err)
	}
	return at, ok
}

// sweep runs one DeliverDue and fails the test on a store error.
func sweep(t *testing.T, d *notify.Dispatcher) notify.Report {
	t.Helper()
	r, err := d.DeliverDue(context.Background())
	if err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	return r
}

// onlyEntry returns the one queued entry, failing otherwise.
func onlyEntry(t *testing.T, q []store.Entry) store.Entry {
	t.Helper()
	if len(q) != 1 {
		t.Fatalf("queued = %s, want one entry", describe(q))
	}
	return q[0]
}

func describe(es []store.Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d entries", len(es))
	for _, e := range es {
		fmt.Fprintf(&b, "\n  %s attempts=%d next=%s dead=%s err=%q", e.ID, e.Attempts,
			e.NextAttempt.Format(time.TimeOnly), e.DeadAt.Format(time.TimeOnly), e.LastError)
	}
	return b.String()
}

// hookID is the alert id a webhook request carries, after checking that
// its signature is valid and that its three ids agree.
func hookID(t *testing.T, r testreceiver.Request) string {
	t.Helper()
	if err := webhook.Verify(hookSecret, r.Header, r.Body, r.At); err != nil {
		t.Errorf("webhook request signature: %v", err)
	}
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("webhook body %q: %v", r.Body, err)
	}
	if h, k := r.Header.Get("webhook-id"), r.Header.Get("Idempotency-Key"); h != p.ID || k != p.ID {
		t.Errorf("webhook ids disagree: payload %q, webhook-id %q, Idempotency-Key %q", p.ID, h, k)
	}
	return p.ID
}

// slackText is every text of a Slack request body joined, to look for an
// alert's title in.
func slackText(t *testing.T, body []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("slack body is not JSON: %v\n%s", err, body)
	}
	var texts []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if s, ok := x[k].(string); ok && k == "text" {
					texts = append(texts, s)
				} else {
					walk(x[k])
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return strings.Join(texts, "\n")
}

// acceptedIDs counts the 2xx-answered webhook requests per alert id.
func acceptedIDs(t *testing.T, rc *testreceiver.HTTP) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range rc.Delivered() {
		out[hookID(t, r)]++
	}
	return out
}

// assertGoroutines waits up to five seconds for the goroutine count to
// come back to baseline, and fails with every stack if it does not.
func assertGoroutines(t *testing.T, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines, %d before the attempts:\n%s", n, baseline, buf[:runtime.Stack(buf, true)])
	}
}

func timeoutError(s string) bool {
	return strings.Contains(s, "deadline exceeded") || strings.Contains(s, "timeout") || strings.Contains(s, "Timeout")
}
