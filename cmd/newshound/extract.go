package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/textsafe"
)

// maxExtractFile bounds a page read from a file, as the crawler bounds a
// fetched body.
const maxExtractFile = 16 << 20

// extractUsage is printed on usage errors.
const extractUsage = "usage: newshound extract [--config FILE] [--url PAGE-URL] URL|FILE"

// extractCmd runs `newshound extract URL|FILE`: it prints what the
// extraction pipeline finds in one page (title, canonical URL, published
// time, language, text length) and then the text. A URL is fetched the way
// the daemon fetches articles (crawler.FetchArticle, with the user agent
// and timeout of a configured source on the same host); a FILE is read
// and run through crawler.ExtractPage. The config is optional: without
// one the crawler's defaults apply. Exit 0 on success, 1 when the config
// is unusable or the page cannot be fetched, read or extracted, 2 on
// usage errors.
func extractCmd(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) int {
	var g globalFlags
	var pageURL string
	flags := flag.NewFlagSet("newshound extract", flag.ContinueOnError)
	flags.SetOutput(stderr)
	g.register(flags, lookupEnv)
	flags.StringVar(&pageURL, "url", "", "for a FILE: the URL the page was fetched from (resolves relative links and identity)")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		fmt.Fprintf(stderr, "newshound extract: want exactly one URL or FILE\n%s\n", extractUsage)
		return exitUsage
	}
	target := flags.Arg(0)
	var page crawler.Page
	var err error
	if isHTTPURL(target) {
		page, err = extractURL(g, flags, target, stderr, lookupEnv)
	} else {
		page, err = extractFile(target, pageURL)
	}
	if err != nil {
		fmt.Fprintf(stderr, "newshound extract: %v\n", err)
		return exitFailure
	}
	if err := writeExtracted(stdout, page); err != nil {
		fmt.Fprintf(stderr, "newshound extract: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// extractURL fetches target as the daemon would. The config is read when
// --config or $NEWSHOUND_CONFIG names one, or when the default file exists.
func extractURL(g globalFlags, flags *flag.FlagSet, target string, stderr io.Writer, lookupEnv func(string) (string, bool)) (crawler.Page, error) {
	log, err := g.logger(stderr)
	if err != nil {
		return crawler.Page{}, err
	}
	var src crawler.Source
	explicit := false
	flags.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	if _, env := lookupEnv("NEWSHOUND_CONFIG"); explicit || env || fileExists(g.config) {
		cfg, err := app.LoadConfig(g.config, lookupEnv)
		if err != nil {
			printConfigError(stderr, g.config, err)
			return crawler.Page{}, fmt.Errorf("config %s unusable", g.config)
		}
		src = extractSource(cfg, target)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c := crawler.New(crawler.Options{
		Logger:    log,
		UserAgent: "newshound/" + version + " (+https://github.com/newshound/newshound)",
	})
	art, err := c.FetchArticle(ctx, src, target)
	if err != nil {
		return crawler.Page{}, err
	}
	// FetchArticle reports the article only (news.Article): its URL is
	// the identity chosen from rel=canonical; the page's language and the
	// rel=canonical as written are not reported.
	return crawler.Page{Article: art}, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// extractSource picks the settings of the first configured source on
// target's host, so the page is fetched with that source's user agent,
// timeout and trusted host; else an unnamed source (target's own host is
// then the trusted one).
func extractSource(cfg *config.Config, target string) crawler.Source {
	u, err := url.Parse(target)
	if err != nil {
		return crawler.Source{}
	}
	for _, s := range cfg.Sources {
		if su, err := url.Parse(s.URL()); err == nil && strings.EqualFold(su.Hostname(), u.Hostname()) {
			return crawler.Source{Name: s.Name, URL: s.URL(), UserAgent: s.UserAgent, Timeout: s.Timeout}
		}
	}
	return crawler.Source{}
}

// extractFile reads a saved page and extracts it as if fetched from
// pageURL (default https://file.invalid/<file name>).
func extractFile(path, pageURL string) (crawler.Page, error) {
	f, err := os.Open(path)
	if err != nil {
		return crawler.Page{}, fmt.Errorf("read page: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxExtractFile+1))
	if err != nil {
		return crawler.Page{}, fmt.Errorf("read page %s: %w", path, err)
	}
	if len(body) > maxExtractFile {
		return crawler.Page{}, fmt.Errorf("read page %s: larger than %d MiB", path, maxExtractFile>>20)
	}
	if pageURL == "" {
		pageURL = "https://file.invalid/" + url.PathEscape(filepath.Base(path))
	} else if !isHTTPURL(pageURL) {
		return crawler.Page{}, fmt.Errorf("--url %q: not an absolute http(s) URL", pageURL)
	}
	page, err := crawler.ExtractPage(pageURL, body, "text/html")
	if err != nil {
		return crawler.Page{}, fmt.Errorf("extract %s: %w", path, err)
	}
	return page, nil
}

// writeExtracted prints the particulars, one per line, then a blank line
// and the text. Untrusted one-line fields have control characters blanked.
func writeExtracted(w io.Writer, p crawler.Page) error {
	a := p.Article
	published, language, canonical := "unknown", "unknown", "none (or not reported for a fetched page)"
	if !a.Published.IsZero() {
		published = a.Published.UTC().Format(time.RFC3339)
	}
	if p.Language != "" {
		language = p.Language
	}
	if p.Canonical != "" {
		canonical = textsafe.Flatten(p.Canonical)
	}
	_, err := fmt.Fprintf(w, "title:     %s\nurl:       %s\ncanonical: %s\npublished: %s\nlanguage:  %s\ntext:      %d characters\n\n%s\n",
		textsafe.Flatten(a.Title), textsafe.Flatten(a.URL), canonical, published, language, utf8.RuneCountInString(a.Text), a.Text)
	return err
}
