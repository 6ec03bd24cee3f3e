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
	// read. Articles are tried again next pass until given up.
	ArticleErrors []error
	// GivenUp counts the failed articles given up this pass (see
	// articlefail.go): marked seen without text, never fetched again.
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

// runPass crawls one source, matches what is new and records it in
// bounded store transactions (limits.go). A scheduled pass over a source that is backing off
// after failures does not run; RunOnce (an operator asking now) always
// runs, and its failures still lengthen the back-off.
func (a *App) runPass(ctx context.Context, c *compiled, src config.Source, scheduled bool) PassResult {
	res := PassResult{Source: src.Name}
	lock := a.sourceLock(src.Name)
	if !lock.TryLock() {
		a.log.Warn("source skipped", "source", src.Name, "reason", errPassRunning)
		res.Err = errPassRunning
		return res
	}
	defer lock.Unlock()

	started := a.now()
	state, fetch, err := a.sourceStates(src)
	if err != nil {
		res.Err = err
		return res
	}
	if scheduled && backingOff(fetch, started, sourceInterval(src)) {
		res.BackingOff = true
		a.log.Debug("source backing off", "source", src.Name, "until", fetch.NotBefore)
		return res
	}
	crawled, cerr := a.crawl(ctx, src, fetch)
	if ctx.Err() != nil {
		// Shutting down: a cancelled pass is not a failure of the source.
		res.Err = ctx.Err()
		return res
	}
	res.Items, res.ArticleErrors, res.NotModified = crawled.Items, crawled.Errors, crawled.NotModified
	res.Disallowed = crawled.Disallowed
	state.LastRun = started
	if !crawled.NotModified {
		// After a 304 the listing is the one the last run read and still
		// lists as many items: keeping the count means a 304 is never
		// taken for an empty listing.
		state.Items = crawled.Items
		if cerr == nil {
			state.Truncated = crawled.Truncated
		}
	}
	if crawled.Truncated > 0 {
		a.log.Warn("listing cut: the source lists more entries than a run reads", "source", src.Name,
			"read", crawled.Items, "dropped", crawled.Truncated)
	}
	pass := store.Pass{Source: src.Name, State: state}
	var failures articleFailures
	var found passOf
	var held map[string]store.QueuedAlert
	if cerr != nil {
		res.Err = cerr
		pass.State.ConsecutiveFailures++
		pass.State.LastError = cerr.Error()
	} else {
		pass.State.LastSuccess, pass.State.ConsecutiveFailures, pass.State.LastError = started, 0, ""
		failures = judgeArticleFailures(fetch.Failing, crawled.Errors, started)
		found = passOf{articles: crawled.Articles, alerts: a.alertsFor(c, src, crawled.Articles),
			givenUp: failures.seen(src.Name, started)}
		held, err = a.holdBack(&found, maxAlerts(src))
	}
	// Health bookkeeping and its notices ride in the last transaction.
	notices := a.trackHealth(c, src, state, &pass.State, crawled, cerr)
	var queued []string
	if err == nil {
		queued, err = a.recordRun(ctx, src, found, held, state, pass.State, notices)
	}
	pass.Alerts = append(slices.Concat(found.alerts...), notices...) // for the metrics
	if len(held) > 0 && err == nil {
		a.log.Warn("alerts held back: more than max_alerts in one run", "source", src.Name,
			"max_alerts", maxAlerts(src), "held", len(held))
	}
	if err != nil && ctx.Err() != nil {
		// Shut down between two transactions: what was not recorded is
		// found again next run, and that is no failure of the source.
		res.Err = ctx.Err()
		return res
	}
	if err != nil {
		// The articles of every transaction not recorded stay unseen, so
		// the next pass finds them again.
		res.Err = errors.Join(res.Err, fmt.Errorf("record pass: %w", err))
		a.log.Error("pass not recorded", "source", src.Name, "err", err)
		// The run failed, whatever the crawl said; the health is the
		// stored one, which did not change.
		failure := cerr
		if failure == nil {
			failure = errRecordFailed
		}
		a.observeRun(store.Pass{Source: src.Name, State: state}, nil, crawled.Items, len(crawled.Articles), 0,
			failure, a.now().Sub(started))
		return res
	}
	// Validators only after the pass they describe is recorded: stored
	// first, a crash could let the next 304 hide articles never marked
	// seen. store.Pass cannot carry them without changing Record. The
	// crawler leaves failed articles to us: while one is retried the
	// validators are withheld, so the next pass lists in full and tries
	// it; once every failure is given up (marked seen above) they are
	// stored and the source is back to 304s.
	listing := crawled
	if failures.retrying() {
		listing.ETag, listing.LastModified = "", ""
	}
	next := nextFetchState(src, fetch, started, pass.State.ConsecutiveFailures,
		a.current().cfg.Crawl.MaxBackoff, listing, cerr)
	if cerr == nil && !crawled.NotModified {
		// A failed or 304 pass tried no article: the counts stand.
		next.Failing = failures.failing
	}
	a.putFetchState(src, fetch, next)
	res.Articles, res.Alerts, res.GivenUp = len(crawled.Articles), len(queued), len(failures.givenUp)
	took := a.now().Sub(started)
	a.observeRun(pass, queued, crawled.Items, len(crawled.Articles), res.GivenUp, cerr, took)
	a.logArticleFailures(src, failures)
	a.logPass(src, res, took)
	if len(queued) > 0 {
		a.wakeDispatcher()
	}
	return res
}

