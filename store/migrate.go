package store

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"go.etcd.io/bbolt"
)

// Bucket names; the layout is drawn in the package doc.
var (
	bucketMeta      = []byte("meta")
	bucketSeen      = []byte("seen")
	bucketSources   = []byte("sources")
	bucketAlerts    = []byte("alerts")
	bucketOutbox    = []byte("outbox")
	bucketDue       = []byte("due")
	bucketDelivered = []byte("delivered")
	bucketDead      = []byte("dead")
	// Since version 2.
	bucketTexts        = []byte("texts")
	bucketTextsByFound = []byte("texts_by_found")
	// Since version 3.
	bucketFetch = []byte("fetch")
	// Since version 4.
	bucketDisabled = []byte("disabled")
	bucketAnnounce = []byte("announce")
	// Since version 5; articles/ and article_ids/ replace texts/ and
	// texts_by_found/.
	bucketArticles       = []byte("articles")
	bucketArticleIDs     = []byte("article_ids")
	bucketSeenWeek       = []byte("seen_week")
	bucketAlertsByFound  = []byte("alerts_by_found")
	bucketAlertsByWatch  = []byte("alerts_by_watch")
	bucketAlertsBySource = []byte("alerts_by_source")

	keyVersion = []byte("version")
)

// schemaVersion is the version this binary writes and the highest it reads.
const schemaVersion = 6

// migration brings a file from version-1 to version. It runs inside the
// write transaction that also records the new version, so a crash mid-way
// leaves the file at the old version.
type migration struct {
	version int
	name    string
	migrate func(tx *bbolt.Tx) error
	// files, when set instead of migrate, also writes files next to the
	// database (the v6 text segments) before the transaction commits.
	files func(tx *bbolt.Tx, texts *textLog) error
}

// migrations is the ordered, append-only list of schema changes. It is
// read-only: Open walks it; nothing modifies it.
var migrations = []migration{
	{version: 1, name: "create buckets", migrate: createBucketsV1},
	{version: 2, name: "keep article texts", migrate: createBucketsV2},
	{version: 3, name: "keep fetch state", migrate: createBucketsV3},
	{version: 4, name: "per-notifier due index, disabled notifiers, announcements", migrate: migrateV4},
	{version: 5, name: "alert history indexes, seen keys as weekly fingerprint sets, texts by found time", migrate: migrateV5},
	{version: 6, name: "article texts in daily segment files", files: migrateV6},
}

// bucketsV1 are the buckets of schema version 1.
var bucketsV1 = [][]byte{
	bucketMeta, bucketSeen, bucketSources, bucketAlerts,
	bucketOutbox, bucketDue, bucketDelivered, bucketDead,
}

// bucketsV2 are the buckets version 2 adds: article texts for replay and
// their index by found time.
var bucketsV2 = [][]byte{bucketTexts, bucketTextsByFound}

// bucketsV3 are the buckets version 3 adds: per-source fetch state
// (conditional GET validators, back-off, discovered feed).
var bucketsV3 = [][]byte{bucketFetch}

// bucketsV4 are the buckets version 4 adds: notifiers disabled because
// their channel is gone, and dead letters not announced yet.
var bucketsV4 = [][]byte{bucketDisabled, bucketAnnounce}

// bucketsV5 are the buckets version 5 adds: the alerts indexed by found
// time, overall and per watch and per source, for the alert history; and
// the article texts keyed by found time with an index by ID, which
// replace texts/ and texts_by_found/.
var bucketsV5 = [][]byte{bucketAlertsByFound, bucketAlertsByWatch, bucketAlertsBySource, bucketArticles, bucketArticleIDs, bucketSeenWeek}

// bucketsV6 are the buckets of version 5 that version 6 keeps: articles/
// moved to the text segments.
var bucketsV6 = [][]byte{bucketAlertsByFound, bucketAlertsByWatch, bucketAlertsBySource, bucketArticleIDs, bucketSeenWeek}

// buckets are every bucket of the current schema (version 5 dropped the
// text buckets of version 2, version 6 its own articles/).
var buckets = slices.Concat(bucketsV1, bucketsV3, bucketsV4, bucketsV6)

func createBucketsV1(tx *bbolt.Tx) error { return createBuckets(tx, bucketsV1) }

// createBucketsV2 adds the (empty) text buckets: articles crawled before
// the upgrade have no stored text and are simply not replayed.
func createBucketsV2(tx *bbolt.Tx) error { return createBuckets(tx, bucketsV2) }

// createBucketsV3 adds the (empty) fetch state bucket: sources of an
// upgraded file simply start without validators, so their first run after
// the upgrade is an unconditional fetch.
func createBucketsV3(tx *bbolt.Tx) error { return createBuckets(tx, bucketsV3) }

