package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/store"
)

// Sentinels of a source URL's credentials: its password and an API key in
// its query.
const (
	sentinelFeedPass = "SENTINEL-FEED-PASS-3d8a"
	sentinelFeedKey  = "SENTINEL-FEED-KEY-b71e"
)

// sourceURLConfig: %[1]s is the failing feed's URL with credentials,
// %[2]s the webhook receiver, %[3]s the data file.
const sourceURLConfig = `
data: %[3]s
crawl: {host_delay: 0s}
listen: 127.0.0.1:8080
listen_auth:
  bearer: ${WEB_TOKEN}
defaults:
  # Leap days only: no scheduled run can fall inside the test.
  schedule: "0 0 29 2 *"
  timeout: 5s
sources:
  - name: private
    feed: %[1]s
watches:
  - name: camp
    entities: [al Hol]
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/hook
health:
  notify: [hook]
  threshold: 2
`

// TestSourceURLCredentialsNeverShown (RELIABILITY.md item 40): a source
// whose feed URL carries user:password@ and ?apikey= fails until its
// health notice fires. The notice as stored and as delivered, the stored
// source state, the API's sources and alerts, the status page, the Atom
// feed of the notices and the logs hold neither credential, while the
// URL is still recognisable (host, path, the parameter's name).
func TestSourceURLCredentialsNeverShown(t *testing.T) {
	feed := newFlakyFeed(t, "http://127.0.0.1/unused") // answers 500 throughout
	hook := testreceiver.NewWebhook(t)
	feedURL := strings.Replace(feed.URL(""), "http://", "http://reader:"+sentinelFeedPass+"@", 1) +
		"/feed.xml?apikey=" + sentinelFeedKey + "&lang=en"
	data := filepath.Join(t.TempDir(), "secrets.db")
	cfg := loadConfig(t, fmt.Sprintf(sourceURLConfig, feedURL, hook.URL, data))
	cfg.Listen = "127.0.0.1:0"
	// The source ran a moment ago, so Run's catch-up stays out of the
	// test; RunOnce makes the passes.
	seed, err := store.Open(cfg.Data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Record(store.Pass{Source: "private", State: store.SourceState{LastRun: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), LookupEnv: webEnv})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &webDaemon{app: a, hook: hook, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		d.stop(t)
		_ = a.Close()
	})
	waitFor(t, "the http server", func() bool { return a.HTTPAddr() != "" })
	d.base = "http://" + a.HTTPAddr()
	for range 2 {
		if _, err := a.RunOnce(ctx); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
	}

	seen := map[string]string{} // where → what it showed
	page, err := a.Store().Alerts(store.AlertQuery{Watch: HealthWatch})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Alerts) != 1 {
		t.Fatalf("stored health notices = %d, want 1 (the threshold was reached)", len(page.Alerts))
	}
	stored, _ := json.Marshal(page.Alerts)
	seen["the stored notice"] = string(stored)
	state, _, err := a.Store().SourceState("private")
	if err != nil {
		t.Fatal(err)
	}
	seen["the stored source state"] = fmt.Sprintf("%+v", state)
	delivered := healthPayloads(hook)
	if len(delivered) != 1 {
		t.Fatalf("delivered health notices = %d, want 1", len(delivered))
	}
	body, _ := json.Marshal(delivered)
	seen["the delivered notice"] = string(body)
	for _, path := range []string{"/api/v1/sources", "/api/v1/alerts?watch=" + HealthWatch, "/", "/watches/" + HealthWatch + ".atom"} {
		code, body := d.get(t, path, webToken)
		if code != 200 {
			t.Fatalf("GET %s = %d, want 200:\n%s", path, code, body)
		}
		seen["GET "+path] = body
	}
	seen["the logs"] = logs.String()

	for where, text := range seen {
		for _, secret := range []string{sentinelFeedPass, sentinelFeedKey, "reader:"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds %q:\n%s", where, secret, text)
			}
		}
	}
	masked := strings.TrimPrefix(feed.URL(""), "http://") + "/feed.xml?apikey=REDACTED"
	for _, where := range []string{"the stored notice", "the delivered notice", "GET /api/v1/sources", "GET /"} {
		if !strings.Contains(strings.ReplaceAll(seen[where], "&amp;", "&"), masked) {
			t.Errorf("%s does not show the masked URL %q:\n%s", where, masked, seen[where])
		}
	}
}
