package store

// CONTRACT STUBS — owned by the store/dispatcher helper, who replaces every
// body below with the real implementation (and may move them to other
// files). Signatures are fixed: other packages are written against them.

import (
	"errors"
	"time"
)

var errNotImplemented = errors.New("not implemented yet")

// DisabledNotifier is a notifier the dispatcher switched off because its
// receiver said the channel is gone (HTTP 410, Slack channel_is_archived).
type DisabledNotifier struct {
	Name        string
	Reason      string    // the receiver's answer, without secrets
	Fingerprint string    // the notifier's settings hash when it was disabled
	At          time.Time // when it was disabled
	Announced   bool      // the notice was queued
}

// Queue stores alerts outside a crawl pass (notices), in one transaction,
// with the same dedup rule as Record: an alert whose ID is stored already
// is skipped. It returns the IDs newly stored.
func (s *Store) Queue(alerts []QueuedAlert) ([]string, error) { return nil, errNotImplemented }

// DueFor is Due restricted to one notifier's entries; it reads only that
// notifier's part of the due index.
func (s *Store) DueFor(notifier string, now time.Time, limit int) ([]Entry, error) {
	return nil, errNotImplemented
}

// NextDueFor is NextDue restricted to one notifier.
func (s *Store) NextDueFor(notifier string) (time.Time, bool, error) {
	return time.Time{}, false, errNotImplemented
}

// QueuedNotifiers returns the distinct notifier names that have queued
// entries, sorted.
func (s *Store) QueuedNotifiers() ([]string, error) { return nil, errNotImplemented }

// Defer reschedules a queued entry to next WITHOUT counting a failed
// attempt (quiet hours, a disabled notifier), setting its Digest flag to
// digest.
func (s *Store) Defer(id string, next time.Time, digest bool) error { return errNotImplemented }

// Disable records d (replacing an earlier record for the same name).
func (s *Store) Disable(d DisabledNotifier) error { return errNotImplemented }

// Enable removes notifier's disabled record and makes all its queued
// entries due at now, with FirstDue reset to now. It reports how many
// entries it made due; enabling a notifier that is not disabled is not an
// error.
func (s *Store) Enable(notifier string, now time.Time) (requeued int, err error) {
	return 0, errNotImplemented
}

// DisabledNotifiers returns the disabled notifiers, by name.
func (s *Store) DisabledNotifiers() ([]DisabledNotifier, error) { return nil, errNotImplemented }

// RequeueDead moves one dead letter back to the outbox, due at now, with
// FirstDue reset to now and its attempts kept. ErrNotFound when there is
// no such dead letter.
func (s *Store) RequeueDead(id string, now time.Time) error { return errNotImplemented }

// RequeueAllDead requeues every dead letter; it returns how many.
func (s *Store) RequeueAllDead(now time.Time) (int, error) { return 0, errNotImplemented }

// Announce runs, in ONE write transaction: read the dead letters and the
// disabled notifiers not announced yet (dead letters of notices are never
// listed: see news.IsNotice), call build with them (build must not touch
// the store), queue the alerts build returns, and mark everything it was
// given as announced. A crash therefore loses no notice and sends none
// twice. With nothing to announce build is not called.
func (s *Store) Announce(build func(dead []Entry, disabled []DisabledNotifier) []QueuedAlert) (queued []string, err error) {
	return nil, errNotImplemented
}
