package notify

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// sweep is one pass over the due entries of one notifier. The rules, in
// the order they are applied to each due entry:
//
//  1. An entry that first fell due MaxQueueAge ago or more is dead.
//  2. While the notifier is disabled (ErrGone) the entry is deferred, with
//     no attempt counted, to FirstDue+MaxQueueAge: it dies of age unless
//     the notifier is re-enabled first.
//  3. Inside quiet hours the entry is deferred to the end of the window
//     and marked digest, so everything held goes out as one digest.
//  4. Otherwise it is sent: digest entries of a DigestNotifier together,
//     in chunks of at most DigestSize, oldest first, one NotifyDigest call
//     per chunk; every other entry alone with Notify. Sends are at least
//     MinInterval apart.
//
// A chunk's outcome applies to every entry in it: acknowledged,
// rescheduled (retryable), dead (permanent) or, for ErrGone, deferred
// while the notifier is disabled. After the first retryable failure the
// channel is taken to be down and the rest of the sweep is rescheduled
// without being sent (counted as a failed attempt, with the same jitter,
// so entries back off together): a receiver that hangs costs one
// AttemptTimeout per sweep, not one per queued alert.
type sweep struct {
	d          *Dispatcher
	name       string
	ch         Channel
	ctx, hard  context.Context // no new send once ctx is done; hard cuts sends
	now        time.Time       // the sweep's time: what is due, quiet, too old
	lane       *lane
	disabled   *outbox.DisabledNotifier // nil while enabled
	disabledBy bool                     // this sweep disabled the notifier
	down       error                    // the retryable failure that marked the channel down
	downRand   float64                  // the jitter drawn at that failure
	cut        bool                     // a send was cut at shutdown: stop
	report     Report
	errs       []error
}

// sweepNotifier sweeps one notifier; announce reports that it
// dead-lettered something or disabled the notifier, so notices are due.
// Entries of a notifier that is not configured are dead-lettered.
func (d *Dispatcher) sweepNotifier(ctx, hard context.Context, name string) (r Report, announce bool, err error) {
	l := d.lane(name)
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := d.channel(name)
	if !ok {
		r, err = d.deadLetterUnconfigured(ctx, name)
		return r, r.Dead > 0, err
	}
	s := &sweep{d: d, name: name, ch: ch, ctx: ctx, hard: hard, now: d.now(), lane: l}
	if s.disabled, err = d.disabledState(name, ch); err != nil {
		return Report{}, false, err
	}
	batch := max(d.batch, ch.DigestSize)
	for ctx.Err() == nil && !s.cut && len(s.errs) == 0 {
		entries, err := d.out.DueFor(name, s.now, batch)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("deliver due alerts of notifier %q: %w", name, err))
			break
		}
		s.process(entries, len(entries) == batch)
		// Every entry handled has left the due range (acknowledged,
		// rescheduled after now, deferred, dead), so the next batch is
		// new work; a store error stops the sweep rather than resend.
		if len(entries) < batch {
			break
		}
	}
	return s.report, s.report.Dead > 0 || s.disabledBy, errors.Join(s.errs...)
}

// disabledState returns the notifier's disabled record, or nil; a
// notifier whose settings changed since it was disabled is re-enabled
// here (SetChannels does the same; this covers a reload racing a
// disable).
func (d *Dispatcher) disabledState(name string, ch Channel) (*outbox.DisabledNotifier, error) {
	all, err := d.out.DisabledNotifiers()
	if err != nil {
		return nil, fmt.Errorf("read disabled notifiers: %w", err)
	}
	for _, dis := range all {
		if dis.Name != name {
			continue
		}
		if dis.Fingerprint != ch.Fingerprint {
			d.enable(name)
			return nil, nil
		}
		return &dis, nil
	}
	return nil, nil
}

// deadLetterUnconfigured dead-letters the due entries of a notifier that
// is not in the configuration.
func (d *Dispatcher) deadLetterUnconfigured(ctx context.Context, name string) (Report, error) {
	var r Report
	reason := fmt.Sprintf("notifier %q is not configured", name)
	for ctx.Err() == nil {
		entries, err := d.out.DueFor(name, d.now(), d.batch)
		if err != nil {
			return r, fmt.Errorf("deliver due alerts of notifier %q: %w", name, err)
		}
		for _, e := range entries {
			d.log.Warn("alert dead-lettered", "alert", e.AlertID, "notifier", name, "attempt", e.Attempts+1, "err", reason)
			if err := d.out.Dead(e.ID, reason, d.now()); err != nil {
				return r, err
			}
			d.count(&r, name, OutcomeDead)
		}
		if len(entries) < d.batch {
			break
		}
	}
	return r, nil
}

