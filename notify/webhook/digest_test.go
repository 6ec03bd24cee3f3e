package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/notify/notifytest"
	"github.com/newshound/newshound/notify/tmpl"
)

func digestAlerts() []news.Alert {
	return []news.Alert{notifytest.SampleAlert(), notifytest.Named("optional fields empty")}
}

func TestDigestPayloadGolden(t *testing.T) {
	body, err := DigestPayload(digestAlerts())
	if err != nil {
		t.Fatalf("DigestPayload: %v", err)
	}
	checkGolden(t, "digest.golden.json", indent(t, body))
}

// TestDigestPayloadItems: each item is exactly what Payload sends for
// the alert alone.
func TestDigestPayloadItems(t *testing.T) {
	alerts := digestAlerts()
	body, err := DigestPayload(alerts)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ID     string
		Count  int
		Digest []json.RawMessage
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("DigestPayload is not JSON: %v", err)
	}
	if got.ID != news.DigestID(alerts) || got.Count != 2 || len(got.Digest) != 2 {
		t.Fatalf("DigestPayload = id %q count %d items %d, want %q 2 2", got.ID, got.Count, len(got.Digest), news.DigestID(alerts))
	}
	for i, a := range alerts {
		want, _ := Payload(a)
		if string(got.Digest[i]) != string(want) {
			t.Errorf("digest[%d] = %s, want Payload(alert) %s", i, got.Digest[i], want)
		}
	}
}

func TestNotifyDigestRetrySameIdentity(t *testing.T) {
	rec, url := newReceiver(t, http.StatusServiceUnavailable, http.StatusOK)
	const secret = "whsec_c2VjcmV0LWtleS1tYXRlcmlhbC1vZi0zMi1ieXRlcyE="
	n := newNotifier(t, Config{URL: url, Secret: secret})
	alerts := digestAlerts()
	if retryable, err := n.NotifyDigest(context.Background(), alerts); err == nil || !retryable {
		t.Fatalf("NotifyDigest on 503 = (%v, %v), want retryable error", retryable, err)
	}
	if _, err := n.NotifyDigest(context.Background(), alerts); err != nil {
		t.Fatalf("second NotifyDigest = %v, want delivered", err)
	}
	reqs := rec.requests()
	want, _ := DigestPayload(alerts)
	for i, r := range reqs {
		if string(r.body) != string(want) {
			t.Errorf("request %d body = %s, want DigestPayload", i, r.body)
		}
		for _, h := range []string{"Idempotency-Key", "Webhook-Id"} {
			if got := r.header.Get(h); got != news.DigestID(alerts) {
				t.Errorf("request %d %s = %q, want %q", i, h, got, news.DigestID(alerts))
			}
		}
		if err := Verify(secret, r.header, r.body, fixedNow()); err != nil {
			t.Errorf("Verify(request %d) = %v", i, err)
		}
	}
	if retryable, err := n.NotifyDigest(context.Background(), nil); err == nil || retryable {
		t.Errorf("NotifyDigest(no alerts) = (%v, %v), want permanent error", retryable, err)
	}
}

// answerServer answers every request with code and body.
func answerServer(t *testing.T, code int, body string) string {
	t.Helper()
	return serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	})) + "/hook/" + notifytest.SentinelSecret
}

func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestTestAnswers(t *testing.T) {
	for _, tc := range []struct {
		code      int
		body      string
		answer    string
		ok        bool
		retryable bool
		gone      bool
	}{
		{200, "accepted\n  thanks", "HTTP/1.1 200 OK: accepted thanks", true, false, false},
		{204, "", "HTTP/1.1 204 No Content: (empty body)", true, false, false},
		{404, "no hook " + notifytest.SentinelSecret, "HTTP/1.1 404 Not Found: no hook <redacted>", false, false, false},
		{410, "hook deleted", "HTTP/1.1 410 Gone: hook deleted", false, false, true},
		{503, "busy", "HTTP/1.1 503 Service Unavailable: busy", false, true, false},
	} {
		t.Run(tc.answer, func(t *testing.T) {
			url := answerServer(t, tc.code, tc.body)
			n := newNotifier(t, Config{URL: url, Secret: notifytest.SentinelSecret})
			answer, retryable, err := n.Test(context.Background(), notifytest.SampleAlert())
			if answer != tc.answer || (err == nil) != tc.ok || retryable != tc.retryable {
				t.Errorf("Test on %d = (%q, %v, %v), want (%q, ok %v, retryable %v)",
					tc.code, answer, retryable, err, tc.answer, tc.ok, tc.retryable)
			}
			if got := errors.Is(err, notify.ErrGone); got != tc.gone {
				t.Errorf("Test on %d: errors.Is(%v, ErrGone) = %v, want %v", tc.code, err, got, tc.gone)
			}
			notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
		})
	}
}

