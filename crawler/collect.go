package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/newshound/newshound/news"
)

// identity is how an item is recognised before its page is fetched.
type identity struct {
	lookup  string // the key passed to SeenFunc: the first of Article.Keys
	fetch   string // URL to fetch; "" when the item has no fetchable link
	guidKey string // "guid:<source>:<guid>" when the item has a GUID
}

// identify applies the fallback chain documented in the package doc: link
// → absolute http(s) GUID → guid:<source>:<guid> → hash of title and
// description.
func identify(source string, it item) identity {
	var id identity
	if it.GUID != "" {
		id.guidKey = "guid:" + source + ":" + it.GUID
	}
	for _, link := range []string{it.Link, absoluteHTTP(nil, it.GUID)} {
		if link == "" {
			continue
		}
		if k, err := Canonicalize(link); err == nil {
			id.lookup, id.fetch = k, link
			return id
		}
	}
	if id.guidKey != "" {
		id.lookup = id.guidKey
		return id
	}
	sum := sha256.Sum256([]byte(it.Title + "\n" + it.Summary))
	id.lookup = "hash:" + hex.EncodeToString(sum[:])
	return id
}

// maxFuture is how far ahead of the clock a publication date may be before
// it is taken for a mistake.
const maxFuture = 24 * time.Hour

// collect turns listed items into new articles: skip what seen knows, fetch
// and extract the rest (up to maxFetchesPerCrawl pages), and merge articles
// that turn out to share an ID.
func (s *session) collect(ctx context.Context, items []item, seen SeenFunc, res *Result) error {
	now := s.c.now()
	handled := map[string]bool{}
	byID := map[string]int{}
	fetches, deferred := 0, 0
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := identify(s.src.Name, it)
		if handled[id.lookup] {
			continue
		}
		handled[id.lookup] = true
		known, err := seen(id.lookup)
		if err != nil {
			return fmt.Errorf("seen %s: %w", id.lookup, err)
		}
		if known {
			continue
		}
		var art news.Article
		switch {
		case id.fetch == "":
			if it.Title == "" && it.Summary == "" {
				continue // nothing to match, nothing to show
			}
			art = news.Article{ID: id.lookup, Title: it.Title, Text: it.Summary}
		case fetches == maxFetchesPerCrawl:
			deferred++
			continue
		default:
			fetches++
			art, err = s.article(id.fetch)
			if err != nil {
				if ctx.Err() != nil {
					return errors.Join(ctx.Err(), err)
				}
				res.Errors = append(res.Errors, err)
				continue
			}
			if it.Title != "" {
				art.Title = it.Title
			}
		}
		art.Source, art.Found = s.src.Name, now
		art.Published = firstPlausible(now, it.Published, art.Published, it.Modified)
		art.Keys = compactKeys(append(append([]string{id.lookup}, art.Keys...), id.guidKey))
		if i, dup := byID[art.ID]; dup {
			res.Articles[i].Keys = compactKeys(append(res.Articles[i].Keys, art.Keys...))
			continue
		}
		byID[art.ID] = len(res.Articles)
		res.Articles = append(res.Articles, art)
	}
	if deferred > 0 {
		s.c.log.Warn("article fetch cap reached; the rest waits for the next pass",
			"source", s.src.Name, "fetched", fetches, "deferred", deferred)
	}
	return nil
}

// firstPlausible returns the first time that is set and not further in the
// future than maxFuture; zero when none is.
func firstPlausible(now time.Time, ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() && t.Before(now.Add(maxFuture)) {
			return t
		}
	}
	return time.Time{}
}

// compactKeys drops empty and repeated keys, keeping first occurrences.
func compactKeys(keys []string) []string {
	out := keys[:0:0]
	for _, k := range keys {
		if k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// Sitemap index limits: how deep indexes nest (the root is depth 0) and
// how many child sitemaps one Crawl fetches in all.
const (
	maxSitemapDepth    = 2
	maxSitemapChildren = 50
)

// listSitemap fetches a sitemap and, for an index, its children. A child
// that fails is a per-item error; the source fails only if the root does,
// or if it is an index and every child failed.
func (s *session) listSitemap(rawURL string) ([]item, []error, error) {
	f, err := s.get(rawURL, acceptSitemap)
	if err != nil {
		return nil, nil, err
	}
	sm, err := parseSitemap(f.Body, f.ContentType)
	if err != nil {
		return nil, nil, err
	}
	budget := maxSitemapChildren
	items, errs, ok := s.sitemapItems(sm, 0, &budget)
	if !ok && len(items) == 0 {
		return nil, nil, fmt.Errorf("every child sitemap failed: %w", errors.Join(errs...))
	}
	return items, errs, nil
}

// sitemapItems lists sm's URLs and follows its child sitemaps. ok is false
// when sm is an index none of whose children could be read.
func (s *session) sitemapItems(sm sitemap, depth int, budget *int) (items []item, errs []error, ok bool) {
	for _, u := range sm.URLs {
		items = append(items, item{Link: u.Loc, Title: u.Title, Published: u.Published, Modified: u.LastMod})
	}
	ok = len(sm.Sitemaps) == 0
	for _, child := range sm.Sitemaps {
		if depth+1 > maxSitemapDepth {
			s.c.log.Warn("sitemap index nested too deep; child not followed", "source", s.src.Name, "sitemap", child)
			ok = true
			continue
		}
		if *budget == 0 {
			s.c.log.Warn("sitemap child limit reached", "source", s.src.Name, "limit", maxSitemapChildren)
			ok = true
			break
		}
		*budget--
		csm, err := s.childSitemap(child)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ci, ce, cok := s.sitemapItems(csm, depth+1, budget)
		items, errs, ok = append(items, ci...), append(errs, ce...), ok || cok
	}
	return items, errs, ok
}

func (s *session) childSitemap(link string) (sitemap, error) {
	f, err := s.get(link, acceptSitemap)
	if err != nil {
		return sitemap{}, fmt.Errorf("child sitemap: %w", err)
	}
	sm, err := parseSitemap(f.Body, f.ContentType)
	if err != nil {
		return sitemap{}, fmt.Errorf("child sitemap %s: %w", link, err)
	}
	return sm, nil
}
