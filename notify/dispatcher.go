package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/notify/quiet"
	"github.com/newshound/newshound/store"
)

// Outbox is the durable queue the Dispatcher drains; *store.Store
// satisfies it. Every method is one transaction.
type Outbox interface {
	// Due returns up to limit entries whose next attempt is at or before
	// now, oldest first.
	Due(now time.Time, limit int) ([]store.Entry, error)
	// NextDue returns the earliest next attempt of any queued entry.
	NextDue() (time.Time, bool, error)
	// Ack removes a delivered entry.
	Ack(id string, at time.Time) error
	// Retry counts a failed attempt and reschedules the entry.
	Retry(id string, next time.Time, lastErr string) error
	// Dead moves an entry that can never be delivered to the dead letters.
	Dead(id string, reason string, at time.Time) error
}

// DispatcherOptions tunes a Dispatcher; zero fields take the defaults.
type DispatcherOptions struct {
	Now        func() time.Time // default time.Now
	Logger     *slog.Logger     // default slog.Default()
	MinBackoff time.Duration    // delay after the first failure; default 30s
	MaxBackoff time.Duration    // cap of the exponential backoff; default 1h
	// Rand returns a number in [0, 1) for the ±20% jitter; default
	// math/rand/v2.Float64.
	Rand func() float64
	// AttemptTimeout bounds one Notify call; default 30s. A send in flight
	// is not cut short by the Run/DeliverDue context: it finishes or times
	// out, so AttemptTimeout is also the shutdown grace period.
	AttemptTimeout time.Duration
	// Grace is how long sends in flight may go on after the Run/DeliverDue
	// context is cancelled (SIGTERM) before they are cut short; entries not
	// finished stay queued and due. Default 10s.
	Grace time.Duration
}

// DefaultMaxQueueAge is how long an entry may wait in the outbox, counted
// from when it first fell due, before it becomes a dead letter.
const DefaultMaxQueueAge = 48 * time.Hour

// Channel is one configured notifier as the Dispatcher drives it.
type Channel struct {
	Notifier Notifier
	// Quiet is the notifier's quiet hours: entries falling due inside the
	// window wait for its end and then go as one digest. Zero: none.
	Quiet quiet.Window
	// MaxQueueAge: entries that first fell due longer ago than this become
	// dead letters. 0 means DefaultMaxQueueAge.
	MaxQueueAge time.Duration
	// MinInterval is the least time between two sends through this
	// notifier (its rate limit; Slack asks for about one message a second
	// per webhook). 0: no limit.
	MinInterval time.Duration
	// DigestSize is the most alerts one digest message may carry; a larger
	// digest goes as several messages. 0 means 50.
	DigestSize int
	// Fingerprint identifies the notifier's settings (a hash, never the
	// settings themselves). A notifier disabled by ErrGone is re-enabled
	// when its fingerprint changes.
	Fingerprint string
}

const (
	// sweepBatch is how many entries one Due call returns; a sweep keeps
	// reading batches until the due entries are exhausted.
	sweepBatch = 256
	// maxIdle is the longest Run sleeps without looking at the outbox, so
	// an entry queued without a wake-up still goes out within a minute.
	maxIdle = time.Minute
	// maxRetryAfter caps a receiver's Retry-After, so a hostile or broken
	// receiver cannot park alerts for months.
	maxRetryAfter = 24 * time.Hour
	// maxErrorText bounds the error text stored with an entry.
	maxErrorText = 1024
)

// Dispatcher delivers due outbox entries through their notifiers.
//
// A sweep groups the due entries by notifier and gives each notifier its
// own goroutine, so a slow or stalled channel never holds up the others.
// Within a notifier, entries go oldest first; after the first retryable
// failure the channel is taken to be down, and the notifier's remaining
// entries in the sweep are rescheduled without being sent (counted as a
// failed attempt, so they back off together): a receiver that hangs costs
// one AttemptTimeout per sweep, not one per queued alert.
type Dispatcher struct {
	out            Outbox
	now            func() time.Time
	log            *slog.Logger
	minBackoff     time.Duration
	maxBackoff     time.Duration
	rand           func() float64
	attemptTimeout time.Duration
	batch          int // entries per Due call: sweepBatch, smaller in tests

	mu       sync.RWMutex
	channels map[string]Channel
	notices  []string // notifiers that hear about dead letters and disabled notifiers
}

