package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
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
	a.sched = s
	cfg := a.cur.cfg
	a.mu.Unlock()
	if err := s.reschedule(cfg); err != nil {
		return err
	}

	var loops sync.WaitGroup
	loops.Go(func() { a.dispatcher.Run(ctx, a.wake) })
	loops.Go(func() { a.pruneTexts(ctx) })
	if cfg.Path != "" {
		loops.Go(func() { a.watchFile(ctx, cfg.Path) })
	}
	a.log.Info("newshound running", "sources", len(cfg.Sources), "watches", len(cfg.Watches), "data", cfg.Data)

	<-ctx.Done()
	a.log.Info("shutting down")
	s.stop()
	loops.Wait()
	a.mu.Lock()
	a.sched = nil
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
	stopped bool           // guarded by mu; no pass starts once set
	passes  sync.WaitGroup // passes started by any cron of this scheduler or by catch-up
}

// reschedule replaces every cron entry with the sources of cfg, then runs
// at once each source that has never run or whose next run after its last
// one is already past (the daemon was down, or the source is new). Passes
// still running keep going; the per-source lock stops overlaps.
func (s *scheduler) reschedule(cfg *config.Config) error {
	c := cron.New(cron.WithChain(cron.Recover(cronLogger{s.app.log})))
	now := s.app.now()
	var overdue []string
	for _, src := range cfg.Sources {
		name := src.Name
		sched, err := cron.ParseStandard(src.Schedule)
		if err != nil {
			return fmt.Errorf("source %s: schedule: %w", name, err)
		}
		c.Schedule(sched, cron.FuncJob(func() { s.runSource(name) }))
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
	s.cron = c
	c.Start()
	s.mu.Unlock()
	if old != nil {
		old.Stop()
	}
	for _, name := range overdue {
		go s.runSource(name)
	}
	return nil
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
	s.app.runPass(s.ctx, c, src)
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
