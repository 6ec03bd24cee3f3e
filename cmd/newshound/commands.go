package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // unusable config or store, or invalid config for check
	exitUsage   = 2 // bad flags or unknown command
)

const usage = `newshound watches news sources and alerts on the entities you follow.

Usage:
  newshound run     [--config FILE] [--log-format text|json] [--log-level LEVEL]   the daemon
  newshound once    [--config FILE] ...   one pass over every source, deliver what is due, exit
  newshound check   [--config FILE]       validate the config, print every problem
  newshound explain [--config FILE] --watch W URL|FILE
                                          fetch (or read) one article and show what the watch matched, where and why
  newshound replay  [--config FILE] [--since 72h] [--watch W] [--json]
                                          run the current watches over the stored articles; print what would fire
  newshound sources [--config FILE] [--json]   print each source's health
  newshound extract [--config FILE] URL|FILE    print what the extraction pipeline gets from a page
  newshound outbox  [--config FILE] [--json]   list queued alerts, dead letters and disabled notifiers
  newshound outbox retry  [--config FILE] ID...|--all-dead   requeue dead letters
  newshound outbox enable [--config FILE] NAME               re-enable a disabled notifier
  newshound test-notify [--config FILE] NAME   send a marked sample alert through one notifier
  newshound alerts  [--config FILE] [--watch W] [--source S] [--since 24h] [--limit 50] [--json]
                                          list stored alerts, newest first, with their delivery state per notifier
  newshound backup  [--config FILE] OUT   write a consistent copy of the database to OUT (mode 0600)
  newshound compact [--config FILE]       rewrite the database without its free pages (daemon stopped)
  newshound version                       print the version

run takes --grace D (default 10s): on SIGTERM, how long sends in flight may finish.
outbox, replay, sources and compact open the database: stop the daemon first.
alerts and backup work beside a running daemon by asking its HTTP server (listen in the config).

--config defaults to $NEWSHOUND_CONFIG, else newshound.yaml.
`

// globalFlags are the flags every command that reads a config takes.
type globalFlags struct {
	config    string
	logFormat string
	logLevel  string
}

func (g *globalFlags) register(fs *flag.FlagSet, lookupEnv func(string) (string, bool)) {
	def := "newshound.yaml"
	if v, ok := lookupEnv("NEWSHOUND_CONFIG"); ok && v != "" {
		def = v
	}
	fs.StringVar(&g.config, "config", def, "config file (default $NEWSHOUND_CONFIG or newshound.yaml)")
	fs.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
}

func (g *globalFlags) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("--log-format must be text or json, not %q", g.logFormat)
	}
}

// run dispatches a command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "newshound %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "explain":
		return explainCmd(rest, stdout, stderr, lookupEnv)
	case "replay":
		return replayCmd(rest, stdout, stderr, lookupEnv)
	case "sources":
		return sourcesCmd(rest, stdout, stderr, lookupEnv)
	case "extract":
		return extractCmd(rest, stdout, stderr, lookupEnv)
	case "outbox":
		return outboxCmd(rest, stdout, stderr, lookupEnv)
	case "test-notify":
		return testNotifyCmd(rest, stdout, stderr, lookupEnv)
	case "alerts":
		return alertsCmd(rest, stdout, stderr, lookupEnv)
	case "backup":
		return backupCmd(rest, stdout, stderr, lookupEnv)
	case "compact":
		return compactCmd(rest, stdout, stderr, lookupEnv)
	case "run", "once", "check":
	default:
		fmt.Fprintf(stderr, "newshound: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	var g globalFlags
	fs := flag.NewFlagSet("newshound "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	g.register(fs, lookupEnv)
	var grace time.Duration
	if cmd == "run" {
		fs.DurationVar(&grace, "grace", app.DefaultGrace, "on SIGTERM, how long sends in flight may finish before they are cut short")
	}
	if err := fs.Parse(rest); err != nil {
		return exitUsage
	}
	if grace < 0 {
		fmt.Fprintf(stderr, "newshound %s: --grace must not be negative\n", cmd)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return exitUsage
	}
	log, err := g.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "newshound %s: %v\n", cmd, err)
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if cmd == "check" {
		return check(g.config, cfg, err, stdout, stderr)
	}
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	opts := app.Options{Logger: log, Stdout: stdout, Version: version, LookupEnv: lookupEnv, Grace: grace}
	if cmd == "once" {
		return once(cfg, opts, stderr)
	}
	return daemon(cfg, opts, stderr)
}

