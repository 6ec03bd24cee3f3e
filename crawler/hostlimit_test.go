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

// cancelled is a context that is already done: acquire on it succeeds
// only when a slot is free at once, which makes slot counting exact.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestLimiterSlots(t *testing.T) {
	l := newLimiter(3, 2, 0)
	a1, err1 := l.acquire(cancelled(), "a.example", priListing)
	a2, err2 := l.acquire(cancelled(), "A.example", priListing)
	if err1 != nil || err2 != nil {
		t.Fatalf("acquire(a.example) twice = %v, %v; want two slots", err1, err2)
	}
	if _, err := l.acquire(cancelled(), "a.example", priListing); !errors.Is(err, context.Canceled) {
		t.Errorf("third acquire(a.example) with PerHost 2 = %v, want it to wait (context canceled)", err)
	}
	b1, err := l.acquire(cancelled(), "b.example", priListing)
	if err != nil {
		t.Fatalf("acquire(b.example) = %v, want the last global slot", err)
	}
	if _, err := l.acquire(cancelled(), "c.example", priListing); !errors.Is(err, context.Canceled) {
		t.Errorf("acquire(c.example) with MaxInFlight 3 all taken = %v, want it to wait", err)
	}
	a1()
	a1() // release is idempotent
	if _, err := l.acquire(cancelled(), "c.example", priListing); err != nil {
		t.Errorf("acquire(c.example) after one release = %v, want a slot", err)
	}
	a2()
	b1()
}

// TestLimiterDelay: requests to one host start at least HostDelay apart,
// concurrent ones included; other hosts do not wait.
func TestLimiterDelay(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	l := newLimiter(8, 8, time.Second)
	var mu sync.Mutex
	var waits []time.Duration
	l.now = func() time.Time { return now }
	l.sleep = func(_ context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		waits = append(waits, d)
		return nil
	}
	for _, host := range []string{"a.example", "a.example", "b.example", "a.example"} {
		release, err := l.acquire(context.Background(), host, priListing)
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	want := []time.Duration{0, time.Second, 0, 2 * time.Second}
	if !slices.Equal(waits, want) {
		t.Errorf("waits = %v, want %v", waits, want)
	}
	now = now.Add(time.Minute)
	release, _ := l.acquire(context.Background(), "a.example", priListing)
	release()
	if got := waits[len(waits)-1]; got != 0 {
		t.Errorf("wait a minute after the last request = %v, want 0", got)
	}
}

// TestPerHostLimitOverHTTP: six concurrent article fetches never have
// more than PerHost requests in flight to the server; the first two are
// held until both are in, so the peak reaches the limit.
func TestPerHostLimitOverHTTP(t *testing.T) {
	s := newSite(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	gate := make(chan struct{})
	body := []byte(articleHTML("T", "", para("T")))
	s.set("/a", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		reached := inFlight == 2
		mu.Unlock()
		if reached {
			close(gate)
		}
		<-gate
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		w.Write(body)
	}})
	c := newTestCrawler(t, Options{PerHost: 2})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.FetchArticle(t.Context(), Source{Name: "s"}, s.URL("/a")); err != nil {
				t.Errorf("FetchArticle: %v", err)
			}
		})
	}
	wg.Wait()
	if peak != 2 {
		t.Errorf("peak requests in flight to one host = %d, want PerHost 2", peak)
	}
}

// TestCrawlFetchesArticlesConcurrently: one source's article pages are
// fetched PerHost at a time. Each page is held until two are in flight, so
// a sequential crawl would time out on the first.
func TestCrawlFetchesArticlesConcurrently(t *testing.T) {
	s := newSite(t)
	var mu sync.Mutex
	inFlight, peak := 0, 0
	gate := make(chan struct{})
	body := []byte(articleHTML("T", "", para("T")))
	var entries []entry
	for _, p := range []string{"/a/1", "/a/2", "/a/3", "/a/4"} {
		entries = append(entries, entry{link: s.URL(p), title: p})
		s.set(p, response{Handler: func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			if inFlight == 2 && peak == 2 {
				close(gate)
			}
			mu.Unlock()
			select {
			case <-gate:
			case <-r.Context().Done():
			}
			mu.Lock()
			inFlight--
			mu.Unlock()
			w.Header().Set("Content-Type", "text/html")
			w.Write(body)
		}})
	}
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entries...)))
	c := newTestCrawler(t, Options{PerHost: 2})
	res, _, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed"), Timeout: 5 * time.Second}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 4 || len(res.Errors) != 0 {
		t.Fatalf("Crawl = %d articles, errors %v, %v; want 4 fetched two at a time", len(res.Articles), res.Errors, err)
	}
	for i, a := range res.Articles {
		if want := s.URL(entries[i].title); a.URL != want {
			t.Errorf("Articles[%d].URL = %q, want %q (listing order)", i, a.URL, want)
		}
	}
	if peak != 2 {
		t.Errorf("peak article requests in flight = %d, want PerHost 2", peak)
	}
}

// TestLimiterCrawlDelay: a host's Crawl-delay replaces HostDelay when
// longer, is capped at MaxCrawlDelay, and 0 removes it; other hosts keep
// HostDelay.
func TestLimiterCrawlDelay(t *testing.T) {
	tests := []struct {
		name  string
		crawl time.Duration
		want  time.Duration // wait of the second of two requests to a.example
	}{
		{"longer", 3 * time.Second, 3 * time.Second},
		{"shorter", 500 * time.Millisecond, time.Second},
		{"capped", time.Hour, MaxCrawlDelay},
		{"negative", -time.Second, time.Second},
		{"removed", 0, time.Second},
	}
	for _, tt := range tests {
		now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
		l := newLimiter(8, 8, time.Second)
		l.now = func() time.Time { return now }
		var waits []time.Duration
		l.sleep = func(_ context.Context, d time.Duration) error {
			waits = append(waits, d)
			return nil
		}
		l.setCrawlDelay("A.example", 7*time.Second)
		l.setCrawlDelay("a.example", tt.crawl)
		for _, host := range []string{"a.example", "a.example", "b.example", "b.example"} {
			release, err := l.acquire(context.Background(), host, priListing)
			if err != nil {
				t.Fatal(err)
			}
			release()
		}
		if want := []time.Duration{0, tt.want, 0, time.Second}; !slices.Equal(waits, want) {
			t.Errorf("setCrawlDelay(%s: %v): waits = %v, want %v", tt.name, tt.crawl, waits, want)
		}
	}
}
