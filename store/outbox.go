package store

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/outbox"
)

// Entry is one delivery of one alert through one notifier (see
// outbox.Entry); the name stays for the store's own callers.
type Entry = outbox.Entry

// Due returns up to limit queued entries, of every notifier, whose next
// attempt is at or before now, oldest next attempt first; limit <= 0
// means no limit. It reads at most limit index keys per notifier.
func (s *Store) Due(now time.Time, limit int) ([]Entry, error) {
	out, err := s.scanAll(dueKey(now, ""), limit)
	if err != nil {
		return nil, fmt.Errorf("read due outbox entries: %w", err)
	}
	return out, nil
}

// DueFor is Due restricted to one notifier's entries; it reads only that
// notifier's part of the due index.
func (s *Store) DueFor(notifier string, now time.Time, limit int) ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		out, err = scanNotifier(tx, notifier, dueKey(now, ""), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read due outbox entries of notifier %q: %w", notifier, err)
	}
	return out, nil
}

// Queued returns every queued entry, in next-attempt order.
func (s *Store) Queued() ([]Entry, error) {
	out, err := s.scanAll(nil, 0)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// scanAll merges the scans of every notifier's range of the due index.
func (s *Store) scanAll(until []byte, limit int) ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		names, err := indexedNotifiers(tx)
		if err != nil {
			return err
		}
		for _, n := range names {
			es, err := scanNotifier(tx, n, until, limit)
			if err != nil {
				return err
			}
			out = append(out, es...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(a.NextAttempt.Compare(b.NextAttempt), cmp.Compare(a.ID, b.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// scanNotifier walks notifier's range of the due index in order and loads
// the entries it points at, up to limit entries (<= 0: all) whose time
// prefix is at most until's (nil: no bound).
func scanNotifier(tx *bbolt.Tx, notifier string, until []byte, limit int) ([]Entry, error) {
	var out []Entry
	prefix := duePrefix(notifier)
	c := tx.Bucket(bucketDue).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && (limit <= 0 || len(out) < limit); k, _ = c.Next() {
		_, rest, err := splitDueIndexKey(k)
		if err != nil {
			return nil, err
		}
		if until != nil && bytes.Compare(rest[:8], until[:8]) > 0 {
			break
		}
		e, err := loadEntry(tx, string(rest[8:]))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// indexedNotifiers lists the notifiers with a range in the due index,
// sorted. It reads one key per notifier: after each name it seeks past
// name+0x00's range (name+0x01 sorts right after it).
func indexedNotifiers(tx *bbolt.Tx) ([]string, error) {
	var names []string
	c := tx.Bucket(bucketDue).Cursor()
	for k, _ := c.First(); k != nil; {
		n, _, err := splitDueIndexKey(k)
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		k, _ = c.Seek(append([]byte(n), 1))
	}
	return names, nil
}

// QueuedNotifiers returns the distinct notifier names that have queued
// entries, sorted.
func (s *Store) QueuedNotifiers() ([]string, error) {
	var names []string
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		names, err = indexedNotifiers(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read notifiers of the outbox: %w", err)
	}
	return names, nil
}

// NextDue returns the earliest next attempt of any queued entry; ok is
// false when the outbox is empty.
func (s *Store) NextDue() (next time.Time, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		names, err := indexedNotifiers(tx)
		if err != nil {
			return err
		}
		for _, n := range names {
			t, found, err := nextDueFor(tx, n)
			if err != nil {
				return err
			}
			if found && (!ok || t.Before(next)) {
				next, ok = t, true
			}
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read next due time: %w", err)
	}
	return next, ok, nil
}

// NextDueFor is NextDue restricted to one notifier.
func (s *Store) NextDueFor(notifier string) (next time.Time, ok bool, err error) {
	err = s.view(func(tx *bbolt.Tx) error {
		next, ok, err = nextDueFor(tx, notifier)
		return err
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read next due time of notifier %q: %w", notifier, err)
	}
	return next, ok, nil
}

func nextDueFor(tx *bbolt.Tx, notifier string) (time.Time, bool, error) {
	prefix := duePrefix(notifier)
	k, _ := tx.Bucket(bucketDue).Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return time.Time{}, false, nil
	}
	_, rest, err := splitDueIndexKey(k)
	if err != nil {
		return time.Time{}, false, err
	}
	t, err := dueTime(rest)
	return t, err == nil, err
}

func (r entryRecord) entry(id string, alert news.Alert) Entry {
	return Entry{
		ID: id, AlertID: r.AlertID, Notifier: r.Notifier, Alert: alert,
		Attempts: r.Attempts, Created: r.Created, NextAttempt: r.NextAttempt,
		LastError: r.LastError, Digest: r.Digest, FirstDue: r.FirstDue,
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
// any previous index key (unindex).
func putEntry(tx *bbolt.Tx, id string, rec entryRecord) error {
	if err := putJSON(tx.Bucket(bucketOutbox), []byte(id), rec); err != nil {
		return fmt.Errorf("queue outbox entry %s: %w", id, err)
	}
	if err := tx.Bucket(bucketDue).Put(dueIndexKey(rec.Notifier, rec.NextAttempt, id), []byte{}); err != nil {
		return fmt.Errorf("index outbox entry %s: %w", id, err)
	}
	return nil
}

// unindex removes an entry's due index key.
func unindex(tx *bbolt.Tx, id string, rec entryRecord) error {
	return tx.Bucket(bucketDue).Delete(dueIndexKey(rec.Notifier, rec.NextAttempt, id))
}

func deleteEntry(tx *bbolt.Tx, id string, rec entryRecord) error {
	if err := unindex(tx, id, rec); err != nil {
		return err
	}
	return tx.Bucket(bucketOutbox).Delete([]byte(id))
}