func printConfigError(w io.Writer, path string, err error) {
	var cerr *config.Error
	if errors.As(err, &cerr) {
		fmt.Fprintf(w, "%s: %d problem(s):\n", path, len(cerr.Problems))
		for _, p := range cerr.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return
	}
	fmt.Fprintf(w, "newshound: %v\n", err)
}

func check(path string, cfg *config.Config, err error, stdout, stderr io.Writer) int {
	if err != nil {
		printConfigError(stderr, path, err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: ok (%d sources, %d watches, %d notifiers; data %s)\n",
		path, len(cfg.Sources), len(cfg.Watches), len(cfg.Notifiers), cfg.Data)
	reportDiscovery(cfg, stdout, stderr)
	return exitOK
}

// reportDiscovery says which feed each `url:` source will crawl. A page
// that cannot be fetched now, or announces no feed, is a warning, not an
// invalid config: the daemon retries it every run and reports the source
// unhealthy if it keeps failing.
func reportDiscovery(cfg *config.Config, stdout, stderr io.Writer) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, d := range app.DiscoverFeeds(ctx, cfg, app.Options{Version: version}) {
		switch {
		case d.Err != nil:
			fmt.Fprintf(stderr, "warning: source %s: feed discovery on %s failed: %v\n", d.Source, d.Page, d.Err)
		case len(d.Feeds) == 0:
			fmt.Fprintf(stderr, "warning: source %s: %s announces no feed\n", d.Source, d.Page)
		default:
			fmt.Fprintf(stdout, "source %s: discovered feed %s", d.Source, d.Feeds[0])
			if len(d.Feeds) > 1 {
				fmt.Fprintf(stdout, " (also: %s)", strings.Join(d.Feeds[1:], ", "))
			}
			fmt.Fprintln(stdout)
		}
	}
}

func once(cfg *config.Config, opts app.Options, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(cfg, opts)
	if err != nil {
		fmt.Fprintf(stderr, "newshound once: %v\n", err)
		return exitFailure
	}
	defer a.Close()
	sum, err := a.RunOnce(ctx)
	for _, p := range sum.Failed() {
		fmt.Fprintf(stderr, "source %s failed: %v\n", p.Source, p.Err)
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound once: delivery: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// shutdownLimit bounds a stop: after SIGTERM the daemon stops scheduling,
// cancels fetches, lets sends in flight finish within the grace period and
// closes the store; should any of that hang, it exits anyway. The store
// stays consistent (every bbolt commit is atomic) and unsent entries stay
// due.
const shutdownLimit = 30 * time.Second

// daemon runs until SIGINT or SIGTERM; SIGHUP reloads the config file.
func daemon(cfg *config.Config, opts app.Options, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(cfg, opts)
	if err != nil {
		fmt.Fprintf(stderr, "newshound run: %v\n", err)
		return exitFailure
	}
	done := make(chan struct{})
	defer close(done)
	go watchdog(ctx, done, shutdownLimit, opts.Logger)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				opts.Logger.Info("SIGHUP: reloading config")
				_ = a.ReloadFile() // logged inside; the last good config stays
			}
		}
	}()
	runErr := a.Run(ctx)
	start := time.Now()
	if err := a.Close(); err != nil {
		opts.Logger.Error("close store", "err", err)
		return exitFailure
	}
	opts.Logger.Info("stopped", "close_took", time.Since(start).Round(time.Millisecond))
	if runErr != nil {
		fmt.Fprintf(stderr, "newshound run: %v\n", runErr)
		return exitFailure
	}
	return exitOK
}

// watchdog ends the process when a shutdown that began with ctx's
// cancellation has not finished (done closed) within limit.
func watchdog(ctx context.Context, done <-chan struct{}, limit time.Duration, log *slog.Logger) {
	select {
	case <-done:
		return
	case <-ctx.Done():
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Error("shutdown did not finish in time; exiting without waiting", "limit", limit)
		os.Exit(exitFailure)
	}
}

// printLocked explains that a command which opens the database cannot run
// beside the daemon: bbolt lets one process hold the file.
func printLocked(w io.Writer, cmd, path, hint string) {
	fmt.Fprintf(w, "newshound %s: the daemon holds the database %s (one process at a time may open it).\n"+
		"Stop the daemon (e.g. systemctl stop newshound), run %s, then start it again;\n%s\n", cmd, path, cmd, hint)
}
