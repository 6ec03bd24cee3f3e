package crawler

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// waitQueued blocks until n requests of priority pri wait in the
// limiter's global queue.
func waitQueued(t *testing.T, l *limiter, pri priority, n int) {
	t.Helper()
	for {
		l.global.mu.Lock()
		got := l.global.waits[pri].Len()
		l.global.mu.Unlock()
		if got >= n {
			return
		}
		if t.Context().Err() != nil {
			t.Fatalf("%d requests of priority %d never queued", n, pri)
		}
		time.Sleep(time.Millisecond)
	}
}

// holdSlot takes the only global slot of c (MaxInFlight 1) for another
// host and returns its release.
func holdSlot(t *testing.T, c *Crawler) func() {
	t.Helper()
	release, err := c.rt.limit.acquire(t.Context(), "busy.example", priListing)
	if err != nil {
		t.Fatalf("acquire = %v", err)
	}
	return release
}

// TestQueueWaitIsNotTimeout: a request that waited for its slot longer
// than its own timeout still runs in full (RELIABILITY.md item 31's cause:
// the timeout also covered the queue), while a request that is slow once
// it has its slot still times out.
func TestQueueWaitIsNotTimeout(t *testing.T) {
	const timeout = 50 * time.Millisecond
	s := newSite(t)
	s.page("/feed", "application/rss+xml", []byte(rssFeed()))
	s.set("/hang", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}})
	c := newTestCrawler(t, Options{MaxInFlight: 1, PerHost: 1})
	src := Source{Name: "courier", Kind: KindFeed, URL: s.URL("/feed"), Timeout: timeout, IgnoreRobots: true}

	release := holdSlot(t, c)
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
		done <- err
	}()
	waitQueued(t, c.rt.limit, priListing, 1)
	time.Sleep(4 * timeout) // the queue wait outlasts the request timeout
	release()
	if err := <-done; err != nil {
		t.Errorf("Crawl after a queue wait of 4×Timeout = %v, want success", err)
	}

	src.URL = s.URL("/hang")
	_, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
	var rt *RequestTimeoutError
	if !errors.As(err, &rt) || !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrDeferred) {
		t.Errorf("Crawl of a listing that hangs = %v, want a RequestTimeoutError, not deferred", err)
	}
}

// TestCrawlDeferredWithoutSlot: a listing that never gets a slot before
// the budget ends is deferred (ErrDeferred), not failed; one that got its
// slot and ran out of budget while being read is not deferred.
func TestCrawlDeferredWithoutSlot(t *testing.T) {
	s := newSite(t)
	s.page("/feed", "application/rss+xml", []byte(rssFeed()))
	s.set("/hang", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}})
	tests := []struct {
		name, path   string
		hold         bool
		wantDeferred bool
	}{
		{"no slot", "/feed", true, true},
		{"slow listing", "/hang", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCrawler(t, Options{MaxInFlight: 1, PerHost: 1})
			if tt.hold {
				defer holdSlot(t, c)()
			}
			src := Source{Name: "courier", Kind: KindFeed, URL: s.URL(tt.path), Budget: 50 * time.Millisecond}
			_, next, err := c.Crawl(t.Context(), src, firstPass, neverSeen)
			if err == nil {
				t.Fatalf("Crawl(%s) = nil error, want the budget to end it", tt.path)
			}
			if got := errors.Is(err, ErrDeferred); got != tt.wantDeferred {
				t.Errorf("Crawl(%s) = %v; errors.Is(ErrDeferred) = %v, want %v", tt.path, err, got, tt.wantDeferred)
			}
			if next.URL != "" {
				t.Errorf("Crawl(%s) next state = %+v, want the previous (empty) one", tt.path, next)
			}
		})
	}
}