// TestGoneSurvivesRedaction: a 410 whose body echoes the URL is
// redacted, which drops the error chain; ErrGone must still be there.
func TestGoneSurvivesRedaction(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone: "+r.URL.RequestURI(), http.StatusGone)
	})
	url := serveHandler(t, mux) + "/hook/" + notifytest.SentinelSecret
	n := newNotifier(t, Config{URL: url})
	for name, send := range map[string]func() (bool, error){
		"notify": func() (bool, error) { return n.Notify(context.Background(), notifytest.SampleAlert()) },
		"digest": func() (bool, error) { return n.NotifyDigest(context.Background(), digestAlerts()) },
	} {
		retryable, err := send()
		if retryable || !errors.Is(err, notify.ErrGone) {
			t.Errorf("%s on 410 = (%v, %v), want permanent ErrGone", name, retryable, err)
		}
		notifytest.AssertNoSecret(t, err, notifytest.SentinelSecret, url)
	}
}

func TestTemplateBody(t *testing.T) {
	tp, err := tmpl.Parse("hook", tmpl.Webhook,
		`{"text": {{json .Alert.Title}}, "n": {{.Count}}{{if eq .Alert.Source "boom"}}, broken{{end}}}`)
	if err != nil {
		t.Fatalf("tmpl.Parse: %v", err)
	}
	rec, url := newReceiver(t, http.StatusOK)
	n := newNotifier(t, Config{URL: url, Secret: "k3y-material", Template: tp})
	a := notifytest.SampleAlert()
	if _, err := n.NotifyDigest(context.Background(), []news.Alert{a, a}); err != nil {
		t.Fatalf("NotifyDigest(template) = %v", err)
	}
	r := rec.requests()[0]
	var got struct {
		Text string
		N    int
	}
	if err := json.Unmarshal(r.body, &got); err != nil || got.Text != a.Title || got.N != 2 {
		t.Errorf("templated body = %s (%v), want the raw title and n 2", r.body, err)
	}
	if err := Verify("k3y-material", r.header, r.body, fixedNow()); err != nil {
		t.Errorf("Verify(templated body) = %v", err)
	}
	// A render that fails at send time is permanent and sends nothing.
	a.Source = "boom"
	retryable, err := n.Notify(context.Background(), a)
	if err == nil || retryable || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("Notify(render fails) = (%v, %v), want a permanent 'not JSON' error", retryable, err)
	}
	if len(rec.requests()) != 1 {
		t.Errorf("a failed render was sent")
	}
	wrongKind, _ := tmpl.Parse("x", tmpl.Text, "{{.Alert.Title}}")
	if _, err := New(Config{URL: url, Template: wrongKind}); err == nil {
		t.Errorf("New(text template) = nil error, want a kind error")
	}
}

// FuzzDigestPayload: whatever the alerts hold, the digest is JSON whose
// items carry the titles unchanged (cut to MaxTitleRunes).
func FuzzDigestPayload(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Title, tc.Alert.Watch, tc.Alert.URL)
	}
	f.Fuzz(func(t *testing.T, title, watch, url string) {
		a := notifytest.SampleAlert()
		a.Title, a.Watch, a.URL = title, watch, url
		body, err := DigestPayload([]news.Alert{a, notifytest.SampleAlert()})
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Digest []struct{ Title, Watch, URL string }
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("DigestPayload is not JSON: %v\n%s", err, body)
		}
		if len(got.Digest) != 2 || got.Digest[0].Title != withoutBidi(textsafe.Truncate(title, MaxTitleRunes)) {
			t.Errorf("DigestPayload round trip = %+v, want title %q", got.Digest, title)
		}
	})
}
