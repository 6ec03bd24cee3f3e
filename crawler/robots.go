package crawler

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/temoto/robotstxt"
)

// DefaultRobotsTTL is how long a robots.txt is trusted when
// Options.RobotsTTL is 0.
const DefaultRobotsTTL = 24 * time.Hour

// ErrDisallowed is wrapped by the error of a fetch that robots.txt
// forbids. For an article it is counted (Result.Disallowed), not reported;
// for the source's own listing it fails the run.
var ErrDisallowed = errors.New("disallowed by robots.txt")

// robotsCache keeps each origin's parsed robots.txt for ttl. Only answers
// are cached: a 2xx (its rules) and a 4xx (no robots.txt: everything
// allowed). A 5xx, a timeout or a refused connection is a temporary
// failure of the fetch that needed it, retried on the next one; it is
// never taken as a ban.
type robotsCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	origins map[string]robotsEntry // "scheme://host[:port]" → rules; guarded by mu
}

type robotsEntry struct {
	rules   *robotstxt.RobotsData // nil = allow all
	expires time.Time
}

func newRobotsCache(ttl time.Duration, now func() time.Time) *robotsCache {
	if ttl <= 0 {
		ttl = DefaultRobotsTTL
	}
	return &robotsCache{ttl: ttl, now: now, origins: map[string]robotsEntry{}}
}

// maxRobotsOrigins bounds the cache; past it, expired entries are
// dropped first and, if none is, the whole cache (it is only a cache).
const maxRobotsOrigins = 10000

// allowed reports whether s may fetch u under u's origin's robots.txt,
// fetching that file when it is not cached; a fresh copy's Crawl-delay
// for our agent goes to the host limiter (limiter.setCrawlDelay). The
// error is for a robots.txt that could not be read (the fetch must not go
// ahead this time).
func (rc *robotsCache) allowed(s *session, u *url.URL) (bool, error) {
	origin := u.Scheme + "://" + u.Host
	now := rc.now()
	rc.mu.Lock()
	e, ok := rc.origins[origin]
	rc.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		rules, err := s.fetchRobots(origin)
		if err != nil {
			return false, err
		}
		e = robotsEntry{rules: rules, expires: now.Add(rc.ttl)}
		rc.store(origin, e, now)
		if s.c.rt.limit != nil {
			s.c.rt.limit.setCrawlDelay(u.Host, crawlDelay(rules, s.ua))
		}
	}
	return e.rules == nil || e.rules.TestAgent(u.RequestURI(), s.ua), nil
}

// crawlDelay is the Crawl-delay robots.txt asks of agent (its own group,
// else "*"), 0 when none or no robots.txt.
func crawlDelay(rules *robotstxt.RobotsData, agent string) time.Duration {
	if rules == nil {
		return 0
	}
	return rules.FindGroup(agent).CrawlDelay
}

func (rc *robotsCache) store(origin string, e robotsEntry, now time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.origins) >= maxRobotsOrigins {
		for k, v := range rc.origins {
			if !now.Before(v.expires) {
				delete(rc.origins, k)
			}
		}
		if len(rc.origins) >= maxRobotsOrigins {
			clear(rc.origins)
		}
	}
	rc.origins[origin] = e
}

// fetchRobots reads origin's /robots.txt: rules for a 2xx, nil (allow
// all) for a 4xx or an unparsable file, an error otherwise.
func (s *session) fetchRobots(origin string) (*robotstxt.RobotsData, error) {
	raw := origin + "/robots.txt"
	cctx := colly.NewContext()
	hdr := http.Header{}
	hdr.Set("User-Agent", s.ua)
	hdr.Set("Accept", "text/plain, */*;q=0.5")
	if err := s.col.Request(http.MethodGet, raw, nil, cctx, hdr); err != nil {
		return nil, fmt.Errorf("fetch %s: %w (robots.txt unreachable; retried next run)", redact(raw), unwrapURLError(err))
	}
	r, _ := cctx.GetAny(ctxResponse).(*colly.Response)
	switch {
	case r == nil:
		return nil, fmt.Errorf("fetch %s: no response", redact(raw))
	case r.StatusCode >= 200 && r.StatusCode <= 299:
		rules, err := robotstxt.FromBytes(r.Body)
		if err != nil {
			s.c.log.Warn("robots.txt unparsable; treated as allowing everything", "url", redact(raw), "err", err)
			return nil, nil
		}
		return rules, nil
	case r.StatusCode >= 400 && r.StatusCode <= 499:
		return nil, nil // no robots.txt: no restrictions
	}
	return nil, fmt.Errorf("fetch %s: http status %d (robots.txt unavailable; retried next run)", redact(raw), r.StatusCode)
}

// checkRobots fails with ErrDisallowed when the source honours robots.txt
// and it forbids rawURL.
func (s *session) checkRobots(rawURL string) error {
	if s.src.IgnoreRobots {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil // the fetch itself reports the bad URL
	}
	ok, err := s.c.robots.allowed(s, u)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("fetch %s: %w", redact(u.String()), ErrDisallowed)
	}
	return nil
}
