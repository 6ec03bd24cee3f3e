package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
)

// runConfig is a small daemon config; %[1]s is the news site, %[2]s the
// webhook receiver and %[3]s extra sources.
const runConfig = `
data: newshound.db
# one loopback host serves every test page: no politeness delay
crawl: {host_delay: 0s}
defaults:
  schedule: "@every 1s"
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/rss.xml
%[3]s
watches:
  - name: detainees
    entities:
      - name: al Hol
        aliases: [al-Hawl]
      - name: CENTCOM
        aliases: [U.S. Central Command]
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/hook
`

// waitFor polls cond until it holds; the daemon works on its own clock, so
// the test waits for an outcome, never for a fixed time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRunSchedulesReloadsAndStops(t *testing.T) {
	w := newE2E(t)
	publishStories(w.site, time.Now())
	w.writeConfig(t, fmt.Sprintf(runConfig, w.site.URL(""), w.hook.URL, ""))
	cfg, err := config.Load(w.path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	var logs testlog.Buffer
	a, err := New(cfg, Options{
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
		LookupEnv:     testEnv,
		WatchInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()

	delivered := func(path string) func() bool {
		id := news.AlertID("detainees", w.site.URL(path))
		return func() bool {
			for _, at := range w.hook.Delivered() {
				if at.Payload["id"] == id {
					return true
				}
			}
			return false
		}
	}
	waitFor(t, "the wire alert", delivered("/2026/transfer-al-hol.html"))

	// An invalid edit is logged with its problems; the daemon keeps running.
	w.writeConfig(t, fmt.Sprintf(runConfig, w.site.URL(""), w.hook.URL, "  - name: broken\n    page: "+w.site.URL("/world/")))
	waitFor(t, "the reload failure in the log", func() bool {
		return strings.Contains(logs.String(), "config reload failed")
	})
	if !strings.Contains(logs.String(), "required when page is set") {
		t.Errorf("log does not name the problem:\n%s", logs.String())
	}

	// A valid edit adding a source is picked up without a restart.
	w.writeConfig(t, fmt.Sprintf(runConfig, w.site.URL(""), w.hook.URL, "  - name: desk-news\n    sitemap: "+w.site.URL("/news-sitemap.xml")))
	waitFor(t, "the alert from the added sitemap source", delivered("/2026/central-command.html"))
	if got := len(a.Config().Sources); got != 2 {
		t.Errorf("sources after reload = %d, want 2", got)
	}

	// New articles keep arriving on schedule.
	w.site.AddStory("/2026/late-al-hawl.html", "Returns from al-Hawl resume",
		`<p>Returns from al-Hawl resumed on Friday after a pause of two weeks.</p>`+filler(4))
	w.site.AddToFeed(testsite.Item{Path: "/2026/late-al-hawl.html", Title: "Returns from al-Hawl resume", Published: time.Now()})
	waitFor(t, "the alert for the article added later", delivered("/2026/late-al-hawl.html"))

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of cancel")
	}
	ids := map[string]int{}
	for _, at := range w.hook.Delivered() {
		ids[at.Payload["id"].(string)]++
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("alert %s delivered %d times, want 1", id, n)
		}
	}
	// The al-Hol transfer, the cup final, the sitemap's CENTCOM story and
	// the article added later.
	if len(ids) != 4 {
		t.Errorf("distinct alerts delivered = %d, want 4: %v", len(ids), ids)
	}
}
