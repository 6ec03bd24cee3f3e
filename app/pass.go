package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/crawlstate"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// maxParallelSources bounds how many sources RunOnce crawls at a time.
const maxParallelSources = 4

// errPassRunning reports that a pass over the same source had not finished
// when the next one was due; the new one is skipped, not queued.
var errPassRunning = errors.New("previous pass still running; skipped")

// errRecordFailed stands for a run whose crawl worked but whose pass the
// store could not record, in the metrics (kind other).
var errRecordFailed = errors.New("pass not recorded")

// PassResult is the outcome of one pass over one source.
type PassResult struct {
	Source   string
	Items    int // items or links the source listed
	Articles int // new articles fetched and matched
	Alerts   int // alerts newly queued
	// Err is the source-level failure, nil when the pass ran.
	Err error
	// ArticleErrors are articles that could not be fetched or extracted
	// (each a *crawler.ArticleError) and child sitemaps that could not be
	// read. Articles are tried again next pass until the crawler gives up.
	ArticleErrors []error
	// GivenUp counts the failed articles the crawler gave up on this pass
	// (crawler.Result.GivenUp): marked seen without text, never fetched
	// again.
	GivenUp int
	// NotModified is set when the listing answered 304: nothing parsed,
	// nothing fetched, a successful run with no new items.
	NotModified bool
	// Disallowed counts new articles robots.txt forbade; skipped, not
	// errors.
	Disallowed int
	// BackingOff is set when the pass did not run because the source is
	// backing off after failures until the time in its fetch state.
	BackingOff bool
	// Deferred is set when the crawl's listing got no request slot before
	// the pass's budget ran out (crawler.ErrDeferred): not a failure,
	// nothing recorded; the source runs at its next time.
	Deferred bool
}

// Summary is the outcome of RunOnce.
type Summary struct {
	Passes   []PassResult
	Delivery notify.Report
}

// Failed returns the passes whose source failed.
func (s Summary) Failed() []PassResult {
	var out []PassResult
	for _, p := range s.Passes {
		if p.Err != nil {
			out = append(out, p)
		}
	}
	return out
}

// RunOnce crawls every source once, then delivers everything due. A
// failing source is reported in the Summary, not as an error; the error is
// for a delivery sweep that could not read the store.
func (a *App) RunOnce(ctx context.Context) (Summary, error) {
	c := a.current()
	results := make([]PassResult, len(c.cfg.Sources))
	sem := make(chan struct{}, maxParallelSources)
	var wg sync.WaitGroup
	for i, src := range c.cfg.Sources {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = a.runPass(ctx, c, src, false)
		})
	}
	wg.Wait()
	rep, err := a.dispatcher.DeliverDue(ctx)
	return Summary{Passes: results, Delivery: rep}, err
}

// runPass runs one pass over one source: read what the store remembers
// of it, crawl, build the pass, record it, remember the crawler's fetch
// state, then observe and log. A scheduled pass over a source that is
// backing off after failures does not run; RunOnce (an operator asking
// now) always runs, and its failures still lengthen the back-off.
func (a *App) runPass(ctx context.Context, c *compiled, src config.Source, scheduled bool) PassResult {
	lock := a.sourceLock(src.Name)
	if !lock.TryLock() {
		a.log.Warn("source skipped", "source", src.Name, "reason", errPassRunning)
		return PassResult{Source: src.Name, Err: errPassRunning}
	}
	defer lock.Unlock()

	started := a.now()
	state, fetch, err := a.sourceStates(src)
	if err != nil {
		return PassResult{Source: src.Name, Err: err}
	}
	if scheduled && backingOff(fetch, started, sourceInterval(src)) {
		a.log.Debug("source backing off", "source", src.Name, "until", fetch.NotBefore)
		return PassResult{Source: src.Name, BackingOff: true}
	}
	crawled, next, cerr := a.crawl(ctx, src, fetch)
	if ctx.Err() != nil {
		// Shutting down: a cancelled pass is not a failure of the source.
		return PassResult{Source: src.Name, Err: ctx.Err()}
	}
	if errors.Is(cerr, crawler.ErrDeferred) {
		// The listing never got a request slot before the pass's budget
		// ran out: other sources held them, this one did not fail. Nothing
		// is recorded (no failure, no back-off, the fetch state stands); it
		// runs at its next scheduled time.
		a.log.Info("source deferred: no request slot before its budget ran out", "source", src.Name, "err", cerr)
		return PassResult{Source: src.Name, Deferred: true}
	}
	run, err := a.buildRun(c, src, state, started, crawled, cerr)
	var queued []string
	if err == nil {
		queued, err = a.recordRun(ctx, run, a.nextFetchState(src, fetch, next, started, run.next.ConsecutiveFailures, cerr))
	}
	if err != nil {
		return a.runNotRecorded(ctx, run, err)
	}
	return a.finishRun(run, queued)
}

// sourceStates reads what the store remembers of src, in one read
// transaction: its run state and its fetch state.
func (a *App) sourceStates(src config.Source) (store.SourceState, crawlstate.FetchState, error) {
	return a.store.States(src.Name)
}

