package crawler

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"github.com/gocolly/colly/v2"
	"github.com/newshound/newshound/crawlstate"
	"github.com/newshound/newshound/internal/httpx"
	"github.com/newshound/newshound/news"
)

// Accept headers per kind of document.
const (
	acceptFeed    = "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
	acceptHTML    = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
	acceptSitemap = "application/xml, text/xml;q=0.9, application/gzip;q=0.8, */*;q=0.5"
)

// Keys of the per-request colly.Context.
const (
	ctxResponse    = "newshound.response"
	ctxContentType = "newshound.content-type"
)

// session is one Crawl (or FetchArticle): a fresh colly collector, so no
// visited set outlives the call (colly #111), carrying the source's fetch
// policy in its context.
type session struct {
	c   *Crawler
	src Source
	pol *fetchPolicy
	// opts carry the request timeout and the queue priority to the
	// transport: listing first, article pages once articles is set.
	opts *requestOpts
	col  *colly.Collector
	ua   string
	// listed are the validators of the listing response; deferred counts
	// new items left for the next pass (fetch cap). Both decide whether
	// the next fetch state carries validators.
	listed   validators
	deferred int
	// known is what the source's fetch state remembers of its listing
	// (validators, discovered feed, sitemap children), or nothing when it
	// belongs to another listing URL.
	known crawlstate.FetchState
	feed  string // the feed a KindSite source was crawled through
	// children tracks a sitemap index's children (nil for other
	// listings); unfinished marks the listed items whose article failed or
	// was deferred. Together they decide the next fetch state's Children.
	children   *sitemapChildren
	unfinished []bool
	// truncated counts the entries the listing named beyond the listing
	// limits (maxListed, maxSitemapListed), dropped unread: Result.Truncated.
	truncated int
}

func (c *Crawler) newSession(ctx context.Context, src Source, configured *url.URL) *session {
	s := &session{c: c, src: src, pol: policyFor(configured), ua: src.UserAgent}
	if s.ua == "" {
		s.ua = c.userAgent
	}
	timeout := src.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	col := colly.NewCollector()
	// NewCollector applied every COLLY_* environment variable: pin every
	// option here so the process environment cannot change the crawler.
	col.UserAgent = s.ua
	col.Headers = nil
	col.MaxDepth = 0
	col.MaxRequests = 0
	col.AllowedDomains, col.DisallowedDomains = nil, nil
	col.URLFilters, col.DisallowedURLFilters = nil, nil
	col.AllowURLRevisit = true // identity and dedup are ours; colly's store would also veto redirect hops
	col.MaxBodySize = 0        // the transport caps decompressed bytes; colly would truncate silently
	col.CacheDir, col.CacheExpiration = "", 0
	col.IgnoreRobotsTxt = true
	col.Async = false
	col.ParseHTTPErrorResponse = true // we judge the status ourselves
	col.DetectCharset = false         // charset is ours: BOM, header, <meta>
	col.CheckHead = false
	col.TraceHTTP = false
	s.opts = &requestOpts{timeout: timeout}
	col.Context = context.WithValue(context.WithValue(ctx, policyKey{}, s.pol), requestOptsKey{}, s.opts)
	col.WithTransport(c.rt)
	// No http.Client.Timeout: it would also run while the request waits
	// for the limiter. The transport times each request from its slot.
	col.SetRequestTimeout(0)
	col.SetRedirectHandler(c.checkRedirect)
	jar, _ := cookiejar.New(nil) // per session: consent redirects need cookies, nothing may persist
	col.SetCookieJar(jar)
	col.OnResponseHeaders(func(r *colly.Response) {
		// colly re-encodes a body whose Content-Type names a charset before
		// OnResponse. Keep the header for our own decoding and show colly
		// the bare media type, so the bytes reach us as sent.
		ct := r.Headers.Get("Content-Type")
		r.Ctx.Put(ctxContentType, ct)
		if mt := mediaType(ct); mt != "" {
			r.Headers.Set("Content-Type", mt)
		}
	})
	col.OnResponse(func(r *colly.Response) { r.Ctx.Put(ctxResponse, r) })
	s.col = col
	return s
}

// checkRedirect stops redirect loops and long chains with a clear error. A
// single redirect of a URL to itself is allowed: sites do that once to set
// a cookie.
func (c *Crawler) checkRedirect(req *http.Request, via []*http.Request) error {
	target := req.URL.String()
	seen := 0
	for _, v := range via {
		if v.URL.String() == target {
			seen++
		}
	}
	selfOnce := seen == 1 && via[len(via)-1].URL.String() == target
	if seen > 0 && !selfOnce {
		return fmt.Errorf("redirect loop at %s", redact(req.URL.String()))
	}
	if len(via) > c.maxRedirects {
		return fmt.Errorf("stopped after %d redirects", c.maxRedirects)
	}
	return nil
}

// fetched is one successful response as the crawler keeps it.
type fetched struct {
	URL         *url.URL // after redirects
	ContentType string   // as the server sent it
	Body        []byte   // decompressed, capped
	// NotModified is set for a 304 answer to a conditional request; Body
	// is then empty.
	NotModified bool
	Validators  validators // ETag and Last-Modified of the response
}

// errNotModified is how a listing fetch reports a 304: nothing to parse.
var errNotModified = errors.New("not modified")