// migrateV4 rebuilds due/ keyed by notifier first, from outbox/ (the
// source of truth, so an index damaged before the upgrade is repaired
// too), and adds the (empty) disabled/ and announce/ buckets. Dead
// letters from before the upgrade are not announced: they were logged
// when they died, and a first start should not send a flood of notices.
func migrateV4(tx *bbolt.Tx) error {
	outbox := tx.Bucket(bucketOutbox)
	if outbox == nil || tx.Bucket(bucketDue) == nil {
		return nil // not a newshound file: check reports the missing buckets
	}
	if err := tx.DeleteBucket(bucketDue); err != nil {
		return fmt.Errorf("drop the v3 due index: %w", err)
	}
	due, err := tx.CreateBucket(bucketDue)
	if err != nil {
		return fmt.Errorf("create the v4 due index: %w", err)
	}
	err = outbox.ForEach(func(k, v []byte) error {
		var rec entryRecord
		if err := decode(v, &rec); err != nil {
			return err
		}
		if err := validNotifier(rec.Notifier); err != nil {
			return fmt.Errorf("%w: outbox entry %s: %w", ErrCorrupt, k, err)
		}
		return due.Put(dueIndexKey(rec.Notifier, rec.NextAttempt, string(k)), []byte{})
	})
	if err != nil {
		return fmt.Errorf("index the outbox: %w", err)
	}
	return createBuckets(tx, bucketsV4)
}

// migrateV5 adds the alert history indexes and fills them from alerts/,
// rewrites seen/ as weekly fingerprint sets (see seen.go) and moves the
// article texts into articles/ keyed by found time (see text.go). It runs
// in one transaction like every migration, so it holds the moved data in
// memory until the commit: a file of several hundred MB needs as much
// free memory once.
func migrateV5(tx *bbolt.Tx) error {
	alerts := tx.Bucket(bucketAlerts)
	if alerts == nil {
		return nil // not a newshound file: check reports the missing buckets
	}
	if err := createBuckets(tx, bucketsV5); err != nil {
		return err
	}
	if err := migrateSeenV5(tx); err != nil {
		return err
	}
	if err := migrateTextsV5(tx); err != nil {
		return err
	}
	err := alerts.ForEach(func(k, v []byte) error {
		var rec alertRecord
		if err := decode(v, &rec); err != nil {
			return fmt.Errorf("alert %s: %w", k, err)
		}
		rec.ID = string(k) // the key is what every other bucket refers to
		return indexAlert(tx, rec)
	})
	if err != nil {
		return fmt.Errorf("index the alerts: %w", err)
	}
	return nil
}

func createBuckets(tx *bbolt.Tx, names [][]byte) error {
	for _, name := range names {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// prepare checks a freshly opened file and migrates it: the file must hold
// every page the meta page claims (a truncated file fails here, before
// anything reads the missing pages), must be a newshound database (or
// empty) and must not be newer than this binary. A file already at the
// current version is only read: a damaged file is never written to.
func (s *Store) prepare() error {
	info, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	var from int
	err = s.view(func(tx *bbolt.Tx) error {
		from, err = s.check(tx, info.Size())
		return err
	})
	if err != nil || from == schemaVersion {
		return err
	}
	return s.update(func(tx *bbolt.Tx) error {
		if err := migrate(tx, from, s.texts); err != nil {
			return fmt.Errorf("migrate database %s: %w", s.path, err)
		}
		_, err := s.check(tx, info.Size())
		return err
	})
}

// check validates the file against its meta page and schema and returns
// its version. Buckets are only required once the file is current.
func (s *Store) check(tx *bbolt.Tx, fileSize int64) (int, error) {
	if fileSize < tx.Size() {
		return 0, fmt.Errorf("%w: database %s is truncated: the file has %d bytes, its pages need %d",
			ErrCorrupt, s.path, fileSize, tx.Size())
	}
	v, err := readVersion(tx)
	if err != nil {
		return 0, fmt.Errorf("%w: database %s: %w", ErrCorrupt, s.path, err)
	}
	if v > schemaVersion {
		return 0, fmt.Errorf("open database %s: schema version %d is newer than this newshound supports (%d); upgrade newshound",
			s.path, v, schemaVersion)
	}
	if v < schemaVersion {
		return v, nil
	}
	for _, name := range buckets {
		if tx.Bucket(name) == nil {
			return 0, fmt.Errorf("%w: database %s lacks bucket %q", ErrCorrupt, s.path, name)
		}
	}
	return v, nil
}

// migrate applies every migration above from, in order, then records the
// current version.
func migrate(tx *bbolt.Tx, from int, texts *textLog) error {
	for _, m := range migrations {
		if m.version <= from {
			continue
		}
		var err error
		if m.files != nil {
			err = m.files(tx, texts)
		} else {
			err = m.migrate(tx)
		}
		if err != nil {
			return fmt.Errorf("to version %d (%s): %w", m.version, m.name, err)
		}
	}
	v, err := json.Marshal(schemaVersion)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keyVersion, v)
}

// readVersion returns the schema version of the file: 0 for a file with no
// buckets at all. A file with buckets but no meta/version was written by
// something else, and is refused rather than mixed with our data.
func readVersion(tx *bbolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		foreign := ""
		_ = tx.ForEach(func(name []byte, _ *bbolt.Bucket) error {
			foreign = string(name)
			return errStop
		})
		if foreign != "" {
			return 0, fmt.Errorf("not a newshound database (it has bucket %q but no schema version)", foreign)
		}
		return 0, nil
	}
	raw := meta.Get(keyVersion)
	if raw == nil {
		return 0, fmt.Errorf("meta bucket has no version")
	}
	var v int
	if err := json.Unmarshal(raw, &v); err != nil || v < 1 {
		return 0, fmt.Errorf("unreadable schema version %q", raw)
	}
	return v, nil
}
