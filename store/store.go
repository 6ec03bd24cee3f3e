package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/newshound/newshound/outbox"
)

// Errors callers can test for with errors.Is.
var (
	// ErrLocked means another process (or another Store in this process)
	// holds the database open.
	ErrLocked = errors.New("database is locked")
	// ErrCorrupt means the file is damaged, truncated or not a newshound
	// database. The store never repairs or re-creates such a file.
	ErrCorrupt = errors.New("database is corrupt")
	// ErrNotFound means an outbox entry with the given id is not queued
	// (or, for a requeue, not dead); it is outbox.ErrNotFound.
	ErrNotFound = outbox.ErrNotFound
)

// Options tunes Open. The zero value is usable.
type Options struct {
	// Timeout is how long Open waits for the file lock before it gives up
	// with ErrLocked. Default 1s.
	Timeout time.Duration
	// Now is the clock for first-seen times and new outbox entries.
	// Default time.Now.
	Now func() time.Time
}

// Store is an open newshound database. Its methods are safe for concurrent
// use; bbolt serialises the write transactions.
type Store struct {
	db    *bbolt.DB
	path  string
	now   func() time.Time
	texts *textLog // article texts for replay, next to the file
	held  heldRuns // run times not written yet (runtimes.go)
}

// pageSize is the bbolt page size of new files (and of Compact's
// copies); older files keep theirs. bbolt puts at least two records on a
// page and lets a larger page spill into whole extra pages, so article
// texts (~2 kB compressed) left 4 KiB pages about half empty; on 16 KiB
// pages they fill ~90 %. Larger pages cost more bytes per commit, not
// more fsyncs.
const pageSize = 16 << 10

// filePerm keeps the database (alert contents, source state) private to
// the daemon's user.
const filePerm = 0o600

// Open opens the database at path, creating it if it does not exist, and
// migrates it to the current schema. See the package doc for the errors.
func Open(path string, opts Options) (*Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := create(path, opts.Timeout); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("open database: %w", err)
	case !info.Mode().IsRegular():
		return nil, fmt.Errorf("open database %s: not a regular file", path)
	case info.Size() == 0:
		return nil, fmt.Errorf("%w: database %s is empty (truncated?); refusing to start with no memory of what was alerted", ErrCorrupt, path)
	}
	db, err := openCurrent(path, opts.Timeout)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, now: opts.Now, texts: newTextLog(path)}
	if err := s.prepare(); err != nil {
		_ = s.texts.close()
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Close writes the run times held in memory, syncs the text segments and
// closes the database; the Store must not be used afterwards.
func (s *Store) Close() error {
	ferr := s.FlushRunTimes()
	terr := s.texts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close database %s: %w", s.path, err)
	}
	if terr != nil {
		return fmt.Errorf("close article texts of %s: %w", s.path, terr)
	}
	if ferr != nil {
		return fmt.Errorf("close database %s: %w", s.path, ferr)
	}
	return nil
}

// openCurrent opens the file at path and makes sure it is still the file
// at path once its lock is held. A process that opened the file while
// another held its lock and replaced it (compact renames its copy over
// the database while holding the old one's lock) would otherwise lock,
// and then write to, the old, unlinked file: its writes would vanish.
// It opens the new file instead, a few times at most.
func openCurrent(path string, timeout time.Duration) (*bbolt.DB, error) {
	const attempts = 3
	for range attempts {
		db, file, err := openBolt(path, timeout)
		if err != nil {
			return nil, err
		}
		locked, err := file.Stat()
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		current, err := os.Stat(path)
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		if os.SameFile(locked, current) {
			return db, nil
		}
		_ = db.Close()
	}
	return nil, fmt.Errorf("open database %s: the file was replaced %d times while it was being opened", path, attempts)
}

// openBolt opens an existing file with bbolt and maps its failures to
// ErrLocked and ErrCorrupt. bbolt reads the meta and freelist pages of a
// damaged file through its memory map and may panic, or fault on pages past
// the end of a truncated file; both are turned into ErrCorrupt here.
func openBolt(path string, timeout time.Duration) (db *bbolt.DB, file *os.File, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				_ = file.Close() // releases the lock bbolt took
			}
			db, file, err = nil, nil, fmt.Errorf("%w: database %s cannot be read: %v", ErrCorrupt, path, r)
		}
	}()
	db, err = bbolt.Open(path, filePerm, &bbolt.Options{
		Timeout: timeout,
		// Never create here: a missing file at this point was removed
		// under us, and creating it would start with an empty memory.
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag&^os.O_CREATE, perm)
			file = f
			return f, err
		},
	})
	switch {
	case err == nil:
		return db, file, nil
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, nil, fmt.Errorf("%w: database %s is in use by another newshound process", ErrLocked, path)
	case isOSError(err):
		return nil, nil, fmt.Errorf("open database %s: %w", path, err)
	default:
		return nil, nil, fmt.Errorf("%w: database %s: %w", ErrCorrupt, path, err)
	}
}

// isOSError tells failures of the operating system (permissions, missing
// directory, out of memory) from bbolt's verdicts on the file's contents.
func isOSError(err error) bool {
	var pathErr *fs.PathError
	var errno syscall.Errno
	return errors.As(err, &pathErr) || errors.As(err, &errno)
}

// create builds a new, migrated database under a temporary name and links
// it into place, so that the path never holds a half-initialised file.
// Linking (not renaming) never replaces a database another process created
// at the same moment.
func create(path string, timeout time.Duration) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	db, err := bbolt.Open(tmpName, filePerm, &bbolt.Options{Timeout: timeout, PageSize: pageSize})
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	// A new file has no texts to move, so its text directory (named after
	// the temporary file) is never created.
	s := &Store{db: db, path: tmpName, texts: newTextLog(tmpName)}
	err = s.prepare()
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	if err := publish(tmpName, path); err != nil {
		return fmt.Errorf("create database %s: %w", path, err)
	}
	return SyncDir(dir)
}

// publish puts the finished file at path unless something is already
// there. Filesystems without hard links fall back to a rename guarded by a
// fresh existence check (racy only against a simultaneous first start).
func publish(tmpName, path string) error {
	err := os.Link(tmpName, path)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return nil
	}
	if _, statErr := os.Lstat(path); statErr == nil {
		return nil
	}
	return os.Rename(tmpName, path)
}

// SyncDir makes the entries just created, renamed or removed in dir
// durable (fsync of the directory).
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// update runs fn in a write transaction; see guard.
func (s *Store) update(fn func(*bbolt.Tx) error) error {
	return guard(func() error { return s.db.Update(fn) })
}

// view runs fn in a read transaction; see guard.
func (s *Store) view(fn func(*bbolt.Tx) error) error {
	return guard(func() error { return s.db.View(fn) })
}

// guard turns a bbolt panic or a memory fault in the mapped file (damage
// found after Open, or the file truncated under us) into an ErrCorrupt
// error, so the daemon reports it instead of crashing. bbolt's managed
// transactions roll back on panic before the recover here runs.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	return fn()
}