// NewDispatcher returns a Dispatcher draining out through channels, keyed
// by the notifier names used in outbox entries; notices names the
// notifiers that are told about dead letters and disabled notifiers
// (the config's health.notify).
func NewDispatcher(out Outbox, channels map[string]Channel, notices []string, opts DispatcherOptions) *Dispatcher {
	d := &Dispatcher{
		out:            out,
		now:            opts.Now,
		log:            opts.Logger,
		minBackoff:     opts.MinBackoff,
		maxBackoff:     opts.MaxBackoff,
		rand:           opts.Rand,
		attemptTimeout: opts.AttemptTimeout,
		batch:          sweepBatch,
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.Default()
	}
	if d.minBackoff <= 0 {
		d.minBackoff = 30 * time.Second
	}
	if d.maxBackoff <= 0 {
		d.maxBackoff = time.Hour
	}
	d.maxBackoff = max(d.maxBackoff, d.minBackoff)
	if d.rand == nil {
		d.rand = rand.Float64
	}
	if d.attemptTimeout <= 0 {
		d.attemptTimeout = 30 * time.Second
	}
	d.SetChannels(channels, notices)
	return d
}

// SetChannels replaces the channels and the notice recipients (config
// reload). It is safe to call while Run is running; a sweep in progress
// finishes with the channels it started with. Entries for a name no longer
// present are dead-lettered by the next sweep.
func (d *Dispatcher) SetChannels(channels map[string]Channel, notices []string) {
	cp := make(map[string]Channel, len(channels))
	for name, c := range channels {
		cp[name] = c
	}
	d.mu.Lock()
	d.channels = cp
	d.notices = slices.Clone(notices)
	d.mu.Unlock()
}

func (d *Dispatcher) snapshot() map[string]Notifier {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make(map[string]Notifier, len(d.channels))
	for name, c := range d.channels {
		out[name] = c.Notifier
	}
	return out
}

// Report counts the outcomes of a sweep.
type Report struct{ Delivered, Retried, Dead int }

func (r *Report) add(o Report) {
	r.Delivered += o.Delivered
	r.Retried += o.Retried
	r.Dead += o.Dead
}

// Run sweeps the outbox until ctx is done: after each sweep it sleeps
// until the earliest next attempt, a value on wake (send after queuing new
// alerts; a closed wake is ignored), or a minute, whichever comes first.
// It returns once ctx is done and the sends in flight have finished.
func (d *Dispatcher) Run(ctx context.Context, wake <-chan struct{}) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case _, ok := <-wake:
			if !ok {
				wake = nil
			}
		}
		_, err := d.DeliverDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.log.Error("alert delivery sweep failed", "err", err)
		}
		timer.Reset(d.idle(err != nil))
	}
}

// idle is how long Run sleeps: until the next entry is due, at most
// maxIdle. After a failed sweep (the store refused a write) it waits at
// least a backoff step rather than spin on entries still due.
func (d *Dispatcher) idle(failed bool) time.Duration {
	wait := maxIdle
	next, ok, err := d.out.NextDue()
	if err != nil {
		d.log.Error("read next due alert", "err", err)
	} else if ok {
		wait = min(max(next.Sub(d.now()), 0), maxIdle)
	}
	if failed {
		wait = max(wait, min(d.minBackoff, maxIdle))
	}
	return wait
}

// DeliverDue makes one sweep of everything due now and reports what
// happened. Store errors are returned (joined) after the sweep has done
// what it could; delivery failures are not errors, they are the Report.
// When ctx is done no new send starts and ctx's error is returned; the
// entries not tried stay queued.
func (d *Dispatcher) DeliverDue(ctx context.Context) (Report, error) {
	now := d.now()
	var total Report
	for ctx.Err() == nil {
		entries, err := d.out.Due(now, d.batch)
		if err != nil {
			return total, fmt.Errorf("deliver due alerts: %w", err)
		}
		r, err := d.deliver(ctx, entries)
		total.add(r)
		if err != nil {
			return total, err
		}
		if ctx.Err() != nil {
			break
		}
		// Every entry of the batch has left the due range (acked,
		// rescheduled after now, or dead), so the next batch is new work.
		if len(entries) < d.batch {
			return total, nil
		}
	}
	return total, ctx.Err()
}

