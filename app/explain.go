package app

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/news"
)

// maxExplainFile caps the article file Explain reads; the crawler caps
// fetched pages likewise.
const maxExplainFile = 10 << 20

// fileHost is the host Explain gives a page read from a file, so the
// extractor, which resolves links against the page URL, has one; .invalid
// is reserved and never resolves (RFC 2606).
const fileHost = "file.invalid"

// Explain fetches (an http or https URL) or reads (any other target, as a
// file path) one article page, extracts it exactly as a crawl does, and
// explains how the watch named watch matches it under cfg: what matched
// where, which query branch fired, and why a near miss did not. It is a
// plain function, not an App method, because it must work while the
// daemon holds the store: it opens no store and sends nothing.
//
// A URL is fetched with the settings (user agent, timeout, address
// policy) of the configured source on the same host, else with the first
// source's user agent and timeout, trusting the URL's own host as a
// source's would be (the operator named it). A file's article has no
// source, and its URL and ID are the file's file:// URL.
func Explain(ctx context.Context, cfg *config.Config, opts Options, watch, target string) (news.Article, matcher.Explanation, error) {
	if _, ok := watchByName(cfg, watch); !ok {
		return news.Article{}, matcher.Explanation{}, unknownWatch(cfg, watch)
	}
	mws, err := MatcherWatches(cfg.Watches)
	if err != nil {
		return news.Article{}, matcher.Explanation{}, fmt.Errorf("compile watches: %w", err)
	}
	m, err := matcher.Compile(mws)
	if err != nil {
		return news.Article{}, matcher.Explanation{}, fmt.Errorf("compile watches: %w", err)
	}
	art, err := explainArticle(ctx, cfg, opts, target)
	if err != nil {
		return news.Article{}, matcher.Explanation{}, err
	}
	ex, err := m.Explain(watch, art.Title, art.Text)
	if err != nil {
		return art, matcher.Explanation{}, fmt.Errorf("explain watch %s: %w", watch, err)
	}
	return art, ex, nil
}

func watchByName(cfg *config.Config, name string) (config.Watch, bool) {
	for _, w := range cfg.Watches {
		if w.Name == name {
			return w, true
		}
	}
	return config.Watch{}, false
}

// explainArticle loads the target as a URL or a file.
func explainArticle(ctx context.Context, cfg *config.Config, opts Options, target string) (news.Article, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	if u, err := url.Parse(target); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return fetchForExplain(ctx, cfg, opts, now, u, target)
	}
	return readForExplain(target, now())
}

func fetchForExplain(ctx context.Context, cfg *config.Config, opts Options, now func() time.Time, u *url.URL, target string) (news.Article, error) {
	opts.Now = now
	c := crawler.New(crawlerOptions(cfg, withDefaults(opts)))
	art, err := c.FetchArticle(ctx, sourceFor(cfg, u), target)
	if err != nil {
		return news.Article{}, err
	}
	return art, nil
}

// sourceFor picks the crawler settings for an explained URL: the first
// source on the same host, else the first source's user agent and timeout
// with no name and no URL (so the URL's own host is the trusted one).
func sourceFor(cfg *config.Config, u *url.URL) crawler.Source {
	for _, s := range cfg.Sources {
		if su, err := url.Parse(s.URL()); err == nil && strings.EqualFold(su.Hostname(), u.Hostname()) {
			return crawlerSource(s)
		}
	}
	if len(cfg.Sources) == 0 {
		return crawler.Source{}
	}
	return crawler.Source{UserAgent: cfg.Sources[0].UserAgent, Timeout: cfg.Sources[0].Timeout}
}

// readForExplain extracts an article page from a file.
func readForExplain(path string, found time.Time) (news.Article, error) {
	f, err := os.Open(path)
	if err != nil {
		return news.Article{}, fmt.Errorf("read article: %w", err)
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxExplainFile+1))
	if err != nil {
		return news.Article{}, fmt.Errorf("read article %s: %w", path, err)
	}
	if len(body) > maxExplainFile {
		return news.Article{}, fmt.Errorf("read article %s: larger than %d MiB", path, maxExplainFile>>20)
	}
	pageURL := "https://" + fileHost + "/" + url.PathEscape(filepath.Base(path))
	art, err := crawler.ExtractArticle(pageURL, body, "text/html")
	if err != nil {
		return news.Article{}, fmt.Errorf("extract article from %s: %w", path, err)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	fileURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
	art.ID, art.URL, art.Keys, art.Found = fileURL, fileURL, []string{fileURL}, found
	return art, nil
}
