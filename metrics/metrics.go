// Package metrics exposes newshound's Prometheus metrics: what every
// source's runs cost and found, what every watch matched, how every
// notifier's deliveries ended, and, read from the store at each scrape,
// the outbox depth, the age of its oldest entry, the dead letters and the
// store's size.
//
// Each Metrics owns its own prometheus.Registry (never the global one), so
// a test, a reload or a second daemon in one process never collides with
// another. The daemon calls the small recording methods (SourceRun,
// WatchMatched, Delivery, ConfigReload) where the events happen and serves
// Handler at /metrics.
//
// # Metrics
//
// A scrape must stay small when thousands of sources are configured (at
// 10,000 sources the full per-source set below is about 270,000 lines),
// so by default only two metrics carry the source label (label source =
// the configured source name):
//
//	newshound_source_healthy{source}                       gauge: 1 healthy, 0 unhealthy
//	newshound_source_fetch_errors_total{source,kind}       counter: failed runs by kind (below);
//	                                                       a series appears at the source's
//	                                                       first failure of that kind
//
// and the rest is summed over all sources, under the same names without
// the label, so a query that sums over sources works either way:
//
//	newshound_source_runs_total{result}                    counter: runs by result: success or
//	                                                       the error kind (all exported at 0)
//	newshound_source_fetch_duration_seconds                histogram: wall time of one run
//	                                                       (listing and article fetches)
//	newshound_source_items_total                           counter: items listed (feed entries,
//	                                                       links, sitemap URLs), summed over runs
//	newshound_source_new_articles_total                    counter: new articles fetched
//	newshound_source_articles_given_up_total               counter: listed articles whose page
//	                                                       kept failing and that are no longer
//	                                                       tried (marked seen without text)
//
// With Options.PerSource (config metrics: {per_source: true}) the
// duration, items, new articles and given-up metrics carry the source
// label as well, every source exports all error kinds from its first run
// (at 0, which keeps rate() and increase() correct from a source's first
// failure on), and one more gauge is exported:
//
//	newshound_source_last_success_timestamp_seconds{source} gauge: Unix time of the last
//	                                                       successful run (absent until one)
//
// The error kinds are fixed, so a dashboard can rely on them:
//
//	timeout   the run or a fetch hit its deadline
//	http_4xx  the server answered 4xx (except what robots.txt forbade)
//	http_5xx  the server answered 5xx
//	parse     the body was fetched but was not a usable feed, page or sitemap
//	robots    robots.txt disallows the listing URL
//	network   DNS, connection refused or reset, TLS, an address the guard refused
//	other     anything else
//
// Per watch: newshound_watch_matches_total{watch}, alerts raised (counted
// when stored, so a duplicate is never counted twice).
//
// Per notifier: newshound_notifier_deliveries_total{notifier,outcome},
// outcomes delivered, retried (a retryable failure, tried again later),
// dead (given up: dead letter) and deferred (held back without an
// attempt: quiet hours, a disabled notifier, a rate limit).
//
// Read at each scrape through the Snapshotter the daemon passes in:
//
//	newshound_outbox_queued{notifier}                      gauge: entries waiting
//	newshound_outbox_oldest_queued_age_seconds{notifier}   gauge: age of the oldest waiting
//	                                                       entry (0 when none)
//	newshound_dead_letters{notifier}                       gauge: dead letters kept
//	newshound_store_size_bytes                             gauge: database file size
//	newshound_store_text_size_bytes                        gauge: replay text segments' size
//
// Process: newshound_config_reloads_total{result} (result success or
// failure; both exported from the start), plus the standard go_* and
// process_* collectors.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// FetchErrorKind classifies a failed source run for
// newshound_source_fetch_errors_total; see the package doc for each kind.
type FetchErrorKind string

// The fetch error kinds. NoError marks a successful run.
const (
	NoError      FetchErrorKind = ""
	ErrTimeout   FetchErrorKind = "timeout"
	ErrHTTP4xx   FetchErrorKind = "http_4xx"
	ErrHTTP5xx   FetchErrorKind = "http_5xx"
	ErrParse     FetchErrorKind = "parse"
	ErrRobots    FetchErrorKind = "robots"
	ErrNetwork   FetchErrorKind = "network"
	ErrOtherKind FetchErrorKind = "other"
)

// fetchErrorKinds are exported at 0 for every source from its first run.
var fetchErrorKinds = []FetchErrorKind{ErrTimeout, ErrHTTP4xx, ErrHTTP5xx, ErrParse, ErrRobots, ErrNetwork, ErrOtherKind}

// Outcome is how one delivery attempt (or the decision not to attempt)
// ended, for newshound_notifier_deliveries_total.
type Outcome string

