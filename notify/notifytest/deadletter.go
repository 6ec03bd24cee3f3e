package notifytest

import (
	"context"
	"encoding/base64"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// Delivery is what one failed delivery left behind: the dead letter's
// reason as the store keeps it (and backups, the status page, the API and
// `newshound outbox` show it), and everything the dispatcher logged.
type Delivery struct {
	Reason string
	Logs   string
}

// DeliverOnce queues a for the notifier n under the name "ch" in a real
// store in a temporary folder, runs one dispatcher sweep, and returns the
// dead letter it left. The receiver must refuse the alert for good (a
// permanent failure); a delivery, or a retry, fails the test.
func DeliverOnce(t testing.TB, n notify.Notifier, a news.Alert) Delivery {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "newshound.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Record(store.Pass{Source: a.Source, Alerts: []store.QueuedAlert{{Alert: a, Notifiers: []string{"ch"}}}}); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	d := notify.NewDispatcher(s, map[string]notify.Channel{"ch": {Notifier: n, Fingerprint: "ch-1"}}, nil,
		notify.DispatcherOptions{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if _, err := d.DeliverDue(context.Background()); err != nil {
		t.Fatalf("DeliverDue: %v", err)
	}
	dead, err := s.DeadLetters()
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 {
		q, _ := s.Queued()
		t.Fatalf("dead letters = %d (queued %d), want the alert refused for good; logs:\n%s", len(dead), len(q), logs.String())
	}
	return Delivery{Reason: dead[0].LastError, Logs: logs.String()}
}

// AssertNoForm fails the test if text holds any of secrets as is,
// percent-encoded, or in base64 (standard or URL alphabet, padded or
// not), or the first half of such a form of 16 bytes or more: what is
// left when an excerpt cuts through an echoed secret before it is
// scrubbed. The forms are listed here, not taken from the redactor, so
// the check does not share its blind spots.
func AssertNoForm(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		b := []byte(s)
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s),
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)}
		seen := map[string]bool{}
		for _, form := range forms {
			if seen[form] {
				continue
			}
			seen[form] = true
			if strings.Contains(text, form) {
				t.Errorf("%s holds %q (a form of %q):\n%s", what, form, s, text)
			} else if len(form) >= 16 && strings.Contains(text, form[:len(form)/2]) {
				t.Errorf("%s holds %q (the start of a form of %q):\n%s", what, form[:len(form)/2], s, text)
			}
		}
	}
}

// lockedBuffer is a log sink safe for the dispatcher's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
