package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/store"
)

// replayFlags are the flags of `newshound replay`.
type replayFlags struct {
	globalFlags
	since string
	watch string
	json  bool
}

// replayCmd runs `newshound replay`: the current watches over the stored
// article texts, printing what would fire. It sends nothing and changes
// nothing in the store (beyond the schema migration Open may apply).
//
// The store is a bbolt file that one process at a time may open: while
// the daemon runs, replay fails at once with a message saying so, rather
// than waiting or reading a copy that may be torn mid-commit. Replay is a
// tuning tool run between daemon restarts, or against a copy of the file
// taken while the daemon is stopped (point data: at it in a copy of the
// config).
func replayCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var f replayFlags
	flags := flag.NewFlagSet("newshound replay", flag.ContinueOnError)
	flags.SetOutput(stderr)
	f.register(flags, lookupEnv)
	flags.StringVar(&f.since, "since", "72h", "replay articles found within this long (90m, 72h, 3d) or since this RFC 3339 time")
	flags.StringVar(&f.watch, "watch", "", "replay only this watch (default every watch)")
	flags.BoolVar(&f.json, "json", false, "print one JSON document instead of lines")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "newshound replay: unexpected argument %q\n", flags.Arg(0))
		return exitUsage
	}
	since, err := parseSince(f.since, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "newshound replay: --since: %v\n", err)
		return exitUsage
	}
	log, err := f.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "newshound replay: %v\n", err)
		return exitUsage
	}
	cfg, err := app.LoadConfig(f.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, f.config, err)
		return exitFailure
	}
	if f.watch != "" && !hasWatch(cfg, f.watch) {
		fmt.Fprintf(stderr, "newshound replay: %s\n", unknownWatchMessage(cfg, f.watch))
		return exitFailure
	}
	if _, err := os.Stat(cfg.Data); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "newshound replay: no database at %s: nothing has been crawled with this config yet\n", cfg.Data)
		return exitFailure
	}
	a, err := app.New(cfg, app.Options{Logger: log, Stdout: io.Discard, Version: version, LookupEnv: lookupEnv})
	if errors.Is(err, store.ErrLocked) {
		printLocked(stderr, "replay", cfg.Data, "alerts that fall due meanwhile are sent when it restarts.")
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound replay: %v\n", err)
		return exitFailure
	}
	defer a.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := a.Replay(ctx, since, f.watch)
	if err != nil {
		fmt.Fprintf(stderr, "newshound replay: %v\n", err)
		return exitFailure
	}
	if f.json {
		err = writeReplayJSON(stdout, since, res)
	} else {
		err = writeReplayLines(stdout, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound replay: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// writeReplayLines prints one line per hit and a summary:
//
//	2026-11-25T10:02:11Z  [detainees] wire: title — url (fired: "al Hol" AND transfer*)
//	replayed 120 articles: 3 would fire (1 already alerted)
func writeReplayLines(w io.Writer, res app.ReplayResult) error {
	alerted := 0
	for _, h := range res.Hits {
		note := ""
		if h.Alerted {
			note = " [already alerted]"
			alerted++
		}
		_, err := fmt.Fprintf(w, "%s  [%s] %s: %s — %s (fired: %s)%s\n",
			h.Article.Found.UTC().Format(time.RFC3339), textsafe.Flatten(h.Hit.Watch), textsafe.Flatten(h.Article.Source),
			textsafe.Flatten(h.Article.Title), textsafe.Flatten(h.Article.URL), textsafe.Flatten(h.Hit.Fired), note)
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "replayed %d articles: %d would fire (%d already alerted)\n", res.Articles, len(res.Hits), alerted)
	return err
}

// replayJSON is the --json document.
type replayJSON struct {
	Since    time.Time       `json:"since"`
	Articles int             `json:"articles"`
	Hits     []replayHitJSON `json:"hits"`
}

type replayHitJSON struct {
	Watch         string       `json:"watch"`
	Source        string       `json:"source"`
	URL           string       `json:"url"`
	Title         string       `json:"title"`
	Published     *time.Time   `json:"published,omitempty"`
	Found         time.Time    `json:"found"`
	Fired         string       `json:"fired"`
	Matches       []news.Match `json:"matches"`
	SnippetMarked string       `json:"snippet_marked,omitempty"`
	Alerted       bool         `json:"alerted"`
}

func writeReplayJSON(w io.Writer, since time.Time, res app.ReplayResult) error {
	doc := replayJSON{Since: since.UTC().Truncate(time.Second), Articles: res.Articles, Hits: []replayHitJSON{}}
	for _, h := range res.Hits {
		j := replayHitJSON{
			Watch: h.Hit.Watch, Source: h.Article.Source, URL: h.Article.URL, Title: h.Article.Title,
			Found: h.Article.Found.UTC(), Fired: h.Hit.Fired, Matches: h.Hit.Matches, Alerted: h.Alerted,
			SnippetMarked: highlight.Mark(highlight.Split(h.Hit.Snippet, h.Hit.Highlights, 0), "«", "»"),
		}
		if !h.Article.Published.IsZero() {
			p := h.Article.Published.UTC()
			j.Published = &p
		}
		doc.Hits = append(doc.Hits, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// parseSince reads --since: an RFC 3339 time, or a duration that is not
// negative as news.ParseDuration reads it ("90m", "72h", "3d", "1d12h"),
// counted back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := news.ParseDuration(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a duration (72h, 3d, 1d12h) or an RFC 3339 time", s)
	}
	if d < 0 {
		return time.Time{}, fmt.Errorf("%q is negative", s)
	}
	return now.Add(-d), nil
}

func hasWatch(cfg *config.Config, name string) bool {
	for _, w := range cfg.Watches {
		if w.Name == name {
			return true
		}
	}
	return false
}

// unknownWatchMessage names the watch and lists the configured ones.
func unknownWatchMessage(cfg *config.Config, name string) string {
	names := make([]string, 0, len(cfg.Watches))
	for _, w := range cfg.Watches {
		names = append(names, w.Name)
	}
	return fmt.Sprintf("no watch named %q in %s; the watches are: %s", name, cfg.Path, strings.Join(names, ", "))
}
