package store

import (
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/outbox"
)

// Ack records that the entry was delivered at at: it leaves the outbox and
// its delivery time is kept under delivered/.
func (s *Store) Ack(id string, at time.Time) error {
	err := s.update(func(tx *bbolt.Tx) error {
		rec, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		if err := deleteEntry(tx, id, rec); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketDelivered), []byte(id), utc(at))
	})
	return wrapf(err, "acknowledge outbox entry %s", id)
}

// Retry counts a failed attempt and reschedules the entry for next.
func (s *Store) Retry(id string, next time.Time, lastErr string) error {
	err := s.reschedule(id, func(rec *entryRecord) {
		rec.Attempts++
		rec.NextAttempt = utc(next)
		rec.LastError = lastErr
	})
	return wrapf(err, "reschedule outbox entry %s", id)
}

// Reschedule is one failed attempt for RetryAll (see outbox.Reschedule).
type Reschedule = outbox.Reschedule

// RetryAll is Retry for many entries in ONE transaction: when a channel
// is down, every entry of its sweep backs off, and one fsync for all of
// them (instead of one each) keeps a long outage with a deep queue cheap.
// It fails, changing nothing, if any entry is missing.
func (s *Store) RetryAll(rs []Reschedule) error {
	if len(rs) == 0 {
		return nil
	}
	err := s.update(func(tx *bbolt.Tx) error {
		for _, r := range rs {
			if err := rescheduleIn(tx, r.ID, func(rec *entryRecord) {
				rec.Attempts++
				rec.NextAttempt = utc(r.Next)
				rec.LastError = r.LastError
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return wrapf(err, "reschedule %d outbox entries", len(rs))
}

// Defer reschedules a queued entry to next WITHOUT counting a failed
// attempt (quiet hours, a disabled notifier), setting its Digest flag to
// digest. FirstDue is kept, so a deferred entry still ages.
func (s *Store) Defer(id string, next time.Time, digest bool) error {
	err := s.reschedule(id, func(rec *entryRecord) {
		rec.NextAttempt = utc(next)
		rec.Digest = digest
	})
	return wrapf(err, "defer outbox entry %s", id)
}

// reschedule applies change to a queued entry and moves its due index key
// accordingly, in one transaction.
func (s *Store) reschedule(id string, change func(*entryRecord)) error {
	return s.update(func(tx *bbolt.Tx) error { return rescheduleIn(tx, id, change) })
}

func rescheduleIn(tx *bbolt.Tx, id string, change func(*entryRecord)) error {
	rec, err := getEntry(tx, id)
	if err != nil {
		return err
	}
	if err := unindex(tx, id, rec); err != nil {
		return err
	}
	change(&rec)
	return putEntry(tx, id, rec)
}
