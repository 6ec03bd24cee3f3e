package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// Entry is one delivery of one alert through one notifier: queued in the
// outbox until acknowledged, or kept as a dead letter.
type Entry struct {
	ID, AlertID, Notifier string // ID = AlertID + "/" + Notifier
	Alert                 news.Alert
	// Attempts counts failed attempts: each Retry and Dead adds one.
	Attempts             int
	Created, NextAttempt time.Time
	// LastError is the last failure; for a dead letter, the reason.
	LastError string
	// DeadAt is when the entry was given up; zero while queued.
	DeadAt time.Time
	// Digest marks an entry sent collected with others in one message
	// (a digest route, or an entry held over quiet hours).
	Digest bool
	// FirstDue is when the entry first fell due; max_queue_age counts from
	// here (not from Created, so a weekly digest is not born stale).
	FirstDue time.Time
}

// Due returns up to limit queued entries whose next attempt is at or before
// now, oldest next attempt first; limit <= 0 means no limit. It reads the
// due index, so it costs what it returns, not the size of the outbox.
func (s *Store) Due(now time.Time, limit int) ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		out, err = scanDue(tx, dueKey(now, ""), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read due outbox entries: %w", err)
	}
	return out, nil
}

// Queued returns every queued entry, in next-attempt order.
func (s *Store) Queued() ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		out, err = scanDue(tx, nil, 0)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// scanDue walks the due index in order and loads the entries it points
// at, up to limit entries (<= 0: all) whose time prefix is at most until's
// (nil: no bound).
func scanDue(tx *bbolt.Tx, until []byte, limit int) ([]Entry, error) {
	var out []Entry
	c := tx.Bucket(bucketDue).Cursor()
	for k, _ := c.First(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
		if len(k) <= 8 {
			return nil, fmt.Errorf("%w: due index key of %d bytes", ErrCorrupt, len(k))
		}
		if until != nil && bytes.Compare(k[:8], until[:8]) > 0 {
			break
		}
		e, err := loadEntry(tx, string(k[8:]))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// NextDue returns the earliest next attempt of any queued entry; ok is
// false when the outbox is empty.
func (s *Store) NextDue() (next time.Time, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		k, _ := tx.Bucket(bucketDue).Cursor().First()
		if k == nil {
			return nil
		}
		ok = true
		next, err = dueTime(k)
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read next due time: %w", err)
	}
	return next, ok, nil
}

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
	err := s.update(func(tx *bbolt.Tx) error {
		rec, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketDue).Delete(dueKey(rec.NextAttempt, id)); err != nil {
			return err
		}
		rec.Attempts++
		rec.NextAttempt = utc(next)
		rec.LastError = lastErr
		return putEntry(tx, id, rec)
	})
	return wrapf(err, "reschedule outbox entry %s", id)
}

// Dead counts a failed attempt and moves the entry, with its alert, from
// the outbox to the dead letters, with reason.
func (s *Store) Dead(id string, reason string, at time.Time) error {
	err := s.update(func(tx *bbolt.Tx) error {
		rec, err := getEntry(tx, id)
		if err != nil {
			return err
		}
		var alert alertRecord
		if raw := tx.Bucket(bucketAlerts).Get([]byte(rec.AlertID)); raw != nil {
			if err := decode(raw, &alert); err != nil {
				return err
			}
		}
		if err := deleteEntry(tx, id, rec); err != nil {
			return err
		}
		rec.Attempts++
		rec.LastError = reason
		return putJSON(tx.Bucket(bucketDead), []byte(id), deadRecord{entryRecord: rec, DeadAt: utc(at), Alert: alert})
	})
	return wrapf(err, "dead-letter outbox entry %s", id)
}

// DeadLetters returns every dead letter, most recently given up last.
func (s *Store) DeadLetters() ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDead).ForEach(func(k, v []byte) error {
			var rec deadRecord
			if err := decode(v, &rec); err != nil {
				return err
			}
			e := rec.entryRecord.entry(string(k), rec.Alert.alert())
			e.DeadAt = rec.DeadAt
			out = append(out, e)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.DeadAt.Compare(b.DeadAt) })
	return out, nil
}

func (r entryRecord) entry(id string, alert news.Alert) Entry {
	return Entry{
		ID: id, AlertID: r.AlertID, Notifier: r.Notifier, Alert: alert,
		Attempts: r.Attempts, Created: r.Created, NextAttempt: r.NextAttempt,
		LastError: r.LastError,
	}
}

// getEntry reads an outbox entry or fails with ErrNotFound.
func getEntry(tx *bbolt.Tx, id string) (entryRecord, error) {
	var rec entryRecord
	raw := tx.Bucket(bucketOutbox).Get([]byte(id))
	if raw == nil {
		return rec, fmt.Errorf("outbox entry %s: %w", id, ErrNotFound)
	}
	return rec, decode(raw, &rec)
}

// loadEntry reads an outbox entry with its alert; the due index pointing
// at a missing entry or alert means the file is damaged.
func loadEntry(tx *bbolt.Tx, id string) (Entry, error) {
	rec, err := getEntry(tx, id)
	if err != nil {
		return Entry{}, fmt.Errorf("%w: due index: %w", ErrCorrupt, err)
	}
	raw := tx.Bucket(bucketAlerts).Get([]byte(rec.AlertID))
	if raw == nil {
		return Entry{}, fmt.Errorf("%w: outbox entry %s: alert %s is missing", ErrCorrupt, id, rec.AlertID)
	}
	var alert alertRecord
	if err := decode(raw, &alert); err != nil {
		return Entry{}, err
	}
	return rec.entry(id, alert.alert()), nil
}

// putEntry writes an entry and its due index key; the caller has removed
// any previous index key.
func putEntry(tx *bbolt.Tx, id string, rec entryRecord) error {
	if err := putJSON(tx.Bucket(bucketOutbox), []byte(id), rec); err != nil {
		return fmt.Errorf("queue outbox entry %s: %w", id, err)
	}
	if err := tx.Bucket(bucketDue).Put(dueKey(rec.NextAttempt, id), []byte{}); err != nil {
		return fmt.Errorf("index outbox entry %s: %w", id, err)
	}
	return nil
}

func deleteEntry(tx *bbolt.Tx, id string, rec entryRecord) error {
	if err := tx.Bucket(bucketDue).Delete(dueKey(rec.NextAttempt, id)); err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).Delete([]byte(id))
}
