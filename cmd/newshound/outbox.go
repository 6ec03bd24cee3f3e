package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/store"
)

// lockedOutboxHint ends the message of an outbox command run beside the
// daemon.
const lockedOutboxHint = "the daemon logs every dead letter and disabled notifier meanwhile."

// outboxCmd runs `newshound outbox`, or its sub-commands `retry` and
// `enable`. Like replay they open the database, which one process at a
// time may hold, so they fail at once while the daemon runs.
func outboxCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	if len(args) > 0 {
		switch args[0] {
		case "retry":
			return outboxRetryCmd(args[1:], stdout, stderr, lookupEnv)
		case "enable":
			return outboxEnableCmd(args[1:], stdout, stderr, lookupEnv)
		}
	}
	var g globalFlags
	var asJSON bool
	flags := flag.NewFlagSet("newshound outbox", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.BoolVar(&asJSON, "json", false, "print one JSON document instead of tables")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound outbox: unexpected argument %q (sub-commands: retry, enable)\n", flags.Arg(0))
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	var list outboxList
	st, err := openStore(cfg)
	switch {
	case errors.Is(err, errNoDatabase):
		// Nothing has run: an empty outbox, and no file created.
	case err != nil:
		printStoreError(stderr, "outbox", cfg, err, lockedOutboxHint)
		return exitFailure
	default:
		list, err = readOutbox(st)
		st.Close()
		if err != nil {
			fmt.Fprintf(stderr, "newshound outbox: %v\n", err)
			return exitFailure
		}
	}
	if asJSON {
		err = writeOutboxJSON(stdout, list, time.Now())
	} else {
		err = writeOutboxTables(stdout, list, time.Now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound outbox: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// outboxList is what `newshound outbox` shows.
type outboxList struct {
	Queued, Dead []store.Entry
	Disabled     []store.DisabledNotifier
}

func readOutbox(st *store.Store) (outboxList, error) {
	var l outboxList
	var err error
	if l.Queued, err = st.Queued(); err != nil {
		return l, err
	}
	if l.Dead, err = st.DeadLetters(); err != nil {
		return l, err
	}
	l.Disabled, err = st.DisabledNotifiers()
	return l, err
}

// outboxSub parses the flags of an outbox sub-command and loads the
// config; ok is false when it has already reported why not (code).
func outboxSub(name string, args []string, stderr io.Writer, lookupEnv func(string) (string, bool),
	extra func(*flag.FlagSet)) (cfg *config.Config, rest []string, code int, ok bool) {
	var g globalFlags
	flags := flag.NewFlagSet("newshound outbox "+name, flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	if extra != nil {
		extra(flags)
	}
	if err := flags.Parse(args); err != nil {
		return nil, nil, exitUsage, false
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return nil, nil, exitFailure, false
	}
	return cfg, flags.Args(), exitOK, true
}

// outboxRetryCmd runs `newshound outbox retry ID...|--all-dead`: dead
// letters back into the outbox, due at once. Every ID is checked before
// any is requeued, so a typo requeues nothing.
func outboxRetryCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var all bool
	cfg, ids, code, ok := outboxSub("retry", args, stderr, lookupEnv, func(fs *flag.FlagSet) {
		fs.BoolVar(&all, "all-dead", false, "requeue every dead letter")
	})
	if !ok {
		return code
	}
	if all == (len(ids) > 0) {
		fmt.Fprintln(stderr, "newshound outbox retry: give dead letter IDs (as `newshound outbox` lists them) or --all-dead, not both")
		return exitUsage
	}
	st, err := openStore(cfg)
	if err != nil {
		printStoreError(stderr, "outbox retry", cfg, err, lockedOutboxHint)
		return exitFailure
	}
	defer st.Close()
	now := time.Now()
	if all {
		n, err := st.RequeueAllDead(now)
		if err != nil {
			fmt.Fprintf(stderr, "newshound outbox retry: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "requeued %d dead letter(s)\n", n)
		return exitOK
	}
	dead, err := st.DeadLetters()
	if err != nil {
		fmt.Fprintf(stderr, "newshound outbox retry: %v\n", err)
		return exitFailure
	}
	var unknown []string
	for _, id := range ids {
		if !slices.ContainsFunc(dead, func(e store.Entry) bool { return e.ID == id }) {
			unknown = append(unknown, fmt.Sprintf("%q", id))
		}
	}
	if len(unknown) > 0 {
		fmt.Fprintf(stderr, "newshound outbox retry: no dead letter %s (`newshound outbox` lists them); nothing requeued\n",
			strings.Join(unknown, ", "))
		return exitFailure
	}
	for _, id := range ids {
		if err := st.RequeueDead(id, now); err != nil {
			fmt.Fprintf(stderr, "newshound outbox retry: %v\n", err)
			return exitFailure
		}
		fmt.Fprintf(stdout, "requeued %s\n", id)
	}
	return exitOK
}

// outboxEnableCmd runs `newshound outbox enable NAME`: a notifier the
// dispatcher disabled (its receiver said the channel is gone) delivers
// again, and its waiting entries are due at once.
func outboxEnableCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	cfg, names, code, ok := outboxSub("enable", args, stderr, lookupEnv, nil)
	if !ok {
		return code
	}
	if len(names) != 1 {
		fmt.Fprintln(stderr, "newshound outbox enable: give exactly one notifier name")
		return exitUsage
	}
	name := names[0]
	st, err := openStore(cfg)
	if err != nil {
		printStoreError(stderr, "outbox enable", cfg, err, lockedOutboxHint)
		return exitFailure
	}
	defer st.Close()
	disabled, err := st.DisabledNotifiers()
	if err != nil {
		fmt.Fprintf(stderr, "newshound outbox enable: %v\n", err)
		return exitFailure
	}
	if !slices.ContainsFunc(disabled, func(d store.DisabledNotifier) bool { return d.Name == name }) {
		if !hasNotifier(cfg, name) {
			fmt.Fprintf(stderr, "newshound outbox enable: %s\n", unknownNotifierMessage(cfg, name))
			return exitFailure
		}
		fmt.Fprintf(stdout, "notifier %s is not disabled; nothing to do\n", name)
		return exitOK
	}
	n, err := st.Enable(name, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "newshound outbox enable: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "enabled notifier %s: %d queued entr%s now due\n", name, n, plural(n, "y is", "ies are"))
	return exitOK
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func hasNotifier(cfg *config.Config, name string) bool {
	return slices.ContainsFunc(cfg.Notifiers, func(n config.Notifier) bool { return n.Name == name })
}

// unknownNotifierMessage names the notifier and lists the configured ones.
func unknownNotifierMessage(cfg *config.Config, name string) string {
	names := make([]string, 0, len(cfg.Notifiers))
	for _, n := range cfg.Notifiers {
		names = append(names, n.Name)
	}
	return fmt.Sprintf("no notifier named %q in %s; the notifiers are: %s", name, cfg.Path, strings.Join(names, ", "))
}
