package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/newshound/newshound/notify/quiet"
)

// DispatcherOptions tunes a Dispatcher; zero fields take the defaults.
type DispatcherOptions struct {
	Now        func() time.Time // default time.Now
	Logger     *slog.Logger     // default slog.Default()
	MinBackoff time.Duration    // delay after the first failure; default 30s
	MaxBackoff time.Duration    // cap of the exponential backoff; default 1h
	// Rand returns a number in [0, 1) for the ±20% jitter; default
	// math/rand/v2.Float64.
	Rand func() float64
	// AttemptTimeout bounds one Notify or NotifyDigest call; default 30s.
	// A call that runs out of time has an unknown outcome and is retried.
	AttemptTimeout time.Duration
	// Grace is how long sends in flight may go on after the Run/DeliverDue
	// context is cancelled (SIGTERM) before they are cut short; entries not
	// finished stay queued and due. Default 10s.
	Grace time.Duration
	// Sleep waits d or until ctx is done (then it returns ctx's error);
	// the rate limit waits with it. Default: a timer. Tests inject one
	// that advances their clock.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnOutcome, when set, is told the outcome of every entry a sweep
	// handled, once per entry, as it is recorded in the store: the same
	// events the Report counts (the daemon turns them into metrics). It is
	// called from the notifiers' workers concurrently, with no lock held,
	// and must return quickly.
	OnOutcome func(notifier string, outcome Outcome)
}

// Outcome is how the dispatcher handled one outbox entry, as reported to
// DispatcherOptions.OnOutcome.
type Outcome string

// The outcomes; each matches a Report counter.
const (
	OutcomeDelivered Outcome = "delivered" // acknowledged by the channel
	OutcomeRetried   Outcome = "retried"   // a retryable failure (or not sent because the channel just failed): rescheduled
	OutcomeDead      Outcome = "dead"      // given up: a dead letter
	OutcomeDeferred  Outcome = "deferred"  // moved without an attempt: quiet hours, a disabled notifier
)

// DefaultMaxQueueAge is how long an entry may wait in the outbox, counted
// from when it first fell due, before it becomes a dead letter.
const DefaultMaxQueueAge = 48 * time.Hour

// DefaultDigestSize is the most alerts one digest message carries when the
// channel does not say.
const DefaultDigestSize = 50

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
	// digest goes as several messages. 0 means DefaultDigestSize.
	DigestSize int
	// Fingerprint identifies the notifier's settings (a hash, never the
	// settings themselves). A notifier disabled by ErrGone is re-enabled
	// when its fingerprint changes.
	Fingerprint string
}

// withDefaults fills the zero settings.
func (c Channel) withDefaults() Channel {
	if c.MaxQueueAge <= 0 {
		c.MaxQueueAge = DefaultMaxQueueAge
	}
	if c.DigestSize <= 0 {
		c.DigestSize = DefaultDigestSize
	}
	return c
}

const (
	// sweepBatch is how many entries one DueFor call returns; a sweep
	// keeps reading batches until the notifier's due entries are
	// exhausted.
	sweepBatch = 256
	// maxIdle is the longest a worker sleeps without looking at the
	// outbox, so an entry queued without a wake-up still goes out within a
	// minute.
	maxIdle = time.Minute
	// maxRetryAfter caps a receiver's Retry-After, so a hostile or broken
	// receiver cannot park alerts for months.
	maxRetryAfter = 24 * time.Hour
	// maxErrorText bounds the error text stored with an entry.
	maxErrorText = 1024
	// defaultGrace is DispatcherOptions.Grace's default.
	defaultGrace = 10 * time.Second
)

// Dispatcher delivers due outbox entries through their notifiers.
//
// Every notifier is swept on its own: Run gives each configured notifier
// a long-lived worker with its own schedule, DeliverDue sweeps them all in
// parallel once. A sweep (see type sweep for the rules) reads only that
// notifier's due entries, so a stalled channel never delays another. One
// notifier is never swept twice at the same time. Dead letters and
// disabled notifiers are announced through the notice recipients after
// the sweep that produced them (see announce).
type Dispatcher struct {
	out            Outbox
	now            func() time.Time
	log            *slog.Logger
	minBackoff     time.Duration
	maxBackoff     time.Duration
	rand           func() float64
	attemptTimeout time.Duration
	grace          time.Duration
	sleep          func(ctx context.Context, d time.Duration) error
	onOutcome      func(notifier string, outcome Outcome)
	batch          int // entries per DueFor call: sweepBatch, smaller in tests

	mu       sync.RWMutex
	channels map[string]Channel
	notices  []string // notifiers that hear about dead letters and disabled notifiers

	lanesMu sync.Mutex
	lanes   map[string]*lane

	// changed tells a running Run that SetChannels changed the set.
	changed chan struct{}
	runMu   sync.Mutex
	run     *runner // the running Run's workers; nil when not running
}

// lane is what the Dispatcher keeps per notifier across sweeps and config
// reloads.
type lane struct {
	// mu is held for a whole sweep: Run's worker and DeliverDue never
	// sweep one notifier at the same time, so nothing is sent twice.
	mu sync.Mutex
	// lastSend is when the last send started (d.now), for MinInterval.
	lastSend time.Time
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
		grace:          opts.Grace,
		sleep:          opts.Sleep,
		onOutcome:      opts.OnOutcome,
		batch:          sweepBatch,
		lanes:          make(map[string]*lane),
		changed:        make(chan struct{}, 1),
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
	if d.grace <= 0 {
		d.grace = defaultGrace
	}
	if d.sleep == nil {
		d.sleep = sleepTimer
	}
	d.SetChannels(channels, notices)
	return d
}

