package app

import (
	"context"
	"errors"
	"fmt"
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

// PassResult is the outcome of one pass over one source.
type PassResult struct {
	Source   string
	Items    int // items or links the source listed
	Articles int // new articles fetched and matched
	Alerts   int // alerts newly queued
	// Err is the source-level failure, nil when the pass ran.
	Err error
	// ArticleErrors are articles that could not be fetched or extracted;
	// they are not marked seen and are tried again next pass.
	ArticleErrors []error
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
			results[i] = a.runPass(ctx, c, src)
		})
	}
	wg.Wait()
	rep, err := a.dispatcher.DeliverDue(ctx)
	return Summary{Passes: results, Delivery: rep}, err
}

// runPass crawls one source, matches what is new and records it all in one
// store transaction.
func (a *App) runPass(ctx context.Context, c *compiled, src config.Source) PassResult {
	res := PassResult{Source: src.Name}
	lock := a.sourceLock(src.Name)
	if !lock.TryLock() {
		a.log.Warn("source skipped", "source", src.Name, "reason", errPassRunning)
		res.Err = errPassRunning
		return res
	}
	defer lock.Unlock()

	started := a.now()
	state, _, err := a.store.SourceState(src.Name)
	if err != nil {
		res.Err = fmt.Errorf("read source state: %w", err)
		return res
	}
	crawled, cerr := a.crawl(ctx, src)
	if ctx.Err() != nil {
		// Shutting down: a cancelled pass is not a failure of the source.
		res.Err = ctx.Err()
		return res
	}
	res.Items, res.ArticleErrors = crawled.Items, crawled.Errors
	state.LastRun, state.Items = started, crawled.Items
	pass := store.Pass{Source: src.Name, State: state}
	if cerr != nil {
		res.Err = cerr
		pass.State.ConsecutiveFailures++
		pass.State.LastError = cerr.Error()
	} else {
		pass.State.LastSuccess, pass.State.ConsecutiveFailures, pass.State.LastError = started, 0, ""
		pass.Seen = crawled.Articles
		pass.Alerts = a.alertsFor(c, src, crawled.Articles)
	}
	// Health bookkeeping and its notices ride in the same transaction.
	pass.Alerts = append(pass.Alerts, a.trackHealth(c, src, state, &pass.State, crawled, cerr)...)
	queued, err := a.store.Record(pass)
	if err != nil {
		// Nothing was marked seen, so the next pass finds the same articles.
		res.Err = errors.Join(res.Err, fmt.Errorf("record pass: %w", err))
		a.log.Error("pass not recorded", "source", src.Name, "err", err)
		return res
	}
	res.Articles, res.Alerts = len(crawled.Articles), len(queued)
	a.logPass(src, res, time.Since(started))
	if len(queued) > 0 {
		a.wakeDispatcher()
	}
	return res
}

// crawl runs the crawler under a recover, so a panic in a parser fails
// this source's pass and nothing else.
func (a *App) crawl(ctx context.Context, src config.Source) (res crawler.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("crawl panicked: %v", r)
		}
	}()
	seen := func(key string) (bool, error) { return a.store.Seen(src.Name, key) }
	return a.crawler.Crawl(ctx, crawlerSource(src), seen)
}

func crawlerSource(src config.Source) crawler.Source {
	return crawler.Source{
		Name:      src.Name,
		Kind:      src.Kind(),
		URL:       src.URL(),
		Links:     src.Links,
		UserAgent: src.UserAgent,
		Timeout:   src.Timeout,
	}
}

// alertsFor matches each new article and builds one alert per watch that
// fires and applies to the source. Articles published longer ago than the
// source's max_age are remembered (the caller marks them seen) but raise
// no alert.
func (a *App) alertsFor(c *compiled, src config.Source, articles []news.Article) []store.QueuedAlert {
	var out []store.QueuedAlert
	now := a.now()
	for _, art := range articles {
		if !art.Published.IsZero() && src.MaxAge > 0 && now.Sub(art.Published) > src.MaxAge {
			continue
		}
		for _, hit := range c.matcher.Match(art.Title, art.Text) {
			w, ok := c.watches[hit.Watch]
			if !ok || !w.AppliesTo(src.Name) {
				continue
			}
			out = append(out, store.QueuedAlert{
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
				Notifiers: w.Notify,
			})
		}
	}
	return out
}

func (a *App) logPass(src config.Source, res PassResult, took time.Duration) {
	for _, err := range res.ArticleErrors {
		a.log.Warn("article skipped", "source", src.Name, "err", err)
	}
	if res.Err != nil {
		a.log.Error("source failed", "source", src.Name, "err", res.Err, "took", took.Round(time.Millisecond))
		return
	}
	a.log.Info("source crawled", "source", src.Name, "items", res.Items, "new", res.Articles,
		"alerts", res.Alerts, "took", took.Round(time.Millisecond))
}
