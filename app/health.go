package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// HealthWatch is the watch name of source-health notices: it is what
// every channel shows where an article alert shows its watch.
const HealthWatch = news.WatchSourceHealth

// maxErrorRunes bounds the last error quoted in a notice title: crawler
// errors can carry a URL and a server's message, and a title is one line.
const maxErrorRunes = 200

// trackHealth updates the source's health in next (prev is the state
// before this pass; runPass has already set LastRun, Items, LastSuccess,
// ConsecutiveFailures and LastError) and returns the notices to queue when
// the source turns unhealthy or recovers.
//
// A source is unhealthy after Threshold failed runs in a row, or
// Threshold successful runs that listed nothing with no run that listed
// something in between (a failure or a 304 interrupts neither streak). It
// recovers when both counts are below the threshold again: after failures,
// on the first successful run; after empty runs, on the first run that
// lists something. Exactly one notice is queued per transition, in the
// same transaction as the pass and with an ID fixed by the source, the
// transition and the episode number, so a crash neither loses it nor
// queues it twice. Nothing here stops polling: an unhealthy source keeps
// its schedule (and its back-off) and recovers on its own.
func (a *App) trackHealth(c *compiled, src config.Source, prev store.SourceState, next *store.SourceState, res crawler.Result, crawlErr error) []store.QueuedAlert {
	threshold := c.cfg.Health.Threshold
	if threshold <= 0 {
		threshold = config.DefaultHealthThreshold
	}
	countRun(next, res, crawlErr)
	bad := next.ConsecutiveFailures >= threshold || next.ConsecutiveEmpty >= threshold
	switch {
	case bad && !prev.Unhealthy:
		next.Unhealthy, next.UnhealthySince, next.Noticed = true, next.LastRun, true
		next.Episodes = prev.Episodes + 1
		title := unhealthyTitle(src, *next, threshold)
		a.log.Warn("source unhealthy", "source", src.Name, "failures", next.ConsecutiveFailures,
			"empty_runs", next.ConsecutiveEmpty, "last_error", news.RedactURLsIn(next.LastError))
		return a.healthNotice(c, src, "unhealthy", next.Episodes, title)
	case !bad && prev.Unhealthy:
		next.Unhealthy, next.UnhealthySince, next.Noticed = false, time.Time{}, false
		title := recoveredTitle(src.Name, prev)
		a.log.Info("source recovered", "source", src.Name, "unhealthy_since", prev.UnhealthySince)
		return a.healthNotice(c, src, "recovered", next.Episodes, title)
	}
	return nil
}

// countRun sets the per-run counters: empty runs, new articles and the
// items history (a failed run counts -1 there). After a 304 runPass keeps
// the previous item count in next.Items, so the history repeats it.
func countRun(next *store.SourceState, res crawler.Result, crawlErr error) {
	listed := next.Items
	switch {
	case crawlErr != nil:
		// Neither empty nor not: a failure says nothing about the listing.
		next.New, listed = 0, -1
	case res.NotModified:
		// The listing is the one the last run read: it neither starts
		// nor ends a streak of empty runs.
		next.New = 0
	case emptyRun(res):
		next.ConsecutiveEmpty++
		next.New = len(res.Articles)
	default:
		next.ConsecutiveEmpty = 0
		next.New = len(res.Articles)
	}
	h := append(append([]int(nil), next.History...), listed)
	if len(h) > store.HistoryLen {
		h = h[len(h)-store.HistoryLen:]
	}
	next.History = h
}

// emptyRun reports a successful run that listed nothing: a feed without
// items, a listing selector that matched no link, an empty sitemap. A 304
// Not Modified listed nothing new but is not empty: the listing is the
// one the last run read.
func emptyRun(res crawler.Result) bool {
	return res.Items == 0 && !res.NotModified
}

// healthNotice builds the notice of one transition. Its ID is derived
// from the source, the transition and the episode number, so a retried
// Record (or a replayed pass) cannot queue it twice, while the next
// episode gets a fresh one. With no health notifiers it is only logged.
func (a *App) healthNotice(c *compiled, src config.Source, transition string, episode int, title string) []store.QueuedAlert {
	if len(c.cfg.Health.Notify) == 0 {
		return nil
	}
	key := src.Name + ":" + transition + ":" + strconv.Itoa(episode)
	return []store.QueuedAlert{{
		Alert: news.Alert{
			ID:     news.AlertID(HealthWatch, key),
			Watch:  HealthWatch,
			Source: src.Name,
			URL:    news.RedactURL(src.URL()),
			Title:  title,
			Found:  a.now(),
		},
		Notifiers: c.cfg.Health.Notify,
	}}
}

// unhealthyTitle says why the source is unhealthy, e.g.
// `Source "wire" is unhealthy: 3 failed runs in a row (last error: …)`.
func unhealthyTitle(src config.Source, s store.SourceState, threshold int) string {
	if s.ConsecutiveFailures >= threshold {
		return fmt.Sprintf("Source %q is unhealthy: %s in a row (last error: %s)",
			src.Name, runs(s.ConsecutiveFailures, "failed"), oneLineError(s.LastError))
	}
	return fmt.Sprintf("Source %q is unhealthy: %s in a row (%s)",
		src.Name, runs(s.ConsecutiveEmpty, "empty"), emptyWhat(src.Kind()))
}

// recoveredTitle uses the state before the recovering run, e.g.
// `Source "wire" recovered after 5 failed runs`.
func recoveredTitle(name string, prev store.SourceState) string {
	if prev.ConsecutiveFailures >= prev.ConsecutiveEmpty {
		return fmt.Sprintf("Source %q recovered after %s", name, runs(prev.ConsecutiveFailures, "failed"))
	}
	return fmt.Sprintf("Source %q recovered after %s", name, runs(prev.ConsecutiveEmpty, "empty"))
}

func runs(n int, adj string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s run", adj)
	}
	return fmt.Sprintf("%d %s runs", n, adj)
}

// emptyWhat says what an empty run means for a kind of source.
func emptyWhat(kind string) string {
	switch kind {
	case "page":
		return "the links selector matched nothing"
	case "sitemap":
		return "the sitemap listed no entries"
	}
	return "the feed had no items"
}

// oneLineError flattens and bounds an error for a notice title, with
// any URL in it redacted (news.RedactURLsIn): the notice is stored and
// sent, so a credential in it would leave the process.
func oneLineError(s string) string {
	s = textsafe.Truncate(strings.Join(strings.Fields(news.RedactURLsIn(s)), " "), maxErrorRunes)
	if s == "" {
		return "none recorded"
	}
	return s
}
