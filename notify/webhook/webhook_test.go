package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
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

// fixedNow is the injected clock of every test notifier.
func fixedNow() time.Time { return time.Date(2026, 11, 25, 10, 0, 5, 0, time.UTC) }

// received is one request as a test receiver saw it.
type received struct {
	method string
	header http.Header
	body   []byte
}

// recorder is a real HTTP receiver that records requests and answers with
// the next status in codes (the last one repeats).
type recorder struct {
	mu    sync.Mutex
	reqs  []received
	codes []int
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, received{r.Method, r.Header.Clone(), body})
	code := rec.codes[min(len(rec.reqs), len(rec.codes))-1]
	rec.mu.Unlock()
	w.WriteHeader(code)
}

func (rec *recorder) requests() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.reqs...)
}

func newReceiver(t *testing.T, codes ...int) (*recorder, string) {
	t.Helper()
	rec := &recorder{codes: codes}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL + "/hook/" + notifytest.SentinelSecret
}

func newNotifier(t *testing.T, cfg Config, opts ...Option) *Notifier {
	t.Helper()
	n, err := New(cfg, append([]Option{WithNow(fixedNow)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}

// independentSignature recomputes the Standard Webhooks signature with
// crypto/hmac directly, not through Sign, so a bug there cannot hide.
func independentSignature(key []byte, h http.Header, body []byte) string {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, h.Get("webhook-id")+"."+h.Get("webhook-timestamp")+".")
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func TestNotifyDelivers(t *testing.T) {
	rawKey := []byte("raw secret bytes " + notifytest.SentinelSecret)
	for _, tc := range []struct {
		name   string
		secret string
		key    []byte // nil: unsigned
	}{
		{"unsigned", "", nil},
		{"raw secret", string(rawKey), rawKey},
		{"whsec secret", "whsec_" + base64.StdEncoding.EncodeToString(rawKey), rawKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, url := newReceiver(t, http.StatusNoContent)
			n := newNotifier(t, Config{URL: url, Secret: tc.secret})
			a := notifytest.SampleAlert()
			retryable, err := n.Notify(context.Background(), a)
			if err != nil {
				t.Fatalf("Notify = %v (retryable %v), want delivered", err, retryable)
			}
			reqs := rec.requests()
			if len(reqs) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(reqs))
			}
			checkRequest(t, reqs[0], a.ID, tc.key)
		})
	}
}

func checkRequest(t *testing.T, r received, id string, key []byte) {
	t.Helper()
	want, err := Payload(notifytest.SampleAlert())
	if err != nil {
		t.Fatal(err)
	}
	if string(r.body) != string(want) {
		t.Errorf("body = %s, want %s", r.body, want)
	}
	wantHeaders := map[string]string{
		"Content-Type":    "application/json",
		"Idempotency-Key": id,
	}
	if key != nil {
		wantHeaders["Webhook-Id"] = id
		wantHeaders["Webhook-Timestamp"] = "1795600805" // fixedNow
		wantHeaders["Webhook-Signature"] = independentSignature(key, r.header, r.body)
	}
	for k, v := range wantHeaders {
		if got := r.header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	if key == nil && r.header.Get("Webhook-Signature") != "" {
		t.Errorf("unsigned request carries webhook-signature %q", r.header.Get("Webhook-Signature"))
	}
	if r.method != http.MethodPost {
		t.Errorf("method = %s, want POST", r.method)
	}
}

func TestVerifyAcceptsNotifier(t *testing.T) {
	rec, url := newReceiver(t, http.StatusOK)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte(notifytest.SentinelSecret))
	n := newNotifier(t, Config{URL: url, Secret: secret})
	if _, err := n.Notify(context.Background(), notifytest.SampleAlert()); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	r := rec.requests()[0]
	if err := Verify(secret, r.header, r.body, fixedNow()); err != nil {
		t.Errorf("Verify(delivered request) = %v, want nil", err)
	}
}

