package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
)

// errNoDatabase means the config's data file does not exist yet: nothing
// has run with this config.
var errNoDatabase = errors.New("no database yet")

// openStore opens cfg's database for a command, without creating it. The
// daemon holds the file while it runs (bbolt lets one process open it),
// so the wait is short: the command fails at once with store.ErrLocked
// rather than hanging behind a daemon that will not let go.
func openStore(cfg *config.Config) (*store.Store, error) {
	if _, err := os.Stat(cfg.Data); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", cfg.Data, errNoDatabase)
	}
	st, err := store.Open(cfg.Data, store.Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return st, nil
}

// printStoreError explains an openStore failure: the daemon holding the
// file (with what to do, see printLocked), no database yet, or the error.
func printStoreError(w io.Writer, cmd string, cfg *config.Config, err error, hint string) {
	switch {
	case errors.Is(err, store.ErrLocked):
		printLocked(w, cmd, cfg.Data, hint)
	case errors.Is(err, errNoDatabase):
		fmt.Fprintf(w, "newshound %s: no database at %s: nothing has run with this config yet\n", cmd, cfg.Data)
	default:
		fmt.Fprintf(w, "newshound %s: %v\n", cmd, err)
	}
}