// The delivery outcomes.
const (
	Delivered Outcome = "delivered"
	Retried   Outcome = "retried"
	Dead      Outcome = "dead"
	Deferred  Outcome = "deferred"
)

// SourceRun is the outcome of one run of one source.
type SourceRun struct {
	// Duration is the wall time of the whole run.
	Duration time.Duration
	// Error is the kind of failure; NoError for a successful run.
	Error FetchErrorKind
	// Items is how many items the run listed; New how many new articles
	// it fetched. Both are added to the counters, also for a failed run
	// that got partway.
	Items, New int
	// GivenUp is how many failing articles the run gave up on; added to
	// its counter on every run, 0 included, so the series exists from the
	// first run and rate() sees the first give-up.
	GivenUp int
	// Healthy is the source's health after the run (store.SourceState's
	// Unhealthy, negated).
	Healthy bool
	// Finished is when the run ended; a successful run sets the last
	// success time to it.
	Finished time.Time
}

// Options configures New.
type Options struct {
	// Snapshot is read at each scrape for the outbox, dead-letter and store
	// size gauges; nil leaves those gauges out.
	Snapshot Snapshotter
	// Now is the clock for ages; default time.Now.
	Now func() time.Time
	// PerSource exports the whole per-source set (see the package doc);
	// off, only health and failures carry the source label.
	PerSource bool
}

// Metrics records newshound's metrics into its own registry. Its methods
// are safe for concurrent use.
type Metrics struct {
	registry  *prometheus.Registry
	perSource bool

	fetchDuration *prometheus.HistogramVec
	fetchErrors   *prometheus.CounterVec
	items         *prometheus.CounterVec
	newArticles   *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	healthy       *prometheus.GaugeVec
	givenUp       *prometheus.CounterVec
	runs          *prometheus.CounterVec
	// bySource are the vectors with a source label, for RemoveSource.
	bySource []interface {
		DeletePartialMatch(prometheus.Labels) int
	}
	watchMatches *prometheus.CounterVec
	deliveries   *prometheus.CounterVec
	reloads      *prometheus.CounterVec
}

// fetchDurationBuckets span one quick feed fetch (a fraction of a second)
// to a listing with a couple of hundred article fetches behind the
// per-host politeness delay (minutes).
var fetchDurationBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// New builds the metrics and registers them, with the Go and process
// collectors, in a new registry.
func New(opts Options) *Metrics {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// The summed metrics have no label at all without PerSource.
	var src []string
	if opts.PerSource {
		src = []string{"source"}
	}
	m := &Metrics{
		registry:  prometheus.NewRegistry(),
		perSource: opts.PerSource,
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newshound_source_fetch_duration_seconds",
			Help:    "Wall time of one run of a source (listing and article fetches).",
			Buckets: fetchDurationBuckets,
		}, src),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_fetch_errors_total",
			Help: "Failed runs of a source by kind: timeout, http_4xx, http_5xx, parse, robots, network, other.",
		}, []string{"source", "kind"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_items_total",
			Help: "Items (feed entries, links, sitemap URLs) listed by a source's runs.",
		}, src),
		newArticles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_new_articles_total",
			Help: "New articles fetched by a source's runs.",
		}, src),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newshound_source_last_success_timestamp_seconds",
			Help: "Unix time of a source's last successful run.",
		}, []string{"source"}),
		healthy: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newshound_source_healthy",
			Help: "1 when a source is healthy, 0 when it crossed the failure or empty-run threshold.",
		}, []string{"source"}),
		givenUp: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_articles_given_up_total",
			Help: "Listed articles of a source whose page kept failing and that are no longer tried.",
		}, src),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_runs_total",
			Help: "Runs of all sources by result: success, timeout, http_4xx, http_5xx, parse, robots, network, other.",
		}, []string{"result"}),
		watchMatches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_watch_matches_total",
			Help: "Alerts raised by a watch (each article once).",
		}, []string{"watch"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_notifier_deliveries_total",
			Help: "Delivery attempts of a notifier by outcome: delivered, retried, dead, deferred.",
		}, []string{"notifier", "outcome"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_config_reloads_total",
			Help: "Configuration reloads by result: success or failure.",
		}, []string{"result"}),
	}
	m.registry.MustRegister(
		m.fetchDuration, m.fetchErrors, m.items, m.newArticles, m.lastSuccess, m.healthy, m.givenUp,
		m.runs, m.watchMatches, m.deliveries, m.reloads,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if opts.Snapshot != nil {
		m.registry.MustRegister(newSnapshotCollector(opts.Snapshot, opts.Now))
	}
	// Both results exist from the start, so a failed first reload shows
	// as an increase rather than as a new series.
	m.reloads.WithLabelValues(reloadSuccess)
	m.reloads.WithLabelValues(reloadFailure)
	m.runs.WithLabelValues(runSuccess)
	for _, kind := range fetchErrorKinds {
		m.runs.WithLabelValues(string(kind))
	}
	m.bySource = append(m.bySource, m.fetchErrors, m.healthy, m.lastSuccess)
	if opts.PerSource {
		m.bySource = append(m.bySource, m.fetchDuration, m.items, m.newArticles, m.givenUp)
	} else {
		// The sums exist from the start, like the per-source series
		// from a source's first run.
		m.fetchDuration.WithLabelValues()
		m.items.WithLabelValues()
		m.newArticles.WithLabelValues()
		m.givenUp.WithLabelValues()
	}
	return m
}

