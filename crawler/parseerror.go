package crawler

// ParseError reports a listing — a feed, a sitemap or a listing page —
// or an article page that was fetched but could not be read. It lets
// callers (the metrics' error kinds) tell a broken document from a failed
// fetch without matching on wording. Its message is "parse <what>: <cause>".
type ParseError struct {
	What string // "feed", "sitemap", "listing page" or "html" (an article page)
	Err  error
}

func (e *ParseError) Error() string { return "parse " + e.What + ": " + e.Err.Error() }

func (e *ParseError) Unwrap() error { return e.Err }
