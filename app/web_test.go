package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// webConfig is the daemon config of the HTTP tests: %[1]s is the news
// site, %[2]s the webhook receiver, %[3]s a receiver that always answers
// 503, %[4]s one that answers 404. listen is replaced by 127.0.0.1:0
// after loading (config requires a real port), so the system picks one.
const webConfig = `
data: web.db
crawl: {host_delay: 0s}
listen: 127.0.0.1:8080
listen_auth:
  bearer: ${WEB_TOKEN}
defaults:
  # Leap days only: no scheduled run can fall inside a test.
  schedule: "0 0 29 2 *"
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: missing
    feed: %[1]s/missing.xml
  - name: broken
    feed: %[1]s/broken.xml
watches:
  - name: camp
    entities:
      - name: al Hol
        aliases: [al-Hawl]
    notify: [hook, down, gone]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/hook
  - name: down
    webhook:
      url: %[3]s/down
  - name: gone
    webhook:
      url: %[4]s/gone
`

const webToken = "web-test-token-6c1f0e9b2a"

// webDaemon is a running App with its HTTP server, over a news site and
// three receivers.
type webDaemon struct {
	app    *App
	site   *testsite.Site
	hook   *testreceiver.HTTP
	base   string
	logs   *testlog.Buffer
	cancel context.CancelFunc
	done   chan error
}

// startWebDaemon publishes the al-Hol story (and two that do not match)
// on the site, a broken feed at /broken.xml, nothing at /missing.xml,
// and runs the daemon until the test ends. edit, if any, changes the
// config first.
func startWebDaemon(t *testing.T, edit ...func(*config.Config)) *webDaemon {
	t.Helper()
	site := testsite.NewNews(t)
	now := time.Now()
	site.AddStory("/2026/transfer-al-hol.html", "Detainees moved from al-Hol camp",
		`<p>Iraqi families left the al-Hol camp in north-east Syria on Tuesday, officials said.</p>`+filler(4))
	site.AddStory("/2026/weather.html", "Storm warning",
		`<p>Forecasters warned of heavy rain along the coast this weekend.</p>`+filler(4))
	site.AddStory("/2026/markets.html", "Markets close higher",
		`<p>Shares rose in late trading as investors welcomed the figures.</p>`+filler(4))
	// An HTML page where a feed should be: the crawler cannot parse it.
	site.AddStory("/broken.xml", "Not a feed", `<p>This is a web page, not a feed.</p>`)
	site.SetFeed([]testsite.Item{
		{Path: "/2026/transfer-al-hol.html", Title: "Detainees moved from al-Hol camp", Published: now.Add(-time.Hour)},
		{Path: "/2026/weather.html", Title: "Storm warning", Published: now.Add(-2 * time.Hour)},
		{Path: "/2026/markets.html", Title: "Markets close higher", Published: now.Add(-3 * time.Hour)},
	})
	hook := testreceiver.NewWebhook(t)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	gone := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(gone.Close)

	cfg := loadConfig(t, fmt.Sprintf(webConfig, site.URL(""), hook.URL, down.URL, gone.URL))
	cfg.Listen = "127.0.0.1:0"
	for _, e := range edit {
		e(cfg)
	}
	// Every source ran a moment ago, so Run's catch-up stays out of the
	// test; RunOnce below
	// makes the passes, and the schedule's next run is years away.
	seed, err := store.Open(cfg.Data, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range cfg.Sources {
		if _, err := seed.Record(store.Pass{Source: src.Name, State: store.SourceState{LastRun: now}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := seed.Close(); err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), LookupEnv: webEnv})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := &webDaemon{app: a, site: site, hook: hook, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		d.stop(t)
		_ = a.Close()
	})
	waitFor(t, "the http server", func() bool { return a.HTTPAddr() != "" })
	d.base = "http://" + a.HTTPAddr()
	if _, body := d.get(t, "/metrics", webToken); !strings.Contains(body, `newshound_source_healthy{source="wire"} 1`) {
		t.Errorf("/metrics before any run lacks the health of wire, seeded from the store")
	}
	sum, err := a.RunOnce(ctx)
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	for _, p := range sum.Passes {
		if (p.Err != nil) != (p.Source != "wire") {
			t.Errorf("source %s error = %v; want only missing and broken to fail", p.Source, p.Err)
		}
	}
	return d
}

