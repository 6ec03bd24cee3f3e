package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
)

// explainCmd runs `newshound explain --watch W URL|FILE`: it fetches or
// reads one article, runs the real extraction and matcher, and prints the
// article's particulars and the matcher's explanation. It never opens the
// store, so it works while the daemon runs. Exit 0 whether or not the
// watch fires; 1 when the config is unusable, the watch unknown or the
// article cannot be fetched or read; 2 on usage errors.
func explainCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	var watch string
	flags := flag.NewFlagSet("newshound explain", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.StringVar(&watch, "watch", "", "the watch to explain (required)")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	switch {
	case watch == "":
		fmt.Fprintln(stderr, "newshound explain: --watch is required\nusage: newshound explain [--config FILE] --watch W URL|FILE")
		return exitUsage
	case flags.NArg() != 1:
		fmt.Fprintln(stderr, "newshound explain: want exactly one URL or FILE\nusage: newshound explain [--config FILE] --watch W URL|FILE")
		return exitUsage
	}
	log, err := g.logger(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "newshound explain: %v\n", err)
		return exitUsage
	}
	cfg, err := app.LoadConfig(g.config, lookupEnv)
	if err != nil {
		printConfigError(stderr, g.config, err)
		return exitFailure
	}
	if !hasWatch(cfg, watch) {
		fmt.Fprintf(stderr, "newshound explain: %s\n", unknownWatchMessage(cfg, watch))
		return exitFailure
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	target := flags.Arg(0)
	art, ex, err := app.Explain(ctx, cfg, app.Options{Logger: log, Version: version, LookupEnv: lookupEnv}, watch, target)
	if err != nil {
		fmt.Fprintf(stderr, "newshound explain: %v\n", err)
		return exitFailure
	}
	if err := writeArticle(stdout, cfg, watch, target, art); err != nil {
		fmt.Fprintf(stderr, "newshound explain: %v\n", err)
		return exitFailure
	}
	if err := ex.Format(stdout); err != nil {
		fmt.Fprintf(stderr, "newshound explain: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// writeArticle prints what was explained: title, where it came from,
// which source (and whether the watch applies to it), when it was
// published and how much text the extractor kept.
func writeArticle(w io.Writer, cfg *config.Config, watch, target string, art news.Article) error {
	where := "url:       " + textsafe.Flatten(art.URL)
	if strings.HasPrefix(art.URL, "file:") {
		where = "file:      " + textsafe.Flatten(target) // as given, not the absolute path
	}
	source := "(none: no source matches)"
	if art.Source != "" {
		source = textsafe.Flatten(art.Source)
		for _, wt := range cfg.Watches {
			if wt.Name == watch && !wt.AppliesTo(art.Source) {
				source += fmt.Sprintf(" (watch %s does not apply to it: sources %s)", watch, strings.Join(wt.Sources, ", "))
			}
		}
	}
	published := "unknown"
	if !art.Published.IsZero() {
		published = art.Published.UTC().Format(time.RFC3339)
	}
	_, err := fmt.Fprintf(w, "title:     %s\n%s\nsource:    %s\npublished: %s\ntext:      %d characters\n\n",
		textsafe.Flatten(art.Title), where, source, published, utf8.RuneCountInString(art.Text))
	return err
}
