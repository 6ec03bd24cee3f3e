package crawler

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Politeness defaults for the zero values of Options.
const (
	DefaultPerHost     = 2
	DefaultMaxInFlight = 8
)

// limiter is the politeness of one Crawler, shared by every source and
// pass in the process: at most perHost requests in flight to one host, at
// least delay (or the host's robots.txt Crawl-delay, when longer) between
// the starts of two requests to one host, and at most cap(global)
// requests in flight in all. A request holds its slots until its body is
// closed, since reading the body is part of the load it puts on the
// server.
//
// The host slot is taken before the global one, so requests queued behind
// one slow host never hold global slots that other hosts could use.
type limiter struct {
	global  chan struct{}
	perHost int
	delay   time.Duration
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	hosts       map[string]*hostSlots    // guarded by mu
	crawlDelays map[string]time.Duration // host → robots.txt Crawl-delay; guarded by mu
}

type hostSlots struct {
	sem   chan struct{}
	next  time.Time // earliest start of the next request (delay reservations)
	users int       // requests holding or waiting for a slot; guarded by limiter.mu
}

// newLimiter returns a limiter on the real clock: delays are waited out in
// real time, so Options.Now (a test's fixed clock) must not drive them.
func newLimiter(maxInFlight, perHost int, delay time.Duration) *limiter {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	if perHost <= 0 {
		perHost = DefaultPerHost
	}
	return &limiter{
		global: make(chan struct{}, maxInFlight), perHost: perHost, delay: max(delay, 0),
		now: time.Now, sleep: sleepCtx, hosts: map[string]*hostSlots{}, crawlDelays: map[string]time.Duration{},
	}
}

// acquire waits for a slot to host (lower-cased host[:port]) and a global
// one, and for host's delay; release gives both back. A free slot is taken
// even when ctx is already done, which keeps acquire deterministic.
func (l *limiter) acquire(ctx context.Context, host string) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		h = &hostSlots{sem: make(chan struct{}, l.perHost)}
		l.hosts[host] = h
	}
	h.users++
	l.mu.Unlock()
	done := func() { l.leave(host, h) }
	if err := take(ctx, h.sem); err != nil {
		done()
		return nil, fmt.Errorf("wait for a connection slot to %s: %w", host, err)
	}
	if err := l.sleep(ctx, l.reserve(host, h)); err != nil {
		<-h.sem
		done()
		return nil, fmt.Errorf("wait between requests to %s: %w", host, err)
	}
	if err := take(ctx, l.global); err != nil {
		<-h.sem
		done()
		return nil, fmt.Errorf("wait for a request slot: %w", err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-l.global
			<-h.sem
			done()
		})
	}, nil
}

// reserve books the next start time on h (host's slots) and returns how
// long to wait for it: concurrent requests to one host are spaced by the
// delay, not bunched.
func (l *limiter) reserve(host string, h *hostSlots) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	delay := max(l.delay, l.crawlDelays[host])
	if delay == 0 {
		return 0
	}
	now := l.now()
	start := now
	if h.next.After(now) {
		start = h.next
	}
	h.next = start.Add(delay)
	return start.Sub(now)
}

// MaxCrawlDelay caps a robots.txt Crawl-delay: a site asking for more
// (some write 3600) would otherwise stall every source on it for hours.
const MaxCrawlDelay = time.Minute

// maxCrawlDelayHosts bounds the Crawl-delay table; past it the table is
// cleared (robots.txt sets the entries again when next read).
const maxCrawlDelayHosts = 10000

// setCrawlDelay records host's robots.txt Crawl-delay (capped at
// MaxCrawlDelay; 0 removes it). The limiter then spaces requests to host
// by the larger of it and the configured delay. The limiter counts per
// host[:port] while robots.txt is per origin: http and https on one host
// share the delay of whichever robots.txt was read last.
func (l *limiter) setCrawlDelay(host string, d time.Duration) {
	host = strings.ToLower(host)
	d = min(max(d, 0), MaxCrawlDelay)
	l.mu.Lock()
	defer l.mu.Unlock()
	if d == 0 {
		delete(l.crawlDelays, host)
		return
	}
	if _, ok := l.crawlDelays[host]; !ok && len(l.crawlDelays) >= maxCrawlDelayHosts {
		clear(l.crawlDelays)
	}
	l.crawlDelays[host] = d
}

// leave drops a user of h and forgets the host once nobody uses it and
// its delay has passed, so the map does not grow with every host ever
// crawled.
func (l *limiter) leave(host string, h *hostSlots) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h.users--
	if h.users == 0 && !h.next.After(l.now()) {
		delete(l.hosts, host)
	}
}

func take(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	default:
	}
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
