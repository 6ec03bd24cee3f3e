package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/news"
)

// ErrUnknownWatch is returned by Replay and Explain for a watch name the
// config does not define; the message lists the names it does.
var ErrUnknownWatch = errors.New("unknown watch")

// ReplayHit is one watch that fires on one stored article.
type ReplayHit struct {
	Article news.Article
	Hit     matcher.Hit
	// Alerted is true when the store already holds this alert (the watch
	// fired on the article when it was crawled): replay then shows a hit
	// that was sent, not a new one.
	Alerted bool
}

// ReplayResult is what Replay found.
type ReplayResult struct {
	Articles int         // stored articles looked at
	Hits     []ReplayHit // oldest day first, within a day as stored, then in watch order
}

// Replay runs the current watches over every article text the store kept
// with Found at or after since, and returns the alerts they would have
// raised: for each watch (watch "" means every watch) that fires on an
// article, applies to the article's source, and for which the article was
// not older than the source's max_age when it was found (as the live pass
// decides). It sends nothing and writes nothing. Articles crawled before
// texts were kept, or pruned after keep_text, are not replayed.
func (a *App) Replay(ctx context.Context, since time.Time, watch string) (ReplayResult, error) {
	c := a.current()
	if watch != "" {
		if _, ok := c.watches[watch]; !ok {
			return ReplayResult{}, unknownWatch(c.cfg, watch)
		}
	}
	var res ReplayResult
	err := a.store.Articles(since, func(art news.Article) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		res.Articles++
		hits, err := a.replayArticle(c, art, watch)
		res.Hits = append(res.Hits, hits...)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("replay: %w", err)
	}
	return res, nil
}

// replayArticle matches one stored article as the pass did when it found
// it, with the current watches.
func (a *App) replayArticle(c *compiled, art news.Article, watch string) ([]ReplayHit, error) {
	if tooOld(c.cfg, art) {
		return nil, nil
	}
	var out []ReplayHit
	for _, hit := range c.matcher.Match(art.Title, art.Text) {
		w, ok := c.watches[hit.Watch]
		if !ok || (watch != "" && hit.Watch != watch) || !w.AppliesTo(art.Source) {
			continue
		}
		_, alerted, err := a.store.Alert(news.AlertID(w.Name, art.ID))
		if err != nil {
			return out, err
		}
		out = append(out, ReplayHit{Article: art, Hit: hit, Alerted: alerted})
	}
	return out, nil
}

// tooOld applies the live pass's max_age rule at the time the article was
// found: the article's source's max_age, or the defaults' when the source
// is no longer configured.
func tooOld(cfg *config.Config, art news.Article) bool {
	maxAge := cfg.Defaults.MaxAge
	if src, ok := cfg.SourceByName(art.Source); ok {
		maxAge = src.MaxAge
	}
	return !art.Published.IsZero() && maxAge > 0 && art.Found.Sub(art.Published) > maxAge
}

// unknownWatch names the watch and lists the configured ones.
func unknownWatch(cfg *config.Config, name string) error {
	names := make([]string, 0, len(cfg.Watches))
	for _, w := range cfg.Watches {
		names = append(names, w.Name)
	}
	slices.Sort(names)
	return fmt.Errorf("%w %q (the config has: %s)", ErrUnknownWatch, name, strings.Join(names, ", "))
}