// get fetches one URL through the session's collector. Anything but a 2xx
// response is an error.
func (s *session) get(rawURL, accept string) (*fetched, error) {
	return s.fetch(rawURL, accept, nil)
}

// listing fetches the source's listing (feed, page, root sitemap) with the
// source's validators, remembering the response's own for the next
// fetch state. A 304 gives errNotModified.
func (s *session) listing(rawURL, accept string) (*fetched, error) {
	cond := validators{etag: s.known.ETag, lastModified: s.known.LastModified}
	f, err := s.fetch(rawURL, accept, &cond)
	if err != nil {
		return nil, err
	}
	s.listed = f.Validators
	if f.NotModified {
		return nil, errNotModified
	}
	return f, nil
}

// fetch does the request; with cond non-nil it is conditional and a 304
// is a success (NotModified, validators kept unless the 304 updates them).
func (s *session) fetch(rawURL, accept string, cond *validators) (*fetched, error) {
	if err := s.checkRobots(rawURL); err != nil {
		return nil, err
	}
	cctx := colly.NewContext()
	hdr := http.Header{}
	hdr.Set("User-Agent", s.ua)
	hdr.Set("Accept", accept)
	if cond != nil {
		cond.set(hdr)
	}
	if err := s.col.Request(http.MethodGet, rawURL, nil, cctx, hdr); err != nil {
		return nil, fmt.Errorf("fetch %s: %w", redact(rawURL), unwrapURLError(err))
	}
	r, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	if r == nil {
		return nil, fmt.Errorf("fetch %s: no response", redact(rawURL))
	}
	got := validators{etag: r.Headers.Get("ETag"), lastModified: r.Headers.Get("Last-Modified")}
	if cond != nil && r.StatusCode == http.StatusNotModified {
		if got.etag == "" && got.lastModified == "" {
			got = *cond
		}
		s.c.log.Debug("not modified", "source", s.src.Name, "url", redact(r.Request.URL.String()))
		return &fetched{URL: r.Request.URL, NotModified: true, Validators: got}, nil
	}
	if r.StatusCode < 200 || r.StatusCode > 299 {
		se := &StatusError{URL: redact(rawURL), Code: r.StatusCode}
		if r.StatusCode == http.StatusTooManyRequests || r.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = httpx.ParseRetryAfter(r.Headers.Get("Retry-After"), s.c.now(), maxRetryAfter)
		}
		return nil, se
	}
	ct, _ := cctx.GetAny(ctxContentType).(string)
	s.c.log.Debug("fetched", "source", s.src.Name, "url", redact(r.Request.URL.String()), "bytes", len(r.Body))
	return &fetched{URL: r.Request.URL, ContentType: ct, Body: r.Body, Validators: got}, nil
}

// redact is news.RedactURL: a URL as errors and logs show it, without
// user info and with credential parameters masked.
func redact(raw string) string { return news.RedactURL(raw) }

// unwrapURLError drops net/http's *url.Error wrapper, whose text repeats
// the method and URL our own prefix already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}

// article fetches a discovered article page and extracts it.
func (s *session) article(link string) (news.Article, error) {
	u, err := url.Parse(link)
	if err != nil {
		return news.Article{}, fmt.Errorf("fetch: %w", err)
	}
	// Refuse literal non-public hosts before colly normalises them. The
	// configured origin is left to the transport, which decides whether
	// it is local.
	if !s.pol.isOrigin(u) {
		if err := checkHost(u.Hostname(), s.c.allow); err != nil {
			return news.Article{}, fmt.Errorf("fetch %s: %w", redact(u.String()), err)
		}
	}
	f, err := s.get(link, acceptHTML)
	if err != nil {
		return news.Article{}, err
	}
	if err := checkArticleType(f.ContentType, f.Body); err != nil {
		return news.Article{}, fmt.Errorf("fetch %s: %w", redact(u.String()), err)
	}
	return ExtractArticle(f.URL.String(), f.Body, f.ContentType)
}

// checkArticleType accepts HTML, XML and JSON (sniffed when the header is
// missing); a PDF or an image is not an article page.
func checkArticleType(contentType string, body []byte) error {
	mt := mediaType(contentType)
	if mt == "" {
		mt = mediaType(http.DetectContentType(body))
	}
	switch {
	case mt == "text/html", mt == "application/xhtml+xml", mt == "text/xml", mt == "application/xml",
		strings.HasSuffix(mt, "+xml"), mt == "application/json", strings.HasSuffix(mt, "+json"):
		return nil
	}
	return fmt.Errorf("content type %q is not an article page", mt)
}

func mediaType(contentType string) string {
	if contentType == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

func (s *session) listFeed(feedURL string) ([]item, error) {
	f, err := s.listing(feedURL, acceptFeed)
	if err != nil {
		return nil, err
	}
	items, dropped, err := parseFeed(f.Body, f.ContentType, f.URL)
	s.truncated += dropped
	return items, err
}

func (s *session) listPage(pageURL, selector string) ([]item, error) {
	f, err := s.listing(pageURL, acceptHTML)
	if err != nil {
		return nil, err
	}
	items, dropped, err := parseListing(f.Body, f.ContentType, f.URL, selector)
	s.truncated += dropped
	return items, err
}