// runSuccess is the result of a successful run in newshound_source_runs_total.
const runSuccess = "success"

// summed returns the label values of a summed metric for source: the
// source with PerSource, none without.
func (m *Metrics) summed(source string) []string {
	if m.perSource {
		return []string{source}
	}
	return nil
}

const (
	reloadSuccess = "success"
	reloadFailure = "failure"
)

// SourceRun records one run of source.
func (m *Metrics) SourceRun(source string, run SourceRun) {
	kind := run.Error
	if kind != NoError && !knownKind(kind) {
		kind = ErrOtherKind
	}
	if kind == NoError {
		m.runs.WithLabelValues(runSuccess).Inc()
	} else {
		m.runs.WithLabelValues(string(kind)).Inc()
		m.fetchErrors.WithLabelValues(source, string(kind)).Inc()
	}
	if m.perSource {
		for _, k := range fetchErrorKinds {
			m.fetchErrors.WithLabelValues(source, string(k))
		}
	}
	l := m.summed(source)
	m.fetchDuration.WithLabelValues(l...).Observe(run.Duration.Seconds())
	m.items.WithLabelValues(l...).Add(float64(max(run.Items, 0)))
	m.newArticles.WithLabelValues(l...).Add(float64(max(run.New, 0)))
	m.givenUp.WithLabelValues(l...).Add(float64(max(run.GivenUp, 0)))
	if run.Error == NoError && m.perSource {
		m.lastSuccess.WithLabelValues(source).Set(unixSeconds(run.Finished))
	}
	m.healthy.WithLabelValues(source).Set(boolGauge(run.Healthy))
}

// SourceHealth sets a source's health gauge without a run, e.g. from the
// stored state at start-up so the gauge exists before the first run.
func (m *Metrics) SourceHealth(source string, healthy bool, lastSuccess time.Time) {
	m.healthy.WithLabelValues(source).Set(boolGauge(healthy))
	if !lastSuccess.IsZero() && m.perSource {
		m.lastSuccess.WithLabelValues(source).Set(unixSeconds(lastSuccess))
	}
}

// RemoveSource drops every series of a source that is no longer
// configured (after a reload), so its last values do not linger. The
// sums over all sources keep what the source added to them.
func (m *Metrics) RemoveSource(source string) {
	l := prometheus.Labels{"source": source}
	for _, v := range m.bySource {
		v.DeletePartialMatch(l)
	}
}

// RemoveWatch drops the series of a watch that is no longer configured.
func (m *Metrics) RemoveWatch(watch string) { m.watchMatches.DeleteLabelValues(watch) }

// RemoveNotifier drops the delivery counters of a notifier that is no
// longer configured. Its outbox gauges come from the store at each scrape
// and stay while it still has entries there.
func (m *Metrics) RemoveNotifier(notifier string) {
	m.deliveries.DeletePartialMatch(prometheus.Labels{"notifier": notifier})
}

// WatchMatched adds n alerts raised by watch (counted when stored).
func (m *Metrics) WatchMatched(watch string, n int) {
	if n > 0 {
		m.watchMatches.WithLabelValues(watch).Add(float64(n))
	}
}

// Delivery counts one delivery outcome of notifier.
func (m *Metrics) Delivery(notifier string, outcome Outcome) {
	m.deliveries.WithLabelValues(notifier, string(outcome)).Inc()
}

// ConfigReload counts one reload; ok reports whether the new
// configuration was taken.
func (m *Metrics) ConfigReload(ok bool) {
	result := reloadFailure
	if ok {
		result = reloadSuccess
	}
	m.reloads.WithLabelValues(result).Inc()
}

// Handler serves the registry in the Prometheus exposition formats. A
// failing Snapshotter does not fail the scrape: the other metrics are
// still served, the snapshot's gauges are left out of that scrape and
// promhttp_metric_handler_errors_total counts the failure.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      m.registry, // promhttp_metric_handler_errors_total
	})
}

// Registry returns the registry, for tests and for collectors the
// daemon adds itself.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func knownKind(k FetchErrorKind) bool {
	for _, kind := range fetchErrorKinds {
		if kind == k {
			return true
		}
	}
	return false
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}
