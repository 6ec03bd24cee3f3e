package crawler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/newshound/newshound/crawlstate"
	"github.com/newshound/newshound/news"
)

// ErrDeferred is wrapped by the error of a Crawl whose listing (or its
// robots.txt) never got a request slot before the budget (Source.Budget)
// ran out: the limiter was busy with other sources, the source itself did
// not fail. The caller should run it again without counting a failure.
var ErrDeferred = errors.New("deferred: no request slot before the pass's deadline")

// Source kinds.
const (
	KindFeed    = "feed"    // RSS, Atom, RDF or JSON Feed
	KindPage    = "page"    // HTML listing page read with a CSS selector
	KindSitemap = "sitemap" // sitemap or sitemap index, news extension, gzip
)

// Defaults for the zero values of Options and Source.
const (
	DefaultMaxBodyBytes = 10 << 20
	DefaultMaxRedirects = 5
	DefaultUserAgent    = "newshound (+https://github.com/newshound/newshound)"
	DefaultTimeout      = 30 * time.Second
)

// DefaultMaxItems bounds the article pages one Crawl fetches when
// Source.MaxItems is 0: the first pass over a big sitemap must not turn
// into thousands of requests. Items left over are not marked seen, so the
// next pass picks them up.
const DefaultMaxItems = 200

// Options configures a Crawler. Zero values mean the defaults above.
type Options struct {
	// Transport carries every request. nil means an http.Transport whose
	// dialer enforces the address policy (AllowAddr) on the resolved
	// address. A caller-supplied Transport is trusted to do its own dialing:
	// only literal hosts are checked against the policy before the request.
	Transport http.RoundTripper
	Now       func() time.Time
	Logger    *slog.Logger
	// MaxBodyBytes caps every body after decompression; a longer body is an
	// error ("body exceeds 10 MiB"), never silently truncated.
	MaxBodyBytes int64
	// MaxRedirects is how many redirects one request follows.
	MaxRedirects int
	UserAgent    string
	// AllowAddr decides which addresses links discovered on the web may be
	// fetched from; nil means IsPublic. It is the test seam for the policy.
	AllowAddr func(ip netip.Addr) bool
	// MaxInFlight caps requests in flight over every source (0 = 8);
	// PerHost caps them per host[:port] (0 = 2); HostDelay is the least
	// time between the starts of two requests to one host (0 = none).
	// They hold across every Crawl of this Crawler, which is why one
	// Crawler should serve the whole process.
	MaxInFlight, PerHost int
	HostDelay            time.Duration
	// RobotsTTL is how long a host's robots.txt is cached (0 = 24h).
	RobotsTTL time.Duration
}