// sleepTimer waits d on a timer, or until ctx is done.
func sleepTimer(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SetChannels replaces the channels and the notice recipients (config
// reload). It is safe to call while Run is running: Run starts a worker
// for each new notifier and stops those of removed ones; a sweep in
// progress finishes with the settings it started with. A notifier that
// was disabled (ErrGone) is re-enabled when its Fingerprint differs from
// the one recorded. Due entries for a name no longer present are
// dead-lettered.
func (d *Dispatcher) SetChannels(channels map[string]Channel, notices []string) {
	cp := make(map[string]Channel, len(channels))
	for name, c := range channels {
		cp[name] = c.withDefaults()
	}
	d.mu.Lock()
	d.channels = cp
	d.notices = slices.Clone(notices)
	d.mu.Unlock()
	if d.out != nil {
		d.reenable(cp)
	}
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

// reenable enables every disabled notifier whose settings changed. It
// takes the notifier's lane, so a sweep that read the notifier as
// disabled has finished deferring before its entries are made due (and
// rechecks under it, since that sweep may have disabled it again).
func (d *Dispatcher) reenable(channels map[string]Channel) {
	disabled, err := d.out.DisabledNotifiers()
	if err != nil {
		d.log.Error("read disabled notifiers", "err", err)
		return
	}
	for _, dis := range disabled {
		c, ok := channels[dis.Name]
		if !ok || c.Fingerprint == dis.Fingerprint {
			continue
		}
		l := d.lane(dis.Name)
		l.mu.Lock()
		if _, err := d.disabledState(dis.Name, c); err != nil {
			d.log.Error("read disabled notifiers", "err", err)
		}
		l.mu.Unlock()
	}
}

// enable re-enables a notifier whose settings changed since it was
// disabled; its queued entries become due now.
func (d *Dispatcher) enable(name string) {
	n, err := d.out.Enable(name, d.now())
	if err != nil {
		d.log.Error("re-enable notifier", "notifier", name, "err", err)
		return
	}
	d.log.Info("notifier re-enabled: its settings changed", "notifier", name, "requeued", n)
}

// channel returns the current settings of a notifier.
func (d *Dispatcher) channel(name string) (Channel, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c, ok := d.channels[name]
	return c, ok
}

// names returns the configured notifiers and the notice recipients.
func (d *Dispatcher) names() (channels, notices []string) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	for name := range d.channels {
		channels = append(channels, name)
	}
	slices.Sort(channels)
	return channels, slices.Clone(d.notices)
}

func (d *Dispatcher) lane(name string) *lane {
	d.lanesMu.Lock()
	defer d.lanesMu.Unlock()
	l := d.lanes[name]
	if l == nil {
		l = &lane{}
		d.lanes[name] = l
	}
	return l
}

// Report counts the outcomes of a sweep.
type Report struct {
	Delivered, Retried, Dead int
	// Deferred counts entries moved without an attempt: quiet hours, a
	// disabled notifier.
	Deferred int
}

// count adds one entry's outcome to r and tells the observer, if any.
func (d *Dispatcher) count(r *Report, notifier string, o Outcome) {
	switch o {
	case OutcomeDelivered:
		r.Delivered++
	case OutcomeRetried:
		r.Retried++
	case OutcomeDead:
		r.Dead++
	case OutcomeDeferred:
		r.Deferred++
	}
	if d.onOutcome != nil {
		d.onOutcome(notifier, o)
	}
}

func (r *Report) add(o Report) {
	r.Delivered += o.Delivered
	r.Retried += o.Retried
	r.Dead += o.Dead
	r.Deferred += o.Deferred
}

// DeliverDue makes one sweep of everything due now, every notifier in
// parallel, and reports what happened; the notices it raises (and any a
// crash left unannounced) are queued and swept once more so `newshound
// once` delivers them too. Store errors are returned
// (joined) after the sweep has done what it could; delivery failures are
// not errors, they are the Report. When ctx is done no new send starts,
// sends in flight get Grace to finish, and ctx's error is returned; the
// entries not tried stay queued.
func (d *Dispatcher) DeliverDue(ctx context.Context) (Report, error) {
	hard, stop := graceContext(ctx, d.grace)
	defer stop()
	channels, notices := d.names()
	queued, err := d.out.QueuedNotifiers()
	if err != nil {
		return Report{}, fmt.Errorf("deliver due alerts: %w", err)
	}
	total, err := d.sweepAll(ctx, hard, union(channels, queued))
	// Announce even when this sweep killed nothing: a crash may have cut
	// the last run between a Dead and its Announce.
	if ctx.Err() == nil {
		if n := d.announce(); n > 0 {
			r, err2 := d.sweepAll(ctx, hard, notices)
			total.add(r)
			err = errors.Join(err, err2)
		}
	}
	if ctx.Err() != nil {
		return total, errors.Join(ctx.Err(), err)
	}
	return total, err
}

// sweepAll sweeps the named notifiers in parallel.
func (d *Dispatcher) sweepAll(ctx, hard context.Context, names []string) (Report, error) {
	reports := make([]Report, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { reports[i], _, errs[i] = d.sweepNotifier(ctx, hard, name) })
	}
	wg.Wait()
	var total Report
	for _, r := range reports {
		total.add(r)
	}
	return total, errors.Join(errs...)
}

// union returns the sorted distinct names of a and b.
func union(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}

// graceContext returns the context sends run under: it ignores ctx's
// cancellation for grace, then is cancelled too. stop releases it.
func graceContext(ctx context.Context, grace time.Duration) (hard context.Context, stop func()) {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var (
		mu      sync.Mutex
		timer   *time.Timer
		stopped bool
	)
	stopAfter := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			timer = time.AfterFunc(grace, cancel)
		}
	})
	return hard, func() {
		stopAfter()
		mu.Lock()
		stopped = true
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel()
	}
}
