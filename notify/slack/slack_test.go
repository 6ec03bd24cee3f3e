package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/notifytest"
)

func fixedNow() time.Time { return time.Date(2026, 11, 25, 10, 0, 5, 0, time.UTC) }

// hookPath is shaped like a real incoming-webhook path; the token is the
// sentinel secret.
const hookPath = "/services/T00000000/B00000000/" + notifytest.SentinelSecret

func newNotifier(t *testing.T, url string, opts ...Option) *Notifier {
	t.Helper()
	n, err := New(Config{WebhookURL: url}, append([]Option{WithNow(fixedNow)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// answering starts a receiver that replies code and body, recording the
// request bodies and content types it got.
func answering(t *testing.T, code int, body string) (url string, got func() (bodies, types []string)) {
	t.Helper()
	var (
		mu            sync.Mutex
		bodies, types []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		types = append(types, r.Header.Get("Content-Type"))
		mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + hookPath, func() ([]string, []string) {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), bodies...), append([]string(nil), types...)
	}
}

func TestNotifyDelivers(t *testing.T) {
	url, got := answering(t, http.StatusOK, "ok")
	a := notifytest.SampleAlert()
	if _, err := newNotifier(t, url).Notify(context.Background(), a); err != nil {
		t.Fatalf("Notify = %v, want delivered", err)
	}
	want, err := Payload(a)
	if err != nil {
		t.Fatal(err)
	}
	bodies, types := got()
	if len(bodies) != 1 || bodies[0] != string(want) {
		t.Fatalf("receiver got %q, want one request with Payload(sample)", bodies)
	}
	if types[0] != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q, want application/json; charset=utf-8", types[0])
	}
}

func TestNotifyAnswers(t *testing.T) {
	for _, tc := range []struct {
		code      int
		body      string
		ok        bool
		retryable bool
	}{
		{200, "ok", true, false},
		{200, "ok\n", true, false},
		{200, "", false, false},
		{200, "invalid_payload", false, false},
		{200, "no_text", false, false},
		{202, "ok", false, false}, // Slack answers 200; anything else did not post
		{400, "invalid_payload", false, false},
		{403, "action_prohibited", false, false},
		{404, "channel_not_found", false, false},
		{410, "channel_is_archived", false, false},
		{500, "rollup_error", false, true},
		{503, "", false, true},
		{429, "rate_limited", false, true},
	} {
		t.Run(fmt.Sprintf("%d %s", tc.code, tc.body), func(t *testing.T) {
			url, _ := answering(t, tc.code, tc.body)
			retryable, err := newNotifier(t, url).Notify(context.Background(), notifytest.SampleAlert())
			if (err == nil) != tc.ok || retryable != tc.retryable {
				t.Errorf("Notify on %d %q = (%v, %v), want ok %v retryable %v",
					tc.code, tc.body, retryable, err, tc.ok, tc.retryable)
			}
			if err != nil && tc.body != "" && !strings.Contains(err.Error(), strings.TrimSpace(tc.body)) {
				t.Errorf("Notify error %q does not quote Slack's answer %q", err, tc.body)
			}
			notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret)
		})
	}
}

func TestStatusCases(t *testing.T) {
	notifytest.RunStatusCases(t, func(t *testing.T, url string) (notify.Notifier, []string) {
		return newNotifier(t, url), []string{url}
	}, "ok")
}

func TestAnswerEchoingURLIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Cannot POST "+r.URL.Path, http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + hookPath
	retryable, err := newNotifier(t, url).Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || retryable {
		t.Fatalf("Notify on 404 = (%v, %v), want permanent error", retryable, err)
	}
	notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url, hookPath)
}

func TestNotifyTimeout(t *testing.T) {
	url := notifytest.StallingServer(t).URL + hookPath
	n := newNotifier(t, url, WithTimeout(50*time.Millisecond))
	retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Fatalf("Notify to a silent receiver = (%v, %v), want retryable error", retryable, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Notify error = %v, want context.DeadlineExceeded in its chain", err)
	}
	notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
}

func TestNotifyConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + hookPath
	srv.Close()
	retryable, err := newNotifier(t, url).Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Fatalf("Notify to a closed port = (%v, %v), want retryable error", retryable, err)
	}
	if !strings.HasPrefix(err.Error(), "post to slack webhook: ") {
		t.Errorf("Notify error = %q, want it to start with the operation", err)
	}
	notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
}

func TestNotifyHostileAlerts(t *testing.T) {
	url, _ := answering(t, http.StatusOK, "ok")
	n := newNotifier(t, url)
	for _, tc := range notifytest.Hostile() {
		if _, err := n.Notify(context.Background(), tc.Alert); err != nil {
			t.Errorf("Notify(%s) = %v, want delivered", tc.Name, err)
		}
	}
}

func TestNewRejects(t *testing.T) {
	s := notifytest.SentinelSecret
	for _, url := range []string{"", "hooks.slack.example/" + s, "https://h.example/%zz" + s, "ftp://h.example/" + s} {
		n, err := New(Config{WebhookURL: url})
		if err == nil {
			t.Errorf("New(%q) = %v, nil; want error", url, n)
		}
		notifytest.AssertNoSecret(t, err, s)
	}
}
