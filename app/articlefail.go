package app

import (
	"cmp"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/metrics"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// A listed article whose page fails (404, a PDF, a timeout, nothing to
// extract) is not marked seen, so the next pass tries it again: a feed
// often lists a story minutes before its page is live. A page that keeps
// failing must not be tried forever, though: it would cost a fetch every
// pass, keep the source from storing its listing's validators (so every
// pass lists in full instead of getting a 304) and repeat the same
// warning every few minutes. So the source's fetch state counts, per
// article URL, the passes in a row on which the page failed, and the app
// gives up on it once both limits below are reached (see outage for the
// longer span an outage gets).
const (
	// giveUpAttempts is how many passes in a row an article's page must
	// fail before it is given up.
	giveUpAttempts = 5
	// giveUpAfter is how long those failures must span at least, so a
	// source polled every minute does not give up on a story whose page
	// is published a quarter of an hour after the feed lists it.
	giveUpAfter = time.Hour
	// giveUpAfterOutage replaces giveUpAfter when the latest failure is
	// one a server outage gives (5xx, 408, 429, a timeout, a network
	// error): a site whose article pages are down for an afternoon while
	// its feed still answers must not lose every story listed meanwhile.
	giveUpAfterOutage = 24 * time.Hour
	// maxFailingArticles bounds the failing articles remembered per
	// source, so a broken site cannot grow its fetch state without limit.
	// The fetch cap (200 pages a pass by default) normally keeps it lower.
	maxFailingArticles = 300
	// maxFailureText bounds the last error kept per failing article.
	maxFailureText = 300
)

// articleFailures is what one successful pass's failures come to.
type articleFailures struct {
	// failing is the source's next FetchState.Failing: the articles that
	// failed this pass and are tried again, at most maxFailingArticles
	// (those failing longest); nil when none.
	failing store.ArticleFailures
	// retries are this pass's failures that will be tried again, each
	// with its count, in the crawler's order.
	retries []articleRetry
	// givenUp are the articles to mark seen in this pass.
	givenUp []givenUpArticle
	// other are failures that are not articles (child sitemaps): they
	// are retried as before and never given up.
	other []error
}

type articleRetry struct {
	url     string
	failure store.ArticleFailure
	err     error
}

type givenUpArticle struct {
	url     string
	keys    []string
	failure store.ArticleFailure // counting this pass's failure
}

// judgeArticleFailures weighs the failures of a successful pass that
// started at now against the failing articles the source's fetch state
// remembers (prev). An article that failed again has its count raised; a
// new failure starts at 1; an article that did not fail this pass
// (fetched, no longer listed, or over the fetch cap) is forgotten, so
// only failures in a row count and a stale entry never lingers. An
// article whose count reaches giveUpAttempts over at least giveUpAfter
// (giveUpAfterOutage when its latest failure looks like an outage) is
// given up.
func judgeArticleFailures(before store.ArticleFailures, errs []error, now time.Time) articleFailures {
	var out articleFailures
	next := store.ArticleFailures{}
	for _, err := range errs {
		var ae *crawler.ArticleError
		if !errors.As(err, &ae) || len(ae.Keys) == 0 {
			out.other = append(out.other, err)
			continue
		}
		f, ok := before[ae.URL]
		if !ok {
			f = store.ArticleFailure{First: now}
		}
		f.Attempts++
		f.LastError = truncateUTF8(ae.Error(), maxFailureText)
		span := giveUpAfter
		if outage(err) {
			span = giveUpAfterOutage
		}
		if f.Attempts >= giveUpAttempts && now.Sub(f.First) >= span {
			out.givenUp = append(out.givenUp, givenUpArticle{url: ae.URL, keys: ae.Keys, failure: f})
			continue
		}
		next[ae.URL] = f
		out.retries = append(out.retries, articleRetry{url: ae.URL, failure: f, err: err})
	}
	if len(next) > maxFailingArticles {
		// Keep the articles failing longest: they are the next to be
		// given up, so the set drains even when a broken site fails more
		// pages a pass than the bound (dropping them instead would restart
		// their count every pass and give up on nothing). The dropped ones
		// are still retried and start counting again later.
		urls := make([]string, 0, len(next))
		for u := range next {
			urls = append(urls, u)
		}
		slices.SortFunc(urls, func(a, b string) int {
			return cmp.Or(next[a].First.Compare(next[b].First), cmp.Compare(a, b))
		})
		for _, u := range urls[maxFailingArticles:] {
			delete(next, u)
		}
	}
	if len(next) > 0 {
		out.failing = next
	}
	return out
}

// outage reports whether an article's failure is one a passing server
// outage gives rather than one the page itself gives (404, 410, a PDF,
// nothing to extract): the metrics' timeout, 5xx and network kinds, and
// the 4xx statuses that mean "not now" (408, 425, 429).
func outage(err error) bool {
	var se *crawler.StatusError
	if errors.As(err, &se) {
		return se.Code >= 500 || se.Code == 408 || se.Code == 425 || se.Code == 429
	}
	switch fetchErrorKind(err) {
	case metrics.ErrTimeout, metrics.ErrNetwork:
		return true
	}
	return false
}

// retrying reports whether any failure of the pass will be tried again;
// while one is, the listing's validators must not be stored, or a 304
// would hide it from every later pass.
func (f articleFailures) retrying() bool { return len(f.retries) > 0 || len(f.other) > 0 }

// seen returns the given-up articles as the pass marks them seen: their
// keys only, no ID and no text, so nothing is stored for replay and no
// alert can come of them.
func (f articleFailures) seen(source string, found time.Time) []news.Article {
	out := make([]news.Article, 0, len(f.givenUp))
	for _, g := range f.givenUp {
		out = append(out, news.Article{Source: source, Found: found, Keys: g.keys})
	}
	return out
}

// logArticleFailures logs a recorded pass's failures. An article's first
// failure is a warning; its repeats are Debug, because until it is given
// up each pass would repeat the same line (a story not yet live, a page
// that is down) and the give-up line carries the count and the first
// failure. Giving up is one warning per article. Other failures (child
// sitemaps) stay warnings every pass: they are never given up.
func (a *App) logArticleFailures(src config.Source, f articleFailures) {
	for _, r := range f.retries {
		level := a.log.Debug
		if r.failure.Attempts == 1 {
			level = a.log.Warn
		}
		level("article skipped", "source", src.Name, "url", r.url, "attempts", r.failure.Attempts,
			"first_failure", r.failure.First, "err", r.err)
	}
	for _, g := range f.givenUp {
		a.log.Warn("article given up", "source", src.Name, "url", g.url, "attempts", g.failure.Attempts,
			"first_failure", g.failure.First, "err", g.failure.LastError)
	}
	for _, err := range f.other {
		a.log.Warn("listing part skipped", "source", src.Name, "err", err)
	}
}

// truncateUTF8 cuts s to at most n bytes on a rune boundary and marks the
// cut with an ellipsis.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
