package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Backup writes a consistent copy of the database to w and returns the
// bytes written. It runs in one read transaction (bbolt Tx.WriteTo), so
// it works while the daemon records passes; writers are not blocked, but
// the file cannot reuse pages freed meanwhile, so a backup of a large
// file to a slow writer lets the file grow a little. The run times Record
// holds in memory are written first, so the copy has them.
func (s *Store) Backup(w io.Writer) (int64, error) {
	if err := s.FlushRunTimes(); err != nil {
		return 0, fmt.Errorf("back up database %s: %w", s.path, err)
	}
	var n int64
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up database %s: %w", s.path, err)
	}
	return n, nil
}

// BackupFile writes a backup of s to path with WriteBackupFile: path
// holds either its previous contents or a complete, verified new backup.
// Backing up onto the database itself is refused.
func BackupFile(s *Store, path string) (int64, error) {
	if same, err := sameFile(s.path, path); err != nil {
		return 0, fmt.Errorf("back up to %s: %w", path, err)
	} else if same {
		return 0, fmt.Errorf("back up to %s: that is the database itself", path)
	}
	return WriteBackupFile(path, s.Backup)
}

// WriteBackupFile is the one way a backup file is written, whether the
// copy comes from Backup or from a running daemon over HTTP: fill writes
// the copy into a temporary file (mode 0600) in path's folder, which is
// synced, checked with Verify (a copy cut short or damaged is refused),
// renamed over path, and the rename synced. On any failure path keeps
// its previous contents and the temporary file is removed. It returns the
// bytes fill wrote.
func WriteBackupFile(path string, fill func(io.Writer) (int64, error)) (int64, error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("back up to %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after the rename this fails harmlessly
	if err := tmp.Chmod(filePerm); err != nil {
		_ = tmp.Close()
		return 0, fmt.Errorf("back up to %s: %w", path, err)
	}
	n, err := fill(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("back up to %s: %w", path, err)
	}
	if err := Verify(tmp.Name()); err != nil {
		return n, fmt.Errorf("back up to %s: the copy is not a usable database, %s left as it was: %w", path, path, err)
	}
	err = os.Rename(tmp.Name(), path)
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		return n, fmt.Errorf("back up to %s: %w", path, err)
	}
	return n, nil
}

// sameFile reports whether a and b name the same existing file.
func sameFile(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}

// compactTxSize is how many bytes Compact copies per write transaction.
const compactTxSize = 64 << 20

// Compact rewrites the database at src into a new file dst (mode 0600)
// with every page filled, dropping the free pages that bbolt never
// returns to the file system, and returns the sizes of both files. It
// opens src like Open (so it fails with ErrLocked while the daemon runs,
// and migrates an older file first) and refuses a dst that exists. The
// copy is built under a temporary name next to dst and linked into place
// when complete. src is only read (an older src is migrated in place
// first, as the daemon would on its next start).
func Compact(src, dst string) (before, after int64, err error) {
	if _, err := os.Lstat(dst); err == nil {
		return 0, 0, fmt.Errorf("compact %s: %s already exists", src, dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, 0, fmt.Errorf("compact %s: %w", src, err)
	}
	s, err := Open(src, Options{})
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	defer s.Close()
	if before, err = s.Size(); err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	dir := filepath.Dir(dst)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dst)+".new-*")
	if err != nil {
		return before, 0, fmt.Errorf("compact %s: %w", src, err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Close(); err != nil {
		return before, 0, fmt.Errorf("compact %s: %w", src, err)
	}
	out, err := bbolt.Open(tmpName, filePerm, &bbolt.Options{Timeout: time.Second, PageSize: pageSize})
	if err != nil {
		return before, 0, fmt.Errorf("compact %s: %w", src, err)
	}
	err = guard(func() error { return bbolt.Compact(out, s.db, compactTxSize) })
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Link, not rename: a dst created meanwhile is never replaced.
		err = os.Link(tmpName, dst)
	}
	if err == nil {
		err = SyncDir(dir)
	}
	if err != nil {
		return before, 0, fmt.Errorf("compact %s into %s: %w", src, dst, err)
	}
	info, err := os.Stat(dst)
	if err != nil {
		return before, 0, fmt.Errorf("compact %s: %w", src, err)
	}
	return before, info.Size(), nil
}

// Size returns the size of the database file in bytes. bbolt never
// shrinks the file: pages freed by pruning are reused, and Compact gives
// them back.
func (s *Store) Size() (int64, error) {
	info, err := os.Stat(s.path)
	if err != nil {
		return 0, fmt.Errorf("size of database: %w", err)
	}
	return info.Size(), nil
}

// Permissions returns the permission bits of the database file. Open
// creates it 0600; a file readable or writable by group or others
// (mode&0o077 != 0) exposes alert contents and should be reported.
func (s *Store) Permissions() (fs.FileMode, error) {
	info, err := os.Stat(s.path)
	if err != nil {
		return 0, fmt.Errorf("permissions of database: %w", err)
	}
	return info.Mode().Perm(), nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Verify checks, without writing to it, that the file at path is a
// newshound database this binary can open: its meta pages, its schema
// version (an older one is fine: Open migrates it), every bucket of the
// current version, and bbolt's consistency check of every page. It is
// for backups: opening a copy with Open would migrate an older one in
// place (and a migration may create its text directory).
func Verify(path string) (err error) {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("verify database: %w", err)
	}
	if info.Size() == 0 {
		return fmt.Errorf("%w: database %s is empty", ErrCorrupt, path)
	}
	var db *bbolt.DB
	err = guard(func() error {
		var err error
		db, err = bbolt.Open(path, filePerm, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	})
	switch {
	case err == nil:
	case errors.Is(err, ErrCorrupt), isOSError(err):
		return fmt.Errorf("verify database %s: %w", path, err)
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("%w: database %s is in use by another process", ErrLocked, path)
	default:
		return fmt.Errorf("%w: database %s: %w", ErrCorrupt, path, err)
	}
	defer db.Close()
	s := &Store{db: db, path: path}
	return s.view(func(tx *bbolt.Tx) error {
		if _, err := s.check(tx, info.Size()); err != nil {
			return err
		}
		var problems []error
		for err := range tx.Check() { // drained: the checker blocks on the channel
			if len(problems) < 5 {
				problems = append(problems, err)
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: database %s fails bbolt's page check: %w", ErrCorrupt, path, errors.Join(problems...))
		}
		return nil
	})
}