func webEnv(name string) (string, bool) {
	if name == "WEB_TOKEN" {
		return webToken, true
	}
	return "", false
}

// loadConfig writes text to a config file in a fresh folder and loads it.
func loadConfig(t *testing.T, text string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newshound.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, webEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	return cfg
}

// stop cancels Run and waits for it; it may be called twice.
func (d *webDaemon) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	if d.done == nil {
		return
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30 s of cancel")
	}
	d.done = nil
}

// get sends GET path with the bearer token (or none when token is "")
// and returns the status and body.
func (d *webDaemon) get(t *testing.T, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// metric returns the value of one sample line of the exposition, e.g.
// `newshound_watch_matches_total{watch="camp"}`; ok is false when absent.
func metric(exposition, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(exposition)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// TestDaemonHTTPMetrics: after the daemon's first passes and deliveries,
// /metrics reports real values: items and new articles of the feed, the
// 404 and the unparsable feed by kind, the watch's match, every delivery
// outcome, the queue of the notifier that is down and the dead letter of
// the one that is gone, the store's size and the sources' health; per
// source with metrics: {per_source: true}, else summed over the sources
// but for health and failures. With metrics: {pprof: true} the profiles
// are served behind the token.
func TestDaemonHTTPMetrics(t *testing.T) {
	for _, perSource := range []bool{true, false} {
		t.Run(fmt.Sprintf("per_source=%t", perSource), func(t *testing.T) { testDaemonHTTPMetrics(t, perSource) })
	}
}

func testDaemonHTTPMetrics(t *testing.T, perSource bool) {
	d := startWebDaemon(t, func(c *config.Config) { c.Metrics.PerSource, c.Metrics.Pprof = perSource, perSource })
	want := map[string]float64{
		`newshound_source_fetch_errors_total{kind="http_4xx",source="missing"}`:    1,
		`newshound_source_fetch_errors_total{kind="parse",source="broken"}`:        1,
		`newshound_source_healthy{source="wire"}`:                                  1,
		`newshound_source_healthy{source="missing"}`:                               1,
		`newshound_source_runs_total{result="success"}`:                            1,
		`newshound_source_runs_total{result="http_4xx"}`:                           1,
		`newshound_source_runs_total{result="parse"}`:                              1,
		`newshound_source_runs_total{result="timeout"}`:                            0,
		`newshound_watch_matches_total{watch="camp"}`:                              1,
		`newshound_notifier_deliveries_total{notifier="hook",outcome="delivered"}`: 1,
		`newshound_notifier_deliveries_total{notifier="down",outcome="retried"}`:   1,
		`newshound_notifier_deliveries_total{notifier="gone",outcome="dead"}`:      1,
		`newshound_outbox_queued{notifier="hook"}`:                                 0,
		`newshound_outbox_queued{notifier="down"}`:                                 1,
		`newshound_outbox_queued{notifier="gone"}`:                                 0,
		`newshound_dead_letters{notifier="gone"}`:                                  1,
		`newshound_dead_letters{notifier="hook"}`:                                  0,
		`newshound_config_reloads_total{result="success"}`:                         0,
	}
	absent := []string{`newshound_source_fetch_errors_total{kind="http_4xx",source="wire"}`}
	if perSource {
		maps.Copy(want, map[string]float64{
			`newshound_source_items_total{source="wire"}`:                        3,
			`newshound_source_new_articles_total{source="wire"}`:                 3,
			`newshound_source_fetch_errors_total{kind="http_4xx",source="wire"}`: 0,
			`newshound_source_fetch_errors_total{kind="parse",source="missing"}`: 0,
			`newshound_source_fetch_duration_seconds_count{source="wire"}`:       1,
			`newshound_source_fetch_duration_seconds_count{source="missing"}`:    1,
		})
		absent = []string{`newshound_source_items_total`, `newshound_source_fetch_duration_seconds_count`}
	} else {
		maps.Copy(want, map[string]float64{
			`newshound_source_items_total`:                  3,
			`newshound_source_new_articles_total`:           3,
			`newshound_source_fetch_duration_seconds_count`: 3,
			`newshound_source_articles_given_up_total`:      0,
		})
		absent = append(absent, `newshound_source_items_total{source="wire"}`,
			`newshound_source_last_success_timestamp_seconds{source="wire"}`)
	}
	// RunOnce has returned: its passes are recorded and its sweep has
	// counted every outcome (a sweep by Run's workers holds the same
	// per-notifier lock), so the values are final.
	_, body := d.get(t, "/metrics", webToken)
	for series, v := range want {
		if got, ok := metric(body, series); !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", series, got, ok, v)
		}
	}
	for _, series := range absent {
		if got, ok := metric(body, series); ok {
			t.Errorf("%s = %v, want no such series", series, got)
		}
	}
	if age, ok := metric(body, `newshound_outbox_oldest_queued_age_seconds{notifier="down"}`); !ok || age < 0 {
		t.Errorf("oldest queued age of down = %v (present %v), want a value >= 0", age, ok)
	}
	if size, ok := metric(body, `newshound_store_size_bytes`); !ok || size <= 0 {
		t.Errorf("newshound_store_size_bytes = %v (present %v), want the file size", size, ok)
	}
	if size, ok := metric(body, `newshound_store_text_size_bytes`); !ok || size <= 0 {
		t.Errorf("newshound_store_text_size_bytes = %v (present %v), want the size of the texts of the articles crawled", size, ok)
	}
	if ts, ok := metric(body, `newshound_source_last_success_timestamp_seconds{source="wire"}`); perSource && (!ok ||
		time.Since(time.Unix(int64(ts), 0)) > time.Minute) {
		t.Errorf("last success of wire = %v (present %v), want about now", ts, ok)
	}
	if code, _ := d.get(t, "/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token = %d, want 401", code)
	}
	pprofWant := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[perSource]
	if code, _ := d.get(t, "/debug/pprof/goroutine?debug=1", webToken); code != pprofWant {
		t.Errorf("GET /debug/pprof/goroutine with the token, pprof %v = %d, want %d", perSource, code, pprofWant)
	}
	if code, _ := d.get(t, "/debug/pprof/goroutine?debug=1", ""); code != http.StatusUnauthorized {
		t.Errorf("GET /debug/pprof/goroutine without the token = %d, want 401", code)
	}
	if strings.Contains(body, webToken) {
		t.Errorf("/metrics shows the bearer token")
	}

	// A reload counts; a source or notifier it drops loses its series.
	cfg := *d.app.Config()
	cfg.Sources = cfg.Sources[:1]
	isGone := func(name string) bool { return name == "gone" }
	cfg.Notifiers = slices.DeleteFunc(slices.Clone(cfg.Notifiers), func(n config.Notifier) bool { return isGone(n.Name) })
	cfg.Watches = slices.Clone(cfg.Watches)
	cfg.Watches[0].Notify = slices.DeleteFunc(slices.Clone(cfg.Watches[0].Notify), isGone)
	cfg.Watches[0].Routes = slices.DeleteFunc(slices.Clone(cfg.Watches[0].Routes), func(r config.Route) bool { return isGone(r.Notifier) })
	if err := d.app.Reload(&cfg); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	_, body = d.get(t, "/metrics", webToken)
	if v, _ := metric(body, `newshound_config_reloads_total{result="success"}`); v != 1 {
		t.Errorf("config reloads (success) after a reload = %v, want 1", v)
	}
	if strings.Contains(body, `source="missing"`) {
		t.Errorf("/metrics still has series of the dropped source missing")
	}
	if strings.Contains(body, `newshound_notifier_deliveries_total{notifier="gone"`) {
		t.Errorf("/metrics still has delivery counters of the dropped notifier gone")
	}
	if _, ok := metric(body, `newshound_notifier_deliveries_total{notifier="hook",outcome="delivered"}`); !ok {
		t.Errorf("/metrics lost the delivery counter of the kept notifier hook")
	}
	if _, ok := metric(body, `newshound_source_healthy{source="wire"}`); !ok {
		t.Errorf("/metrics lost the series of the kept source wire")
	}

	// An invalid edit of the file, found by the daemon's file watcher,
	// counts as a failed reload.
	if err := os.WriteFile(cfg.Path, []byte("sources: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload in the metrics", func() bool {
		_, body = d.get(t, "/metrics", webToken)
		v, _ := metric(body, `newshound_config_reloads_total{result="failure"}`)
		return v == 1
	})
}

// TestDaemonHTTPEndpoints: the daemon's server answers the probes, the
// JSON API, the Atom feed and the status page with the data of its real
// passes, and every endpoint but /healthz wants the token.
func TestDaemonHTTPEndpoints(t *testing.T) {
	d := startWebDaemon(t)
	alertID := news.AlertID("camp", d.site.URL("/2026/transfer-al-hol.html"))
	waitFor(t, "the delivery of the al-Hol alert", func() bool {
		for _, at := range d.hook.Delivered() {
			if at.Payload["id"] == alertID {
				return true
			}
		}
		return false
	})

	// The subtests run in order on the one daemon: the failing-article
	// pass changes what the sources show, and the last stops it.
	t.Run("auth", func(t *testing.T) {
		for _, path := range []string{"/readyz", "/api/v1/sources", "/api/v1/alerts", "/watches/camp.atom", "/"} {
			if code, _ := d.get(t, path, ""); code != http.StatusUnauthorized {
				t.Errorf("GET %s without the token = %d, want 401", path, code)
			}
			if code, _ := d.get(t, path, "wrong-"+webToken); code != http.StatusUnauthorized {
				t.Errorf("GET %s with a wrong token = %d, want 401", path, code)
			}
		}
	})

	t.Run("healthz and readyz", func(t *testing.T) {
		if code, body := d.get(t, "/healthz", ""); code != http.StatusOK || body != "ok\n" {
			t.Errorf("GET /healthz = %d %q, want 200 ok without auth", code, body)
		}
		if code, body := d.get(t, "/readyz", webToken); code != http.StatusOK || body != "ready\n" {
			t.Errorf("GET /readyz = %d %q, want 200 ready", code, body)
		}

	})

	// The source table: trouble first, then by name; stored state, next
	// run from the schedule.
	t.Run("sources", func(t *testing.T) {
		code, body := d.get(t, "/api/v1/sources", webToken)
		var sources web.SourcesPage
		if err := json.Unmarshal([]byte(body), &sources); code != http.StatusOK || err != nil {
			t.Fatalf("GET /api/v1/sources = %d, %v: %s", code, err, body)
		}
		var names []string
		for _, s := range sources.Sources {
			names = append(names, s.Name)
		}
		if got := strings.Join(names, ","); got != "broken,missing,wire" {
			t.Fatalf("sources = %s, want broken,missing,wire (the failing ones first, by name)", got)
		}
		if c := sources.Counts; c.Total != 3 || c.Trouble != 2 || sources.Next != "" {
			t.Errorf("sources counts %+v, next %q; want 3 sources, 2 in trouble, no next page", c, sources.Next)
		}
		wire, missing := sources.Sources[2], sources.Sources[1]
		if wire.Kind != "feed" || wire.URL != d.site.URL("/rss.xml") || !wire.Healthy || wire.Items != 3 || wire.NewArticles != 3 ||
			wire.LastRun == nil || wire.ConsecutiveFailures != 0 {
			t.Errorf("source wire = %+v, want a healthy feed run listing 3 items, 3 new", wire)
		}
		if next := wire.NextRun; next == nil || !next.After(time.Now()) || next.Local().Month() != time.February ||
			next.Local().Day() != 29 || next.Local().Hour() != 0 {
			t.Errorf("source wire next_run = %v, want the next 29 February, 00:00 plus the jitter (under an hour)", next)
		}
		if missing.ConsecutiveFailures != 1 || !strings.Contains(missing.LastError, "404") {
			t.Errorf("source missing = %+v, want one failure with the 404", missing)
		}

	})

	// The alert history with its delivery states.
	t.Run("alerts", func(t *testing.T) {
		code, body := d.get(t, "/api/v1/alerts?watch=camp", webToken)
		var alerts struct {
			Alerts []struct {
				ID         string `json:"id"`
				Title      string `json:"title"`
				Deliveries []struct {
					Notifier, State string
				} `json:"deliveries"`
			} `json:"alerts"`
		}
		if err := json.Unmarshal([]byte(body), &alerts); code != http.StatusOK || err != nil {
			t.Fatalf("GET /api/v1/alerts = %d, %v: %s", code, err, body)
		}
		if len(alerts.Alerts) != 1 || alerts.Alerts[0].ID != alertID {
			t.Fatalf("alerts of camp = %+v, want the al-Hol alert %s", alerts.Alerts, alertID)
		}
		states := map[string]string{}
		for _, dl := range alerts.Alerts[0].Deliveries {
			states[dl.Notifier] = dl.State
		}
		if states["hook"] != store.DeliveryDelivered || states["down"] != store.DeliveryQueued || states["gone"] != store.DeliveryDead {
			t.Errorf("delivery states = %v, want hook delivered, down queued, gone dead", states)
		}

	})

	// The watch's Atom feed.
	t.Run("atom", func(t *testing.T) {
		code, body := d.get(t, "/watches/camp.atom", webToken)
		if code != http.StatusOK || !strings.Contains(body, "urn:newshound:alert:"+alertID) ||
			!strings.Contains(body, "Detainees moved from al-Hol camp") {
			t.Errorf("GET /watches/camp.atom = %d, want the alert as an entry:\n%s", code, body)
		}

	})

	// The status page: sources, the alert, the outbox.
	t.Run("status page", func(t *testing.T) {
		code, body := d.get(t, "/", webToken)
		for _, want := range []string{"wire", "missing", "broken", "Detainees moved from al-Hol camp", "hook", "down", "gone", "404"} {
			if !strings.Contains(body, want) {
				t.Errorf("status page lacks %q", want)
			}
		}
		if code != http.StatusOK {
			t.Errorf("GET / = %d, want 200", code)
		}

	})

	// A listed article whose page is missing: the next pass retries it,
	// and the API and the page show it as failing on wire.
	t.Run("failing articles", func(t *testing.T) {
		d.site.AddToFeed(testsite.Item{Path: "/2026/not-yet.html", Title: "Not published yet", Published: time.Now()})
		if _, err := d.app.RunOnce(context.Background()); err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		code, body := d.get(t, "/api/v1/sources", webToken)
		var failing web.SourcesPage
		if err := json.Unmarshal([]byte(body), &failing); code != http.StatusOK || err != nil || len(failing.Sources) != 3 {
			t.Fatalf("GET /api/v1/sources = %d, %v: %s", code, err, body)
		}
		if got := failing.Sources[2].FailingArticles; len(got) != 1 || got[0].URL != d.site.URL("/2026/not-yet.html") ||
			got[0].Attempts != 1 || got[0].FirstFailure.IsZero() || !strings.Contains(got[0].LastError, "404") {
			t.Errorf("wire failing_articles = %+v, want the missing page, 1 attempt, its 404", got)
		}
		if got := failing.Sources[1].FailingArticles; got == nil || len(got) != 0 {
			t.Errorf("missing failing_articles = %#v, want [] (present, empty)", got)
		}
		code, body = d.get(t, "/", webToken)
		if want := "1 article page failing <small>(" + failingNote() + ")</small>"; code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("status page lacks %q", want)
		}

	})

	// The online backup `newshound backup` asks for: a consistent copy
	// holding the alert.
	t.Run("backup", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, d.base+"/api/v1/backup", nil)
		req.Header.Set("Authorization", "Bearer "+webToken)
		req.Header.Set("X-Newshound-Request", "1") // as the command sends it: the server refuses a POST without
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("POST /api/v1/backup = %d, %v", resp.StatusCode, err)
		}
		path := filepath.Join(t.TempDir(), "backup.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		copied, err := store.Open(path, store.Options{Timeout: time.Second})
		if err != nil {
			t.Fatalf("open the daemon's backup: %v", err)
		}
		_, ok, err := copied.Alert(alertID)
		_ = copied.Close()
		if !ok || err != nil {
			t.Errorf("backup holds the al-Hol alert = %v, %v; want true", ok, err)
		}

	})

	// After Run returns the daemon is no longer ready.
	t.Run("after stop", func(t *testing.T) {
		d.stop(t)
		if err := (webBackend{d.app}).Ready(); err == nil || !strings.Contains(err.Error(), "scheduler") {
			t.Errorf("Ready() after Run returned = %v, want the scheduler not running", err)
		}
		if d.app.HTTPAddr() != "" {
			t.Errorf("HTTPAddr() after Run returned = %q, want empty", d.app.HTTPAddr())
		}
	})
}