// deliver sends one batch: entries of unknown notifiers are dead-lettered
// here, the others are sent by one goroutine per notifier.
func (d *Dispatcher) deliver(ctx context.Context, entries []store.Entry) (Report, error) {
	notifiers := d.snapshot()
	groups := make(map[string][]store.Entry)
	var order []string
	var r Report
	var errs []error
	for _, e := range entries {
		if _, ok := notifiers[e.Notifier]; !ok {
			reason := fmt.Sprintf("notifier %q is not configured", e.Notifier)
			d.log.Warn("alert dead-lettered", "alert", e.AlertID, "notifier", e.Notifier, "attempt", e.Attempts+1, "err", reason)
			if err := d.out.Dead(e.ID, reason, d.now()); err != nil {
				errs = append(errs, err)
				continue
			}
			r.Dead++
			continue
		}
		if groups[e.Notifier] == nil {
			order = append(order, e.Notifier)
		}
		groups[e.Notifier] = append(groups[e.Notifier], e)
	}
	reports := make([]Report, len(order))
	groupErrs := make([]error, len(order))
	var wg sync.WaitGroup
	for i, name := range order {
		wg.Go(func() {
			reports[i], groupErrs[i] = d.sendGroup(ctx, notifiers[name], groups[name])
		})
	}
	wg.Wait()
	for i := range order {
		r.add(reports[i])
	}
	return r, errors.Join(append(errs, groupErrs...)...)
}

// sendGroup sends one notifier's entries in order; see Dispatcher for the
// rule after a retryable failure.
func (d *Dispatcher) sendGroup(ctx context.Context, n Notifier, entries []store.Entry) (Report, error) {
	var r Report
	var errs []error
	var down error // the retryable failure that marked the channel down
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		if down != nil {
			d.log.Debug("alert deferred: its notifier just failed", "alert", e.AlertID, "notifier", e.Notifier, "attempt", e.Attempts+1)
			errs = append(errs, d.retry(e, down, "not sent, notifier failed on an earlier alert: "))
			r.Retried++
			continue
		}
		retryable, err := d.attempt(ctx, n, e)
		switch {
		case err == nil:
			if aerr := d.out.Ack(e.ID, d.now()); aerr != nil {
				d.log.Error("alert delivered but not recorded; it will be sent again", "alert", e.AlertID, "notifier", e.Notifier, "err", aerr)
				errs = append(errs, aerr)
			}
			r.Delivered++
		case retryable:
			down = err
			d.log.Info("alert delivery failed, will retry", "alert", e.AlertID, "notifier", e.Notifier, "attempt", e.Attempts+1, "err", err)
			errs = append(errs, d.retry(e, err, ""))
			r.Retried++
		default:
			d.log.Warn("alert dead-lettered", "alert", e.AlertID, "notifier", e.Notifier, "attempt", e.Attempts+1, "err", err)
			errs = append(errs, d.out.Dead(e.ID, errorText("", err), d.now()))
			r.Dead++
		}
	}
	return r, errors.Join(errs...)
}

// attempt makes one Notify call under AttemptTimeout. The call is detached
// from ctx's cancellation so shutdown lets it finish. A call that ran out
// of time has an unknown outcome: the receiver may have accepted it. It is
// retried (with the same alert ID) whatever the notifier said.
func (d *Dispatcher) attempt(ctx context.Context, n Notifier, e store.Entry) (retryable bool, err error) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.attemptTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			retryable, err = false, fmt.Errorf("notifier panicked: %v", p)
		}
	}()
	retryable, err = n.Notify(actx, e.Alert)
	if err != nil && (actx.Err() != nil || errors.Is(err, context.DeadlineExceeded)) {
		retryable = true
	}
	return retryable, err
}

// retry reschedules e after failure err.
func (d *Dispatcher) retry(e store.Entry, err error, prefix string) error {
	now := d.now()
	next := now.Add(d.retryDelay(e.Attempts+1, err))
	return d.out.Retry(e.ID, next, errorText(prefix, err))
}

// retryDelay is the wait after failed attempt number attempt (1-based):
// MinBackoff doubled per earlier failure, ±20% jitter, capped at
// MaxBackoff, and never shorter than the receiver's Retry-After (itself
// capped at a day).
func (d *Dispatcher) retryDelay(attempt int, err error) time.Duration {
	backoff := d.minBackoff
	for i := 1; i < attempt && backoff < d.maxBackoff; i++ {
		backoff *= 2 // stops at the cap, long before it could overflow
	}
	backoff = min(backoff, d.maxBackoff)
	jittered := time.Duration(float64(backoff) * (0.8 + 0.4*d.rand()))
	return max(min(jittered, d.maxBackoff), min(RetryAfter(err), maxRetryAfter))
}

// errorText is the error as stored with the entry, bounded in size.
func errorText(prefix string, err error) string {
	s := prefix + err.Error()
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}
