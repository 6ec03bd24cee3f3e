package store

import (
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// Dead counts a failed attempt and moves the entry, with its alert, from
// the outbox to the dead letters, with reason. In the same transaction
// the dead letter is listed for Announce, unless its alert is a notice
// (news.IsNotice): a notice that cannot be delivered raises no other.
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
		if err := putJSON(tx.Bucket(bucketDead), []byte(id), deadRecord{entryRecord: rec, DeadAt: utc(at), Alert: alert}); err != nil {
			return err
		}
		if news.IsNotice(alert.Watch) {
			return nil
		}
		return tx.Bucket(bucketAnnounce).Put([]byte(id), []byte{})
	})
	return wrapf(err, "dead-letter outbox entry %s", id)
}

// DeadLetters returns every dead letter, most recently given up last.
func (s *Store) DeadLetters() ([]Entry, error) {
	var out []Entry
	err := s.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketDead).ForEach(func(k, v []byte) error {
			e, err := decodeDead(k, v)
			out = append(out, e)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read dead letters: %w", err)
	}
	sortDead(out)
	return out, nil
}

func decodeDead(k, v []byte) (Entry, error) {
	var rec deadRecord
	if err := decode(v, &rec); err != nil {
		return Entry{}, err
	}
	e := rec.entryRecord.entry(string(k), rec.Alert.alert())
	e.DeadAt = rec.DeadAt
	return e, nil
}

// sortDead orders dead letters by the time they were given up, then id.
func sortDead(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int { return a.DeadAt.Compare(b.DeadAt) })
}

// RequeueDead moves one dead letter back to the outbox, due at now, with
// FirstDue reset to now and its attempts and last error kept. ErrNotFound
// when there is no such dead letter.
func (s *Store) RequeueDead(id string, now time.Time) error {
	err := s.update(func(tx *bbolt.Tx) error { return requeueDead(tx, id, utc(now)) })
	return wrapf(err, "requeue dead letter %s", id)
}

// RequeueAllDead requeues every dead letter, in one transaction; it
// returns how many.
func (s *Store) RequeueAllDead(now time.Time) (int, error) {
	var n int
	err := s.update(func(tx *bbolt.Tx) error {
		var ids []string
		err := tx.Bucket(bucketDead).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := requeueDead(tx, id, utc(now)); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("requeue dead letters: %w", err)
	}
	return n, nil
}

// requeueDead moves dead letter id to the outbox. Its alert goes back to
// alerts/ if it is missing there; any delivered/ record and its pending
// announcement are removed, so the entry has exactly one state.
func requeueDead(tx *bbolt.Tx, id string, now time.Time) error {
	dead := tx.Bucket(bucketDead)
	raw := dead.Get([]byte(id))
	if raw == nil {
		return fmt.Errorf("dead letter %s: %w", id, ErrNotFound)
	}
	var rec deadRecord
	if err := decode(raw, &rec); err != nil {
		return err
	}
	if tx.Bucket(bucketOutbox).Get([]byte(id)) != nil {
		return fmt.Errorf("%w: %s is both queued and dead", ErrCorrupt, id)
	}
	alerts := tx.Bucket(bucketAlerts)
	if alerts.Get([]byte(rec.AlertID)) == nil {
		// Pruned meanwhile (dead letters outlive their alert): it comes
		// back into the history with its entry.
		a := rec.Alert
		a.ID = rec.AlertID
		if err := putJSON(alerts, []byte(rec.AlertID), a); err != nil {
			return err
		}
		if err := indexAlert(tx, a); err != nil {
			return err
		}
	}
	e := rec.entryRecord
	e.NextAttempt, e.FirstDue = now, now
	if err := putEntry(tx, id, e); err != nil {
		return err
	}
	for _, b := range [][]byte{bucketDead, bucketAnnounce, bucketDelivered} {
		if err := tx.Bucket(b).Delete([]byte(id)); err != nil {
			return err
		}
	}
	return nil
}
