package crawler

import (
	"cmp"
	"context"
	"errors"
	"net"
	"slices"
	"time"

	"github.com/newshound/newshound/crawlstate"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
)

// A listed article whose page fails (404, a PDF, a timeout, nothing to
// extract) is not marked seen, so the next pass tries it again: a feed
// often lists a story minutes before its page is live. A page that keeps
// failing must not be tried forever, though: it would cost a fetch every
// pass, keep the source from storing its listing's validators (so every
// pass lists in full instead of getting a 304) and repeat the same
// warning every few minutes. So the source's fetch state counts, per
// article URL, the passes in a row on which the page failed
// (FetchState.Failing), and a Crawl gives up on it once both limits below
// are reached (see outage for the longer span an outage gets): it is
// returned in Result.GivenUp for the caller to mark seen without text.
const (
	// GiveUpAttempts is how many passes in a row an article's page must
	// fail before it is given up.
	GiveUpAttempts = 5
	// GiveUpAfter is how long those failures must span at least, so a
	// source polled every minute does not give up on a story whose page
	// is published a quarter of an hour after the feed lists it.
	GiveUpAfter = time.Hour
	// GiveUpAfterOutage replaces GiveUpAfter when the latest failure is
	// one a server outage gives (5xx, 408, 429, a timeout, a network
	// error): a site whose article pages are down for an afternoon while
	// its feed still answers must not lose every story listed meanwhile.
	GiveUpAfterOutage = 24 * time.Hour
	// maxFailingArticles bounds the failing articles remembered per
	// source, so a broken site cannot grow its fetch state without limit.
	// The fetch cap (200 pages a pass by default) normally keeps it lower.
	maxFailingArticles = 300
	// maxFailureText bounds the last error kept per failing article.
	maxFailureText = 300
)

// judgeFailures weighs the failures of a listing read in full at now
// against the failing articles the source's fetch state remembers
// (before). Each *ArticleError in errs gets its count (Attempts, First)
// and, when it is given up, GivenUp. An article that failed again has its
// count raised; a new failure starts at 1; an article that did not fail
// this pass (fetched, no longer listed, or over the fetch cap) is
// forgotten, so only failures in a row count and a stale entry never
// lingers. An article whose count reaches GiveUpAttempts over at least
// GiveUpAfter (GiveUpAfterOutage when its latest failure looks like an
// outage) is given up. It returns the next FetchState.Failing (nil when
// none, at most maxFailingArticles: those failing longest) and the
// given-up articles as the caller marks them seen: their keys only, no ID
// and no text, so nothing is stored for replay and no alert can come of
// them.
func judgeFailures(before crawlstate.ArticleFailures, errs []error, source string, now time.Time) (crawlstate.ArticleFailures, []news.Article) {
	next := crawlstate.ArticleFailures{}
	var givenUp []news.Article
	for _, err := range errs {
		var ae *ArticleError
		if !errors.As(err, &ae) || len(ae.Keys) == 0 {
			continue // a child sitemap: retried as before, never given up
		}
		f, ok := before[ae.URL]
		if !ok {
			f = crawlstate.ArticleFailure{First: now}
		}
		f.Attempts++
		f.LastError = truncateUTF8(ae.Error(), maxFailureText)
		ae.Attempts, ae.First = f.Attempts, f.First
		span := GiveUpAfter
		if outage(err) {
			span = GiveUpAfterOutage
		}
		if f.Attempts >= GiveUpAttempts && now.Sub(f.First) >= span {
			ae.GivenUp = true
			givenUp = append(givenUp, news.Article{Source: source, Found: now, Keys: ae.Keys})
			continue
		}
		next[ae.URL] = f
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
	if len(next) == 0 {
		next = nil
	}
	return next, givenUp
}

// outage reports whether an article's failure is one a passing server
// outage gives rather than one the page itself gives (404, 410, a PDF,
// nothing to extract, robots.txt): a 5xx, the 4xx statuses that mean "not
// now" (408, 425, 429), a timeout, or a network error (the address guard's
// refusal included).
func outage(err error) bool {
	var se *StatusError
	switch {
	case errors.As(err, &se):
		return se.Code >= 500 || se.Code == 408 || se.Code == 425 || se.Code == 429
	case errors.Is(err, ErrDisallowed), errors.As(err, new(*ParseError)):
		return false
	case errors.Is(err, ErrAddressNotAllowed), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var ne net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	return errors.As(err, &ne) || errors.As(err, &opErr) || errors.As(err, &dnsErr)
}

// truncateUTF8 cuts s to at most n bytes on a rune boundary and marks the
// cut with an ellipsis.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return textsafe.CutBytes(s, n) + "…"
}
