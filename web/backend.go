package web

import (
	"cmp"
	"slices"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// Backend is what the server reads; the daemon implements it over its
// store, scheduler and configuration. Its methods must be safe for
// concurrent use: every request calls them.
type Backend interface {
	// Alerts returns one page of the alert history (store.Store.Alerts).
	// An invalid cursor must give an error wrapping store.ErrBadCursor.
	Alerts(q store.AlertQuery) (store.AlertPage, error)
	// Sources returns the configured sources with their state, in the
	// order the page should show them (the configuration's order).
	Sources() ([]SourceStatus, error)
	// Outbox returns the outbox summary, dead letters and disabled
	// notifiers.
	Outbox() (OutboxStatus, error)
	// Ready returns nil when the daemon is ready to work (store open,
	// configuration loaded, scheduler running), else why not.
	Ready() error
}

// SourceStatus is one row of the source health table.
type SourceStatus struct {
	Name string
	Kind string // feed, page or sitemap
	URL  string
	// LastRun and LastSuccess come from store.SourceState; NextRun from
	// the scheduler (zero when not scheduled).
	LastRun, NextRun, LastSuccess time.Time
	ConsecutiveFailures           int
	ConsecutiveEmpty              int
	// Items is how many items the last run listed, New how many new
	// articles it fetched.
	Items, New int
	// Truncated counts the entries the listing named beyond the
	// crawler's limit on its last full read, dropped unread (0 when
	// none).
	Truncated int
	// History is the number of items listed by each of the last runs,
	// oldest first; -1 marks a failed run (store.SourceState.History).
	History        []int
	Unhealthy      bool
	UnhealthySince time.Time
	LastError      string
	// FailingArticles are the listed articles whose page failed on every
	// pass since their first failure and that the daemon still retries
	// (store.FetchState.Failing), oldest first failure first
	// (FailingArticles); nil when none.
	FailingArticles []FailingArticle
}

// Health of a source in a word, as SourceStatus.Health gives it.
const (
	HealthOK        = "ok"
	HealthDegraded  = "degraded" // failed or empty runs in a row, not (yet) unhealthy
	HealthUnhealthy = "unhealthy"
	HealthNever     = "never run"
)

// NewSourceStatus is a configured source's status from what the store
// remembers of it (its SourceState and FetchState; zero values when it
// never ran) and its next scheduled run (zero when not scheduled). url is
// the configured URL and errors may name URLs: both are redacted here
// (news.RedactURL, news.RedactURLsIn), so a caller cannot forget to.
func NewSourceStatus(name, kind, url string, state store.SourceState, fetch store.FetchState, next time.Time) SourceStatus {
	return SourceStatus{
		Name: name, Kind: kind, URL: news.RedactURL(url),
		LastRun: state.LastRun, NextRun: next, LastSuccess: state.LastSuccess,
		ConsecutiveFailures: state.ConsecutiveFailures, ConsecutiveEmpty: state.ConsecutiveEmpty,
		Items: state.Items, New: state.New, Truncated: state.Truncated, History: state.History,
		Unhealthy: state.Unhealthy, UnhealthySince: state.UnhealthySince, LastError: news.RedactURLsIn(state.LastError),
		FailingArticles: FailingArticles(fetch.Failing),
	}
}

// Health says the source's health in a word. It follows the unhealthy
// flag the daemon keeps, so it agrees with the notices that went out even
// if the threshold was edited since: HealthNever before the first run,
// HealthUnhealthy while flagged, HealthDegraded after failed or empty runs
// in a row below the threshold, else HealthOK.
func (s SourceStatus) Health() string {
	switch {
	case s.LastRun.IsZero():
		return HealthNever
	case s.Unhealthy:
		return HealthUnhealthy
	case s.ConsecutiveFailures > 0 || s.ConsecutiveEmpty > 0:
		return HealthDegraded
	}
	return HealthOK
}

// FailingArticle is one article page of a source that keeps failing.
type FailingArticle struct {
	URL       string
	Attempts  int       // passes in a row on which it failed
	First     time.Time // the first of them
	LastError string
}

// FailingArticles lists a source's failing articles (its fetch state's
// Failing, nil when none) oldest first failure first, ties by URL so the
// order is stable; nil when there are none.
func FailingArticles(failing store.ArticleFailures) []FailingArticle {
	if len(failing) == 0 {
		return nil
	}
	out := make([]FailingArticle, 0, len(failing))
	for u, f := range failing {
		// Credentials in a page's URL are no business of a viewer.
		out = append(out, FailingArticle{URL: news.RedactURL(u), Attempts: f.Attempts, First: f.First,
			LastError: news.RedactURLsIn(f.LastError)})
	}
	slices.SortFunc(out, func(a, b FailingArticle) int {
		return cmp.Or(a.First.Compare(b.First), cmp.Compare(a.URL, b.URL))
	})
	return out
}

// OutboxStatus summarises the durable outbox.
type OutboxStatus struct {
	// Queues lists every configured notifier, with nothing queued too.
	Queues []QueueStatus
	// DeadLetters are the kept dead letters, most recently given up last
	// (store.Store.DeadLetters); the page shows the newest few and a count
	// per notifier.
	DeadLetters []store.Entry
	// Disabled are the notifiers switched off because their channel is
	// gone (store.Store.DisabledNotifiers).
	Disabled []store.DisabledNotifier
}

// QueueStatus is one notifier's share of the outbox.
type QueueStatus struct {
	Notifier string
	Queued   int
	// Oldest is when the oldest waiting entry first fell due; zero when
	// nothing waits.
	Oldest time.Time
}
