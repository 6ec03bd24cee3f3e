package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/notify"
)

// recordingReceiver is a webhook receiver that answers with status and
// body and keeps every JSON body it got.
type recordingReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

func newRecordingReceiver(t *testing.T, status int, body string) *recordingReceiver {
	t.Helper()
	rc := &recordingReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Errorf("receiver got a body that is not JSON: %v: %s", err, raw)
		}
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, doc)
		rc.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *recordingReceiver) received() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.bodies...)
}

const testNotifyConfig = `data: test.db
sources:
  - name: wire
    feed: https://example.org/rss.xml
watches:
  - name: w
    entities: [CENTCOM]
    notify: [hook, console]
notifiers:
  - {name: hook, webhook: {url: "%s/hook", secret: "whsec_c2VudGluZWwtc2lnbmluZy1rZXktb2YtMjRi"}}
  - {name: console, stdout: {}}
`

// isTester reports whether the channel test-notify builds for the named
// notifier reports the receiver's answer (the channels implement
// notify.Tester), which decides what test-notify prints.
func isTester(t *testing.T, path, name string) bool {
	t.Helper()
	cfg, err := config.Load(path, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cfg.Notifiers {
		if n.Name == name {
			ch, err := app.NewChannel(n, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, ok := ch.Notifier.(notify.Tester)
			return ok
		}
	}
	t.Fatalf("no notifier %s", name)
	return false
}

func TestTestNotify(t *testing.T) {
	const answer = "accepted-by-receiver-7c1f"
	rc := newRecordingReceiver(t, http.StatusOK, answer)
	path := writeFile(t, fmt.Sprintf(testNotifyConfig, rc.srv.URL))
	code, out, errOut := runCmd([]string{"test-notify", "--config", path, "hook"}, noEnv)
	if code != exitOK {
		t.Fatalf("test-notify = %d, stdout %q, stderr %q; want 0", code, out, errOut)
	}
	if isTester(t, path, "hook") {
		if !strings.HasPrefix(out, "sent a test alert through hook (webhook); the receiver answered:\n") || !strings.Contains(out, answer) {
			t.Errorf("test-notify stdout = %q, want the receiver's answer %q", out, answer)
		}
	} else if out != "sent a test alert through hook (webhook); the channel does not report the receiver's answer\n" {
		t.Errorf("test-notify stdout = %q", out)
	}
	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("receiver got %d messages, want 1", len(got))
	}
	m := got[0]
	title, _ := m["title"].(string)
	url, _ := m["url"].(string)
	marked, _ := m["snippet_marked"].(string)
	if !strings.HasPrefix(title, "[newshound test]") || m["watch"] != "newshound-test" ||
		!strings.HasPrefix(url, "https://example.invalid/") || strings.Count(marked, "«") != 1 {
		t.Errorf("receiver got %v; want a title starting [newshound test], watch newshound-test, a URL under https://example.invalid/ and one highlight", m)
	}

	// The console notifier goes through the same path, to stdout.
	code, out, errOut = runCmd([]string{"test-notify", "--config", path, "console"}, noEnv)
	if code != exitOK || !strings.Contains(out, "[newshound-test]") || !strings.Contains(out, "[newshound test]") {
		t.Errorf("test-notify console = %d, stdout %q, stderr %q; want 0 and the sample line", code, out, errOut)
	}
}

func TestTestNotifyFailures(t *testing.T) {
	rc := newRecordingReceiver(t, http.StatusBadRequest, "no_such_hook")
	path := writeFile(t, fmt.Sprintf(testNotifyConfig, rc.srv.URL))
	code, out, errOut := runCmd([]string{"test-notify", "--config", path, "hook"}, noEnv)
	if code != exitFailure || out != "" || !strings.Contains(errOut, "newshound test-notify: hook (webhook): ") {
		t.Errorf("test-notify to a 400 = %d, stdout %q, stderr %q; want 1 and the error", code, out, errOut)
	}
	if strings.Contains(errOut, "c2VudGluZWwtc2lnbmluZy1rZXktb2YtMjRi") {
		t.Errorf("test-notify stderr shows the signing secret: %q", errOut)
	}

	// A receiver that does not answer: the send is bounded and fails.
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	stalled.Close() // connection refused
	path = writeFile(t, fmt.Sprintf(testNotifyConfig, stalled.URL))
	if code, _, errOut := runCmd([]string{"test-notify", "--config", path, "hook"}, noEnv); code != exitFailure || errOut == "" {
		t.Errorf("test-notify to a closed port = %d, stderr %q; want 1 and the error", code, errOut)
	}

	for _, tt := range []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"test-notify", "--config", path, "pager"}, exitFailure, `no notifier named "pager" in ` + path + "; the notifiers are: hook, console"},
		{[]string{"test-notify", "--config", path}, exitUsage, "give exactly one notifier name"},
		{[]string{"test-notify", "--config", path, "hook", "console"}, exitUsage, "give exactly one notifier name"},
	} {
		code, _, errOut := runCmd(tt.args, noEnv)
		if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.wantCode, tt.wantErr)
		}
	}
}

func TestSampleAlert(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := sampleAlert(now)
	if len(a.Highlights) != 1 || a.Snippet[a.Highlights[0].Start:a.Highlights[0].End] != "test alert" {
		t.Errorf("sampleAlert highlights %v in %q, want one on \"test alert\"", a.Highlights, a.Snippet)
	}
	if b := sampleAlert(now.Add(time.Second)); b.ID == a.ID {
		t.Errorf("sampleAlert gave the same id %s twice; each test send needs its own", a.ID)
	}
}
