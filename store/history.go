package store

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
)

// AlertQuery selects stored alerts, newest first (by Found, then ID).
type AlertQuery struct {
	Watch, Source string    // "" = any
	Since         time.Time // zero = no lower bound; else Found >= Since
	Limit         int       // <= 0 means 50; more than 500 is cut to 500
	Cursor        string    // AlertPage.Next of the previous page; "" = start at the newest
}

// Delivery is the state of one (alert, notifier) entry.
type Delivery struct {
	Notifier string
	State    string // "queued", "delivered" or "dead"
	// Attempts counts failed attempts of a queued or dead entry; the
	// delivered/ record keeps only the time, so it is 0 when delivered.
	Attempts  int
	At        time.Time // delivered: when; dead: when given up; queued: next attempt
	LastError string
}

// Delivery states.
const (
	DeliveryQueued    = "queued"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// AlertRecord is a stored alert with its delivery state per notifier.
type AlertRecord struct {
	Alert      news.Alert
	Deliveries []Delivery // sorted by notifier
}

// AlertPage is one page of Alerts.
type AlertPage struct {
	Alerts []AlertRecord
	Next   string // "" when there is no further page
}

// ErrBadCursor means AlertQuery.Cursor is not a cursor Alerts handed out.
var ErrBadCursor = errors.New("malformed alert cursor")

// Page sizes of Alerts.
const (
	DefaultAlertLimit = 50
	MaxAlertLimit     = 500
)

// Alerts returns one page of stored alerts, newest first, with the state
// of each delivery. The cursor is a position in the found-time order (the
// last alert of the previous page), so alerts stored meanwhile never shift
// the pages after the first; an alert pruned meanwhile simply no longer
// shows.
//
// Cost: one read transaction; it walks the narrowest index the query has
// (alerts_by_watch/ with Watch, else alerts_by_source/ with Source, else
// alerts_by_found/) from the cursor down to Since, decoding each alert it
// returns, plus three short prefix scans per returned alert for its
// deliveries. With no filter or one filter every key walked is returned,
// so a page costs O(Limit) (about 0.5 ms for 50 alerts). With both Watch
// and Source, the watch's alerts from other sources are walked and
// skipped by the source name stored in the index value, without decoding
// them: O(alerts of the watch between the cursor and the page's end)
// cheap steps (about 0.2 µs each), never O(all alerts).
func (s *Store) Alerts(q AlertQuery) (AlertPage, error) {
	limit := q.Limit
	switch {
	case limit <= 0:
		limit = DefaultAlertLimit
	case limit > MaxAlertLimit:
		limit = MaxAlertLimit
	}
	var from []byte // exclusive upper bound: the position of the last alert seen
	if q.Cursor != "" {
		var err error
		if from, err = DecodeAlertCursor(q.Cursor); err != nil {
			return AlertPage{}, fmt.Errorf("read alerts: %w", err)
		}
	}
	var page AlertPage
	err := s.view(func(tx *bbolt.Tx) error {
		idx, prefix := tx.Bucket(bucketAlertsByFound), []byte(nil)
		switch {
		case q.Watch != "":
			idx, prefix = tx.Bucket(bucketAlertsByWatch), namePrefix(q.Watch)
		case q.Source != "":
			idx, prefix = tx.Bucket(bucketAlertsBySource), namePrefix(q.Source)
		}
		var since []byte
		if !q.Since.IsZero() {
			since = foundKey(q.Since, nil)
		}
		// With both filters the watch index is walked; its values name
		// the source (empty for an alert without one: checked below).
		checkSource := q.Watch != "" && q.Source != ""
		var last []byte
		err := walkBack(idx.Cursor(), prefix, from, func(pos, value []byte) (bool, error) {
			if since != nil && bytes.Compare(pos[:8], since[:8]) < 0 {
				return false, nil
			}
			if checkSource && len(value) > 0 && string(value) != q.Source {
				return true, nil
			}
			rec, ok, err := loadAlert(tx, string(pos[8:]))
			if err != nil || !ok {
				return err == nil, err // a stale index key is skipped
			}
			if (q.Watch != "" && rec.Watch != q.Watch) || (q.Source != "" && rec.Source != q.Source) {
				return true, nil
			}
			if len(page.Alerts) == limit {
				page.Next = EncodeAlertCursor(last)
				return false, nil
			}
			deliveries, err := deliveriesOf(tx, rec.ID)
			if err != nil {
				return false, err
			}
			page.Alerts = append(page.Alerts, AlertRecord{Alert: rec.alert(), Deliveries: deliveries})
			last = bytes.Clone(pos)
			return true, nil
		})
		return err
	})
	if err != nil {
		return AlertPage{}, fmt.Errorf("read alerts: %w", err)
	}
	return page, nil
}

// walkBack calls fn with the position (<u64 BE nanos><alert id>) of every
// key of the index range prefix, newest first, starting strictly below
// from (nil: at the newest), until fn returns false or an error.
func walkBack(c *bbolt.Cursor, prefix, from []byte, fn func(pos, value []byte) (bool, error)) error {
	var k, v []byte
	if from == nil {
		// The range of prefix ends right before prefix+0xff...: seek past
		// it and step back. Names never contain 0x00, so prefix (which ends
		// in 0x00) followed by 0xff sorts after every key of the range.
		if prefix == nil {
			k, v = c.Last()
		} else {
			k, v = seekBefore(c, append(slices.Clone(prefix), 0xff))
		}
	} else {
		k, v = seekBefore(c, append(slices.Clone(prefix), from...))
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		pos := k[len(prefix):]
		if len(pos) <= 8 {
			return fmt.Errorf("%w: alert index key %q is too short", ErrCorrupt, k)
		}
		more, err := fn(pos, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// seekBefore positions c on the last key strictly below key.
func seekBefore(c *bbolt.Cursor, key []byte) ([]byte, []byte) {
	if k, _ := c.Seek(key); k == nil {
		return c.Last() // every key is below key
	}
	return c.Prev()
}

// loadAlert reads an alert record inside a transaction.
func loadAlert(tx *bbolt.Tx, id string) (alertRecord, bool, error) {
	var rec alertRecord
	raw := tx.Bucket(bucketAlerts).Get([]byte(id))
	if raw == nil {
		return rec, false, nil
	}
	return rec, true, decode(raw, &rec)
}

// deliveriesOf lists the entries of alert id in outbox/, delivered/ and
// dead/, by notifier. Their keys are "<alert id>/<notifier>", so each
// bucket holds an alert's entries as one contiguous range starting with
// "<alert id>/". Notifier names never contain "/" (config allows
// [A-Za-z0-9._-]), so a key whose rest does contain one belongs to a
// longer alert ID that happens to start with id + "/", and is skipped.
func deliveriesOf(tx *bbolt.Tx, id string) ([]Delivery, error) {
	var out []Delivery
	prefix := []byte(id + "/")
	scan := func(bucket []byte, fn func(notifier string, v []byte) (Delivery, error)) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			notifier := string(k[len(prefix):])
			if notifier == "" || strings.Contains(notifier, "/") {
				continue
			}
			d, err := fn(notifier, v)
			if err != nil {
				return fmt.Errorf("delivery %s: %w", k, err)
			}
			out = append(out, d)
		}
		return nil
	}
	err := scan(bucketOutbox, func(n string, v []byte) (Delivery, error) {
		var rec entryRecord
		err := decode(v, &rec)
		return Delivery{Notifier: n, State: DeliveryQueued, Attempts: rec.Attempts, At: rec.NextAttempt, LastError: rec.LastError}, err
	})
	if err == nil {
		err = scan(bucketDelivered, func(n string, v []byte) (Delivery, error) {
			var at time.Time
			err := decode(v, &at)
			return Delivery{Notifier: n, State: DeliveryDelivered, At: at}, err
		})
	}
	if err == nil {
		err = scan(bucketDead, func(n string, v []byte) (Delivery, error) {
			var rec deadRecord
			err := decode(v, &rec)
			return Delivery{Notifier: n, State: DeliveryDead, Attempts: rec.Attempts, At: rec.DeadAt, LastError: rec.LastError}, err
		})
	}
	slices.SortStableFunc(out, func(a, b Delivery) int { return strings.Compare(a.Notifier, b.Notifier) })
	return out, err
}

// alertCursorVersion is the first byte of every cursor, so a later format
// can be told apart (and an old cursor refused clearly).
const alertCursorVersion = 1

// EncodeAlertCursor turns a position in the found-time order
// (<u64 BE unix nanos of Found><alert id>) into an opaque cursor.
func EncodeAlertCursor(pos []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{alertCursorVersion}, pos...))
}

