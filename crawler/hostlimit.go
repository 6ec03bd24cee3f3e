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
// least delay between the starts of two requests to one host, and at most
// cap(global) requests in flight in all. A request holds its slots until
// its body is closed, since reading the body is part of the load it puts
// on the server.
//
// The host slot is taken before the global one, so requests queued behind
// one slow host never hold global slots that other hosts could use.
type limiter struct {
	global  chan struct{}
	perHost int
	delay   time.Duration
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	hosts map[string]*hostSlots // guarded by mu
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
		now: time.Now, sleep: sleepCtx, hosts: map[string]*hostSlots{},
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
	if err := l.sleep(ctx, l.reserve(h)); err != nil {
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

// reserve books the next start time on h and returns how long to wait for
// it: concurrent requests to one host are spaced by delay, not bunched.
func (l *limiter) reserve(h *hostSlots) time.Duration {
	if l.delay == 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	start := now
	if h.next.After(now) {
		start = h.next
	}
	h.next = start.Add(l.delay)
	return start.Sub(now)
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
