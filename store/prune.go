package store

import (
	"bytes"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// Retention is how long each kind of record is kept; zero fields mean keep forever.
type Retention struct{ Seen, Alerts, Text time.Duration }

// DefaultRetention is the retention the daemon uses when the config sets
// none (news.DefaultRetentionSeen, Alerts and Text: 180, 90 and 14 days).
func DefaultRetention() Retention {
	return Retention{Seen: news.DefaultRetentionSeen, Alerts: news.DefaultRetentionAlerts, Text: news.DefaultRetentionText}
}

// PruneReport counts the records Prune removed: seen keys, alerts (each
// with its delivered and dead records and index keys) and article texts.
type PruneReport struct{ Seen, Alerts, Texts int }

// Batch sizes of Prune: each write transaction deletes at most this many
// seen sets (one bbolt key each) or alerts (each about seven keys: the
// record, three index keys, delivered and dead records); texts go
// DefaultPruneBatch at a time. A batch touches at most a few hundred
// pages, so a pass waiting for the writer waits milliseconds.
const (
	pruneSeenSets = 1024
	pruneAlerts   = 100
)

// Prune removes records older than the retention at now, in small write
// transactions (a bounded number of keys each, so the daemon's passes are
// never blocked for long). It returns what it removed, also when a later
// transaction fails.
//
//   - Seen keys go by their first-seen week: a week's set is dropped once
//     the whole week is older than r.Seen, so a key is remembered between
//     r.Seen and r.Seen + 7 days. A key listed again keeps its first-seen
//     week; an article still listed after r.Seen is therefore crawled
//     again as new (see below for what that means for its alerts).
//   - Alerts go by Found, with their delivered/ and dead/ records, pending
//     announcements and index keys — except an alert with a queued outbox
//     entry, which stays until the entry is delivered or dead.
//   - Texts go by their found time (PruneTexts).
//
// Seen and alert retention work together: an article is matched only
// when none of its keys is seen, and an alert is raised only when its ID
// is not stored. With r.Seen >= r.Alerts (the defaults: 180 and 90 days)
// a pruned alert cannot come back while its article is remembered; only
// an article still listed after r.Seen is crawled again, and alerts again
// if it still matches. With r.Alerts > r.Seen the alert record is the
// guard meanwhile: an article listed again after r.Seen is fetched and
// its text stored again, but its alert is a duplicate and is not raised
// until the alert too is pruned. Either way the longer of the two bounds
// how long an article can keep being listed without alerting twice. An
// alert for the same article from a second source (another seen key)
// relies on the alert record alone.
func (s *Store) Prune(r Retention, now time.Time) (PruneReport, error) {
	var rep PruneReport
	var err error
	if r.Seen > 0 {
		if rep.Seen, err = s.pruneSeen(now.Add(-r.Seen)); err != nil {
			return rep, err
		}
	}
	if r.Alerts > 0 {
		if rep.Alerts, err = s.pruneAlerts(now.Add(-r.Alerts)); err != nil {
			return rep, err
		}
	}
	if r.Text > 0 {
		if rep.Texts, err = s.PruneTexts(now.Add(-r.Text), DefaultPruneBatch); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// pruneSeen drops the seen sets of every week that ended at or before
// before, sealed or not, and returns how many keys they held.
func (s *Store) pruneSeen(before time.Time) (int, error) {
	limit := seenSetKey(weekOf(before), 0) // sets of before's week stay
	total := 0
	for _, bucket := range [][]byte{bucketSeen, bucketSeenWeek} {
		for {
			var sets, keys int
			err := s.update(func(tx *bbolt.Tx) error {
				b := tx.Bucket(bucket)
				var toDelete [][]byte
				c := b.Cursor()
				for k, v := c.First(); k != nil && len(toDelete) < pruneSeenSets && bytes.Compare(k, limit) < 0; k, v = c.Next() {
					if _, _, err := splitSeenSetKey(k); err != nil {
						return err
					}
					toDelete = append(toDelete, bytes.Clone(k))
					keys += len(v) / seenFPLen
				}
				for _, k := range toDelete {
					if err := b.Delete(k); err != nil {
						return err
					}
				}
				sets = len(toDelete)
				return nil
			})
			if err != nil {
				return total, fmt.Errorf("prune seen keys: %w", err)
			}
			total += keys
			if sets < pruneSeenSets {
				break
			}
		}
	}
	return total, nil
}

// pruneAlerts deletes alerts found before before that have nothing
// queued, oldest first, pruneAlerts per transaction. Alerts kept because
// they are queued are stepped over (from moves past them), so a backlog
// of them costs one index read each, not a rescan per batch.
func (s *Store) pruneAlerts(before time.Time) (int, error) {
	limit := foundKey(before, nil)
	var from []byte // resume after this index key; nil: from the oldest
	total := 0
	for {
		var n int
		done := false
		err := s.update(func(tx *bbolt.Tx) error {
			var toDelete []alertRecord
			var stale [][]byte // index keys whose alert is gone
			c := tx.Bucket(bucketAlertsByFound).Cursor()
			k, _ := c.First()
			if from != nil {
				k, _ = c.Seek(from)
				if bytes.Equal(k, from) {
					k, _ = c.Next()
				}
			}
			for ; ; k, _ = c.Next() {
				if k == nil || bytes.Compare(k, limit) >= 0 {
					done = true
					break
				}
				if len(toDelete)+len(stale) == pruneAlerts {
					break
				}
				if len(k) <= 8 {
					return fmt.Errorf("%w: alert index key of %d bytes", ErrCorrupt, len(k))
				}
				from = bytes.Clone(k)
				id := string(k[8:])
				if hasEntry(tx.Bucket(bucketOutbox), id) {
					continue // still to deliver: kept, and shown, until it is done
				}
				rec, ok, err := loadAlert(tx, id)
				switch {
				case err != nil:
					return err
				case !ok:
					stale = append(stale, from)
				default:
					rec.ID = id
					toDelete = append(toDelete, rec)
				}
			}
			for _, k := range stale {
				if err := tx.Bucket(bucketAlertsByFound).Delete(k); err != nil {
					return err
				}
			}
			for _, rec := range toDelete {
				if err := deleteAlert(tx, rec); err != nil {
					return err
				}
			}
			n = len(toDelete)
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("prune alerts: %w", err)
		}
		total += n
		if done {
			return total, nil
		}
	}
}

// deleteAlert removes an alert, its index keys and its delivered, dead
// and announce records (it has no queued entry: the caller checked).
func deleteAlert(tx *bbolt.Tx, rec alertRecord) error {
	if err := unindexAlert(tx, rec); err != nil {
		return err
	}
	if err := tx.Bucket(bucketAlerts).Delete([]byte(rec.ID)); err != nil {
		return fmt.Errorf("delete alert %s: %w", rec.ID, err)
	}
	for _, name := range [][]byte{bucketDelivered, bucketDead, bucketAnnounce} {
		if err := deletePrefix(tx.Bucket(name), rec.ID+"/"); err != nil {
			return fmt.Errorf("delete %s records of alert %s: %w", name, rec.ID, err)
		}
	}
	return nil
}

// hasEntry reports whether b (outbox/) has an entry of alert id, by the
// rule of deliveriesOf.
func hasEntry(b *bbolt.Bucket, id string) bool {
	prefix := []byte(id + "/")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if rest := k[len(prefix):]; len(rest) > 0 && !bytes.Contains(rest, []byte("/")) {
			return true
		}
	}
	return false
}

// deletePrefix deletes the keys of b that start with prefix followed by
// no further "/" (entry ids "<alert id>/<notifier>"; see deliveriesOf).
// Keys are collected first: deleting under a bbolt cursor can skip the
// following key.
func deletePrefix(b *bbolt.Bucket, prefix string) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, _ = c.Next() {
		if rest := k[len(prefix):]; len(rest) > 0 && !bytes.Contains(rest, []byte("/")) {
			keys = append(keys, bytes.Clone(k))
		}
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