// Crawler fetches sources and their new articles. It is safe for
// concurrent use; each Crawl and FetchArticle works on a fresh collector
// over one shared, guarded transport.
type Crawler struct {
	now          func() time.Time
	log          *slog.Logger
	userAgent    string
	maxRedirects int
	allow        func(netip.Addr) bool
	rt           *transport
	workers      int // article fetches in flight per Crawl (the per-host limit)
	robots       *robotsCache
	// lookup resolves host names for the default transport's dialer; tests
	// replace it to point names at loopback.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// New returns a Crawler with opts' zero values replaced by the defaults.
func New(opts Options) *Crawler {
	c := &Crawler{
		now:          opts.Now,
		log:          opts.Logger,
		userAgent:    opts.UserAgent,
		maxRedirects: opts.MaxRedirects,
		allow:        opts.AllowAddr,
		lookup:       defaultLookup,
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.maxRedirects <= 0 {
		c.maxRedirects = DefaultMaxRedirects
	}
	if c.allow == nil {
		c.allow = IsPublic
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	c.robots = newRobotsCache(opts.RobotsTTL, c.now)
	c.workers = cmp.Or(max(opts.PerHost, 0), DefaultPerHost)
	c.rt = &transport{guarded: opts.Transport, pinned: opts.Transport, allow: c.allow, maxBody: maxBody,
		limit: newLimiter(opts.MaxInFlight, opts.PerHost, opts.HostDelay)}
	if opts.Transport == nil {
		resolve := func(ctx context.Context, host string) ([]netip.Addr, error) { return c.lookup(ctx, host) }
		c.rt.lookup = resolve
		lim := c.rt.limit
		c.rt.guarded = newHTTPTransport(&dialer{lookup: resolve, allow: c.allow}, lim.perHost, lim.global.free)
		c.rt.pinned = newHTTPTransport(&dialer{allow: c.allow, pinned: true}, lim.perHost, lim.global.free)
	}
	return c
}

// Source is one configured place to look for articles.
type Source struct {
	Name string
	Kind string // KindFeed, KindPage, KindSitemap or KindSite
	URL  string
	// Links is the CSS selector picking article links, for KindPage.
	Links     string
	UserAgent string // "" = Options.UserAgent
	// Timeout bounds each HTTP request (each redirect hop) from the moment
	// it gets its request slots until its body is read; time queued for a
	// slot or a host delay never counts against it (that wait is bounded
	// by the context and Budget alone). 0 = 30s.
	Timeout time.Duration
	// MaxItems caps the new items one Crawl handles, pages fetched and
	// items without a link taken from the listing alike; 0 = 200. Items
	// over the cap are deferred: not marked seen, so the next pass picks
	// them up.
	MaxItems int
	// Budget is the wall time one Crawl may take, listing and article
	// fetches together; 0 = none. When it runs out no new fetch starts,
	// fetches under way are cut, and their items are deferred as over
	// MaxItems; a listing not read by then fails the Crawl.
	Budget time.Duration
	// MaxAge skips listed entries whose publication date (else lastmod)
	// is older, without fetching them; 0 = no limit. A sitemap's are
	// dropped unread; a feed's new items are returned in Result.Expired
	// to be marked seen. Entries without a date are always taken.
	// Within MaxAge the oldest new items are fetched first, so MaxItems
	// drains a backlog in the order it was published.
	MaxAge time.Duration
	// IgnoreRobots opts the source out of robots.txt (config robots:
	// false). The zero value honours it, for the listing too.
	IgnoreRobots bool
}

// SeenFunc reports whether an identity key was already recorded as seen for
// the source. It is backed by the store.
type SeenFunc func(key string) (bool, error)

// Result is what one Crawl found.
type Result struct {
	// Articles are the new articles, extracted, in listing order, one per
	// article ID. An article reached through a new URL may still carry an
	// ID recorded earlier (same rel=canonical): its Keys must be recorded,
	// and alerts deduplicate by news.AlertID.
	Articles []news.Article
	// Items is how many entries the feed, page or sitemap listed.
	Items int
	// Truncated counts the entries the listing named beyond the limit,
	// dropped unread (0 when none): 10,000 entries for a feed or listing
	// page, 50,000 for a sitemap source over all its children. Exact for
	// a feed, a page and a sitemap file read; a child sitemap left unread
	// counts the entries it had when last read, at least one.
	Truncated int
	// Disallowed counts new items robots.txt forbids; they are skipped,
	// not fetched, not errors, and not marked seen.
	Disallowed int
	// Errors are per-article (and per child sitemap) failures; the source
	// run itself succeeded. A failed article is an *ArticleError naming
	// its item and counting its failures in a row; a child sitemap's
	// failure is not. Failed items are not in Articles and are not marked
	// seen: they are tried again on the next pass, unless given up.
	Errors []error
	// GivenUp are the failed articles given up this pass (their
	// *ArticleError in Errors has GivenUp set), as the caller must mark
	// them seen: Source, Found and Keys only, no ID and no text, so nothing
	// is stored for replay and no alert can come of them.
	GivenUp []news.Article
	// Expired are the new items dated older than Source.MaxAge, not
	// fetched, which the caller must mark seen (as GivenUp, but no
	// failure): Source, Found and Keys only. They never count against
	// MaxItems.
	Expired []news.Article
	// NotModified is set when the listing answered 304 to the source's
	// validators: nothing was parsed or fetched, Items is 0.
	NotModified bool
}

// Crawl fetches the source's listing, skips every item whose lookup key
// seen reports, fetches and extracts the rest, and returns them with the
// source's next fetch state. prev is the state the last Crawl returned
// (the zero value for a source never crawled); its validators, discovered
// feed and sitemap children are used only when prev.URL is src.URL.
//
// The crawler decides what next may remember: the listing's validators
// only when every listed item was read and tried, and every failed
// article is given up (so an item still retried, deferred by MaxItems or
// the budget, or on a child sitemap that failed, is listed in full next
// time, never hidden by a 304); the discovered feed; the sitemap children
// read in full whose every item was handled; and the failing articles
// with their counts (giveup.go). NotBefore is carried through unchanged:
// back-off is the scheduler's. Store next only after the pass it
// describes is recorded. On error next is prev.
//
// The error is for the source itself: bad configuration, listing
// unreachable or unparsable, seen failing, ctx cancelled, or a panic
// (recovered).
func (c *Crawler) Crawl(ctx context.Context, src Source, prev crawlstate.FetchState, seen SeenFunc) (res Result, next crawlstate.FetchState, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("crawl panicked", "source", src.Name, "panic", r, "stack", string(debug.Stack()))
			res, next, err = Result{}, prev, fmt.Errorf("crawl %s: panic: %v", src.Name, r)
		}
	}()
	started := c.now()
	configured, err := src.check()
	if err != nil {
		return Result{}, prev, err
	}
	// Shutdown (ctx) and the budget (bctx) both stop fetches; only
	// shutdown fails the Crawl once the listing is read.
	bctx := ctx
	if src.Budget > 0 {
		var cancel context.CancelFunc
		bctx, cancel = context.WithTimeoutCause(ctx, src.Budget, fmt.Errorf("pass budget of %s spent", src.Budget))
		defer cancel()
	}
	s := c.newSession(bctx, src, configured)
	if prev.URL == src.URL {
		// An edited URL starts afresh: another listing's validators, feed
		// and children say nothing about this one.
		s.known = prev
	}
	var items []item
	switch src.Kind {
	case KindFeed:
		items, err = s.listFeed(src.URL)
	case KindPage:
		items, err = s.listPage(src.URL, src.Links)
	case KindSitemap:
		items, res.Errors, err = s.listSitemap(src.URL)
	case KindSite:
		items, err = s.listSite()
	}
	next = prev
	next.URL, next.Feed = src.URL, s.feed
	if errors.Is(err, errNotModified) {
		// A 304 costs no parsing: the listing is what the last complete
		// pass saw, so every item on it is known, and no article was
		// tried, so the failure counts stand.
		next.ETag, next.LastModified, next.Children = s.listed.etag, s.listed.lastModified, s.known.Children
		return Result{NotModified: true}, next, nil
	}
	if err != nil {
		if bctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("%w: %w", context.Cause(bctx), err)
			if errors.Is(err, errNoSlot) {
				err = fmt.Errorf("%w: %w", ErrDeferred, err)
			}
		}
		return Result{}, prev, fmt.Errorf("crawl %s: %w", src.Name, err)
	}
	res.Items, res.Truncated = len(items), s.truncated
	if s.children != nil {
		res.Items += s.children.unchangedItems
	}
	if err := s.collect(ctx, bctx, items, seen, &res); err != nil {
		return Result{}, prev, fmt.Errorf("crawl %s: %w", src.Name, err)
	}
	next.Children = s.children.states(items, s.unfinished)
	next.Failing, res.GivenUp = judgeFailures(prev.Failing, res.Errors, src.Name, started)
	next.ETag, next.LastModified = "", ""
	if s.deferred == 0 && len(res.Errors) == len(res.GivenUp) {
		// Only a listing whose every item was listed and tried, and whose
		// every failure is given up, may answer 304 next time; otherwise
		// the unread, deferred or retried items would never be seen.
		next.ETag, next.LastModified = s.listed.etag, s.listed.lastModified
	}
	return res, next, nil
}