// process applies the rules to one batch. more says the batch was full:
// a trailing digest chunk smaller than DigestSize then waits for the
// next batch (it stays due and comes first), unless it is the whole
// batch.
func (s *sweep) process(entries []outbox.Entry, more bool) {
	var singles, digests []outbox.Entry
	_, canDigest := s.ch.Notifier.(DigestNotifier)
	for _, e := range entries {
		switch {
		case s.expired(e):
			s.kill([]outbox.Entry{e}, s.expiredReason(e))
		case s.disabled != nil:
			s.deferDisabled([]outbox.Entry{e})
		case s.ch.Quiet.Contains(s.now):
			s.deferEntry(e, s.ch.Quiet.End(s.now), true)
		case e.Digest && canDigest:
			digests = append(digests, e)
		default:
			singles = append(singles, e)
		}
	}
	for i, e := range singles {
		if s.down != nil {
			// The channel is down: the rest back off together, in one
			// store transaction rather than one each.
			s.send(singles[i:], false)
			break
		}
		s.send([]outbox.Entry{e}, false)
	}
	slices.SortStableFunc(digests, func(a, b outbox.Entry) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	chunks := slices.Collect(slices.Chunk(digests, s.ch.DigestSize))
	if n := len(chunks); more && n > 0 && len(chunks[n-1]) < s.ch.DigestSize && len(chunks[n-1]) < len(entries) {
		chunks = chunks[:n-1]
	}
	for i, c := range chunks {
		if s.down != nil {
			s.send(slices.Concat(chunks[i:]...), true)
			break
		}
		s.send(c, true)
	}
}

// firstDue is when the entry first fell due; entries from before schema
// v4 only know when they were created.
func firstDue(e outbox.Entry) time.Time {
	if e.FirstDue.IsZero() {
		return e.Created
	}
	return e.FirstDue
}

func (s *sweep) expired(e outbox.Entry) bool {
	return !s.now.Before(firstDue(e).Add(s.ch.MaxQueueAge))
}

func (s *sweep) expiredReason(e outbox.Entry) string {
	reason := fmt.Sprintf("queued longer than max_queue_age (%v)", s.ch.MaxQueueAge)
	switch {
	case s.disabled != nil:
		return reason + fmt.Sprintf("; notifier %q is disabled: %s", s.name, s.disabled.Reason)
	case e.LastError != "":
		return reason + "; last error: " + e.LastError
	}
	return reason
}

// send makes one Notify call (one entry) or NotifyDigest call (a digest
// chunk, even of one) and records its outcome for every entry.
func (s *sweep) send(chunk []outbox.Entry, digest bool) {
	switch {
	case s.ctx.Err() != nil || s.cut || len(s.errs) > 0:
		return // stays queued and due
	case s.disabled != nil:
		s.deferDisabled(chunk)
		return
	case s.down != nil:
		for _, e := range chunk {
			s.d.log.Debug("alert deferred: its notifier just failed", "alert", e.AlertID, "notifier", s.name, "attempt", e.Attempts+1)
		}
		s.retry(chunk, s.down, "not sent, notifier failed on an earlier alert: ")
		return
	}
	if !s.waitTurn() {
		return
	}
	retryable, err := s.d.attempt(s.hard, s.ch.Notifier, chunk, digest)
	switch {
	case err == nil:
		s.ack(chunk)
	case s.hard.Err() != nil:
		// Cut at shutdown: the outcome is unknown, so the entries stay
		// due and are sent again (same alert ID) after the restart.
		s.cut = true
		s.d.log.Warn("alert send cut short at shutdown; it stays queued", "alerts", len(chunk), "notifier", s.name, "err", err)
	case errors.Is(err, ErrGone):
		s.disable(err)
		s.deferDisabled(chunk)
	case retryable:
		s.down, s.downRand = err, s.d.rand()
		for _, e := range chunk {
			s.d.log.Info("alert delivery failed, will retry", "alert", e.AlertID, "notifier", s.name, "attempt", e.Attempts+1, "err", err)
		}
		s.retry(chunk, err, "")
	default:
		s.kill(chunk, errorText("", err))
	}
}

// waitTurn waits until MinInterval has passed since the notifier's last
// send; it reports false when ctx ended the wait (nothing is sent then).
func (s *sweep) waitTurn() bool {
	if s.ch.MinInterval > 0 && !s.lane.lastSend.IsZero() {
		if wait := s.lane.lastSend.Add(s.ch.MinInterval).Sub(s.d.now()); wait > 0 {
			if err := s.d.sleep(s.ctx, wait); err != nil {
				return false
			}
		}
	}
	s.lane.lastSend = s.d.now()
	return true
}

func (s *sweep) ack(chunk []outbox.Entry) {
	for _, e := range chunk {
		if err := s.d.out.Ack(e.ID, s.d.now()); err != nil {
			s.d.log.Error("alert delivered but not recorded; it will be sent again", "alert", e.AlertID, "notifier", s.name, "err", err)
			s.errs = append(s.errs, err)
			continue
		}
		s.d.count(&s.report, s.name, OutcomeDelivered)
	}
}

// retry reschedules the chunk after failure err, with one jitter draw so
// that entries with the same history stay together.
func (s *sweep) retry(chunk []outbox.Entry, err error, prefix string) {
	rs := make([]outbox.Reschedule, len(chunk))
	for i, e := range chunk {
		rs[i] = outbox.Reschedule{
			ID:        e.ID,
			Next:      s.d.now().Add(s.d.retryDelayWith(e.Attempts+1, err, s.downRand)),
			LastError: errorText(prefix, err),
		}
	}
	if werr := s.d.out.RetryAll(rs); werr != nil {
		s.errs = append(s.errs, werr)
		return
	}
	for range chunk {
		s.d.count(&s.report, s.name, OutcomeRetried)
	}
}

func (s *sweep) kill(chunk []outbox.Entry, reason string) {
	for _, e := range chunk {
		s.d.log.Warn("alert dead-lettered", "alert", e.AlertID, "notifier", s.name, "attempt", e.Attempts+1, "err", reason)
		if err := s.d.out.Dead(e.ID, reason, s.d.now()); err != nil {
			s.errs = append(s.errs, err)
			continue
		}
		s.d.count(&s.report, s.name, OutcomeDead)
	}
}

func (s *sweep) deferEntry(e outbox.Entry, next time.Time, digest bool) {
	s.d.log.Debug("alert deferred", "alert", e.AlertID, "notifier", s.name, "until", next, "digest", digest)
	if err := s.d.out.Defer(e.ID, next, digest); err != nil {
		s.errs = append(s.errs, err)
		return
	}
	s.d.count(&s.report, s.name, OutcomeDeferred)
}

// deferDisabled parks entries of a disabled notifier until they would die
// of age.
func (s *sweep) deferDisabled(chunk []outbox.Entry) {
	for _, e := range chunk {
		s.deferEntry(e, firstDue(e).Add(s.ch.MaxQueueAge), e.Digest)
	}
}

// disable records that the notifier's channel is gone; the rest of the
// sweep is deferred and Announce tells the notice recipients.
func (s *sweep) disable(cause error) {
	dis := outbox.DisabledNotifier{
		Name: s.name, Reason: oneLine(errorText("", cause)), Fingerprint: s.ch.Fingerprint, At: s.d.now(),
	}
	s.d.log.Warn("notifier disabled: its channel is gone; it stays off until its config changes or an operator re-enables it",
		"notifier", s.name, "err", dis.Reason)
	if err := s.d.out.Disable(dis); err != nil {
		s.errs = append(s.errs, err)
	}
	s.disabled, s.disabledBy = &dis, true
}

// attempt makes one Notify call (one entry) or, for a digest, one
// NotifyDigest call under AttemptTimeout, inside ctx (the grace context, cancelled only
// after shutdown's grace period). A call that ran out of time has an
// unknown outcome: the receiver may have accepted it. It is retried (with
// the same alert IDs) whatever the notifier said. A panic is a permanent
// failure.
func (d *Dispatcher) attempt(ctx context.Context, n Notifier, chunk []outbox.Entry, digest bool) (retryable bool, err error) {
	actx, cancel := context.WithTimeout(ctx, d.attemptTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			retryable, err = false, fmt.Errorf("notifier panicked: %v", p)
		}
	}()
	if !digest {
		retryable, err = n.Notify(actx, chunk[0].Alert)
	} else {
		alerts := make([]news.Alert, len(chunk))
		for i, e := range chunk {
			alerts[i] = e.Alert
		}
		retryable, err = n.(DigestNotifier).NotifyDigest(actx, alerts)
	}
	if err != nil && (actx.Err() != nil || errors.Is(err, context.DeadlineExceeded)) {
		retryable = true
	}
	return retryable, err
}

// retryDelay is the wait after failed attempt number attempt (1-based):
// MinBackoff doubled per earlier failure, ±20% jitter, capped at
// MaxBackoff, and never shorter than the receiver's Retry-After (itself
// capped at a day).
func (d *Dispatcher) retryDelay(attempt int, err error) time.Duration {
	return d.retryDelayWith(attempt, err, d.rand())
}

// retryDelayWith is retryDelay with the jitter draw r in [0, 1) given.
func (d *Dispatcher) retryDelayWith(attempt int, err error, r float64) time.Duration {
	backoff := d.minBackoff
	for i := 1; i < attempt && backoff < d.maxBackoff; i++ {
		backoff *= 2 // stops at the cap, long before it could overflow
	}
	backoff = min(backoff, d.maxBackoff)
	jittered := time.Duration(float64(backoff) * (0.8 + 0.4*r))
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

// oneLine folds every run of white space (line breaks included) into one
// space, for text that goes into a title or a log line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
