package crawler

import (
	"container/list"
	"context"
	"errors"
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
// the starts of two requests to one host, and at most maxInFlight
// requests in flight in all. A request holds its slots until its body is
// closed, since reading the body is part of the load it puts on the
// server.
//
// The host slot is taken before the global one, so requests queued behind
// one slow host never hold global slots that other hosts could use. Both
// queues serve listing requests before article requests (priority), so
// one pass's backlog of article pages never starves another source's
// poll. Waiting costs no goroutine of its own: the requesting goroutine
// waits, and a waiter whose context ends leaves its queue.
type limiter struct {
	global  *prioSem
	perHost int
	delay   time.Duration
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	hosts       map[string]*hostSlots    // guarded by mu
	crawlDelays map[string]time.Duration // host → robots.txt Crawl-delay; guarded by mu
}

// priority orders waiters in the limiter's queues: every waiting listing
// request is served before any waiting article request.
type priority int

const (
	priListing priority = iota // feeds, listing pages, sitemaps, robots.txt
	priArticle                 // article pages
)

type hostSlots struct {
	sem   *prioSem
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
		global: newPrioSem(maxInFlight), perHost: perHost, delay: max(delay, 0),
		now: time.Now, sleep: sleepCtx, hosts: map[string]*hostSlots{}, crawlDelays: map[string]time.Duration{},
	}
}

// acquire waits for a slot to host (lower-cased host[:port]) and a global
// one, and for host's delay; release gives both back. pri places the wait
// in the queues. A free slot is taken even when ctx is already done, which
// keeps acquire deterministic. The wait is bounded by ctx alone: a
// request's own timeout starts once its slots are granted.
func (l *limiter) acquire(ctx context.Context, host string, pri priority) (release func(), err error) {
	host = strings.ToLower(host)
	l.mu.Lock()
	h := l.hosts[host]
	if h == nil {
		h = &hostSlots{sem: newPrioSem(l.perHost)}
		l.hosts[host] = h
	}
	h.users++
	l.mu.Unlock()
	done := func() { l.leave(host, h) }
	if err := h.sem.acquire(ctx, pri); err != nil {
		done()
		return nil, fmt.Errorf("wait for a connection slot to %s: %w: %w", host, errNoSlot, err)
	}
	if err := l.sleep(ctx, l.reserve(host, h)); err != nil {
		h.sem.release()
		done()
		return nil, fmt.Errorf("wait between requests to %s: %w: %w", host, errNoSlot, err)
	}
	if err := l.global.acquire(ctx, pri); err != nil {
		h.sem.release()
		done()
		return nil, fmt.Errorf("wait for a request slot: %w: %w", errNoSlot, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			l.global.release()
			h.sem.release()
			done()
		})
	}, nil
}

// errNoSlot is wrapped by acquire's error: the request never started,
// because its context ended while it waited for a slot or a delay.
var errNoSlot = errors.New("no request slot")

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

// prioSem is a counting semaphore with one FIFO queue per priority: a
// freed slot goes to the first waiter of the most urgent non-empty queue.
// A newcomer takes a free slot only when nobody of its priority or a more
// urgent one waits, so the queues stay fair.
type prioSem struct {
	mu    sync.Mutex
	free  int
	waits [priArticle + 1]list.List // of chan struct{}, closed when granted
}

func newPrioSem(n int) *prioSem { return &prioSem{free: n} }

// acquire takes a slot, waiting in pri's queue until one is handed over
// or ctx is done. A slot free at once is taken even when ctx is done.
func (p *prioSem) acquire(ctx context.Context, pri priority) error {
	p.mu.Lock()
	if p.free > 0 && !p.waitingUpTo(pri) {
		p.free--
		p.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	el := p.waits[pri].PushBack(ready)
	p.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-ready:
		// Granted while giving up: pass the slot on.
		p.releaseLocked()
	default:
		p.waits[pri].Remove(el)
	}
	return ctx.Err()
}

// waitingUpTo reports whether anyone of priority pri or a more urgent one
// waits.
func (p *prioSem) waitingUpTo(pri priority) bool {
	for q := priListing; q <= pri; q++ {
		if p.waits[q].Len() > 0 {
			return true
		}
	}
	return false
}

// release gives a slot back, to the first waiter of the most urgent queue.
func (p *prioSem) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.releaseLocked()
}

func (p *prioSem) releaseLocked() {
	for q := range p.waits {
		if front := p.waits[q].Front(); front != nil {
			p.waits[q].Remove(front)
			close(front.Value.(chan struct{}))
			return
		}
	}
	p.free++
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
