package crawler

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sync"
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
		if link == "" || len(link) > news.MaxURLBytes {
			// A link longer than any real one is no link: cut, it would
			// point elsewhere; whole, it would be stored and shown.
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

// pass is the state of one collect: which lookup keys were handled and
// which of them were left unfinished (failed or deferred), where each
// article ID sits in the result, how many new items were taken (pages to
// fetch and items without a link alike count against MaxItems).
type pass struct {
	res        *Result
	now        time.Time
	handled    map[string]bool
	unfinished map[string]bool
	byID       map[string]int
	taken      int
	deferred   int
}

// collect turns listed items into new articles: skip what seen knows, fetch
// and extract the rest (up to the source's MaxItems new items, several at
// a time within the Crawler's per-host limit), and merge articles that turn
// out to share an ID. Results keep listing order whatever order the
// fetches finish in. s.unfinished[i] is set for each item whose article
// failed or was deferred (listed again, or under another child sitemap,
// it shares the outcome). ctx is shutdown: once it is done collect fails;
// bctx is ctx with the pass budget: once it is done no fetch starts and
// the items not fetched are deferred.
func (s *session) collect(ctx, bctx context.Context, items []item, seen SeenFunc, res *Result) error {
	p := &pass{res: res, now: s.c.now(), handled: map[string]bool{}, unfinished: map[string]bool{}, byID: map[string]int{}}
	var cutoff time.Time
	if s.src.MaxAge > 0 {
		cutoff = p.now.Add(-s.src.MaxAge)
	}
	lookups := make([]string, len(items))
	type newItem struct {
		it   item
		id   identity
		date time.Time // zero when the listing gives none
	}
	var fresh []newItem
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := identify(s.src.Name, it)
		lookups[i] = id.lookup
		if p.handled[id.lookup] {
			continue
		}
		p.handled[id.lookup] = true
		known, err := seen(id.lookup)
		if err != nil {
			return fmt.Errorf("seen %s: %w", id.lookup, err)
		}
		if known {
			continue
		}
		date := firstPlausible(p.now, it.Published, it.Modified)
		if !cutoff.IsZero() && !date.IsZero() && date.Before(cutoff) {
			// Older than MaxAge: never fetched, handed back to be marked
			// seen so it does not come back on every pass.
			res.Expired = append(res.Expired, news.Article{
				Source: s.src.Name, Found: p.now, Keys: compactKeys([]string{id.lookup, id.guidKey}),
			})
			continue
		}
		fresh = append(fresh, newItem{it: it, id: id, date: date})
	}
	// MaxItems takes the oldest news first (undated items last, in listing
	// order), so a backlog drains in the order it was published over the
	// passes; the articles still come back in listing order.
	order := make([]int, len(fresh))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		da, db := fresh[a].date, fresh[b].date
		if da.IsZero() != db.IsZero() {
			if da.IsZero() {
				return 1
			}
			return -1
		}
		return da.Compare(db)
	})
	planned := make([]*job, len(fresh))
	for _, i := range order {
		if j, ok := s.plan(p, fresh[i].it, fresh[i].id); ok {
			planned[i] = &j
		}
	}
	var jobs []job
	for _, j := range planned {
		if j != nil {
			jobs = append(jobs, *j)
		}
	}
	s.fetchAll(bctx, jobs)
	for _, j := range jobs {
		art, ok, err := s.settle(ctx, bctx, p, j)
		if err != nil {
			return err
		}
		if ok {
			p.add(s.src.Name, art, j.it, j.id)
		}
	}
	s.deferred = p.deferred
	s.unfinished = make([]bool, len(items))
	for i, k := range lookups {
		s.unfinished[i] = p.unfinished[k]
	}
	switch {
	case bctx.Err() != nil && p.deferred > 0:
		s.c.log.Warn("pass budget spent; the rest waits for the next pass",
			"source", s.src.Name, "budget", s.src.Budget, "taken", p.taken, "deferred", p.deferred)
	case p.deferred > 0:
		s.c.log.Warn("item cap reached; the rest waits for the next pass",
			"source", s.src.Name, "taken", p.taken, "deferred", p.deferred)
	}
	return nil
}

// job is one new item: its article built from the listing alone (fetch
// false) or the outcome of fetching its page.
type job struct {
	it    item
	id    identity
	fetch bool
	art   news.Article
	err   error
}