// crawl runs the crawler under a recover, so a panic in a parser fails
// this source's pass and nothing else. next is the source's fetch state
// as the crawler leaves it (prev after a failure).
func (a *App) crawl(ctx context.Context, src config.Source, prev crawlstate.FetchState) (res crawler.Result, next crawlstate.FetchState, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, next, err = crawler.Result{}, prev, fmt.Errorf("crawl panicked: %v", r)
		}
	}()
	seen := func(key string) (bool, error) { return a.store.Seen(src.Name, key) }
	return a.crawler.Crawl(ctx, crawlerSource(src), prev, seen)
}

// run is one pass built from its crawl, ready to record: what the crawl
// found and the source's run state before and after it.
type run struct {
	src     config.Source
	started time.Time
	crawled crawler.Result
	cerr    error // the source's failure; nil when the crawl ran
	// prev is the stored run state; next is it after this run, with the
	// health notices it raises (they ride in the last transaction).
	prev, next store.SourceState
	notices    []store.QueuedAlert
	// found are the new and given-up articles with their alerts; held
	// the alerts over max_alerts, stored without delivery (limits.go).
	found passOf
	held  map[string]store.QueuedAlert
}

// buildRun turns a crawl into the run to record: the source's next run
// state and health, and after a successful crawl the alerts of each new
// article, the articles the crawler gave up on (marked seen without
// text), and the alerts held back over max_alerts. The error is the
// store's, looking up which alerts it already holds.
func (a *App) buildRun(c *compiled, src config.Source, state store.SourceState, started time.Time, crawled crawler.Result, cerr error) (run, error) {
	r := run{src: src, started: started, crawled: crawled, cerr: cerr, prev: state, next: state}
	r.next.LastRun = started
	if !crawled.NotModified {
		// After a 304 the listing is the one the last run read and still
		// lists as many items: keeping the count means a 304 is never
		// taken for an empty listing.
		r.next.Items = crawled.Items
		if cerr == nil {
			r.next.Truncated = crawled.Truncated
		}
	}
	if crawled.Truncated > 0 {
		a.log.Warn("listing cut: the source lists more entries than a run reads", "source", src.Name,
			"read", crawled.Items, "dropped", crawled.Truncated)
	}
	var err error
	if cerr != nil {
		r.next.ConsecutiveFailures++
		r.next.LastError = cerr.Error()
	} else {
		r.next.LastSuccess, r.next.ConsecutiveFailures, r.next.LastError = started, 0, ""
		r.found = passOf{articles: crawled.Articles, alerts: a.alertsFor(c, src, crawled.Articles), givenUp: slices.Concat(crawled.GivenUp, crawled.Expired)}
		r.held, err = a.holdBack(&r.found, maxAlerts(src))
	}
	r.notices = a.trackHealth(c, src, state, &r.next, crawled, cerr)
	return r, err
}

// result is the PassResult of a run that was recorded (with queued, the
// IDs of the alerts newly stored).
func (r run) result(queued []string) PassResult {
	return PassResult{Source: r.src.Name, Items: r.crawled.Items, Articles: len(r.crawled.Articles), Alerts: len(queued),
		Err: r.cerr, ArticleErrors: r.crawled.Errors, GivenUp: len(r.crawled.GivenUp),
		NotModified: r.crawled.NotModified, Disallowed: r.crawled.Disallowed}
}

// runNotRecorded ends a run the store did not record (err). The articles
// of every transaction not recorded stay unseen, so the next pass finds
// them again, and the fetch state is not touched: its validators could
// hide them. Shut down between two transactions, that is no failure of
// the source; otherwise the run failed, whatever the crawl said, and the
// metrics show the stored health, which did not change.
func (a *App) runNotRecorded(ctx context.Context, r run, err error) PassResult {
	res := r.result(nil)
	if ctx.Err() != nil {
		res.Err = ctx.Err()
		return res
	}
	res.Err = errors.Join(r.cerr, fmt.Errorf("record pass: %w", err))
	a.log.Error("pass not recorded", "source", r.src.Name, "err", err)
	failure := r.cerr
	if failure == nil {
		failure = errRecordFailed
	}
	a.observeRun(store.Pass{Source: r.src.Name, State: r.prev}, nil, r.crawled.Items, len(r.crawled.Articles), 0,
		failure, a.now().Sub(r.started))
	return res
}

// finishRun observes and logs a recorded run, and wakes the dispatcher
// when it queued alerts.
func (a *App) finishRun(r run, queued []string) PassResult {
	res := r.result(queued)
	took := a.now().Sub(r.started)
	alerts := append(slices.Concat(r.found.alerts...), r.notices...)
	a.observeRun(store.Pass{Source: r.src.Name, State: r.next, Alerts: alerts}, queued, res.Items, res.Articles,
		res.GivenUp, r.cerr, took)
	if len(r.held) > 0 {
		a.log.Warn("alerts held back: more than max_alerts in one run", "source", r.src.Name,
			"max_alerts", maxAlerts(r.src), "held", len(r.held))
	}
	a.logArticleFailures(r.src, r.crawled.Errors)
	a.logPass(r.src, res, took)
	if len(queued) > 0 {
		a.wakeDispatcher()
	}
	return res
}

