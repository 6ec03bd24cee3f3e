package app

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/newshound/newshound/config"
)

// Run is the daemon: every source on its schedule, delivery as alerts
// arise, config edits applied as they are saved. It returns when ctx is
// cancelled, after the running passes and the delivery loop have stopped.
func (a *App) Run(ctx context.Context) error {
	a.mu.Lock()
	cfg := a.cur.cfg
	a.mu.Unlock()
	// The pool is sized once, like the crawler's limiter it feeds.
	s := newScheduler(a, ctx, poolSize(cfg.Crawl.MaxInFlight))
	// The HTTP port is taken first: when it is in use, Run fails before
	// any source runs, with an error that names the address.
	var ln net.Listener
	if cfg.Listen != "" {
		var err error
		if ln, err = a.listen(cfg.Listen); err != nil {
			return err
		}
	}
	a.mu.Lock()
	a.sched = s
	a.mu.Unlock()
	if err := s.reschedule(cfg); err != nil {
		if ln != nil {
			_ = ln.Close()
		}
		a.mu.Lock()
		a.sched = nil
		a.mu.Unlock()
		return err
	}
	s.start()

	var loops sync.WaitGroup
	loops.Go(func() { a.dispatcher.Run(ctx, a.wake) })
	loops.Go(func() { a.pruneDaily(ctx) })
	if cfg.Path != "" {
		loops.Go(func() { a.watchFile(ctx, cfg.Path) })
	}
	if ln != nil {
		loops.Go(func() { a.serveHTTP(ctx, ln, cfg) })
	}
	a.log.Info("newshound running", "sources", len(cfg.Sources), "watches", len(cfg.Watches), "data", cfg.Data)

	<-ctx.Done()
	a.log.Info("shutting down")
	s.stop()
	loops.Wait()
	a.mu.Lock()
	a.sched = nil
	a.httpAddr = ""
	a.mu.Unlock()
	return nil
}

// scheduler owns the cron instance of the config in force (a reload
// replaces it whole) and the queue of due passes with its workers, which
// outlive reloads: a source queued or running under the old config is
// not queued twice under the new one.
type scheduler struct {
	app     *App
	ctx     context.Context
	queue   *passQueue
	workers sync.WaitGroup
	size    int // workers in the pool
	mu      sync.Mutex
	cron    *cron.Cron
	entries map[cron.EntryID]string // source of each entry of cron; guarded by mu
	stopped bool                    // guarded by mu; nothing is queued once set
}

// poolSize is the number of passes the daemon runs at once:
// max(2, max_in_flight/2). Every pass needs a request slot for its listing
// and then fetches articles; more passes than half the slots would only
// wait in the crawler's limiter, each holding its budget's clock running,
// while fewer would leave slots idle during a pass's own waits (parsing,
// extraction, the store's commit).
func poolSize(maxInFlight int) int {
	return max(2, maxInFlight/2)
}

func newScheduler(a *App, ctx context.Context, workers int) *scheduler {
	return &scheduler{app: a, ctx: ctx, queue: newPassQueue(), size: workers}
}

// start runs the pool of workers that take due passes from the queue.
func (s *scheduler) start() {
	for range s.size {
		s.workers.Go(func() {
			for {
				p, ok := s.queue.take()
				if !ok {
					return
				}
				s.runSource(p)
				s.queue.done(p.name)
			}
		})
	}
}

