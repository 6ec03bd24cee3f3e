package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
)

// backupCmd runs `newshound backup --config F OUT`: a consistent copy of
// the database at OUT, mode 0600, replacing OUT only once the copy is
// complete and verified (store.WriteBackupFile, for both ways below).
//
// With the daemon stopped the command opens the database itself and
// copies it in one read transaction (store.BackupFile). While the daemon
// runs it holds the file (bbolt's exclusive flock; a read-only open needs
// a shared flock, which that refuses), so the command asks the daemon
// instead: POST /api/v1/backup on the daemon's HTTP server (config
// listen, with listen_auth's credentials), which streams the file from
// one read transaction (store.Backup, bbolt Tx.WriteTo).
func backupCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	flags := flag.NewFlagSet("newshound backup", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		fmt.Fprintln(stderr, "newshound backup: give the file to write the backup to: newshound backup [--config FILE] OUT")
		return exitUsage
	}
	out := flags.Arg(0)
	if info, err := os.Stat(out); err == nil && info.IsDir() {
		fmt.Fprintf(stderr, "newshound backup: %s is a folder; give the backup's file name, e.g. %s\n", out,
			filepath.Join(out, "newshound-"+time.Now().UTC().Format("20060102")+".db"))
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	if same, _ := samePath(cfg.Data, out); same {
		fmt.Fprintf(stderr, "newshound backup: %s is the database itself; give another file\n", out)
		return exitUsage
	}
	st, err := openStore(cfg)
	switch {
	case errors.Is(err, store.ErrLocked):
		return backupFromDaemon(cfg, out, stdout, stderr)
	case err != nil:
		printStoreError(stderr, "backup", cfg, err, "")
		return exitFailure
	}
	n, err := store.BackupFile(st, out)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%s; the daemon was not running)\n", cfg.Data, out, byteSize(n))
	return exitOK
}

// backupFromDaemon writes the running daemon's backup to out.
func backupFromDaemon(cfg *config.Config, out string, stdout, stderr io.Writer) int {
	client, err := newDaemonClient(cfg, 0) // the copy takes as long as the file needs
	if err != nil {
		printLocked(stderr, "backup", cfg.Data,
			"or set listen in the config (and restart the daemon) so that backup can ask the running daemon for a consistent copy.")
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := store.WriteBackupFile(out, func(w io.Writer) (int64, error) { return client.backup(ctx, w) })
	if err != nil {
		fmt.Fprintf(stderr, "newshound backup: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%s, from the running daemon at %s)\n", cfg.Data, out, byteSize(n), client.base)
	return exitOK
}

// compactCmd runs `newshound compact --config F`: it rewrites the
// database offline without the free pages bbolt never gives back, and
// reports the sizes. The copy is built next to the database
// (store.Compact) and renamed over it while this command holds the
// database's lock, so a daemon started meanwhile waits, and then opens
// the new file (store.Open checks that the file it locked is still the
// one at the path).
func compactCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	flags := flag.NewFlagSet("newshound compact", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound compact: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	before, after, err := compactDatabase(cfg.Data)
	switch {
	case errors.Is(err, store.ErrLocked):
		printLocked(stderr, "compact", cfg.Data, "compact rewrites the file, so it cannot run beside the daemon; a backup can (newshound backup).")
		return exitFailure
	case err != nil:
		printStoreError(stderr, "compact", cfg, err, "")
		return exitFailure
	}
	saved := before - after
	fmt.Fprintf(stdout, "compacted %s: %s before, %s after (%s freed)\n", cfg.Data, byteSize(before), byteSize(after), byteSize(max(saved, 0)))
	return exitOK
}

// errChangedMeanwhile means the database was written while it was being
// compacted (a daemon started and stopped in between): the copy is stale.
var errChangedMeanwhile = errors.New("the database changed while it was being compacted (did the daemon run meanwhile?); nothing was replaced, run compact again")

// compactDatabase compacts the database at path in place and returns its
// sizes before and after.
func compactDatabase(path string) (before, after int64, err error) {
	// A symlinked database is compacted where it lives; the link stays.
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	// Open and close once first: that fails fast when the daemon holds
	// the file, and migrates an older file, so that the state compared
	// below is the one store.Compact copies.
	st, err := openStoreAt(path)
	if err != nil {
		return 0, 0, err
	}
	if err := st.Close(); err != nil {
		return 0, 0, err
	}
	orig, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.compact-%d", filepath.Base(path), os.Getpid()))
	_ = os.Remove(tmp) // a leftover of an earlier run killed with this pid
	defer os.Remove(tmp)
	before, after, err = store.Compact(path, tmp)
	if err != nil {
		return before, 0, err
	}
	// The new file takes the old one's owner: compact run as root on a
	// daemon's database must leave a file the daemon can open.
	if err := copyOwner(orig, tmp); err != nil {
		return before, 0, fmt.Errorf("compact: %w", err)
	}
	// Hold the lock across the check and the rename, so no daemon can
	// write to the old file between them.
	held, err := openStoreAt(path)
	if err != nil {
		return before, 0, err
	}
	defer held.Close()
	now, err := os.Stat(path)
	if err != nil {
		return before, 0, fmt.Errorf("compact: %w", err)
	}
	if !os.SameFile(orig, now) || now.Size() != orig.Size() || !now.ModTime().Equal(orig.ModTime()) {
		return before, 0, errChangedMeanwhile
	}
	if err := os.Rename(tmp, path); err != nil {
		return before, 0, fmt.Errorf("compact: replace %s: %w", path, err)
	}
	if err := store.SyncDir(filepath.Dir(path)); err != nil {
		return before, after, err
	}
	return before, after, nil
}

// openStoreAt opens the database at path for a command: without creating
// it, failing fast while the daemon holds it.
func openStoreAt(path string) (*store.Store, error) {
	return openStore(&config.Config{Data: path})
}

// samePath reports whether a and b name the same file: the same path, or
// the same existing file under two names.
func samePath(a, b string) (bool, error) {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true, nil
	}
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

// byteSize prints a size in bytes the way people read it: "12.3 MB".
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}