// DecodeAlertCursor is the inverse of EncodeAlertCursor; anything it did
// not produce fails with ErrBadCursor.
func DecodeAlertCursor(cursor string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	switch {
	// The decoder skips line breaks; only the canonical text is a cursor.
	case err != nil || base64.RawURLEncoding.EncodeToString(raw) != cursor:
		return nil, fmt.Errorf("%w %q: not base64url", ErrBadCursor, truncateForError(cursor))
	case len(raw) == 0 || raw[0] != alertCursorVersion:
		return nil, fmt.Errorf("%w %q: unknown version", ErrBadCursor, truncateForError(cursor))
	case len(raw) <= 1+8 || len(raw) > 1+8+maxAlertID:
		return nil, fmt.Errorf("%w %q: wrong length", ErrBadCursor, truncateForError(cursor))
	}
	return raw[1:], nil
}

// maxAlertID bounds the alert ID a cursor may carry: bbolt keys are at
// most 32 KiB, and real IDs ("nh_" + 32 hex digits) are far shorter.
const maxAlertID = 1024

// truncateForError keeps an untrusted string short in error messages.
func truncateForError(s string) string { return textsafe.Truncate(s, 40) }

// namePrefix is the start of a watch's or source's range in
// alerts_by_watch/ or alerts_by_source/.
func namePrefix(name string) []byte { return append([]byte(name), 0) }