// sourceStates reads what the store remembers of src: its run state and
// its fetch state.
func (a *App) sourceStates(src config.Source) (store.SourceState, store.FetchState, error) {
	state, _, err := a.store.SourceState(src.Name)
	if err != nil {
		return state, store.FetchState{}, fmt.Errorf("read source state: %w", err)
	}
	fetch, _, err := a.store.FetchState(src.Name)
	return state, fetch, err
}

// crawl runs the crawler under a recover, so a panic in a parser fails
// this source's pass and nothing else.
func (a *App) crawl(ctx context.Context, src config.Source, fetch store.FetchState) (res crawler.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("crawl panicked: %v", r)
		}
	}()
	seen := func(key string) (bool, error) { return a.store.Seen(src.Name, key) }
	return a.crawler.Crawl(ctx, conditionalSource(src, fetch), seen)
}

// conditionalSource is crawlerSource with the validators of the last
// complete listing, the discovered feed of a `url:` source and the
// remembered children of a sitemap index, when they belong to the same
// configured URL (an edited URL starts afresh).
func conditionalSource(src config.Source, fetch store.FetchState) crawler.Source {
	cs := crawlerSource(src)
	if fetch.URL == cs.URL {
		cs.ETag, cs.LastModified, cs.Feed = fetch.ETag, fetch.LastModified, fetch.Feed
		cs.Children = crawlerChildren(fetch.Children)
	}
	return cs
}

// crawlerChildren and storeChildren convert a sitemap index's remembered
// children between the store's form and the crawler's; none is nil.
func crawlerChildren(c store.SitemapChildren) map[string]crawler.ChildSitemap {
	if len(c) == 0 {
		return nil
	}
	out := make(map[string]crawler.ChildSitemap, len(c))
	for u, st := range c {
		out[u] = crawler.ChildSitemap(st)
	}
	return out
}

func storeChildren(c map[string]crawler.ChildSitemap) store.SitemapChildren {
	if len(c) == 0 {
		return nil
	}
	out := make(store.SitemapChildren, len(c))
	for u, st := range c {
		out[u] = store.SitemapChild(st)
	}
	return out
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
func backingOff(f store.FetchState, now time.Time, interval time.Duration) bool {
	return !f.NotBefore.IsZero() && f.NotBefore.Sub(now) > interval/2
}

// nextFetchState is the fetch state after a pass that started at started.
// A success stores the listing's validators (empty when the crawler
// withheld them) and a sitemap index's children (the crawler leaves out
// every child with an unfinished item, so they need no withholding), and
// clears the back-off. A failure keeps the validators
// and backs off: the source's interval doubled per consecutive failure
// beyond the first, capped at maxBackoff, and never shorter than the
// server's Retry-After (which the crawler caps at a week). Polling never
// stops for good.
func nextFetchState(src config.Source, prev store.FetchState, started time.Time, failures int, maxBackoff time.Duration, res crawler.Result, err error) store.FetchState {
	next := prev
	if err == nil {
		next.URL, next.ETag, next.LastModified, next.NotBefore = src.URL(), res.ETag, res.LastModified, time.Time{}
		next.Feed, next.Children = res.Feed, storeChildren(res.Children)
		return next
	}
	delay := backoff(sourceInterval(src), failures, maxBackoff)
	if ra, ok := crawler.RetryAfter(err); ok && ra > delay {
		delay = ra
	}
	next.NotBefore = started.Add(delay)
	return next
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

// putFetchState writes next when it differs from prev, so an unchanged
// source costs no write transaction. A failed write is logged: it costs at
// most one unconditional fetch, one back-off step or one pass of an
// article's failure count.
func (a *App) putFetchState(src config.Source, prev, next store.FetchState) {
	if next.Equal(prev) {
		return
	}
	if err := a.store.PutFetchState(src.Name, next); err != nil {
		a.log.Error("fetch state not recorded", "source", src.Name, "err", err)
	}
}
