package app

import (
	"errors"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
)

// logArticleFailures logs a recorded pass's failures (crawler.Result.Errors;
// the crawler counts them and gives up on an article, crawler/giveup.go).
// An article's first failure is a warning; its repeats are Debug, because
// until it is given up each pass would repeat the same line (a story not
// yet live, a page that is down) and the give-up line carries the count
// and the first failure. Giving up is one warning per article. Other
// failures (child sitemaps) stay warnings every pass: they are never given
// up.
func (a *App) logArticleFailures(src config.Source, errs []error) {
	for _, err := range errs {
		var ae *crawler.ArticleError
		switch {
		case !errors.As(err, &ae) || len(ae.Keys) == 0:
			a.log.Warn("listing part skipped", "source", src.Name, "err", err)
		case ae.GivenUp:
			a.log.Warn("article given up", "source", src.Name, "url", ae.URL, "attempts", ae.Attempts,
				"first_failure", ae.First, "err", err)
		default:
			level := a.log.Debug
			if ae.Attempts == 1 {
				level = a.log.Warn
			}
			level("article skipped", "source", src.Name, "url", ae.URL, "attempts", ae.Attempts,
				"first_failure", ae.First, "err", err)
		}
	}
}
