package store

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// checkPrivate fails unless path has mode 0600.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of %s = %v, want 0600", path, got)
	}
}

// TestBackupFile: the backup is a complete, private database that opens
// with everything, it replaces an older backup, and the database itself
// is never a target.
func TestBackupFile(t *testing.T) {
	s, path := openTest(t)
	fillDB(t, s)
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(out, []byte("old backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	n, err := BackupFile(s, out)
	if err != nil || n == 0 {
		t.Fatalf("BackupFile() = %d, %v", n, err)
	}
	checkPrivate(t, out)
	if info, _ := os.Stat(out); info.Size() != n {
		t.Errorf("backup file has %d bytes, BackupFile reported %d", info.Size(), n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("BackupFile left temporary files %v", leftovers)
	}
	// The source keeps working while the backup is open elsewhere.
	mustRecord(t, s, seenPass("after-backup"))
	b, err := Open(out, Options{})
	if err != nil {
		t.Fatalf("Open(backup) error: %v", err)
	}
	page, err := b.Alerts(AlertQuery{Limit: MaxAlertLimit})
	if err != nil || len(page.Alerts) != 400 {
		t.Errorf("backup Alerts() = %d alerts, %v; want 400", len(page.Alerts), err)
	}
	if seen, _ := b.Seen("wire", "after-backup"); seen {
		t.Errorf("backup Seen(after-backup) = true; the backup must be the state at its start")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := BackupFile(s, path); err == nil || !strings.Contains(err.Error(), "database itself") {
		t.Errorf("BackupFile(onto the database) error = %v, want a refusal", err)
	}
	var buf bytes.Buffer
	if n, err := s.Backup(&buf); err != nil || n != int64(buf.Len()) {
		t.Errorf("Backup(buffer) = %d, %v; buffer holds %d", n, err, buf.Len())
	}
}

// TestWriteBackupFileRefusesBadCopies: a copy cut short, not a database
// at all, or whose writer failed never replaces the backup at
// path, and no temporary file stays behind. BackupFile and the backup
// fetched from a running daemon are both written this way.
func TestWriteBackupFileRefusesBadCopies(t *testing.T) {
	s, _ := openTest(t)
	fillDB(t, s)
	var good bytes.Buffer
	if _, err := s.Backup(&good); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := WriteBackupFile(out, func(w io.Writer) (int64, error) { return io.Copy(w, bytes.NewReader(good.Bytes())) }); err != nil {
		t.Fatalf("WriteBackupFile(a sound copy) error: %v", err)
	}
	for _, tt := range []struct {
		name string
		copy []byte
		err  error
	}{
		{"cut short", good.Bytes()[:good.Len()/2], nil},
		{"last page missing", good.Bytes()[:good.Len()-4096], nil},
		{"not a database", []byte("<html>a proxy's error page</html>"), nil},
		{"empty", nil, nil},
		{"writer failed", good.Bytes(), errors.New("connection reset")},
	} {
		_, err := WriteBackupFile(out, func(w io.Writer) (int64, error) {
			n, werr := w.Write(tt.copy)
			return int64(n), cmp.Or(tt.err, werr)
		})
		if err == nil {
			t.Errorf("WriteBackupFile(%s) = nil error, want a refusal", tt.name)
		}
		if now, _ := os.ReadFile(out); !bytes.Equal(now, good.Bytes()) {
			t.Errorf("WriteBackupFile(%s) changed the backup at path", tt.name)
		}
		if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*tmp-*")); len(leftovers) != 0 {
			t.Errorf("WriteBackupFile(%s) left temporary files %v", tt.name, leftovers)
		}
	}
}

// TestCompact: refused while the database is open and when the target
// exists; afterwards the copy is private, smaller after a prune, and
// holds everything.
func TestCompact(t *testing.T) {
	s, path := openTest(t)
	fillDB(t, s)
	keep := historyAlert("acme", "wire", 1, t0.Add(100*24*time.Hour))
	recordAlerts(t, s, []news.Alert{keep})
	queued, err := s.Queued()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range queued {
		if err := s.Ack(e.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "compact.db")
	if _, _, err := Compact(path, dst); !errors.Is(err, ErrLocked) {
		t.Errorf("Compact(open database) error = %v, want ErrLocked", err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Errorf("Compact(open database) left %s", dst)
	}
	if rep, err := s.Prune(Retention{Alerts: time.Hour}, t0.Add(2*time.Hour)); err != nil || rep.Alerts != 400 {
		t.Fatalf("Prune() = %+v, %v; want 400 alerts", rep, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Compact(path, dst); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("Compact(onto an existing file) error = %v, want a refusal", err)
	}
	if err := os.Remove(dst); err != nil {
		t.Fatal(err)
	}
	before, after, err := Compact(path, dst)
	if err != nil || before == 0 || after == 0 || after >= before {
		t.Fatalf("Compact() = %d, %d, %v; want a smaller file", before, after, err)
	}
	checkPrivate(t, dst)
	c, err := Open(dst, Options{})
	if err != nil {
		t.Fatalf("Open(compacted) error: %v", err)
	}
	defer c.Close()
	page, err := c.Alerts(AlertQuery{Limit: MaxAlertLimit})
	if err != nil || len(page.Alerts) != 1 || page.Alerts[0].Alert.ID != keep.ID {
		t.Errorf("compacted Alerts() = %d, %v; want the one kept", len(page.Alerts), err)
	}
}

func TestSizeAndPermissions(t *testing.T) {
	s, path := openTest(t)
	if n, err := s.Size(); err != nil || n <= 0 {
		t.Errorf("Size() = %d, %v", n, err)
	}
	if m, err := s.Permissions(); err != nil || m != 0o600 {
		t.Errorf("Permissions() = %v, %v; want 0600", m, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Permissions(); err != nil || m != 0o644 || m&0o077 == 0 {
		t.Errorf("Permissions() after chmod 0644 = %v, %v; want 0644", m, err)
	}
}

// TestBackupWhileRecording: a backup taken while passes are recorded
// opens and holds a prefix of them (the state at its start), whole.
func TestBackupWhileRecording(t *testing.T) {
	s, _ := openTest(t)
	fillDB(t, s)
	done := make(chan error)
	go func() {
		for i := range 50 {
			if _, err := s.Record(seenPass(fmt.Sprintf("during-%d", i))); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	out := filepath.Join(t.TempDir(), "backup.db")
	if _, err := BackupFile(s, out); err != nil {
		t.Fatalf("BackupFile() while recording: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Record() while backing up: %v", err)
	}
	b, err := Open(out, Options{})
	if err != nil {
		t.Fatalf("Open(backup) error: %v", err)
	}
	defer b.Close()
	seen := 0
	for i := range 50 {
		ok, err := b.Seen("wire", fmt.Sprintf("during-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if seen != i {
				t.Fatalf("backup holds pass %d but not pass %d", i, seen)
			}
			seen++
		}
	}
	if page, err := b.Alerts(AlertQuery{Limit: MaxAlertLimit}); err != nil || len(page.Alerts) != 400 {
		t.Errorf("backup Alerts() = %d, %v; want 400", len(page.Alerts), err)
	}
}

// TestVerify: Verify accepts a good file and an older schema without
// writing to either (no migration, no text directory), and refuses every
// damage Open refuses, a newer schema and a foreign file.
func TestVerify(t *testing.T) {
	t.Run("good", func(t *testing.T) {
		s, path := openTest(t)
		fillDB(t, s)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		before := readAll(t, path)
		if err := Verify(path); err != nil {
			t.Errorf("Verify(good database) = %v, want nil", err)
		}
		if !bytes.Equal(readAll(t, path), before) {
			t.Error("Verify(good database) changed the file")
		}
	})
	t.Run("older schema", func(t *testing.T) {
		path := v5WithTexts(t, "https://wire.example/t1")
		before := readAll(t, path)
		if err := Verify(path); err != nil {
			t.Errorf("Verify(v5 database) = %v, want nil", err)
		}
		if !bytes.Equal(readAll(t, path), before) {
			t.Error("Verify(v5 database) changed the file (migrated it?)")
		}
		if _, err := os.Stat(path + ".texts"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Verify(v5 database) left a text directory: %v", err)
		}
	})
	for _, tt := range fileDamages() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := damagedCopy(t, tt)
			if err := Verify(path); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Verify(%s database) = %v, want ErrCorrupt", tt.name, err)
			}
		})
	}
	t.Run("newer schema", func(t *testing.T) {
		path := fixture(t, putVersion("99"))
		if err := Verify(path); err == nil || !strings.Contains(err.Error(), "newer than this newshound supports") {
			t.Errorf("Verify(schema 99) = %v, want the upgrade message", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		err := Verify(filepath.Join(t.TempDir(), "nope.db"))
		if err == nil || errors.Is(err, ErrCorrupt) {
			t.Errorf("Verify(missing file) = %v, want a plain error", err)
		}
	})
}
