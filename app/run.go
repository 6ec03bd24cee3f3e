package app

import (
	"bytes"
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
	s := &scheduler{app: a, ctx: ctx}
	a.mu.Lock()
	cfg := a.cur.cfg
	a.mu.Unlock()
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

// scheduler owns the cron instance of the config in force; a reload
// replaces it whole.
type scheduler struct {
	app     *App
	ctx     context.Context
	mu      sync.Mutex
	cron    *cron.Cron
	entries map[cron.EntryID]string // source of each entry of cron; guarded by mu
	stopped bool                    // guarded by mu; no pass starts once set
	passes  sync.WaitGroup          // passes started by any cron of this scheduler or by catch-up
}

// reschedule replaces every cron entry with the sources of cfg, then runs
// at once each source that has never run or whose next run after its last
// one is already past (the daemon was down, or the source is new). Passes
// still running keep going; the per-source lock stops overlaps.
func (s *scheduler) reschedule(cfg *config.Config) error {
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{s.app.log})))
	now := s.app.now()
	var overdue []overdueRun
	entries := make(map[cron.EntryID]string, len(cfg.Sources))
	for _, src := range cfg.Sources {
		name := src.Name
		sched, err := sourceSchedule(src)
		if err != nil {
			return fmt.Errorf("source %s: schedule: %w", name, err)
		}
		entries[c.Schedule(sched, cron.FuncJob(func() { s.runSource(name) }))] = name
		state, ok, err := s.app.store.SourceState(name)
		if err != nil {
			return fmt.Errorf("source %s: %w", name, err)
		}
		if !ok || state.LastRun.IsZero() || !sched.Next(state.LastRun).After(now) {
			overdue = append(overdue, overdueRun{name, sched.offset})
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
	if old != nil {
		old.Stop()
	}
	for _, o := range overdue {
		// Catch-up is spread by the same offsets as the schedule, so a
		// restart after downtime does not fire every source at once.
		go s.runSourceAfter(o.name, o.offset)
	}
	return nil
}

// overdueRun is a source to run at once (after its jitter offset).
type overdueRun struct {
	name   string
	offset time.Duration
}

// runSourceAfter waits d, unless the scheduler stops first, then runs the
// source.
func (s *scheduler) runSourceAfter(name string, d time.Duration) {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
	s.runSource(name)
}

// runSource runs one pass over the named source with the config in force
// now; a source removed by a reload is no longer run.
func (s *scheduler) runSource(name string) {
	if !s.begin() {
		return
	}
	defer s.passes.Done()
	c := s.app.current()
	src, ok := c.cfg.SourceByName(name)
	if !ok {
		return
	}
	s.app.runPass(s.ctx, c, src, true)
}

// begin counts a pass in, unless the scheduler is stopping.
func (s *scheduler) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || s.ctx.Err() != nil {
		return false
	}
	s.passes.Add(1)
	return true
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

// stop halts the schedule and waits for running passes, which see the
// cancelled context and return quickly.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.stopped = true
	c := s.cron
	s.mu.Unlock()
	if c != nil {
		<-c.Stop().Done()
	}
	s.passes.Wait()
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

// maxJitter bounds a source's schedule offset: at most a tenth of its
// interval and never more than five minutes.
const maxJitter = 5 * time.Minute

// jittered is a source's schedule shifted by a fixed offset derived from
// the source's name, so a thousand sources on "@every 15m" spread over
// the first 90 s of each quarter hour instead of all firing at once. The
// offset is deterministic: a restart keeps every source's slot.
//
// "@every D" schedules are anchored to the clock (multiples of D since
// Go's zero time, so :00, :15, … for 15m; plus the offset) instead of robfig/cron's "D after
// the cron started": otherwise the offset would vanish after the first
// run, since each run is scheduled D after the previous one.
type jittered struct {
	inner    cron.Schedule
	every    time.Duration // > 0 for "@every" schedules
	offset   time.Duration
	interval time.Duration
}

func (j jittered) Next(t time.Time) time.Time {
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
	j.offset = jitterOffset(src.Name, min(j.interval/10, maxJitter))
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
