package store

import (
	"bytes"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// QueueStat summarises one notifier's part of the outbox.
type QueueStat struct {
	Queued int
	// Oldest is the earliest FirstDue (Created for entries from before
	// schema v4) of its queued entries; zero when none is queued.
	Oldest time.Time
	Dead   int // dead letters
}

// QueueStats returns, per notifier with queued entries or dead letters,
// the counts and the oldest queued entry, in one read transaction. It
// decodes only the small entry records (never the alerts) and reads dead
// letters by key alone, so a scrape of /metrics stays cheap during an
// outage that piles up thousands of entries.
func (s *Store) QueueStats() (map[string]QueueStat, error) {
	out := map[string]QueueStat{}
	err := s.view(func(tx *bbolt.Tx) error {
		err := tx.Bucket(bucketOutbox).ForEach(func(k, v []byte) error {
			var rec entryRecord
			if err := decode(v, &rec); err != nil {
				return fmt.Errorf("outbox entry %s: %w", k, err)
			}
			st := out[rec.Notifier]
			st.Queued++
			due := rec.FirstDue
			if due.IsZero() {
				due = rec.Created
			}
			if st.Oldest.IsZero() || due.Before(st.Oldest) {
				st.Oldest = due
			}
			out[rec.Notifier] = st
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketDead).ForEach(func(k, _ []byte) error {
			// Entry IDs are <alert id>/<notifier>; names never hold '/'.
			i := bytes.LastIndexByte(k, '/')
			if i < 0 {
				return fmt.Errorf("%w: dead letter key %q has no notifier", ErrCorrupt, k)
			}
			name := string(k[i+1:])
			st := out[name]
			st.Dead++
			out[name] = st
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read outbox statistics: %w", err)
	}
	return out, nil
}
