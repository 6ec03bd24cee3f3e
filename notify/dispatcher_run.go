package notify

import (
	"context"
	"sync"
	"time"
)

// runner is a running Run: one worker per configured notifier.
type runner struct {
	d         *Dispatcher
	ctx, hard context.Context
	wg        sync.WaitGroup
	// orphans is held while unconfigured notifiers are swept, in a
	// goroutine of its own (it may wait for a removed notifier's last
	// send), so that at most one such sweep runs.
	orphans sync.Mutex

	mu      sync.Mutex
	workers map[string]*worker
}

// worker sweeps one notifier in its own loop.
type worker struct {
	wake   chan struct{} // capacity 1: a pending wake-up is enough
	cancel context.CancelFunc
}

// Run delivers until ctx is done. Each configured notifier gets its own
// long-lived worker goroutine with its own schedule: it sweeps that
// notifier's due entries, then sleeps until its next entry is due, a
// wake-up, or maxIdle. A stalled channel therefore never delays another,
// not even by one attempt timeout. Workers start and stop as SetChannels
// changes the set. A value on wake (sent after queuing new alerts; a
// closed wake is ignored) wakes every worker. Due entries of notifiers
// that are not configured are dead-lettered every maxIdle and on wake.
//
// At start Run queues the notices a crash may have left unannounced.
// When ctx is done no new send starts; sends in flight get Grace to
// finish, then they are cut and their entries stay due. Run returns only
// after every worker has returned.
func (d *Dispatcher) Run(ctx context.Context, wake <-chan struct{}) {
	hard, stop := graceContext(ctx, d.grace)
	defer stop()
	r := &runner{d: d, ctx: ctx, hard: hard, workers: make(map[string]*worker)}
	d.runMu.Lock()
	d.run = r
	d.runMu.Unlock()
	defer func() {
		d.runMu.Lock()
		d.run = nil
		d.runMu.Unlock()
		r.wg.Wait()
	}()

	d.announce()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		r.reconcile()
		select {
		case <-ctx.Done():
			return
		case <-d.changed:
			continue
		case _, ok := <-wake:
			if !ok {
				wake = nil
				continue
			}
			r.pokeAll()
		case <-timer.C:
			timer.Reset(maxIdle)
		}
		if r.orphans.TryLock() {
			r.wg.Go(func() {
				defer r.orphans.Unlock()
				r.sweepUnconfigured()
			})
		}
	}
}

// reconcile starts a worker for every configured notifier without one and
// stops the workers of notifiers no longer configured.
func (r *runner) reconcile() {
	names, _ := r.d.names()
	want := make(map[string]bool, len(names))
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		want[name] = true
		if r.workers[name] == nil {
			r.workers[name] = r.start(name)
		}
	}
	for name, w := range r.workers {
		if !want[name] {
			// A send in flight finishes; a worker started again for
			// the name waits for it on the notifier's lane, so the two
			// never sweep together.
			w.cancel()
			delete(r.workers, name)
		}
	}
}

// start launches the worker of one notifier.
func (r *runner) start(name string) *worker {
	ctx, cancel := context.WithCancel(r.ctx)
	w := &worker{wake: make(chan struct{}, 1), cancel: cancel}
	r.wg.Go(func() {
		defer cancel()
		r.d.work(ctx, r.hard, name, w.wake)
	})
	return w
}

// work is one notifier's loop.
func (d *Dispatcher) work(ctx, hard context.Context, name string, wake <-chan struct{}) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-wake:
		}
		_, announce, err := d.sweepNotifier(ctx, hard, name)
		if announce {
			d.announce()
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.log.Error("alert delivery sweep failed", "notifier", name, "err", err)
		}
		timer.Reset(d.idle(name, err != nil))
	}
}

// idle is how long a worker sleeps: until its next entry is due, at most
// maxIdle. After a failed sweep (the store refused a write) it waits at
// least a backoff step rather than spin on entries still due.
func (d *Dispatcher) idle(name string, failed bool) time.Duration {
	wait := maxIdle
	next, ok, err := d.out.NextDueFor(name)
	if err != nil {
		d.log.Error("read next due alert", "notifier", name, "err", err)
	} else if ok {
		wait = min(max(next.Sub(d.now()), 0), maxIdle)
	}
	if failed {
		wait = max(wait, min(d.minBackoff, maxIdle))
	}
	return wait
}

// pokeAll wakes every worker.
func (r *runner) pokeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// poke wakes the workers of the named notifiers, if Run is running.
func (d *Dispatcher) poke(names []string) {
	d.runMu.Lock()
	r := d.run
	d.runMu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		if w := r.workers[name]; w != nil {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
}

// sweepUnconfigured dead-letters the due entries of notifiers that have
// queued entries but no worker.
func (r *runner) sweepUnconfigured() {
	queued, err := r.d.out.QueuedNotifiers()
	if err != nil {
		r.d.log.Error("read notifiers of the outbox", "err", err)
		return
	}
	dead := 0
	for _, name := range queued {
		if _, ok := r.d.channel(name); ok {
			continue
		}
		rep, _, err := r.d.sweepNotifier(r.ctx, r.hard, name)
		if err != nil {
			r.d.log.Error("alert delivery sweep failed", "notifier", name, "err", err)
		}
		dead += rep.Dead
	}
	if dead > 0 {
		r.d.announce()
	}
}
