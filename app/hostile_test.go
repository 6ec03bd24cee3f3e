package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// floodConfig: %[1]s is the news site, %[2]s the flooding feed, %[3]s the
// webhook receiver.
const floodConfig = `
data: flood.db
crawl: {host_delay: 0s}
defaults:
  schedule: "@every 1h"
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: flood
    feed: %[2]s/feed.xml
    max_items: 600
    max_alerts: 100
watches:
  - name: centcom
    entities: [CENTCOM]
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[3]s/hook
`

// TestItem31_FloodingSourceIsBounded runs the real daemon pass against a
// feed of 3,000 items without link or GUID, each matching the watch
// (RELIABILITY.md item 31): a run takes max_items of them, records them
// in several bounded transactions, queues max_alerts alerts and holds the
// rest back (stored, not sent) with one notice; the next run takes the
// next max_items; the healthy source beside it alerts as usual.
func TestItem31_FloodingSourceIsBounded(t *testing.T) {
	site, hook := testsite.NewNews(t), testreceiver.NewWebhook(t)
	site.AddStory("/2026/wire.html", "CENTCOM briefing", "<p>CENTCOM said on Monday that the convoy had arrived.</p>"+filler(4))
	site.AddToFeed(testsite.Item{Path: "/2026/wire.html", Title: "CENTCOM briefing", Published: healthT0})
	var items strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&items, "<item><title>CENTCOM %d</title></item>", i)
	}
	flood := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Flood</title>%s</channel></rss>`, items.String())
	}))
	t.Cleanup(flood.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(floodConfig, site.URL(""), flood.URL, hook.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	var logs testlog.Buffer
	a, err := New(cfg, Options{Now: testclock.New(healthT0).Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()

	sum, err := a.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	for _, p := range sum.Passes {
		if p.Err != nil {
			t.Fatalf("pass %s failed: %v", p.Source, p.Err)
		}
		if p.Source == "flood" && p.Articles != 600 {
			t.Errorf("flood pass took %d items, want max_items = 600", p.Articles)
		}
	}
	var alerts, notices int
	var notice map[string]any
	for _, d := range hook.Delivered() {
		alert := d.Payload
		switch alert["watch"] {
		case "centcom":
			alerts++
		case news.WatchAlertLimit:
			notices++
			notice = alert
		}
	}
	// 100 of the flood, 1 of the healthy source.
	if alerts != 101 || notices != 1 {
		t.Fatalf("webhook got %d alerts and %d alert-limit notices, want 101 and 1; log:\n%s", alerts, notices, logs.String())
	}
	if title, _ := notice["title"].(string); !strings.Contains(title, `"flood" raised 500 more alerts`) {
		t.Errorf("notice title = %q, want it to count the 500 held back", title)
	}
	var queued, held int
	for q := (store.AlertQuery{Source: "flood", Limit: store.MaxAlertLimit}); ; {
		page, err := a.store.Alerts(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Alerts {
			switch {
			case r.Alert.Watch != "centcom":
			case len(r.Deliveries) == 0:
				held++
			default:
				queued++
			}
		}
		if q.Cursor = page.Next; q.Cursor == "" {
			break
		}
	}
	if queued != 100 || held != 500 {
		t.Errorf("stored alerts of flood: %d queued, %d held back; want 100 and 500", queued, held)
	}
	if !strings.Contains(logs.String(), "alerts held back") {
		t.Errorf("no warning about the alerts held back in the log:\n%s", logs.String())
	}

	// The next run takes the next 600 items: nothing of the first run
	// comes back.
	sum, err = a.RunOnce(t.Context())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	for _, p := range sum.Passes {
		if p.Source == "flood" && (p.Err != nil || p.Articles != 600) {
			t.Errorf("second flood pass = %d articles, %v; want the next 600", p.Articles, p.Err)
		}
	}
	if n := len(hook.Delivered()); n != 101+1+101 {
		t.Errorf("webhook deliveries after two runs = %d, want 203 (100 alerts and a notice per run, one wire alert)", n)
	}
}
