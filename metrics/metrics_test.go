package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newshound/newshound/internal/testclock"
)

var t0 = time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)

// snapshotFunc adapts a function to Snapshotter.
type snapshotFunc func() (Snapshot, error)

func (f snapshotFunc) Snapshot() (Snapshot, error) { return f() }

// TestSourceRun: with PerSource every source series is exported, every
// error kind from the first run on.
func TestSourceRun(t *testing.T) {
	m := New(Options{PerSource: true})
	m.SourceRun("bbc", SourceRun{Duration: 1500 * time.Millisecond, Items: 20, New: 3, Healthy: true, Finished: t0})
	m.SourceRun("bbc", SourceRun{Duration: 40 * time.Second, Error: ErrTimeout, Items: 0, Healthy: true, Finished: t0.Add(time.Hour)})
	m.SourceRun("bbc", SourceRun{Duration: 200 * time.Millisecond, Error: "made-up", Healthy: false, Finished: t0.Add(2 * time.Hour)})

	want := `
# HELP newshound_source_fetch_errors_total Failed runs of a source by kind: timeout, http_4xx, http_5xx, parse, robots, network, other.
# TYPE newshound_source_fetch_errors_total counter
newshound_source_fetch_errors_total{kind="http_4xx",source="bbc"} 0
newshound_source_fetch_errors_total{kind="http_5xx",source="bbc"} 0
newshound_source_fetch_errors_total{kind="network",source="bbc"} 0
newshound_source_fetch_errors_total{kind="other",source="bbc"} 1
newshound_source_fetch_errors_total{kind="parse",source="bbc"} 0
newshound_source_fetch_errors_total{kind="robots",source="bbc"} 0
newshound_source_fetch_errors_total{kind="timeout",source="bbc"} 1
# HELP newshound_source_healthy 1 when a source is healthy, 0 when it crossed the failure or empty-run threshold.
# TYPE newshound_source_healthy gauge
newshound_source_healthy{source="bbc"} 0
# HELP newshound_source_items_total Items (feed entries, links, sitemap URLs) listed by a source's runs.
# TYPE newshound_source_items_total counter
newshound_source_items_total{source="bbc"} 20
# HELP newshound_source_last_success_timestamp_seconds Unix time of a source's last successful run.
# TYPE newshound_source_last_success_timestamp_seconds gauge
newshound_source_last_success_timestamp_seconds{source="bbc"} 1.7734788e+09
# HELP newshound_source_new_articles_total New articles fetched by a source's runs.
# TYPE newshound_source_new_articles_total counter
newshound_source_new_articles_total{source="bbc"} 3
# HELP newshound_source_fetch_duration_seconds Wall time of one run of a source (listing and article fetches).
# TYPE newshound_source_fetch_duration_seconds histogram
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="0.1"} 0
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="0.25"} 1
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="0.5"} 1
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="1"} 1
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="2.5"} 2
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="5"} 2
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="10"} 2
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="30"} 2
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="60"} 3
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="120"} 3
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="300"} 3
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="600"} 3
newshound_source_fetch_duration_seconds_bucket{source="bbc",le="+Inf"} 3
newshound_source_fetch_duration_seconds_sum{source="bbc"} 41.7
newshound_source_fetch_duration_seconds_count{source="bbc"} 3
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"newshound_source_fetch_errors_total", "newshound_source_healthy", "newshound_source_items_total",
		"newshound_source_last_success_timestamp_seconds", "newshound_source_new_articles_total",
		"newshound_source_fetch_duration_seconds"); err != nil {
		t.Error(err)
	}

	m.RemoveSource("bbc")
	if n := testutil.CollectAndCount(m.fetchErrors) + testutil.CollectAndCount(m.healthy) +
		testutil.CollectAndCount(m.fetchDuration) + testutil.CollectAndCount(m.givenUp); n != 0 {
		t.Errorf("series after RemoveSource(%q) = %d, want 0", "bbc", n)
	}
}

// TestArticlesGivenUp: a run with nothing given up exports the series at
// 0; give-ups add up; a negative count adds nothing; RemoveSource drops it.
func TestArticlesGivenUp(t *testing.T) {
	m := New(Options{PerSource: true})
	m.SourceRun("quiet", SourceRun{GivenUp: 0})
	m.SourceRun("bbc", SourceRun{GivenUp: 2})
	m.SourceRun("bbc", SourceRun{GivenUp: 1})
	m.SourceRun("bbc", SourceRun{GivenUp: -4})
	want := `
# HELP newshound_source_articles_given_up_total Listed articles of a source whose page kept failing and that are no longer tried.
# TYPE newshound_source_articles_given_up_total counter
newshound_source_articles_given_up_total{source="bbc"} 3
newshound_source_articles_given_up_total{source="quiet"} 0
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "newshound_source_articles_given_up_total"); err != nil {
		t.Error(err)
	}
	m.RemoveSource("bbc")
	if n := testutil.CollectAndCount(m.givenUp); n != 1 {
		t.Errorf("given-up series after RemoveSource(%q) = %d, want 1", "bbc", n)
	}
}

