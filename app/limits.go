package app

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// What one source may cost one run, beyond the crawler's own limits
// (items per run, entries per listing, the pass budget).
//
// A hostile or broken source can list thousands of new items that all
// match: the crawler takes at most max_items of them a run, and of the
// alerts they raise at most max_alerts are queued for delivery. The rest
// are held back: stored like any alert (so the API, the status page and
// the Atom feeds show them, and they are never raised again), but with no
// delivery, and counted in one alert-limit notice to the notifiers they
// would have reached. A run is recorded in transactions of at most
// recordBatch articles, each holding those articles' seen keys, texts and
// alerts together; the notice rides with the first held alert, the
// source's state and its health notices with the last transaction. A
// notice whose later transactions are lost to a crash counts alerts the
// next run finds again (and holds back again, with a notice of its own). A crash
// or a shutdown between two of them leaves the later articles unseen, so
// the next run finds them again, as after a crash before a single
// transaction.

// recordBatch bounds the articles one store transaction records: the cost
// of a bbolt commit grows faster than its size.
const recordBatch = 250

// passOf is what one successful run produced before recording: each new
// article with the alerts it raised, in listing order, and the articles
// given up (marked seen without alerts).
type passOf struct {
	articles []news.Article
	alerts   [][]store.QueuedAlert // alerts[i] were raised by articles[i]
	givenUp  []news.Article
}

// holdBack takes the deliveries off every alert after the first max that
// the store does not hold yet, in listing order, and returns them by ID as
// they were (with their deliveries, which their notice goes to).
// Alerts the store already holds (another source or run raised them) do
// not count: Record skips them anyway. The look-up is needed only when
// the run raised more than max alerts.
func (a *App) holdBack(p *passOf, max int) (map[string]store.QueuedAlert, error) {
	var ids []string
	for _, as := range p.alerts {
		for _, q := range as {
			ids = append(ids, q.Alert.ID)
		}
	}
	if len(ids) <= max {
		return nil, nil
	}
	known, err := a.store.KnownAlerts(ids)
	if err != nil {
		return nil, err
	}
	held := map[string]store.QueuedAlert{}
	fresh := 0
	for _, as := range p.alerts {
		for i := range as {
			id := as[i].Alert.ID
			if _, dup := held[id]; known[id] || dup {
				continue
			}
			if fresh < max {
				fresh++
				known[id] = true // an article listed twice raises it once
				continue
			}
			held[id] = as[i]
			as[i].Notifiers, as[i].Routes = nil, nil
		}
	}
	return held, nil
}

// limitNotice is the one notice for the alerts a run holds back:
// how many per watch, sent to every notifier they would have reached (at
// its own schedule: the first route per notifier). Its ID is derived from
// the first held alert, so a retried transaction cannot queue it twice.
// held is in listing order and not empty.
func (a *App) limitNotice(src config.Source, max int, held []store.QueuedAlert) store.QueuedAlert {
	perWatch := map[string]int{}
	var routes []store.Route
	var notifiers []string
	taken := map[string]bool{}
	for _, q := range held {
		perWatch[q.Alert.Watch]++
		for _, n := range q.Notifiers {
			if !taken[n] {
				taken[n] = true
				notifiers = append(notifiers, n)
			}
		}
		for _, r := range q.Routes {
			if !taken[r.Notifier] {
				taken[r.Notifier] = true
				routes = append(routes, r)
			}
		}
	}
	counts := make([]string, 0, len(perWatch))
	for _, w := range slices.Sorted(maps.Keys(perWatch)) {
		counts = append(counts, fmt.Sprintf("%s: %d", w, perWatch[w]))
	}
	return store.QueuedAlert{
		Alert: news.Alert{
			ID:     news.AlertID(news.WatchAlertLimit, src.Name+":"+held[0].Alert.ID),
			Watch:  news.WatchAlertLimit,
			Source: src.Name,
			URL:    news.RedactURL(src.URL()),
			Title: fmt.Sprintf("Source %q raised %d more alerts in one run than its max_alerts of %d: stored, not sent",
				src.Name, len(held), max),
			Snippet: "Held back per watch: " + strings.Join(counts, ", ") +
				". They are listed by the status page, the API and `newshound alerts --source " + src.Name + "`.",
			Found: a.now(),
		},
		Notifiers: notifiers,
		Routes:    routes,
	}
}

// heldInOrder is the held alerts as they were, in listing order.
func heldInOrder(p passOf, held map[string]store.QueuedAlert) []store.QueuedAlert {
	var out []store.QueuedAlert
	for _, as := range p.alerts {
		for _, q := range as {
			if orig, ok := held[q.Alert.ID]; ok {
				out = append(out, orig)
			}
		}
	}
	return out
}

// maxAlerts is the source's cap on alerts queued per run.
func maxAlerts(src config.Source) int {
	return cmp.Or(max(src.MaxAlerts, 0), config.DefaultMaxAlerts)
}

// recordRun stores one run: its articles and alerts (r.found) in
// transactions of at most recordBatch articles, then the source's state
// r.next (with the health notices) and its next fetch state (nil:
// unchanged) in the last one; earlier ones carry r.prev unchanged. A run that changed nothing but the
// source's run times is thus one Record that the store may keep from
// costing a write transaction (store.Record). It returns the IDs of the
// alerts newly stored. Between transactions it stops when ctx is done:
// what is not recorded is found again next run.
func (a *App) recordRun(ctx context.Context, r run, fetch *store.FetchState) ([]string, error) {
	src, p, held := r.src, r.found, r.held
	var queued []string
	noticed := false
	seen := slices.Concat(p.articles, p.givenUp)
	for start := 0; ; start += recordBatch {
		end := min(start+recordBatch, len(seen))
		last := end == len(seen)
		batch := store.Pass{Source: src.Name, Seen: seen[start:end], State: r.prev}
		for i := start; i < min(end, len(p.alerts)); i++ {
			for _, q := range p.alerts[i] {
				batch.Alerts = append(batch.Alerts, q)
				if _, ok := held[q.Alert.ID]; ok && !noticed {
					// The run's one notice rides with its first held alert.
					batch.Alerts = append(batch.Alerts, a.limitNotice(src, maxAlerts(src), heldInOrder(p, held)))
					noticed = true
				}
			}
		}
		if last {
			batch.State, batch.Fetch = r.next, fetch
			batch.Alerts = append(batch.Alerts, r.notices...)
		}
		ids, err := a.store.Record(batch)
		if err != nil {
			return queued, err
		}
		queued = append(queued, ids...)
		if last {
			return queued, nil
		}
		if err := ctx.Err(); err != nil {
			return queued, fmt.Errorf("recorded %d of %d articles: %w", end, len(seen), err)
		}
	}
}
