package store

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
)

// fixture builds a raw bbolt file with fn, the way an older (or foreign)
// program would have left it.
func fixture(t *testing.T, fn func(tx *bbolt.Tx) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// rawVersion reads meta/version straight from the file.
func rawVersion(t *testing.T, path string) string {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	_ = db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketMeta); b != nil {
			v = string(b.Get(keyVersion))
		}
		return nil
	})
	return v
}

func TestMigrationListIsOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migrations[%d].version = %d, want %d (one step per version, in order)", i, m.version, i+1)
		}
	}
	if last := migrations[len(migrations)-1].version; last != schemaVersion {
		t.Errorf("last migration version = %d, want schemaVersion %d", last, schemaVersion)
	}
}

// TestMigrateV0ToV1: a bbolt file with no buckets (what bbolt leaves on a
// fresh file) becomes a version 1 database with every bucket.
func TestMigrateV0ToV1(t *testing.T) {
	path := fixture(t, func(*bbolt.Tx) error { return nil })
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(v0 fixture) error: %v", err)
	}
	checkBuckets(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), strconv.Itoa(schemaVersion); got != want {
		t.Errorf("meta/version after migration = %q, want %q", got, want)
	}
}

// checkBuckets fails the test for every bucket of the current schema
// that s lacks.
func checkBuckets(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range buckets {
			if tx.Bucket(name) == nil {
				t.Errorf("after migration, bucket %q is missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// v1Alert is an alert record exactly as schema version 1 wrote it: no
// "fired", no "highlights".
const v1Alert = `{"id":"nh_1","watch":"acme","source":"wire","url":"https://example.com/a",` +
	`"title":"A","published":"2026-03-14T08:26:53Z","found":"2026-03-14T09:26:53Z",` +
	`"matches":[{"term":"acme","seen":["acme"],"count":2}],"snippet":"… acme said …"}`

// TestMigrateV1ToV2: a version 1 file with a seen key, an alert and a
// queued entry becomes version 2 with the text buckets, and everything it
// held reads back unchanged; texts are then recorded as usual.
func TestMigrateV1ToV2(t *testing.T) {
	path := fixture(t, func(tx *bbolt.Tx) error {
		if err := createBucketsV1(tx); err != nil {
			return err
		}
		puts := []struct{ bucket, key, value []byte }{
			{bucketMeta, keyVersion, []byte("1")},
			{bucketSeen, seenKey("wire", "https://example.com/a"), []byte(`"2026-03-14T09:26:53Z"`)},
			{bucketAlerts, []byte("nh_1"), []byte(v1Alert)},
			{bucketOutbox, []byte("nh_1/slack"), []byte(`{"alert_id":"nh_1","notifier":"slack","attempts":0,` +
				`"created":"2026-03-14T09:26:53Z","next_attempt":"2026-03-14T09:26:53Z"}`)},
			{bucketDue, dueKey(t0, "nh_1/slack"), []byte{}},
		}
		for _, p := range puts {
			if err := tx.Bucket(p.bucket).Put(p.key, p.value); err != nil {
				return err
			}
		}
		return nil
	})
	now := t0
	s, err := Open(path, Options{Now: fixedClock(&now)})
	if err != nil {
		t.Fatalf("Open(v1 fixture) error: %v", err)
	}
	defer s.Close()
	checkBuckets(t, s)
	if seen, err := s.Seen("wire", "https://example.com/a"); err != nil || !seen {
		t.Errorf("Seen(wire, a) after migration = %v, %v; want true", seen, err)
	}
	a, ok, err := s.Alert("nh_1")
	if err != nil || !ok || a.Watch != "acme" || a.Snippet != "… acme said …" || a.Fired != "" || a.Highlights != nil {
		t.Errorf("Alert(nh_1) after migration = %+v, %v, %v; want the v1 alert with empty Fired and Highlights", a, ok, err)
	}
	if q, err := s.Queued(); err != nil || len(q) != 1 || q[0].Alert.ID != "nh_1" {
		t.Errorf("Queued() after migration = %+v, %v; want the one v1 entry", q, err)
	}
	mustRecord(t, s, Pass{Source: "wire", Seen: []news.Article{article("https://example.com/b", t0)}})
	if got := storedIDs(t, s, time.Time{}); !slices.Equal(got, []string{"https://example.com/b"}) {
		t.Errorf("Articles(all) after migration and one Record = %q, want [https://example.com/b]", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), strconv.Itoa(schemaVersion); got != want {
		t.Errorf("meta/version after migration = %q, want %q", got, want)
	}
}

func TestOpenRefusesUnknownSchemas(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(tx *bbolt.Tx) error
		corrupt bool
		want    string
	}{
		{"newer version", putVersion(strconv.Itoa(schemaVersion + 1)), false, "newer than this newshound supports"},
		{"foreign database", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("widgets"))
			return err
		}, true, `not a newshound database (it has bucket "widgets"`},
		{"meta without version", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket(bucketMeta)
			return err
		}, true, "no version"},
		{"unreadable version", putVersion(`"one"`), true, "unreadable schema version"},
		{"current version, buckets missing", putVersion(strconv.Itoa(schemaVersion)), true, `lacks bucket "seen"`},
		{"old version, buckets missing", putVersion("1"), true, `lacks bucket "seen"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := fixture(t, tt.setup)
			_, err := Open(path, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open(%s) error = %v, want one containing %q", tt.name, err, tt.want)
			}
			if got := errors.Is(err, ErrCorrupt); got != tt.corrupt {
				t.Errorf("errors.Is(Open(%s) error, ErrCorrupt) = %v, want %v", tt.name, got, tt.corrupt)
			}
		})
	}
}

func putVersion(v string) func(tx *bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keyVersion, []byte(v))
	}
}

// v3Entry is an outbox entry exactly as schema version 3 wrote it: no
// "digest", no "first_due".
func v3Entry(notifier string, attempts int, next time.Time) []byte {
	return []byte(`{"alert_id":"nh_1","notifier":"` + notifier + `","attempts":` + strconv.Itoa(attempts) +
		`,"created":"2026-03-14T09:26:53Z","next_attempt":"` + next.Format(time.RFC3339Nano) + `"}`)
}

// TestMigrateV3ToV4: a version 3 file with queued entries for two
// notifiers (indexed the v3 way, by time only) and a dead letter becomes
// version 4: the due index is rebuilt per notifier, entries read back
// with Digest false and FirstDue zero, and the old dead letter is kept
// but not announced.
func TestMigrateV3ToV4(t *testing.T) {
	later := t0.Add(time.Hour)
	path := fixture(t, func(tx *bbolt.Tx) error {
		for _, create := range []func(*bbolt.Tx) error{createBucketsV1, createBucketsV2, createBucketsV3} {
			if err := create(tx); err != nil {
				return err
			}
		}
		puts := []struct{ bucket, key, value []byte }{
			{bucketMeta, keyVersion, []byte("3")},
			{bucketAlerts, []byte("nh_1"), []byte(v1Alert)},
			{bucketOutbox, []byte("nh_1/slack"), v3Entry("slack", 0, t0)},
			{bucketOutbox, []byte("nh_1/mail"), v3Entry("mail", 2, later)},
			{bucketDue, dueKey(t0, "nh_1/slack"), []byte{}},
			{bucketDue, dueKey(later, "nh_1/mail"), []byte{}},
			{bucketDead, []byte("nh_1/hook"), []byte(`{"alert_id":"nh_1","notifier":"hook","attempts":1,` +
				`"created":"2026-03-14T09:26:53Z","next_attempt":"2026-03-14T09:26:53Z","last_error":"404",` +
				`"dead_at":"2026-03-14T09:27:53Z","alert":` + v1Alert + `}`)},
		}
		for _, p := range puts {
			if err := tx.Bucket(p.bucket).Put(p.key, p.value); err != nil {
				return err
			}
		}
		return nil
	})
	s, err := Open(path, Options{Now: fixedClock(&later)})
	if err != nil {
		t.Fatalf("Open(v3 fixture) error: %v", err)
	}
	defer s.Close()
	checkBuckets(t, s)
	for _, tt := range []struct {
		notifier string
		want     []string
		next     time.Time
	}{{"slack", []string{"nh_1/slack"}, t0}, {"mail", []string{"nh_1/mail"}, later}} {
		due, err := s.DueFor(tt.notifier, later, 0)
		if err != nil || !slices.Equal(entryIDs(due), tt.want) {
			t.Fatalf("DueFor(%s) after migration = %q, %v; want %q", tt.notifier, entryIDs(due), err, tt.want)
		}
		if e := due[0]; e.Digest || !e.FirstDue.IsZero() || !e.NextAttempt.Equal(tt.next) || e.Alert.ID != "nh_1" {
			t.Errorf("entry %s after migration = %+v; want immediate, FirstDue zero, next %v", e.ID, e, tt.next)
		}
	}
	if got, err := s.QueuedNotifiers(); err != nil || !slices.Equal(got, []string{"mail", "slack"}) {
		t.Errorf("QueuedNotifiers() after migration = %q, %v", got, err)
	}
	if d, err := s.DeadLetters(); err != nil || len(d) != 1 || d[0].LastError != "404" {
		t.Errorf("DeadLetters() after migration = %+v, %v; want the v3 dead letter", d, err)
	}
	called := false
	if _, err := s.Announce(func([]Entry, []DisabledNotifier) []QueuedAlert { called = true; return nil }); err != nil || called {
		t.Errorf("Announce() after migration: build called %v, %v; want the old dead letter not announced", called, err)
	}
	// The upgraded file works as usual.
	if err := s.Ack("nh_1/slack", later); err != nil {
		t.Errorf("Ack(v3 entry) after migration: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := rawVersion(t, path), strconv.Itoa(schemaVersion); got != want {
		t.Errorf("meta/version after migration = %q, want %q", got, want)
	}
}
