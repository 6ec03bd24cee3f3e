package app

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// routesConfig: one watch, four webhook notifiers. "now" sends at once;
// "daily" has a digest at 08:00 UTC; the watch's route puts "berlin" (no
// digest of its own) on 07:30 Berlin time, and forces "urgent" (a digest
// notifier) to deliver at once. %[1]s is the site, %[2]s the receiver.
const routesConfig = `
crawl: {host_delay: 0s}
sources:
  - name: wire
    feed: %[1]s/rss.xml
watches:
  - name: detainees
    entities: [CENTCOM]
    notify:
      - now
      - daily
      - {notifier: berlin, digest: "CRON_TZ=Europe/Berlin 30 7 * * *"}
      - {notifier: urgent, digest: none}
notifiers:
  - {name: now, webhook: {url: "%[2]s/now"}}
  - {name: daily, webhook: {url: "%[2]s/daily"}, digest: "0 8 * * *"}
  - {name: berlin, webhook: {url: "%[2]s/berlin"}}
  - {name: urgent, webhook: {url: "%[2]s/urgent"}, digest: "@hourly"}
`

// TestDigestRoutes: a pass queues an alert's digest routes due at the next
// time of their cron spec and marked Digest, read back from the real
// store, while its immediate routes are delivered by the same RunOnce.
func TestDigestRoutes(t *testing.T) {
	site, hook := testsite.NewNews(t), testreceiver.NewWebhook(t)
	clock := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) // a Wednesday
	site.AddStory("/centcom.html", "CENTCOM statement", "<p>CENTCOM said the review was complete.</p>"+filler(4))
	site.AddToFeed(testsite.Item{Path: "/centcom.html", Title: "CENTCOM statement", Published: clock.Now().Add(-time.Hour)})
	cfg, err := config.Parse(fmt.Appendf(nil, routesConfig, site.URL(""), hook.URL), filepath.Join(t.TempDir(), "nh.yaml"), testEnv)
	if err != nil {
		t.Fatalf("config.Parse: %v", err)
	}
	a, err := New(cfg, Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	runOnce(t, a)

	alertID := news.AlertID("detainees", site.URL("/centcom.html"))
	delivered := hook.Delivered()
	for _, at := range delivered {
		if at.Payload["id"] != alertID {
			t.Errorf("webhook delivered %v, want only %s", at.Payload["id"], alertID)
		}
	}
	if len(delivered) != 2 || len(hook.Requests()) != 2 {
		t.Errorf("webhook got %d deliveries in %d requests, want 2 in 2 (now and urgent, at once)", len(delivered), len(hook.Requests()))
	}

	queued, err := a.Store().Queued()
	if err != nil {
		t.Fatalf("Queued: %v", err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := map[string]time.Time{
		"daily":  time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC),
		"berlin": time.Date(2026, 11, 26, 7, 30, 0, 0, berlin), // 06:30 UTC
	}
	var got []string
	for _, e := range queued {
		got = append(got, e.Notifier)
		due, ok := want[e.Notifier]
		switch {
		case !ok:
			t.Errorf("entry %s still queued; only the digest routes should be", e.ID)
		case e.AlertID != alertID || !e.Digest || !e.NextAttempt.Equal(due) || !e.FirstDue.Equal(due):
			t.Errorf("entry %s = alert %s, Digest %v, NextAttempt %v, FirstDue %v; want alert %s, Digest true, due %v",
				e.ID, e.AlertID, e.Digest, e.NextAttempt, e.FirstDue, alertID, due.UTC())
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"berlin", "daily"}) {
		t.Errorf("queued entries for %v, want [berlin daily]", got)
	}
}

func TestStoreRoutes(t *testing.T) {
	cfg := &config.Config{
		Watches: []config.Watch{{Name: "w", Notify: []string{"a", "b", "c"},
			Routes: []config.Route{{Notifier: "a"}, {Notifier: "b"}, {Notifier: "c", Digest: "@daily"}}}},
		Notifiers: []config.Notifier{{Name: "a"}, {Name: "b", Digest: "*/30 * * * *"}, {Name: "c", Digest: "0 8 * * *"}},
	}
	routes, err := compileRoutes(cfg)
	if err != nil {
		t.Fatalf("compileRoutes = %v", err)
	}
	now := time.Date(2026, 11, 25, 10, 10, 0, 0, time.UTC)
	got := storeRoutes(routes["w"], now)
	want := []store.Route{
		{Notifier: "a"},
		{Notifier: "b", Due: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC), Digest: true},
		{Notifier: "c", Due: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), Digest: true},
	}
	if len(got) != len(want) {
		t.Fatalf("storeRoutes = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Notifier != want[i].Notifier || !got[i].Due.Equal(want[i].Due) || got[i].Digest != want[i].Digest {
			t.Errorf("storeRoutes[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestReloadRoutes: a reload that gives a notifier a digest applies to the
// alerts of the next pass.
func TestReloadRoutes(t *testing.T) {
	site, hook := testsite.NewNews(t), testreceiver.NewWebhook(t)
	clock := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "nh.yaml")
	load := func(digest string) *config.Config {
		t.Helper()
		y := fmt.Sprintf(`crawl: {host_delay: 0s}
sources: [{name: wire, feed: "%s/rss.xml"}]
watches: [{name: detainees, entities: [CENTCOM], notify: [hook]}]
notifiers: [{name: hook, webhook: {url: "%s/x"}, digest: "%s"}]
`, site.URL(""), hook.URL, digest)
		cfg, err := config.Parse([]byte(y), path, testEnv)
		if err != nil {
			t.Fatalf("config.Parse: %v", err)
		}
		return cfg
	}
	a, err := New(load("none"), Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	site.AddStory("/a.html", "CENTCOM first", "<p>CENTCOM said the first review was complete.</p>"+filler(4))
	site.AddToFeed(testsite.Item{Path: "/a.html", Title: "CENTCOM first", Published: clock.Now().Add(-time.Hour)})
	runOnce(t, a)
	if n := len(hook.Delivered()); n != 1 {
		t.Fatalf("before the reload: %d deliveries, want 1 at once", n)
	}

	if err := a.Reload(load("0 12 * * *")); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	site.AddStory("/b.html", "CENTCOM second", "<p>CENTCOM said the second review was complete.</p>"+filler(4))
	site.AddToFeed(testsite.Item{Path: "/b.html", Title: "CENTCOM second", Published: clock.Now().Add(-time.Minute)})
	runOnce(t, a)
	if n := len(hook.Delivered()); n != 1 {
		t.Errorf("after the reload: %d deliveries, want still 1 (the second alert waits for its digest)", n)
	}
	queued, err := a.Store().Queued()
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if len(queued) != 1 || queued[0].AlertID != news.AlertID("detainees", site.URL("/b.html")) || !queued[0].Digest || !queued[0].NextAttempt.Equal(want) {
		t.Errorf("queued after the reload = %+v; want the second alert as a digest due %v", queued, want)
	}
}
