package app

import (
	"errors"
	"slices"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/metrics"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// observeRun records one recorded pass in the metrics: the run (its wall
// time, error kind, items, new articles, articles given up and health
// after it) and, per
// watch, the alerts Record newly stored (queued: their IDs), so an alert
// deduplicated by the store is never counted twice. Health notices are
// not watch matches and are left out. A pass that did not run (skipped
// while the previous one runs, backing off, cut short by shutdown) is not
// a run and is not recorded.
func (a *App) observeRun(p store.Pass, queued []string, items, articles, givenUp int, crawlErr error, took time.Duration) {
	// A reload may have dropped the source while this pass ran: its
	// series are gone and must not come back.
	if _, ok := a.current().sources[p.Source]; ok {
		a.metrics.SourceRun(p.Source, metrics.SourceRun{
			Duration: took,
			Error:    fetchErrorKind(crawlErr),
			Items:    items,
			New:      articles,
			GivenUp:  givenUp,
			Healthy:  !p.State.Unhealthy,
			Finished: a.now(),
		})
	}
	if len(queued) == 0 {
		return
	}
	watchOf := make(map[string]string, len(p.Alerts))
	for _, qa := range p.Alerts {
		watchOf[qa.Alert.ID] = qa.Alert.Watch
	}
	perWatch := map[string]int{}
	for _, id := range queued {
		if w := watchOf[id]; w != "" && !news.IsNotice(w) {
			perWatch[w]++
		}
	}
	for w, n := range perWatch {
		a.metrics.WatchMatched(w, n)
	}
}

// fetchErrorKind classifies a failed crawl for
// newshound_source_fetch_errors_total: an HTTP status first (its class),
// then robots.txt, then the address guard (a network refusal), then the
// crawler's parse failures, and last what the transport says (timeout,
// network, other).
func fetchErrorKind(err error) metrics.FetchErrorKind {
	var se *crawler.StatusError
	switch {
	case err == nil:
		return metrics.NoError
	case errors.As(err, &se):
		return metrics.KindForStatus(se.Code)
	case errors.Is(err, crawler.ErrDisallowed):
		return metrics.ErrRobots
	case errors.Is(err, crawler.ErrAddressNotAllowed):
		return metrics.ErrNetwork
	case errors.As(err, new(*crawler.ParseError)):
		return metrics.ErrParse
	}
	return metrics.ClassifyTransport(err)
}

// seedSourceHealth sets every configured source's health gauge (and last
// success time) from the stored state, so /metrics shows them before the
// first run after a start or a reload. A source that never ran counts as
// healthy. A store error leaves the gauges to the first run.
func (a *App) seedSourceHealth(cfg *config.Config) {
	for _, src := range cfg.Sources {
		state, _, err := a.store.SourceState(src.Name)
		if err != nil {
			a.log.Error("read source state for metrics", "source", src.Name, "err", err)
			continue
		}
		a.metrics.SourceHealth(src.Name, !state.Unhealthy, state.LastSuccess)
	}
}

// forgetDropped removes the series of the sources, watches and notifiers
// a reload took out of the config, so their last values do not linger on
// dashboards.
func (a *App) forgetDropped(old, next *config.Config) {
	kept := make(map[string]bool, len(next.Sources))
	for _, src := range next.Sources {
		kept[src.Name] = true
	}
	for _, src := range old.Sources {
		if !kept[src.Name] {
			a.metrics.RemoveSource(src.Name)
		}
	}
	for _, w := range old.Watches {
		if !slices.ContainsFunc(next.Watches, func(n config.Watch) bool { return n.Name == w.Name }) {
			a.metrics.RemoveWatch(w.Name)
		}
	}
	for _, n := range old.Notifiers {
		if !slices.ContainsFunc(next.Notifiers, func(k config.Notifier) bool { return k.Name == n.Name }) {
			a.metrics.RemoveNotifier(n.Name)
		}
	}
}

// observeDelivery returns the dispatcher's outcome observer: it counts
// each outcome in the metrics, then tells also (the caller's own
// observer, if any).
func (a *App) observeDelivery(also func(string, notify.Outcome)) func(string, notify.Outcome) {
	return func(notifier string, o notify.Outcome) {
		if mo, ok := deliveryOutcomes[o]; ok {
			a.metrics.Delivery(notifier, mo)
		}
		if also != nil {
			also(notifier, o)
		}
	}
}

var deliveryOutcomes = map[notify.Outcome]metrics.Outcome{
	notify.OutcomeDelivered: metrics.Delivered,
	notify.OutcomeRetried:   metrics.Retried,
	notify.OutcomeDead:      metrics.Dead,
	notify.OutcomeDeferred:  metrics.Deferred,
}

// storeSnapshot is the metrics' view of the store, read at each scrape.
type storeSnapshot struct{ a *App }

// Snapshot lists every configured notifier (and any other that still has
// queued entries or dead letters) with its queue depth, the time its
// oldest entry first fell due and its dead letters, the file size and
// the size of the text segments.
func (s storeSnapshot) Snapshot() (metrics.Snapshot, error) {
	stats, err := s.a.store.QueueStats()
	if err != nil {
		return metrics.Snapshot{}, err
	}
	var snap metrics.Snapshot
	for _, name := range s.a.notifierNames(stats) {
		st := stats[name]
		snap.Notifiers = append(snap.Notifiers, metrics.NotifierSnapshot{
			Name: name, Queued: st.Queued, OldestQueued: st.Oldest, DeadLetters: st.Dead,
		})
	}
	if snap.StoreSizeBytes, err = s.a.store.Size(); err != nil {
		return metrics.Snapshot{}, err
	}
	if snap.TextSizeBytes, err = s.a.store.TextSize(); err != nil {
		return metrics.Snapshot{}, err
	}
	return snap, nil
}
