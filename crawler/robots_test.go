package crawler

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
)

// robotsSite is a site with a feed of one allowed and one disallowed
// article and a robots.txt whose answer the test sets.
func robotsSite(t *testing.T, status int, robots string) *site {
	s := newSite(t)
	s.article("/news/1", "One", para("One"))
	s.article("/private/2", "Two", para("Two"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/news/1"), title: "One"}, entry{link: s.URL("/private/2"), title: "Two"})))
	s.set("/robots.txt", response{Status: status, ContentType: "text/plain", Body: []byte(robots)})
	return s
}

const disallowPrivate = "User-agent: *\nDisallow: /private/\n"

func TestRobotsDecidesArticles(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		robots       string
		ignore       bool
		articles     int
		disallowed   int
		robotsAsked  int
		privateFetch int
	}{
		{"disallowed skipped", 200, disallowPrivate, false, 1, 1, 1, 0},
		{"agent group wins", 200, "User-agent: *\nDisallow: /\n\nUser-agent: newshound\nDisallow: /private/\n", false, 1, 1, 1, 0},
		{"404 allows all", 404, "", false, 2, 0, 1, 1},
		{"unparsable allows all", 200, "\x00\x01 garbage without rules", false, 2, 0, 1, 1},
		{"opted out", 200, disallowPrivate, true, 2, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := robotsSite(t, tt.status, tt.robots)
			c := newTestCrawler(t, Options{})
			res, _, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed"), IgnoreRobots: tt.ignore}, firstPass, neverSeen)
			if err != nil {
				t.Fatalf("Crawl(%s) error: %v", tt.name, err)
			}
			if len(res.Articles) != tt.articles || res.Disallowed != tt.disallowed || len(res.Errors) != 0 {
				t.Errorf("Crawl(%s) = %d articles, %d disallowed, errors %v; want %d, %d, none",
					tt.name, len(res.Articles), res.Disallowed, res.Errors, tt.articles, tt.disallowed)
			}
			if got := s.hitsOf("/robots.txt"); got != tt.robotsAsked {
				t.Errorf("Crawl(%s) asked robots.txt %d times, want %d (cached per origin)", tt.name, got, tt.robotsAsked)
			}
			if got := s.hitsOf("/private/2"); got != tt.privateFetch {
				t.Errorf("Crawl(%s) fetched /private/2 %d times, want %d", tt.name, got, tt.privateFetch)
			}
		})
	}
}

// TestRobotsCachedForTTL: robots.txt is read once per TTL across crawls.
func TestRobotsCachedForTTL(t *testing.T) {
	s := robotsSite(t, 200, disallowPrivate)
	clock := testclock.New(testNow)
	c := New(Options{Now: clock.Now, RobotsTTL: time.Hour})
	src := Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed")}
	for i, want := range []int{1, 1, 2} {
		if i == 2 {
			clock.Advance(time.Hour)
		}
		if _, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen); err != nil {
			t.Fatal(err)
		}
		if got := s.hitsOf("/robots.txt"); got != want {
			t.Errorf("after crawl %d: robots.txt read %d times, want %d", i+1, got, want)
		}
	}
}

// TestRobotsTemporaryFailure: a 5xx robots.txt fails the run (it is not a
// ban and not cached); the next run, with robots.txt back, works.
func TestRobotsTemporaryFailure(t *testing.T) {
	s := robotsSite(t, http.StatusServiceUnavailable, "")
	c := newTestCrawler(t, Options{})
	src := Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed")}
	_, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err == nil || !strings.Contains(err.Error(), "robots.txt unavailable") || errors.Is(err, ErrDisallowed) {
		t.Fatalf("Crawl with robots.txt 503 = %v, want a temporary robots.txt failure", err)
	}
	if got := s.hitsOf("/feed"); got != 0 {
		t.Errorf("feed fetched %d times while robots.txt failed, want 0", got)
	}
	s.set("/robots.txt", response{Status: 200, Body: []byte(disallowPrivate)})
	res, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Errorf("Crawl after robots.txt recovered = %d articles, %v; want 1, nil", len(res.Articles), err)
	}
}

// TestRobotsDisallowsListing: a listing robots.txt forbids fails the run
// with ErrDisallowed and is not fetched.
func TestRobotsDisallowsListing(t *testing.T) {
	s := robotsSite(t, 200, "User-agent: *\nDisallow: /feed\n")
	c := newTestCrawler(t, Options{})
	_, _, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if !errors.Is(err, ErrDisallowed) {
		t.Errorf("Crawl(disallowed feed) error = %v, want ErrDisallowed", err)
	}
	if got := s.hitsOf("/feed"); got != 0 {
		t.Errorf("disallowed feed fetched %d times, want 0", got)
	}
}

// TestRobotsCrawlDelay: a robots.txt Crawl-delay for our agent spaces
// requests to the host by the larger of it and HostDelay, capped at
// MaxCrawlDelay. The limiter's clock stands still and its sleeps are
// recorded, so the test takes no time: the waits of one pass are robots.txt
// and the feed (nothing booked before them), then each article one delay
// later than the one before.
func TestRobotsCrawlDelay(t *testing.T) {
	tests := []struct {
		name      string
		robots    string
		hostDelay time.Duration
		ignore    bool
		want      []time.Duration
	}{
		{"crawl-delay", "User-agent: *\nCrawl-delay: 5\n", 0, false, []time.Duration{0, 0, 5 * time.Second, 10 * time.Second}},
		{"capped", "User-agent: *\nCrawl-delay: 3600\n", 0, false, []time.Duration{0, 0, time.Minute, 2 * time.Minute}},
		{"host delay larger", "User-agent: *\nCrawl-delay: 1\n", 3 * time.Second, false,
			[]time.Duration{0, 3 * time.Second, 6 * time.Second, 9 * time.Second}},
		{"our group's", "User-agent: *\nCrawl-delay: 30\n\nUser-agent: newshound\nCrawl-delay: 2.5\n", 0, false,
			[]time.Duration{0, 0, 2500 * time.Millisecond, 5 * time.Second}},
		{"none", "User-agent: *\nDisallow: /private/\n", 0, false, []time.Duration{0, 0, 0}},
		// Opted out: robots.txt is not read, so its Crawl-delay is unknown.
		{"opted out", "User-agent: *\nCrawl-delay: 5\n", 0, true, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := robotsSite(t, 200, tt.robots)
			c := newTestCrawler(t, Options{HostDelay: tt.hostDelay, PerHost: 1})
			var mu sync.Mutex
			var waits []time.Duration
			c.rt.limit.now = func() time.Time { return testNow }
			c.rt.limit.sleep = func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				waits = append(waits, d)
				return nil
			}
			src := Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed"), IgnoreRobots: tt.ignore}
			if _, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen); err != nil {
				t.Fatalf("Crawl(%s) error: %v", tt.name, err)
			}
			slices.Sort(waits)
			if !slices.Equal(waits, tt.want) {
				t.Errorf("Crawl(%s) waits = %v, want %v", tt.name, waits, tt.want)
			}
		})
	}
}