// ArticleError is the failure of one new item's article page, its fetch
// or its extraction, as Crawl reports it in Result.Errors. Its text is the
// underlying error's, and errors.Is and errors.As see through it (a
// *StatusError, ErrBodyTooLarge, a timeout).
type ArticleError struct {
	// URL is the page's address with any password redacted: safe to log
	// and to store.
	URL string
	// Keys are the listed item's identity keys, the one Crawl looks up
	// with SeenFunc first. Marking them seen (store.Pass.Seen with an
	// article carrying only these Keys) gives up on the item: no later
	// Crawl fetches it.
	Keys []string
	Err  error
	// Attempts is how many passes in a row, this one included, the page
	// failed on, the first of them at First (FetchState.Failing).
	Attempts int
	First    time.Time
	// GivenUp is set when this failure gives up on the article: it is in
	// Result.GivenUp, to be marked seen, and never fetched again.
	GivenUp bool
}

func (e *ArticleError) Error() string { return e.Err.Error() }

func (e *ArticleError) Unwrap() error { return e.Err }

// FetchArticle fetches and extracts one article page, as Crawl does for a
// new item, with src's user agent and timeout. The address policy treats
// src.URL's host (rawURL's when src.URL is empty) as the configured one.
func (c *Crawler) FetchArticle(ctx context.Context, src Source, rawURL string) (art news.Article, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("fetch article panicked", "url", redact(rawURL), "panic", r, "stack", string(debug.Stack()))
			art, err = news.Article{}, fmt.Errorf("fetch article %s: panic: %v", redact(rawURL), r)
		}
	}()
	trusted := src.URL
	if trusted == "" {
		trusted = rawURL
	}
	configured, err := parseHTTPURL(trusted)
	if err != nil {
		return news.Article{}, fmt.Errorf("fetch article: %w", err)
	}
	s := c.newSession(ctx, src, configured)
	s.opts.articles.Store(true)
	art, err = s.article(rawURL)
	if err != nil {
		return news.Article{}, err
	}
	art = news.Clamp(art)
	art.Source, art.Found = src.Name, c.now()
	return art, nil
}

// check validates a source and returns its parsed URL.
func (src Source) check() (*url.URL, error) {
	switch src.Kind {
	case KindFeed, KindSitemap, KindSite:
	case KindPage:
		if _, err := compileSelector(src.Links); err != nil {
			return nil, fmt.Errorf("crawl %s: %w", src.Name, err)
		}
	default:
		return nil, fmt.Errorf("crawl %s: kind %q: want feed, page, sitemap or site", src.Name, src.Kind)
	}
	u, err := parseHTTPURL(src.URL)
	if err != nil {
		return nil, fmt.Errorf("crawl %s: %w", src.Name, err)
	}
	return u, nil
}

func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url: %w", unwrapURLError(err))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %s: want an absolute http(s) URL", redact(raw))
	}
	return u, nil
}