// plan decides what a new item needs: nothing (empty, or over the item
// cap: deferred to the next pass), its listing text alone when it has no
// link, or a fetch. Items with and without a link count alike against the
// cap: a feed of a quarter million linkless items is still a few hundred
// articles a pass.
func (s *session) plan(p *pass, it item, id identity) (job, bool) {
	if id.fetch == "" && it.Title == "" && it.Summary == "" {
		return job{}, false // nothing to match, nothing to show
	}
	if p.taken == s.maxItems() {
		p.deferred++
		p.unfinished[id.lookup] = true
		return job{}, false
	}
	p.taken++
	if id.fetch == "" {
		return job{it: it, id: id, art: news.Article{ID: id.lookup, Title: it.Title, Text: it.Summary}}, true
	}
	return job{it: it, id: id, fetch: true}, true
}

// fetchAll fetches the pages of jobs with up to Crawler.workers at a time;
// the limiter keeps the per-host, per-delay and global limits. Once ctx is
// done no new fetch starts.
func (s *session) fetchAll(ctx context.Context, jobs []job) {
	// From here on the session's requests queue behind other sources'
	// listing polls.
	s.opts.articles.Store(true)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.c.workers, len(jobs)) {
		wg.Go(func() {
			for i := range next {
				if err := ctx.Err(); err != nil {
					jobs[i].err = err
					continue
				}
				jobs[i].art, jobs[i].err = s.article(jobs[i].id.fetch)
			}
		})
	}
	for i := range jobs {
		if jobs[i].fetch {
			next <- i
		}
	}
	close(next)
	wg.Wait()
}

// settle turns a job's outcome into the article: ok is false when the
// item yields nothing this pass (disallowed by robots.txt: counted; cut
// or never started because the budget ran out: deferred; or failed: the
// failure is in res.Errors as an *ArticleError). err is only for a
// cancelled ctx.
func (s *session) settle(ctx, bctx context.Context, p *pass, j job) (news.Article, bool, error) {
	if j.err != nil {
		if ctx.Err() != nil {
			return news.Article{}, false, errors.Join(ctx.Err(), j.err)
		}
		if bctx.Err() != nil && (errors.Is(j.err, bctx.Err()) || errors.Is(j.err, context.Cause(bctx))) {
			p.deferred++
			p.unfinished[j.id.lookup] = true
			return news.Article{}, false, nil
		}
		if errors.Is(j.err, ErrDisallowed) {
			p.res.Disallowed++
			s.c.log.Debug("skipped: disallowed by robots.txt", "source", s.src.Name, "url", redact(j.id.fetch))
			return news.Article{}, false, nil
		}
		p.unfinished[j.id.lookup] = true
		p.res.Errors = append(p.res.Errors, &ArticleError{
			URL: redact(j.id.fetch), Keys: compactKeys([]string{j.id.lookup, j.id.guidKey}), Err: j.err,
		})
		return news.Article{}, false, nil
	}
	art := j.art
	if j.fetch && j.it.Title != "" && (art.Title == "" || s.onOrigin(j.id.fetch)) {
		// The listing's title is the editor's headline, so it wins for
		// the source's own pages. For a page on another site the page's
		// own title wins: otherwise any source could list a real site's
		// story under a forged headline and claim its alert first.
		art.Title = j.it.Title
	}
	return art, true, nil
}

// add completes an article with what the listing knew and appends it, or
// merges its keys into an earlier article with the same ID.
func (p *pass) add(source string, art news.Article, it item, id identity) {
	art = news.Clamp(art)
	if len(art.ID) > news.MaxURLBytes || len(art.URL) > news.MaxURLBytes {
		// A page naming itself by a giant canonical URL is known by the
		// link that led to it (identify never takes a longer one).
		art.ID, art.URL = id.lookup, id.fetch
	}
	art.Source, art.Found = source, p.now
	art.Published = firstPlausible(p.now, it.Published, art.Published, it.Modified)
	art.Keys = compactKeys(append(append([]string{id.lookup}, art.Keys...), id.guidKey))
	if i, dup := p.byID[art.ID]; dup {
		p.res.Articles[i].Keys = compactKeys(append(p.res.Articles[i].Keys, art.Keys...))
		return
	}
	p.byID[art.ID] = len(p.res.Articles)
	p.res.Articles = append(p.res.Articles, art)
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

// maxItems is the source's cap on article fetches per Crawl.
func (s *session) maxItems() int {
	if s.src.MaxItems > 0 {
		return s.src.MaxItems
	}
	return DefaultMaxItems
}

// onOrigin reports whether link is on the source's configured origin
// (scheme, host and port; fetchPolicy.isOrigin, the address guard's rule).
func (s *session) onOrigin(link string) bool {
	u, err := url.Parse(link)
	return err == nil && s.pol.isOrigin(u)
}