func TestFailingNote(t *testing.T) {
	if got, want := failingNote(), "retried every pass; given up after 5 failed passes over an hour, a day if the site seems down"; got != want {
		t.Errorf("failingNote() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "an hour"},
		{6 * time.Hour, "6 hours"},
		{24 * time.Hour, "a day"},
		{72 * time.Hour, "3 days"},
		{90 * time.Minute, "1h30m0s"},
	} {
		if got := spanWords(tt.d); got != tt.want {
			t.Errorf("spanWords(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestRunListenInUse: a listen address already taken fails Run at once,
// naming the address, before any source runs.
func TestRunListenInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	site := testsite.NewNews(t)
	hook := testreceiver.NewWebhook(t)
	cfg := loadConfig(t, fmt.Sprintf(webConfig, site.URL(""), hook.URL, hook.URL, hook.URL))
	cfg.Listen = taken.Addr().String()
	a, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	err = a.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), taken.Addr().String()) || !strings.Contains(err.Error(), "another program") {
		t.Fatalf("Run with listen on a port in use = %v, want an error naming %s and why", err, taken.Addr())
	}
	if _, ok, _ := a.Store().SourceState("wire"); ok {
		t.Errorf("a source ran although Run failed to listen")
	}
	if ready := (webBackend{a}).Ready(); ready == nil {
		t.Errorf("Ready() after Run failed = nil, want an error")
	}
}

// TestReloadListenWarns: listen and listen_auth are bound at start; a
// reload that changes them says so, without the credentials.
func TestReloadListenWarns(t *testing.T) {
	site := testsite.NewNews(t)
	hook := testreceiver.NewWebhook(t)
	cfg := loadConfig(t, fmt.Sprintf(webConfig, site.URL(""), hook.URL, hook.URL, hook.URL))
	var logs testlog.Buffer
	a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	same := *cfg
	if err := a.Reload(&same); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), "listen or listen_auth changed") {
		t.Errorf("reload without a change warned about listen:\n%s", logs.String())
	}
	changed := *cfg
	changed.ListenAuth = &config.ListenAuth{Bearer: config.Secret("another-token-0123456789")}
	if err := a.Reload(&changed); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "listen or listen_auth changed; they take effect at the next restart") {
		t.Errorf("reload changing listen_auth did not warn:\n%s", logs.String())
	}
	for _, secret := range []string{webToken, "another-token-0123456789"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log shows a listen_auth token:\n%s", logs.String())
		}
	}
}

// TestDatabasePermissionsWarning: New warns about a database file others
// can read, with the fix, and is quiet about a 0600 file.
func TestDatabasePermissionsWarning(t *testing.T) {
	site := testsite.NewNews(t)
	hook := testreceiver.NewWebhook(t)
	cfg := loadConfig(t, fmt.Sprintf(webConfig, site.URL(""), hook.URL, hook.URL, hook.URL))
	open := func() string {
		t.Helper()
		var logs testlog.Buffer
		a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		return logs.String()
	}
	if logs := open(); strings.Contains(logs, "chmod") {
		t.Errorf("New on a fresh (0600) database warned:\n%s", logs)
	}
	if err := os.Chmod(cfg.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	if logs := open(); !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "chmod 600 "+cfg.Data) {
		t.Errorf("New on a 0644 database did not warn with the fix:\n%s", logs)
	}
}