// alertIndexKeys are the keys of alert a in the three alert indexes.
func alertIndexKeys(a alertRecord) (byFound, byWatch, bySource []byte) {
	pos := foundKey(a.Found, []byte(a.ID))
	return pos, append(namePrefix(a.Watch), pos...), append(namePrefix(a.Source), pos...)
}

// indexAlert adds alert a to the three alert indexes. The indexes are
// appended to at their newest end, so the buckets are filled densely.
// alerts_by_watch/ keeps the alert's source as its value, so a query by
// watch and source skips the watch's other sources without decoding
// their alerts.
func indexAlert(tx *bbolt.Tx, a alertRecord) error {
	byFound, byWatch, bySource := alertIndexKeys(a)
	for _, p := range []struct {
		bucket, key, value []byte
	}{{bucketAlertsByFound, byFound, nil}, {bucketAlertsByWatch, byWatch, []byte(a.Source)}, {bucketAlertsBySource, bySource, nil}} {
		b := tx.Bucket(p.bucket)
		b.FillPercent = appendFill
		if err := b.Put(p.key, append([]byte{}, p.value...)); err != nil {
			return fmt.Errorf("index alert %s: %w", a.ID, err)
		}
	}
	return nil
}

// unindexAlert removes alert a from the three alert indexes.
func unindexAlert(tx *bbolt.Tx, a alertRecord) error {
	byFound, byWatch, bySource := alertIndexKeys(a)
	for _, p := range []struct {
		bucket, key []byte
	}{{bucketAlertsByFound, byFound}, {bucketAlertsByWatch, byWatch}, {bucketAlertsBySource, bySource}} {
		if err := tx.Bucket(p.bucket).Delete(p.key); err != nil {
			return fmt.Errorf("unindex alert %s: %w", a.ID, err)
		}
	}
	return nil
}

// foundKey orders the alert indexes: u64 BE unix nanos of Found, then
// the key (the due index's encoding).
func foundKey(found time.Time, key []byte) []byte { return dueKey(found, string(key)) }

// appendFill is the bbolt FillPercent for buckets whose keys mostly arrive
// in ascending order (time indexes): pages split near full instead of at
// half, which nearly halves their size. bbolt does not store the setting,
// so every write transaction sets it again.
const appendFill = 0.9
