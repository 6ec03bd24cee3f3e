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
// Per source (label source = the configured source name):
//
//	newshound_source_fetch_duration_seconds{source}        histogram: wall time of one run
//	                                                       (listing and article fetches)
//	newshound_source_fetch_errors_total{source,kind}       counter: failed runs by kind (below)
//	newshound_source_items_total{source}                   counter: items listed (feed entries,
//	                                                       links, sitemap URLs), summed over runs
//	newshound_source_new_articles_total{source}            counter: new articles fetched
//	newshound_source_last_success_timestamp_seconds{source} gauge: Unix time of the last
//	                                                       successful run (absent until one)
//	newshound_source_healthy{source}                       gauge: 1 healthy, 0 unhealthy
//	newshound_source_articles_given_up_total{source}       counter: listed articles whose page
//	                                                       kept failing and that are no longer
//	                                                       tried (marked seen without text)
//
// The error kinds are fixed, so a dashboard can rely on them and every
// source exports all of them from its first run (at 0), which keeps
// rate() and increase() correct from the first failure on:
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
}

// Metrics records newshound's metrics into its own registry. Its methods
// are safe for concurrent use.
type Metrics struct {
	registry *prometheus.Registry

	fetchDuration *prometheus.HistogramVec
	fetchErrors   *prometheus.CounterVec
	items         *prometheus.CounterVec
	newArticles   *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	healthy       *prometheus.GaugeVec
	givenUp       *prometheus.CounterVec
	watchMatches  *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	reloads       *prometheus.CounterVec
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
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		fetchDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "newshound_source_fetch_duration_seconds",
			Help:    "Wall time of one run of a source (listing and article fetches).",
			Buckets: fetchDurationBuckets,
		}, []string{"source"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_fetch_errors_total",
			Help: "Failed runs of a source by kind: timeout, http_4xx, http_5xx, parse, robots, network, other.",
		}, []string{"source", "kind"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_items_total",
			Help: "Items (feed entries, links, sitemap URLs) listed by a source's runs.",
		}, []string{"source"}),
		newArticles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newshound_source_new_articles_total",
			Help: "New articles fetched by a source's runs.",
		}, []string{"source"}),
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
		}, []string{"source"}),
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
		m.watchMatches, m.deliveries, m.reloads,
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
	return m
}

const (
	reloadSuccess = "success"
	reloadFailure = "failure"
)

// SourceRun records one run of source.
func (m *Metrics) SourceRun(source string, run SourceRun) {
	m.fetchDuration.WithLabelValues(source).Observe(run.Duration.Seconds())
	for _, kind := range fetchErrorKinds {
		c := m.fetchErrors.WithLabelValues(source, string(kind))
		if kind == run.Error {
			c.Inc()
		}
	}
	if run.Error != NoError && !knownKind(run.Error) {
		m.fetchErrors.WithLabelValues(source, string(ErrOtherKind)).Inc()
	}
	m.items.WithLabelValues(source).Add(float64(max(run.Items, 0)))
	m.newArticles.WithLabelValues(source).Add(float64(max(run.New, 0)))
	m.givenUp.WithLabelValues(source).Add(float64(max(run.GivenUp, 0)))
	if run.Error == NoError {
		m.lastSuccess.WithLabelValues(source).Set(unixSeconds(run.Finished))
	}
	m.healthy.WithLabelValues(source).Set(boolGauge(run.Healthy))
}

// SourceHealth sets a source's health gauge without a run, e.g. from the
// stored state at start-up so the gauge exists before the first run.
func (m *Metrics) SourceHealth(source string, healthy bool, lastSuccess time.Time) {
	m.healthy.WithLabelValues(source).Set(boolGauge(healthy))
	if !lastSuccess.IsZero() {
		m.lastSuccess.WithLabelValues(source).Set(unixSeconds(lastSuccess))
	}
}

// RemoveSource drops every series of a source that is no longer
// configured (after a reload), so its last values do not linger.
func (m *Metrics) RemoveSource(source string) {
	l := prometheus.Labels{"source": source}
	for _, v := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{m.fetchDuration, m.fetchErrors, m.items, m.newArticles, m.lastSuccess, m.healthy, m.givenUp} {
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