// TestSourceRunSummed: by default only health and the failures that
// happened carry the source label; the rest is summed over all sources,
// runs are counted by result, and RemoveSource drops only the source's
// own series.
func TestSourceRunSummed(t *testing.T) {
	m := New(Options{})
	m.SourceRun("bbc", SourceRun{Duration: 1500 * time.Millisecond, Items: 20, New: 3, GivenUp: 1, Healthy: true, Finished: t0})
	m.SourceRun("bbc", SourceRun{Duration: 40 * time.Second, Error: ErrTimeout, Healthy: true, Finished: t0.Add(time.Hour)})
	m.SourceRun("cnn", SourceRun{Duration: 200 * time.Millisecond, Error: "made-up", Items: 5, Healthy: false, Finished: t0})
	m.SourceRun("quiet", SourceRun{Duration: 300 * time.Millisecond, Healthy: true, Finished: t0})
	m.SourceHealth("never", true, t0)

	want := `
# HELP newshound_source_fetch_errors_total Failed runs of a source by kind: timeout, http_4xx, http_5xx, parse, robots, network, other.
# TYPE newshound_source_fetch_errors_total counter
newshound_source_fetch_errors_total{kind="other",source="cnn"} 1
newshound_source_fetch_errors_total{kind="timeout",source="bbc"} 1
# HELP newshound_source_healthy 1 when a source is healthy, 0 when it crossed the failure or empty-run threshold.
# TYPE newshound_source_healthy gauge
newshound_source_healthy{source="bbc"} 1
newshound_source_healthy{source="cnn"} 0
newshound_source_healthy{source="never"} 1
newshound_source_healthy{source="quiet"} 1
# HELP newshound_source_items_total Items (feed entries, links, sitemap URLs) listed by a source's runs.
# TYPE newshound_source_items_total counter
newshound_source_items_total 25
# HELP newshound_source_new_articles_total New articles fetched by a source's runs.
# TYPE newshound_source_new_articles_total counter
newshound_source_new_articles_total 3
# HELP newshound_source_articles_given_up_total Listed articles of a source whose page kept failing and that are no longer tried.
# TYPE newshound_source_articles_given_up_total counter
newshound_source_articles_given_up_total 1
# HELP newshound_source_runs_total Runs of all sources by result: success, timeout, http_4xx, http_5xx, parse, robots, network, other.
# TYPE newshound_source_runs_total counter
newshound_source_runs_total{result="http_4xx"} 0
newshound_source_runs_total{result="http_5xx"} 0
newshound_source_runs_total{result="network"} 0
newshound_source_runs_total{result="other"} 1
newshound_source_runs_total{result="parse"} 0
newshound_source_runs_total{result="robots"} 0
newshound_source_runs_total{result="success"} 2
newshound_source_runs_total{result="timeout"} 1
# HELP newshound_source_fetch_duration_seconds Wall time of one run of a source (listing and article fetches).
# TYPE newshound_source_fetch_duration_seconds histogram
newshound_source_fetch_duration_seconds_bucket{le="0.1"} 0
newshound_source_fetch_duration_seconds_bucket{le="0.25"} 1
newshound_source_fetch_duration_seconds_bucket{le="0.5"} 2
newshound_source_fetch_duration_seconds_bucket{le="1"} 2
newshound_source_fetch_duration_seconds_bucket{le="2.5"} 3
newshound_source_fetch_duration_seconds_bucket{le="5"} 3
newshound_source_fetch_duration_seconds_bucket{le="10"} 3
newshound_source_fetch_duration_seconds_bucket{le="30"} 3
newshound_source_fetch_duration_seconds_bucket{le="60"} 4
newshound_source_fetch_duration_seconds_bucket{le="120"} 4
newshound_source_fetch_duration_seconds_bucket{le="300"} 4
newshound_source_fetch_duration_seconds_bucket{le="600"} 4
newshound_source_fetch_duration_seconds_bucket{le="+Inf"} 4
newshound_source_fetch_duration_seconds_sum 42
newshound_source_fetch_duration_seconds_count 4
`
	names := []string{"newshound_source_fetch_errors_total", "newshound_source_healthy", "newshound_source_items_total",
		"newshound_source_last_success_timestamp_seconds", "newshound_source_new_articles_total",
		"newshound_source_articles_given_up_total", "newshound_source_runs_total", "newshound_source_fetch_duration_seconds"}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	m.RemoveSource("bbc")
	m.RemoveSource("cnn")
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"fetch errors", testutil.CollectAndCount(m.fetchErrors), 0},
		{"healthy", testutil.CollectAndCount(m.healthy), 2},
		{"items", testutil.CollectAndCount(m.items), 1},
		{"durations", testutil.CollectAndCount(m.fetchDuration), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s series after RemoveSource = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestWatchDeliveryReload(t *testing.T) {
	m := New(Options{})
	m.WatchMatched("acme", 2)
	m.WatchMatched("acme", 0) // nothing, and no series for "quiet"
	m.WatchMatched("quiet", 0)
	m.Delivery("slack", Delivered)
	m.Delivery("slack", Retried)
	m.Delivery("slack", Retried)
	m.Delivery("mail", Dead)
	m.Delivery("mail", Deferred)
	m.ConfigReload(true)
	m.ConfigReload(true)

	want := `
# HELP newshound_watch_matches_total Alerts raised by a watch (each article once).
# TYPE newshound_watch_matches_total counter
newshound_watch_matches_total{watch="acme"} 2
# HELP newshound_notifier_deliveries_total Delivery attempts of a notifier by outcome: delivered, retried, dead, deferred.
# TYPE newshound_notifier_deliveries_total counter
newshound_notifier_deliveries_total{notifier="mail",outcome="dead"} 1
newshound_notifier_deliveries_total{notifier="mail",outcome="deferred"} 1
newshound_notifier_deliveries_total{notifier="slack",outcome="delivered"} 1
newshound_notifier_deliveries_total{notifier="slack",outcome="retried"} 2
# HELP newshound_config_reloads_total Configuration reloads by result: success or failure.
# TYPE newshound_config_reloads_total counter
newshound_config_reloads_total{result="failure"} 0
newshound_config_reloads_total{result="success"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"newshound_watch_matches_total", "newshound_notifier_deliveries_total", "newshound_config_reloads_total"); err != nil {
		t.Error(err)
	}

	m.RemoveWatch("acme")
	m.RemoveNotifier("mail")
	want = `
# HELP newshound_notifier_deliveries_total Delivery attempts of a notifier by outcome: delivered, retried, dead, deferred.
# TYPE newshound_notifier_deliveries_total counter
newshound_notifier_deliveries_total{notifier="slack",outcome="delivered"} 1
newshound_notifier_deliveries_total{notifier="slack",outcome="retried"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"newshound_watch_matches_total", "newshound_notifier_deliveries_total"); err != nil {
		t.Errorf("after RemoveWatch(acme) and RemoveNotifier(mail): %v", err)
	}
}

func TestSnapshotGauges(t *testing.T) {
	clock := testclock.New(t0)
	snap := Snapshot{
		Notifiers: []NotifierSnapshot{
			{Name: "slack", Queued: 3, OldestQueued: t0.Add(-90 * time.Second), DeadLetters: 2},
			{Name: "mail"},
			{Name: "slack", Queued: 99}, // a duplicate must not break the scrape
			{Name: "future", Queued: 1, OldestQueued: t0.Add(time.Hour)},
		},
		StoreSizeBytes: 65536,
		TextSizeBytes:  1 << 20,
	}
	m := New(Options{Now: clock.Now, Snapshot: snapshotFunc(func() (Snapshot, error) { return snap, nil })})
	want := `
# HELP newshound_outbox_queued Outbox entries waiting for delivery, per notifier.
# TYPE newshound_outbox_queued gauge
newshound_outbox_queued{notifier="future"} 1
newshound_outbox_queued{notifier="mail"} 0
newshound_outbox_queued{notifier="slack"} 3
# HELP newshound_outbox_oldest_queued_age_seconds Seconds since the oldest waiting outbox entry fell due, per notifier; 0 when none waits.
# TYPE newshound_outbox_oldest_queued_age_seconds gauge
newshound_outbox_oldest_queued_age_seconds{notifier="future"} 0
newshound_outbox_oldest_queued_age_seconds{notifier="mail"} 0
newshound_outbox_oldest_queued_age_seconds{notifier="slack"} 90
# HELP newshound_dead_letters Dead letters kept, per notifier.
# TYPE newshound_dead_letters gauge
newshound_dead_letters{notifier="future"} 0
newshound_dead_letters{notifier="mail"} 0
newshound_dead_letters{notifier="slack"} 2
# HELP newshound_store_size_bytes Size of the database file.
# TYPE newshound_store_size_bytes gauge
newshound_store_size_bytes 65536
# HELP newshound_store_text_size_bytes Size of the article text segments kept for replay next to the database file.
# TYPE newshound_store_text_size_bytes gauge
newshound_store_text_size_bytes 1.048576e+06
`
	names := []string{"newshound_outbox_queued", "newshound_outbox_oldest_queued_age_seconds",
		"newshound_dead_letters", "newshound_store_size_bytes", "newshound_store_text_size_bytes"}
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	// The gauges are read at scrape time: a later scrape sees the clock.
	clock.Advance(10 * time.Second)
	snap.Notifiers = snap.Notifiers[:1]
	want = `
# HELP newshound_outbox_oldest_queued_age_seconds Seconds since the oldest waiting outbox entry fell due, per notifier; 0 when none waits.
# TYPE newshound_outbox_oldest_queued_age_seconds gauge
newshound_outbox_oldest_queued_age_seconds{notifier="slack"} 100
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "newshound_outbox_oldest_queued_age_seconds"); err != nil {
		t.Error(err)
	}
}

// A failing snapshot leaves its gauges out but the scrape still serves
// every other metric.
func TestHandlerSurvivesSnapshotError(t *testing.T) {
	m := New(Options{Snapshot: snapshotFunc(func() (Snapshot, error) { return Snapshot{}, errors.New("database closed") })})
	m.ConfigReload(false)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != 200 {
		t.Fatalf("GET /metrics status = %d, want 200; body:\n%s", rec.Code, body)
	}
	for _, want := range []string{
		`newshound_config_reloads_total{result="failure"} 1`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("GET /metrics body lacks %q", want)
		}
	}
	if strings.Contains(string(body), "newshound_store_size_bytes ") {
		t.Errorf("GET /metrics served newshound_store_size_bytes although the snapshot failed")
	}
	// The failure is counted, visible from the next scrape on.
	rec = httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if want := `promhttp_metric_handler_errors_total{cause="gathering"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("second GET /metrics body lacks %q", want)
	}
}

// Two Metrics in one process must not collide (no global registry).
func TestIndependentRegistries(t *testing.T) {
	a, b := New(Options{}), New(Options{})
	a.ConfigReload(true)
	if got := testutil.ToFloat64(b.reloads.WithLabelValues(reloadSuccess)); got != 0 {
		t.Errorf("second Metrics reloads = %v, want 0", got)
	}
}
