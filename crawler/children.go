package crawler

import (
	"maps"
	"time"

	"github.com/newshound/newshound/crawlstate"
)

// A news sitemap index changes whenever any of its children does, which on
// a busy site is every pass, so the listing's own validators rarely spare
// anything: without more, every child sitemap (up to maxSitemapChildren,
// often large XML) would be downloaded again each pass although one or two
// changed. So a Crawl remembers, per child sitemap URL, what lets it tell
// an unchanged child (crawlstate.SitemapChild, kept in the source's
// crawlstate.FetchState.Children), and a child is
//
//   - skipped, no request at all, when the index gives it a <lastmod> with
//     a time of day that equals the one stored when the child was last
//     read in full, that read showed the lastmod to be credible (no entry
//     of the child dated after it: a lastmod that lags its own entries is
//     stale, and trusting it would hide new entries for good), and the
//     child was fetched less than lastModTrust ago (a site that changes a
//     child without its lastmod delays its news by that much at most);
//   - otherwise fetched with its stored ETag and Last-Modified as
//     If-None-Match and If-Modified-Since; a 304 costs no body.
//
// Both mean "no new items from this child": it listed nothing the store
// has not seen. That holds only when every item of that earlier read was
// handled, so a child whose read left an item unfinished (its article
// failed and will be retried, or it was deferred by the MaxItems cap) gets
// no state and is read in full next pass, and so is a child that failed.
// A child that is itself an index gets no state either: a 304 would not
// show its own children, which are remembered one by one instead.

// lastModTrust is how long an unchanged <lastmod> alone spares a child
// its fetch; after that it is fetched (conditionally) again.
const lastModTrust = time.Hour

// sitemapChildren tracks a Crawl's child sitemaps: what the source
// remembered (prev) and what this pass read or confirmed unchanged (read).
type sitemapChildren struct {
	now  time.Time // the Crawl's start
	prev crawlstate.SitemapChildren
	read crawlstate.SitemapChildren
	// unchangedItems sums Items over the children skipped or answering
	// 304: entries listed without being read again.
	unchangedItems int
}

func newSitemapChildren(prev crawlstate.SitemapChildren, now time.Time) *sitemapChildren {
	return &sitemapChildren{now: now, prev: prev, read: crawlstate.SitemapChildren{}}
}

// unchanged returns the remembered state of ref when the index's lastmod
// shows the child unchanged since it was read in full, and the child was
// fetched less than lastModTrust ago.
func (c *sitemapChildren) unchanged(ref sitemapRef) (crawlstate.SitemapChild, bool) {
	prev, ok := c.prev[ref.Loc]
	if !ok || ref.LastMod.IsZero() || prev.LastMod.IsZero() || !prev.LastMod.Equal(ref.LastMod) {
		return crawlstate.SitemapChild{}, false
	}
	if prev.Verified.IsZero() || c.now.Sub(prev.Verified) >= lastModTrust {
		return crawlstate.SitemapChild{}, false
	}
	return prev, true
}

// conditional returns the validators to send for ref; nil when none are
// remembered, so the fetch is unconditional and a 304 is not accepted.
func (c *sitemapChildren) conditional(ref sitemapRef) *validators {
	prev, ok := c.prev[ref.Loc]
	if !ok || (prev.ETag == "" && prev.LastModified == "") {
		return nil
	}
	return &validators{etag: prev.ETag, lastModified: prev.LastModified}
}

// keepUnchanged records a child confirmed unchanged: skipped by its
// lastmod, or answering 304 with got (its possibly refreshed validators).
// After a 304 the new lastmod is kept only when it does not go back before
// the credible one stored, since the entries, not seen now, were checked
// against that one.
func (c *sitemapChildren) keepUnchanged(ref sitemapRef, got *validators) {
	st := c.prev[ref.Loc]
	if got != nil {
		st.ETag, st.LastModified, st.Verified = got.etag, got.lastModified, c.now
		if st.LastMod.IsZero() || ref.LastMod.Before(st.LastMod) {
			st.LastMod = time.Time{}
		} else {
			st.LastMod = ref.LastMod
		}
	}
	c.read[ref.Loc] = st
	c.unchangedItems += st.Items
}

// keepRead records a child read in full: its validators, its lastmod when
// credible (set, and none of its entries dated after it), and how many
// entries it listed.
func (c *sitemapChildren) keepRead(ref sitemapRef, got validators, credible bool, items int) {
	st := crawlstate.SitemapChild{ETag: got.etag, LastModified: got.lastModified, Items: items, Verified: c.now}
	if credible {
		st.LastMod = ref.LastMod
	}
	c.read[ref.Loc] = st
}

// lastModCheck tells, entry by entry while a child is read, whether the
// index's lastmod for it is credible: set, and no entry of the child dated
// (publication date or lastmod) after it.
type lastModCheck struct {
	lastmod time.Time
	later   bool
}

func (c *lastModCheck) see(u sitemapURL) {
	c.later = c.later || u.Published.After(c.lastmod) || u.LastMod.After(c.lastmod)
}

func (c *lastModCheck) credible() bool { return !c.lastmod.IsZero() && !c.later }

// states returns the child states to remember: those read or confirmed
// unchanged this pass, less every child that listed an item left
// unfinished (unfinished[i] for items[i]). Children the index no longer
// lists, or that failed, are not among them: they are forgotten.
func (c *sitemapChildren) states(items []item, unfinished []bool) crawlstate.SitemapChildren {
	if c == nil || len(c.read) == 0 {
		return nil
	}
	out := maps.Clone(c.read)
	for i, it := range items {
		if it.child != "" && unfinished[i] {
			delete(out, it.child)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