// reschedule replaces every cron entry with the sources of cfg. A source
// that has never run, or whose next run after its last one is already
// past (the daemon was down, or the source is new), is queued at once:
// an operator who starts the daemon or adds a source sees it work now,
// and the queue's fixed pool drains a cold start of thousands of sources
// at the crawler's rate, each source queued once (robfig/cron never
// catches up by itself). Passes still running keep going; the queue
// stops overlaps.
func (s *scheduler) reschedule(cfg *config.Config) error {
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{s.app.log})))
	now := s.app.now()
	var overdue []string
	entries := make(map[cron.EntryID]string, len(cfg.Sources))
	for _, src := range cfg.Sources {
		name := src.Name
		sched, err := sourceSchedule(src)
		if err != nil {
			return fmt.Errorf("source %s: schedule: %w", name, err)
		}
		entries[c.Schedule(sched, cron.FuncJob(func() { s.enqueue(name, s.app.now()) }))] = name
		state, ok, err := s.app.store.SourceState(name)
		if err != nil {
			return fmt.Errorf("source %s: %w", name, err)
		}
		if !ok || state.LastRun.IsZero() || !sched.Next(state.LastRun).After(now) {
			overdue = append(overdue, name)
		}
	}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return nil
	}
	old := s.cron
	s.cron, s.entries = c, entries
	c.Start()
	s.mu.Unlock()
	for _, name := range overdue {
		s.enqueue(name, now)
	}
	if old != nil {
		old.Stop()
	}
	return nil
}

// enqueue puts a source that fell due into the queue of passes. One still
// waiting for a worker at its next scheduled time is deferred: it keeps
// its place and runs as soon as a worker is free, with a budget up to the
// run after; no failure, no back-off. One whose pass still runs (its
// budget ends at this time) is queued again for when it ends.
func (s *scheduler) enqueue(name string, due time.Time) {
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped || s.ctx.Err() != nil {
		return
	}
	switch s.queue.push(name, due) {
	case alreadyWaiting:
		s.app.log.Info("source deferred: no worker was free before its next run; it runs when one is", "source", name)
	case afterRunning:
		s.app.log.Debug("source already queued: its pass still runs; queued again for when it ends", "source", name)
	}
}

// runSource runs one scheduled pass with the config in force now; a
// source removed by a reload is no longer run. The pass's budget ends no
// later than the source's next scheduled run, so passes never pile up
// behind a slow source.
func (s *scheduler) runSource(p queuedPass) {
	if s.ctx.Err() != nil {
		return
	}
	c := s.app.current()
	cs, ok := c.sources[p.name]
	if !ok {
		return
	}
	src := cs.src
	src.PassTimeout = passBudget(src.PassTimeout, cs.sched, s.app.now())
	s.app.runPass(s.ctx, c, src, true)
}

// minPassBudget is the least budget a scheduled pass gets, when it starts
// just before its next scheduled run.
const minPassBudget = time.Second

// passBudget is the wall time of a scheduled pass starting at now:
// pass_timeout (passTimeout, 0 for the default), cut to end at the
// source's next scheduled run.
func passBudget(passTimeout time.Duration, sched jittered, now time.Time) time.Duration {
	b := cmp.Or(passTimeout, config.DefaultPassTimeout)
	if next := sched.Next(now); !next.IsZero() && next.Sub(now) < b {
		b = next.Sub(now)
	}
	return max(b, minPassBudget)
}

// nextRuns returns when each scheduled source runs next, by name; from
// one snapshot of the cron, so a table of a thousand sources costs one
// round trip to the cron's goroutine.
func (s *scheduler) nextRuns() map[string]time.Time {
	s.mu.Lock()
	c, entries := s.cron, s.entries
	s.mu.Unlock()
	out := make(map[string]time.Time, len(entries))
	if c == nil {
		return out
	}
	for _, e := range c.Entries() {
		if name, ok := entries[e.ID]; ok {
			out[name] = e.Next
		}
	}
	return out
}

// running reports whether the schedule is in force: started and not
// stopping.
func (s *scheduler) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cron != nil && !s.stopped && s.ctx.Err() == nil
}

// stop halts the schedule and the workers once their passes return
// (they see the cancelled context and return quickly); sources still
// waiting in the queue do not run.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	c := s.cron
	s.mu.Unlock()
	if c != nil {
		<-c.Stop().Done()
	}
	s.queue.close()
	s.workers.Wait()
}

