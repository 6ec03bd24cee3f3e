package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
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
	err = s.db.View(func(tx *bbolt.Tx) error {
		for _, name := range bucketsV1 {
			if tx.Bucket(name) == nil {
				t.Errorf("after migration, bucket %q is missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := rawVersion(t, path); got != "1" {
		t.Errorf("meta/version after migration = %q, want %q", got, "1")
	}
}

func TestOpenRefusesUnknownSchemas(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(tx *bbolt.Tx) error
		corrupt bool
		want    string
	}{
		{"newer version", putVersion("2"), false, "newer than this newshound supports"},
		{"foreign database", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("widgets"))
			return err
		}, true, `not a newshound database (it has bucket "widgets"`},
		{"meta without version", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket(bucketMeta)
			return err
		}, true, "no version"},
		{"unreadable version", putVersion(`"one"`), true, "unreadable schema version"},
		{"current version, buckets missing", putVersion("1"), true, `lacks bucket "seen"`},
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