// crawlerSource is src as the crawler takes it.
func crawlerSource(src config.Source) crawler.Source {
	return crawler.Source{
		Name:      src.Name,
		Kind:      src.Kind(),
		URL:       src.URL(),
		Links:     src.Links,
		UserAgent: src.UserAgent,
		Timeout:   src.Timeout,
		MaxItems:  src.MaxItems,
		Budget:    cmp.Or(src.PassTimeout, config.DefaultPassTimeout),
		MaxAge:    src.MaxAge,
		// robots: false in the config opts out; the default honours it.
		IgnoreRobots: !src.Robots,
	}
}

// alertsFor matches each new article and builds one alert per watch that
// fires and applies to the source: out[i] are the alerts of articles[i].
// Articles published longer ago than the source's max_age are remembered
// (the caller marks them seen) but raise no alert.
func (a *App) alertsFor(c *compiled, src config.Source, articles []news.Article) [][]store.QueuedAlert {
	out := make([][]store.QueuedAlert, len(articles))
	now := a.now()
	for i, art := range articles {
		if !art.Published.IsZero() && src.MaxAge > 0 && now.Sub(art.Published) > src.MaxAge {
			continue
		}
		for _, hit := range c.matcher.Match(art.Title, art.Text) {
			w, ok := c.watches[hit.Watch]
			if !ok || !w.AppliesTo(src.Name) {
				continue
			}
			out[i] = append(out[i], store.QueuedAlert{
				Alert: news.Alert{
					ID:         news.AlertID(w.Name, art.ID),
					Watch:      w.Name,
					Source:     src.Name,
					URL:        art.URL,
					Title:      art.Title,
					Published:  art.Published,
					Found:      art.Found,
					Matches:    hit.Matches,
					Fired:      hit.Fired,
					Snippet:    hit.Snippet,
					Highlights: hit.Highlights,
				},
				Routes: storeRoutes(c.routes[w.Name], now),
			})
		}
	}
	return out
}

func (a *App) logPass(src config.Source, res PassResult, took time.Duration) {
	if res.Err != nil {
		a.log.Error("source failed", "source", src.Name, "err", res.Err, "took", took.Round(time.Millisecond))
		return
	}
	a.log.Info("source crawled", "source", src.Name, "items", res.Items, "new", res.Articles,
		"alerts", res.Alerts, "not_modified", res.NotModified, "disallowed", res.Disallowed,
		"given_up", res.GivenUp, "took", took.Round(time.Millisecond))
}

// backingOff reports whether a pass at now must wait for the source's
// back-off. Half an interval of slack lets the scheduled run that falls
// due at NotBefore (started a little before it) go ahead.
func backingOff(f crawlstate.FetchState, now time.Time, interval time.Duration) bool {
	return !f.NotBefore.IsZero() && f.NotBefore.Sub(now) > interval/2
}

// notBefore is the back-off after a pass that started at started and
// left the source failures failed runs in a row: none after a success;
// after a failure the source's interval doubled per consecutive failure
// beyond the first, capped at maxBackoff, and never shorter than the
// server's Retry-After (which the crawler caps at a week). Polling never
// stops for good. It is the scheduler's decision, so the app makes it;
// everything else in the fetch state is the crawler's.
func notBefore(src config.Source, started time.Time, failures int, maxBackoff time.Duration, err error) time.Time {
	if err == nil {
		return time.Time{}
	}
	delay := backoff(sourceInterval(src), failures, maxBackoff)
	if ra, ok := crawler.RetryAfter(err); ok && ra > delay {
		delay = ra
	}
	return started.Add(delay)
}

// backoff is interval·2^(failures-1), capped at ceiling (when set).
func backoff(interval time.Duration, failures int, ceiling time.Duration) time.Duration {
	d := interval
	for i := 1; i < failures && (ceiling <= 0 || d < ceiling) && d < math.MaxInt64/2; i++ {
		d *= 2
	}
	if ceiling > 0 && d > ceiling {
		d = ceiling
	}
	return d
}

// nextFetchState is the fetch state to store with the pass: the one the
// crawler returned (next) with the back-off set, or nil when it equals the
// stored one (prev), so an unchanged state is not written. recordRun
// stores it in the pass's last transaction: stored before the pass it
// describes, a crash could let the next 304 hide articles never marked
// seen; stored with it, it is lost only with the pass, which is then
// crawled again.
func (a *App) nextFetchState(src config.Source, prev, next crawlstate.FetchState, started time.Time, failures int, cerr error) *crawlstate.FetchState {
	next.NotBefore = notBefore(src, started, failures, a.current().cfg.Crawl.MaxBackoff, cerr)
	if next.Equal(prev) {
		return nil
	}
	return &next
}