func TestRetrySendsSameIdentity(t *testing.T) {
	rec, url := newReceiver(t, http.StatusServiceUnavailable, http.StatusOK)
	n := newNotifier(t, Config{URL: url, Secret: "s3cret-key"})
	a := notifytest.SampleAlert()
	retryable, err := n.Notify(context.Background(), a)
	if err == nil || !retryable {
		t.Fatalf("Notify on 503 = (%v, %v), want retryable error", retryable, err)
	}
	if _, err := n.Notify(context.Background(), a); err != nil {
		t.Fatalf("second Notify = %v, want delivered", err)
	}
	reqs := rec.requests()
	if len(reqs) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(reqs))
	}
	for _, h := range []string{"Idempotency-Key", "Webhook-Id"} {
		if a, b := reqs[0].header.Get(h), reqs[1].header.Get(h); a != b || a != notifytest.SampleAlert().ID {
			t.Errorf("%s across retries = %q then %q, want %q both times", h, a, b, notifytest.SampleAlert().ID)
		}
	}
	if string(reqs[0].body) != string(reqs[1].body) {
		t.Errorf("body changed across retries")
	}
}

func TestStatusCases(t *testing.T) {
	notifytest.RunStatusCases(t, func(t *testing.T, url string) (notify.Notifier, []string) {
		n := newNotifier(t, Config{URL: url, Secret: notifytest.SentinelSecret})
		return n, []string{url}
	}, "body from receiver")
}

func TestReceiverEchoingURLIsRedacted(t *testing.T) {
	// Some frameworks answer "Cannot POST /path": the path is the token.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Cannot POST "+r.URL.RequestURI()+" for "+r.Host, http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	url := srv.URL + "/hooks/" + notifytest.SentinelSecret + "?token=" + notifytest.SentinelSecret + "q"
	n := newNotifier(t, Config{URL: url})
	retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || retryable {
		t.Fatalf("Notify on 404 = (%v, %v), want permanent error", retryable, err)
	}
	if !strings.Contains(err.Error(), "404") {
		t.Errorf("Notify error %q does not name the status", err)
	}
	notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
}

func TestNotifyTimeout(t *testing.T) {
	srv := notifytest.StallingServer(t)
	url := srv.URL + "/" + notifytest.SentinelSecret
	n := newNotifier(t, Config{URL: url}, WithTimeout(50*time.Millisecond))
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
	url := "http://user:" + notifytest.SentinelSecret + "@" + srv.Listener.Addr().String() +
		"/hook/" + notifytest.SentinelSecret + "?k=" + notifytest.SentinelSecret
	srv.Close() // nothing listens any more
	n := newNotifier(t, Config{URL: url, Secret: notifytest.SentinelSecret})
	retryable, err := n.Notify(context.Background(), notifytest.SampleAlert())
	if err == nil || !retryable {
		t.Fatalf("Notify to a closed port = (%v, %v), want retryable error", retryable, err)
	}
	if !strings.HasPrefix(err.Error(), "post to webhook: ") {
		t.Errorf("Notify error = %q, want it to start with the operation", err)
	}
	notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
}

func TestNotifyHostileAlerts(t *testing.T) {
	for _, tc := range notifytest.Hostile() {
		t.Run(tc.Name, func(t *testing.T) {
			rec, url := newReceiver(t, http.StatusOK)
			n := newNotifier(t, Config{URL: url, Secret: "k3y-material"})
			if _, err := n.Notify(context.Background(), tc.Alert); err != nil {
				t.Fatalf("Notify(%s) = %v, want delivered", tc.Name, err)
			}
			r := rec.requests()[0]
			if err := Verify("k3y-material", r.header, r.body, fixedNow()); err != nil {
				t.Errorf("Verify(%s) = %v", tc.Name, err)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	s := notifytest.SentinelSecret
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"empty url", Config{}},
		{"relative url", Config{URL: "/hook/" + s}},
		{"bad escape", Config{URL: "https://h.example/%zz" + s}},
		{"ftp", Config{URL: "ftp://h.example/" + s}},
		{"javascript", Config{URL: "javascript:" + s}},
		{"no host", Config{URL: "https:///" + s}},
		{"bad whsec", Config{URL: "https://h.example/", Secret: "whsec_!!" + s}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := New(tc.cfg)
			if err == nil {
				t.Fatalf("New(%s) = %v, nil; want error", tc.name, n)
			}
			notifytest.AssertNoSecret(t, err, s)
		})
	}
}

func TestNewDoesNotMutateClient(t *testing.T) {
	c := &http.Client{}
	newNotifier(t, Config{URL: "https://h.example/"}, WithHTTPClient(c))
	if c.CheckRedirect != nil {
		t.Errorf("New changed the injected client's CheckRedirect")
	}
}
