package store

import (
	"fmt"

	"go.etcd.io/bbolt"
)

// Announce runs, in ONE write transaction: read the dead letters and the
// disabled notifiers not announced yet (dead letters of notices are never
// listed: see news.IsNotice), call build with them (build must not touch
// the store), queue the alerts build returns (deduplicated by ID like
// Record), and mark everything it was given as announced. A crash
// therefore loses no notice and sends none twice; alerts that fail
// validation mark nothing. With nothing to announce build is not called.
// Dead letters are given oldest first, disabled notifiers by name.
func (s *Store) Announce(build func(dead []Entry, disabled []DisabledNotifier) []QueuedAlert) (queued []string, err error) {
	now := utc(s.now())
	err = s.update(func(tx *bbolt.Tx) error {
		dead, err := unannouncedDead(tx)
		if err != nil {
			return err
		}
		disabled, err := readDisabled(tx, true)
		if err != nil {
			return err
		}
		if len(dead) == 0 && len(disabled) == 0 {
			return nil
		}
		alerts := build(dead, disabled)
		if err := validateAlerts(alerts); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		if queued, err = queueAlerts(tx, alerts, now); err != nil {
			return err
		}
		return markAnnounced(tx, dead, disabled)
	})
	if err != nil {
		return nil, fmt.Errorf("announce dead letters and disabled notifiers: %w", err)
	}
	return queued, nil
}

// unannouncedDead reads the dead letters listed in announce/, oldest
// first. A listed id with no dead letter (it cannot happen: requeueing
// removes both) is skipped.
func unannouncedDead(tx *bbolt.Tx) ([]Entry, error) {
	var out []Entry
	dead := tx.Bucket(bucketDead)
	err := tx.Bucket(bucketAnnounce).ForEach(func(k, _ []byte) error {
		raw := dead.Get(k)
		if raw == nil {
			return nil
		}
		e, err := decodeDead(k, raw)
		out = append(out, e)
		return err
	})
	sortDead(out)
	return out, err
}

func markAnnounced(tx *bbolt.Tx, dead []Entry, disabled []DisabledNotifier) error {
	ann := tx.Bucket(bucketAnnounce)
	for _, e := range dead {
		if err := ann.Delete([]byte(e.ID)); err != nil {
			return err
		}
	}
	for _, d := range disabled {
		d.Announced = true
		if err := putDisabled(tx, d); err != nil {
			return err
		}
	}
	return nil
}
