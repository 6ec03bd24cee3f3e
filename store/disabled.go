package store

import (
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/outbox"
)

// DisabledNotifier is a notifier switched off because its channel is gone
// (see outbox.DisabledNotifier).
type DisabledNotifier = outbox.DisabledNotifier

// Disable records d (replacing an earlier record for the same name). Its
// queued entries stay queued; the dispatcher defers them.
func (s *Store) Disable(d DisabledNotifier) error {
	if err := validNotifier(d.Name); err != nil {
		return fmt.Errorf("disable notifier: %w", err)
	}
	err := s.update(func(tx *bbolt.Tx) error { return putDisabled(tx, d) })
	return wrapf(err, "disable notifier %q", d.Name)
}

// Enable removes notifier's disabled record and makes all its queued
// entries due at now, with FirstDue reset to now. It reports how many
// entries it made due; enabling a notifier that is not disabled is not an
// error and changes nothing.
func (s *Store) Enable(notifier string, now time.Time) (requeued int, err error) {
	now = utc(now)
	err = s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDisabled)
		if b.Get([]byte(notifier)) == nil {
			return nil
		}
		if err := b.Delete([]byte(notifier)); err != nil {
			return err
		}
		var ids []string
		prefix := duePrefix(notifier)
		c := tx.Bucket(bucketDue).Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) > len(prefix)+8 && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			ids = append(ids, string(k[len(prefix)+8:]))
		}
		for _, id := range ids {
			rec, err := getEntry(tx, id)
			if err != nil {
				return fmt.Errorf("%w: due index: %w", ErrCorrupt, err)
			}
			if err := unindex(tx, id, rec); err != nil {
				return err
			}
			rec.NextAttempt, rec.FirstDue = now, now
			if err := putEntry(tx, id, rec); err != nil {
				return err
			}
		}
		requeued = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enable notifier %q: %w", notifier, err)
	}
	return requeued, nil
}

// DisabledNotifiers returns the disabled notifiers, by name.
func (s *Store) DisabledNotifiers() ([]DisabledNotifier, error) {
	var out []DisabledNotifier
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		out, err = readDisabled(tx, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read disabled notifiers: %w", err)
	}
	return out, nil
}

// readDisabled lists the disabled notifiers by name; only those not
// announced yet when unannounced is set.
func readDisabled(tx *bbolt.Tx, unannounced bool) ([]DisabledNotifier, error) {
	var out []DisabledNotifier
	err := tx.Bucket(bucketDisabled).ForEach(func(k, v []byte) error {
		var rec disabledRecord
		if err := decode(v, &rec); err != nil {
			return err
		}
		if unannounced && rec.Announced {
			return nil
		}
		out = append(out, DisabledNotifier{
			Name: string(k), Reason: rec.Reason, Fingerprint: rec.Fingerprint,
			At: rec.At, Announced: rec.Announced,
		})
		return nil
	})
	return out, err
}

func putDisabled(tx *bbolt.Tx, d DisabledNotifier) error {
	if d.Name == "" {
		return errors.New("empty notifier name")
	}
	return putJSON(tx.Bucket(bucketDisabled), []byte(d.Name), disabledRecord{
		Reason: d.Reason, Fingerprint: d.Fingerprint, At: utc(d.At), Announced: d.Announced,
	})
}