// TestLimiterListingsFirst: a freed slot goes to a waiting listing request
// before article requests that queued earlier, per host and globally, so
// one pass's article backlog never starves another source's poll.
func TestLimiterListingsFirst(t *testing.T) {
	tests := []struct {
		name  string
		hosts [3]string // holder, article waiters, listing waiter
	}{
		{"global", [3]string{"a.example", "b.example", "c.example"}},
		{"per host", [3]string{"a.example", "a.example", "a.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLimiter(1, 1, 0)
			release, err := l.acquire(t.Context(), tt.hosts[0], priArticle)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var order []string
			var wg sync.WaitGroup
			wait := func(name, host string, pri priority) {
				wg.Go(func() {
					r, err := l.acquire(t.Context(), host, pri)
					if err != nil {
						t.Errorf("acquire(%s) = %v", name, err)
						return
					}
					mu.Lock()
					order = append(order, name)
					mu.Unlock()
					r()
				})
			}
			queued := func(pri priority) int {
				n := 0
				l.mu.Lock()
				sems := []*prioSem{l.global}
				for _, h := range l.hosts {
					sems = append(sems, h.sem)
				}
				l.mu.Unlock()
				for _, s := range sems {
					s.mu.Lock()
					n += s.waits[pri].Len()
					s.mu.Unlock()
				}
				return n
			}
			for i, name := range []string{"article1", "article2"} {
				wait(name, tt.hosts[1], priArticle)
				for queued(priArticle) < i+1 {
					time.Sleep(time.Millisecond)
				}
			}
			wait("listing", tt.hosts[2], priListing)
			for queued(priListing) < 1 {
				time.Sleep(time.Millisecond)
			}
			release()
			wg.Wait()
			if want := []string{"listing", "article1", "article2"}; !slices.Equal(order, want) {
				t.Errorf("grant order = %v, want %v", order, want)
			}
		})
	}
}

// TestCrawlPollBeforeArticles: with the only slot busy, an article fetch
// queued first and a feed poll queued after it, the poll is served first.
func TestCrawlPollBeforeArticles(t *testing.T) {
	s := newSite(t)
	var mu sync.Mutex
	var order []string
	record := func(h http.HandlerFunc) response {
		return response{Handler: func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, r.URL.Path)
			mu.Unlock()
			h(w, r)
		}}
	}
	s.set("/a/one", record(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(articleHTML("One", para("One"))))
	}))
	s.set("/feed", record(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write([]byte(rssFeed()))
	}))
	// PerHost 2: both requests get their host slot and wait in the
	// global queue.
	c := newTestCrawler(t, Options{MaxInFlight: 1, PerHost: 2})
	release := holdSlot(t, c)
	var wg sync.WaitGroup
	wg.Go(func() {
		src := Source{Name: "wire", Kind: KindFeed, URL: s.URL("/feed"), IgnoreRobots: true}
		// Its outcome does not matter here, its place in the queue does.
		c.FetchArticle(t.Context(), src, s.URL("/a/one"))
	})
	waitQueued(t, c.rt.limit, priArticle, 1)
	wg.Go(func() {
		src := Source{Name: "courier", Kind: KindFeed, URL: s.URL("/feed"), IgnoreRobots: true}
		if _, _, err := c.Crawl(t.Context(), src, firstPass, neverSeen); err != nil {
			t.Errorf("Crawl = %v", err)
		}
	})
	waitQueued(t, c.rt.limit, priListing, 1)
	release()
	wg.Wait()
	if want := []string{"/feed", "/a/one"}; !slices.Equal(order, want) {
		t.Errorf("served = %v, want %v (the poll first)", order, want)
	}
}

// TestIdleConnsPerHost: the default transport keeps as many idle
// connections to one host as requests may be in flight to it, so a burst
// of polls reuses them.
func TestIdleConnsPerHost(t *testing.T) {
	tests := []struct{ perHost, inFlight, wantPerHost, wantAll int }{
		{0, 0, 4, 64},
		{16, 16, 16, 64},
		{32, 128, 32, 128},
	}
	for _, tt := range tests {
		c := New(Options{PerHost: tt.perHost, MaxInFlight: tt.inFlight})
		for _, rt := range []http.RoundTripper{c.rt.guarded, c.rt.pinned} {
			tr := rt.(*http.Transport)
			if tr.MaxIdleConnsPerHost != tt.wantPerHost || tr.MaxIdleConns != tt.wantAll {
				t.Errorf("New(PerHost %d, MaxInFlight %d): idle per host %d, in all %d; want %d, %d",
					tt.perHost, tt.inFlight, tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tt.wantPerHost, tt.wantAll)
			}
		}
	}
}