// watchFile polls the config file and reloads when its content changes.
// Polling the content (not mtime, not inotify) works the same for editors
// that replace the file, for bind mounts in containers and for coarse
// file-system clocks.
func (a *App) watchFile(ctx context.Context, path string) {
	last := fileDigest(path)
	t := time.NewTicker(a.opts.WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d := fileDigest(path)
		if d == nil || bytes.Equal(d, last) {
			continue
		}
		last = d
		a.log.Info("config file changed; reloading", "file", path)
		_ = a.ReloadFile() // logged inside; the last good config stays
	}
}

func fileDigest(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// cronLogger routes robfig/cron's logging (recovered panics) to slog.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Info("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}

// maxJitter bounds a source's schedule offset: it spreads over the
// whole interval, but at most an hour, so a daily "0 9 * * *" still runs
// between 09:00 and 10:00.
const maxJitter = time.Hour

// jittered is a source's schedule shifted by a fixed offset derived from
// the source's name, spread uniformly over the interval (at most an
// hour), so ten thousand sources on "@every 15m" poll about 11 a second
// instead of all at once. The offset is deterministic: a restart keeps
// every source's slot.
//
// "@every D" schedules are anchored to the clock (multiples of D since
// Go's zero time, so :00, :15, … for 15m; plus the offset) instead of robfig/cron's "D after
// the cron started": otherwise the offset would vanish after the first
// run, since each run is scheduled D after the previous one.
type jittered struct {
	inner    cron.Schedule
	every    time.Duration // > 0 for "@every" schedules
	offset   time.Duration // in [0, spread)
	spread   time.Duration // the span offsets are spread over: min(interval, maxJitter)
	interval time.Duration
}

// Next is the first run strictly after t; the zero time (robfig/cron's
// "never") for the zero jittered.
func (j jittered) Next(t time.Time) time.Time {
	if j.every <= 0 && j.inner == nil {
		return time.Time{}
	}
	if j.every > 0 {
		// First k·every + offset strictly after t.
		base := t.Add(-j.offset).Truncate(j.every)
		return base.Add(j.every + j.offset)
	}
	return j.inner.Next(t.Add(-j.offset)).Add(j.offset)
}

// sourceSchedule parses src's schedule and shifts it by src's offset.
func sourceSchedule(src config.Source) (jittered, error) {
	inner, err := cron.ParseStandard(src.Schedule)
	if err != nil {
		return jittered{}, err
	}
	j := jittered{inner: inner}
	if cd, ok := inner.(cron.ConstantDelaySchedule); ok {
		j.every = cd.Delay
	}
	j.interval = scheduleInterval(j.inner, j.every)
	j.spread = min(j.interval, maxJitter)
	j.offset = jitterOffset(src.Name, j.spread)
	return j, nil
}

// scheduleInterval is the time between two activations: the delay of an
// "@every" schedule, else the gap after the next activation from a fixed
// reference (cron specs with uneven gaps get their first gap).
func scheduleInterval(s cron.Schedule, every time.Duration) time.Duration {
	if every > 0 {
		return every
	}
	ref := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	n1 := s.Next(ref)
	return s.Next(n1).Sub(n1)
}

// jitterOffset maps name uniformly into [0, limit), at second granularity
// (cron runs at whole seconds).
func jitterOffset(name string, limit time.Duration) time.Duration {
	secs := uint64(limit / time.Second)
	if secs == 0 {
		return 0
	}
	sum := sha256.Sum256([]byte(name))
	return time.Duration(binary.BigEndian.Uint64(sum[:8])%secs) * time.Second
}

// sourceInterval is the time between two scheduled runs of src; 15
// minutes when its schedule cannot be parsed (config validation rejects
// those before they get here).
func sourceInterval(src config.Source) time.Duration {
	j, err := sourceSchedule(src)
	if err != nil || j.interval <= 0 {
		return 15 * time.Minute
	}
	return j.interval
}
