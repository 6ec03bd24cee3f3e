package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
)

// healthConfig: %[1]s is the news site, %[2]s the flaky feed server, %[3]s
// the webhook receiver.
const healthConfig = `
data: health.db
crawl: {host_delay: 0s}
defaults:
  schedule: "@every 1h"
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: flaky
    feed: %[2]s/feed.xml
watches:
  - name: camp
    entities: [al Hol]
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[3]s/hook
  - name: console
    stdout: {}
health:
  notify: [hook, console]
  threshold: 3
`

// flakyFeed answers 500 while failing is set, else an RSS feed with one
// item that links to link; it has no robots.txt.
type flakyFeed struct {
	*testsite.Site
	failing atomic.Bool
}

func newFlakyFeed(t *testing.T, link string) *flakyFeed {
	t.Helper()
	f := &flakyFeed{Site: testsite.New(t)}
	f.failing.Store(true)
	f.Handle("/feed.xml", func(w http.ResponseWriter, _ *http.Request) {
		if f.failing.Load() {
			http.Error(w, "database on fire", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Flaky</title>
<item><title>Back</title><link>%s</link><guid>%s</guid></item></channel></rss>`, link, link)
	})
	return f
}

// TestHealthNoticesDelivered runs the real pipeline: a source that fails
// three passes in a row sends one notice to the webhook and the console,
// none while it stays down, and one when it recovers; the healthy source
// sends none.
func TestHealthNoticesDelivered(t *testing.T) {
	site, hook := testsite.NewNews(t), testreceiver.NewWebhook(t)
	clock := testclock.New(healthT0)
	site.AddStory("/2026/quiet.html", "Quiet day", filler(4))
	site.AddToFeed(testsite.Item{Path: "/2026/quiet.html", Title: "Quiet day", Published: healthT0})
	site.AddStory("/2026/back.html", "Back online", filler(4))
	flaky := newFlakyFeed(t, site.URL("/2026/back.html"))
	dir := t.TempDir()
	path := filepath.Join(dir, "newshound.yaml")
	text := fmt.Sprintf(healthConfig, site.URL(""), flaky.URL(""), hook.URL)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	var stdout testlog.Buffer
	a, err := New(cfg, Options{Now: clock.Now, Stdout: &stdout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()

	// The crawler's wording of the failure, read before the recovery clears it.
	var flakyErr string
	// Per pass, the health notices the webhook has received so far.
	want := []int{0, 0, 1, 1, 2, 2, 2}
	for pass := range want {
		if pass == 4 {
			flaky.failing.Store(false)
		}
		sum, err := a.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		if pass == 2 {
			flakyErr = passError(t, sum, "flaky")
		}
		if got := len(healthPayloads(hook)); got != want[pass] {
			t.Errorf("after pass %d: %d health notices delivered, want %d", pass+1, got, want[pass])
		}
		clock.Advance(time.Hour)
	}
	var titles []string
	for _, p := range healthPayloads(hook) {
		titles = append(titles, fmt.Sprintf("%s %s %s %v", p["source"], p["url"], p["title"], p["matches"]))
	}
	wantTitles := []string{
		"flaky " + flaky.URL("") + `/feed.xml Source "flaky" is unhealthy: 3 failed runs in a row (last error: ` + flakyErr + `) []`,
		"flaky " + flaky.URL("") + `/feed.xml Source "flaky" recovered after 4 failed runs []`,
	}
	if diff := cmp.Diff(wantTitles, titles); diff != "" {
		t.Errorf("health notices mismatch (-want +got):\n%s", diff)
	}
	if got := strings.Count(stdout.String(), "[source-health] flaky: "); got != 2 {
		t.Errorf("console printed %d health lines, want 2:\n%s", got, stdout.String())
	}
	st, _, err := a.Store().SourceState("flaky")
	if err != nil {
		t.Fatal(err)
	}
	if st.Unhealthy || st.Episodes != 1 || !cmp.Equal(st.History, []int{-1, -1, -1, -1, 1, 1, 1}) {
		t.Errorf("SourceState(flaky) = %+v, want healthy, 1 episode, history [-1 -1 -1 -1 1 1 1]", st)
	}
	if st, _, _ := a.Store().SourceState("wire"); st.Unhealthy || st.Episodes != 0 || st.ConsecutiveEmpty != 0 {
		t.Errorf("SourceState(wire) = %+v, want healthy, never unhealthy", st)
	}
}

// passError returns the error of the source's pass, which must have failed
// with the feed server's 500.
func passError(t *testing.T, sum Summary, source string) string {
	t.Helper()
	for _, p := range sum.Passes {
		if p.Source == source && p.Err != nil {
			if !strings.Contains(p.Err.Error(), "500") {
				t.Errorf("pass error of %s = %q, want it to name the 500", source, p.Err)
			}
			return p.Err.Error()
		}
	}
	t.Fatalf("source %s did not fail: %+v", source, sum.Passes)
	return ""
}

// healthPayloads returns the delivered webhook bodies of health notices.
func healthPayloads(rc *testreceiver.HTTP) []map[string]any {
	var out []map[string]any
	for _, at := range rc.Delivered() {
		if at.Payload["watch"] == HealthWatch {
			out = append(out, at.Payload)
		}
	}
	return out
}
