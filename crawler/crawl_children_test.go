package crawler

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/crawlstate"
	"github.com/newshound/newshound/internal/testsite"
)

// indexSite is a news site with a sitemap index at /sitemap.xml whose
// children /sm/N.xml list article pages /a/N-M. Each child answers with an
// ETag of its version (304 to a matching If-None-Match) unless noETag;
// the index gives each child a <lastmod> (its modification time, or the
// fixed one in staleLastMod) unless noLastMod. Requests and full bodies
// are counted by path.
type indexSite struct {
	*testsite.Site

	mu           sync.Mutex
	order        []string // child paths in index order
	children     map[string]*childDoc
	broken       map[string]bool // article paths answering 404
	noETag       bool
	noLastMod    bool
	dateOnly     bool // lastmods as bare dates
	staleLastMod map[string]time.Time
	bodies       map[string]int
}

type childDoc struct {
	articles []string // article paths
	version  int
	modified time.Time
}

var childT0 = time.Date(2024, 3, 6, 9, 0, 0, 0, time.UTC)

// newIndexSite publishes n children of two articles each.
func newIndexSite(t *testing.T, n int) *indexSite {
	t.Helper()
	s := &indexSite{Site: testsite.New(t), children: map[string]*childDoc{}, broken: map[string]bool{},
		staleLastMod: map[string]time.Time{}, bodies: map[string]int{}}
	s.Handle("/sitemap.xml", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, s.index())
	})
	for i := 1; i <= n; i++ {
		p := fmt.Sprintf("/sm/%d.xml", i)
		s.order = append(s.order, p)
		s.children[p] = &childDoc{version: 1, modified: childT0}
		s.Handle(p, s.child)
		s.addArticle(p, fmt.Sprintf("/a/%d-1", i))
		s.addArticle(p, fmt.Sprintf("/a/%d-2", i))
	}
	return s
}

// addArticle lists article in child and serves its page; s.mu is held
// or not needed yet.
func (s *indexSite) addArticle(child, article string) {
	c := s.children[child]
	c.articles = append(c.articles, article)
	s.Handle(article, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		broken := s.broken[article]
		s.mu.Unlock()
		if broken {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, articleHTML("Story "+article, "", para("Story "+article)))
	})
}

func (s *indexSite) child(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.children[r.URL.Path]
	if !s.noETag && testsite.NotModified(w, r, fmt.Sprintf(`"%s-v%d"`, r.URL.Path, c.version)) {
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	var urls []string
	for _, a := range c.articles {
		urls = append(urls, fmt.Sprintf("<url><loc>%s</loc><lastmod>%s</lastmod></url>", s.URL(a), c.modified.Format(time.RFC3339)))
	}
	fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">%s</urlset>`, strings.Join(urls, ""))
	s.bodies[r.URL.Path]++
}

func (s *indexSite) index() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, p := range s.order {
		lastmod := s.children[p].modified
		if stale, ok := s.staleLastMod[p]; ok {
			lastmod = stale
		}
		switch {
		case s.noLastMod:
			fmt.Fprintf(&b, "<sitemap><loc>%s</loc></sitemap>", s.URL(p))
		case s.dateOnly:
			fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>%s</lastmod></sitemap>", s.URL(p), lastmod.Format(time.DateOnly))
		default:
			fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>%s</lastmod></sitemap>", s.URL(p), lastmod.Format(time.RFC3339))
		}
	}
	b.WriteString("</sitemapindex>")
	return b.String()
}

// publish adds an article to a child, which changes its version (ETag)
// and modification time.
func (s *indexSite) publish(child, article string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addArticle(child, article)
	c := s.children[child]
	c.version++
	c.modified = at
}

func (s *indexSite) drop(child string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order = slices.DeleteFunc(s.order, func(p string) bool { return p == child })
}

func (s *indexSite) setBroken(article string, broken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken[article] = broken
}

// counts returns the requests and full bodies per child path since the
// last call, and the article requests, then resets them.
func (s *indexSite) counts() (requests, bodies map[string]int, articles int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	requests, bodies = map[string]int{}, s.bodies
	for p, n := range s.TakeHits() {
		if strings.HasPrefix(p, "/a/") {
			articles += n
		} else {
			requests[p] = n
		}
	}
	s.bodies = map[string]int{}
	return requests, bodies, articles
}

// crawled is one Crawl's result with the fetch state it returned.
type crawled struct {
	Result
	crawlstate.FetchState
}

// crawlPass crawls src as the app would: with the fetch state the last
// pass returned (kept in state), recording the articles as seen.
func crawlPass(t *testing.T, c *Crawler, src Source, state *crawlstate.FetchState, mem *memSeen) crawled {
	t.Helper()
	res, next, err := c.Crawl(t.Context(), src, *state, mem.seen)
	if err != nil {
		t.Fatalf("Crawl(%s) error: %v", src.Name, err)
	}
	mem.record(res.Articles)
	*state = next
	return crawled{res, next}
}

func childKeys(m crawlstate.SitemapChildren, base string) string {
	var keys []string
	for k := range m {
		keys = append(keys, strings.TrimPrefix(k, base))
	}
	slices.Sort(keys)
	return strings.Join(keys, " ")
}

// TestCrawlIndexSkipsUnchangedChildren: after a first pass over an index
// of five children, one child gains an article. With lastmods the second
// pass fetches the index and that child only; without them every child is
// asked conditionally and only the changed one sends its body. Either way
// the second pass finds the new article and still counts every entry.
func TestCrawlIndexSkipsUnchangedChildren(t *testing.T) {
	tests := []struct {
		name           string
		noLastMod      bool
		dateOnly       bool
		unchangedAsked int // requests per unchanged child on pass 2
	}{
		{"lastmod", false, false, 0},
		{"etag only", true, false, 1},
		{"date-only lastmod", false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newIndexSite(t, 5)
			s.noLastMod, s.dateOnly = tt.noLastMod, tt.dateOnly
			c := newTestCrawler(t, Options{})
			src := Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
			mem := newMemSeen()
			var state crawlstate.FetchState
			first := crawlPass(t, c, src, &state, mem)
			req, bodies, articles := s.counts()
			if len(first.Articles) != 10 || articles != 10 || req["/sitemap.xml"] != 1 || len(bodies) != 5 {
				t.Fatalf("first pass = %d articles, %d article requests, requests %v, bodies %v; want 10, 10, index once, 5 bodies",
					len(first.Articles), articles, req, bodies)
			}
			if got, want := childKeys(first.Children, s.URL("")), "/sm/1.xml /sm/2.xml /sm/3.xml /sm/4.xml /sm/5.xml"; got != want {
				t.Errorf("first pass Children = %s, want %s", got, want)
			}

			s.publish("/sm/3.xml", "/a/3-3", childT0.Add(time.Hour))
			second := crawlPass(t, c, src, &state, mem)
			req, bodies, articles = s.counts()
			if len(second.Articles) != 1 || !strings.HasSuffix(second.Articles[0].ID, "/a/3-3") || articles != 1 {
				t.Errorf("second pass = %d articles, %d article requests; want /a/3-3 alone", len(second.Articles), articles)
			}
			if req["/sitemap.xml"] != 1 || req["/sm/3.xml"] != 1 || bodies["/sm/3.xml"] != 1 {
				t.Errorf("second pass requests %v, bodies %v; want the index and /sm/3.xml in full", req, bodies)
			}
			for _, p := range []string{"/sm/1.xml", "/sm/2.xml", "/sm/4.xml", "/sm/5.xml"} {
				if req[p] != tt.unchangedAsked || bodies[p] != 0 {
					t.Errorf("second pass: %s requested %d times with %d bodies, want %d requests, no body", p, req[p], bodies[p], tt.unchangedAsked)
				}
			}
			if second.Items != 11 {
				t.Errorf("second pass Items = %d, want 11 (unchanged children still count)", second.Items)
			}
			if got := len(second.Children); got != 5 {
				t.Errorf("second pass Children = %d, want 5", got)
			}
		})
	}
}

// TestCrawlIndexChildWithFailedArticle: a child whose article failed is
// remembered by no state, so the next pass lists it in full and retries
// the article although the child did not change; once every item of it is
// handled it is spared again.
func TestCrawlIndexChildWithFailedArticle(t *testing.T) {
	s := newIndexSite(t, 5)
	s.setBroken("/a/2-1", true)
	c := newTestCrawler(t, Options{})
	src := Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	mem := newMemSeen()
	var state crawlstate.FetchState
	first := crawlPass(t, c, src, &state, mem)
	s.counts()
	if len(first.Articles) != 9 || len(first.Errors) != 1 {
		t.Fatalf("first pass = %d articles, errors %v; want 9 and the 404", len(first.Articles), first.Errors)
	}
	if got, want := childKeys(first.Children, s.URL("")), "/sm/1.xml /sm/3.xml /sm/4.xml /sm/5.xml"; got != want {
		t.Errorf("first pass Children = %s, want %s (not the child of the failed article)", got, want)
	}

	second := crawlPass(t, c, src, &state, mem) // still failing
	req, bodies, articles := s.counts()
	if bodies["/sm/2.xml"] != 1 || articles != 1 || len(second.Errors) != 1 {
		t.Errorf("second pass: /sm/2.xml bodies %d, article requests %d, errors %v; want the child in full and its article retried",
			bodies["/sm/2.xml"], articles, second.Errors)
	}
	if n := req["/sm/1.xml"] + req["/sm/3.xml"] + req["/sm/4.xml"] + req["/sm/5.xml"]; n != 0 {
		t.Errorf("second pass requested unchanged children %d times, want 0", n)
	}

	s.setBroken("/a/2-1", false)
	third := crawlPass(t, c, src, &state, mem)
	_, bodies, _ = s.counts()
	if len(third.Articles) != 1 || bodies["/sm/2.xml"] != 1 || len(third.Children) != 5 {
		t.Errorf("third pass = %d articles, /sm/2.xml bodies %d, %d children; want the article, the child in full, 5 children",
			len(third.Articles), bodies["/sm/2.xml"], len(third.Children))
	}
	crawlPass(t, c, src, &state, mem)
	if req, _, _ := s.counts(); req["/sm/2.xml"] != 0 {
		t.Errorf("fourth pass requested /sm/2.xml %d times, want 0 (every item handled)", req["/sm/2.xml"])
	}
}

// TestCrawlIndexChildDeferred: a child with items left over by the
// MaxItems cap is listed in full next pass; a child whose every item was
// fetched is not.
func TestCrawlIndexChildDeferred(t *testing.T) {
	s := newIndexSite(t, 3)
	c := newTestCrawler(t, Options{PerHost: 1})
	src := Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml"), MaxItems: 3}
	mem := newMemSeen()
	var state crawlstate.FetchState
	first := crawlPass(t, c, src, &state, mem)
	s.counts()
	if got, want := childKeys(first.Children, s.URL("")), "/sm/1.xml"; len(first.Articles) != 3 || got != want {
		t.Fatalf("first pass = %d articles, Children %s; want 3, %s", len(first.Articles), got, want)
	}
	second := crawlPass(t, c, src, &state, mem)
	req, bodies, _ := s.counts()
	if len(second.Articles) != 3 || req["/sm/1.xml"] != 0 || bodies["/sm/2.xml"] != 1 || bodies["/sm/3.xml"] != 1 {
		t.Errorf("second pass = %d articles, requests %v, bodies %v; want 3 more, /sm/1.xml spared, the others in full",
			len(second.Articles), req, bodies)
	}
}

// TestCrawlIndexForgetsDroppedChild: a child the index no longer lists is
// neither fetched nor remembered.
func TestCrawlIndexForgetsDroppedChild(t *testing.T) {
	s := newIndexSite(t, 5)
	c := newTestCrawler(t, Options{})
	src := Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	mem := newMemSeen()
	var state crawlstate.FetchState
	crawlPass(t, c, src, &state, mem)
	s.counts()
	s.drop("/sm/5.xml")
	second := crawlPass(t, c, src, &state, mem)
	req, _, _ := s.counts()
	if got, want := childKeys(second.Children, s.URL("")), "/sm/1.xml /sm/2.xml /sm/3.xml /sm/4.xml"; got != want || req["/sm/5.xml"] != 0 {
		t.Errorf("after dropping /sm/5.xml: Children %s, %d requests of it; want %s, none", got, req["/sm/5.xml"], want)
	}
	if second.Items != 8 {
		t.Errorf("after dropping /sm/5.xml: Items = %d, want 8", second.Items)
	}
}

// TestCrawlIndexStaleLastMod: an index whose lastmod for a child lags the
// child's own entries is not trusted: the child is fetched conditionally
// every pass, so an article it gains while that lastmod stands still is
// found.
func TestCrawlIndexStaleLastMod(t *testing.T) {
	s := newIndexSite(t, 2)
	s.staleLastMod["/sm/2.xml"] = childT0.Add(-24 * time.Hour)
	c := newTestCrawler(t, Options{})
	src := Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}
	mem := newMemSeen()
	var state crawlstate.FetchState
	first := crawlPass(t, c, src, &state, mem)
	if st := first.Children[s.URL("/sm/2.xml")]; !st.LastMod.IsZero() || st.ETag == "" {
		t.Errorf("first pass child state of /sm/2.xml = %+v, want its ETag and no lastmod", st)
	}
	s.counts()
	s.publish("/sm/2.xml", "/a/2-3", childT0.Add(time.Hour))
	second := crawlPass(t, c, src, &state, mem)
	req, _, _ := s.counts()
	if len(second.Articles) != 1 || req["/sm/2.xml"] != 1 || req["/sm/1.xml"] != 0 {
		t.Errorf("second pass = %d articles, requests %v; want /a/2-3 through /sm/2.xml, /sm/1.xml skipped", len(second.Articles), req)
	}
}

// TestCrawlIndexNotModifiedKeepsChildren: a 304 of the index hands the
// children back as they came.
func TestCrawlIndexNotModifiedKeepsChildren(t *testing.T) {
	s := newSite(t)
	s.set("/sitemap.xml", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"idx"`)
		w.WriteHeader(http.StatusNotModified)
	}})
	children := crawlstate.SitemapChildren{s.URL("/sm/1.xml"): {ETag: `"c"`, Items: 7}}
	c := newTestCrawler(t, Options{})
	prev := crawlstate.FetchState{URL: s.URL("/sitemap.xml"), ETag: `"idx"`, Children: children}
	res, next, err := c.Crawl(t.Context(), Source{Name: "idx", Kind: KindSitemap, URL: s.URL("/sitemap.xml")}, prev, neverSeen)
	if err != nil || !res.NotModified || !maps.Equal(next.Children, children) {
		t.Errorf("Crawl(index 304) = NotModified %v, Children %v, %v; want true, %v", res.NotModified, next.Children, err, children)
	}
}

func TestChildLastMod(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-05T09:30:00+01:00", time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)},
		{" 2024-03-05T09:30Z ", time.Date(2024, 3, 5, 9, 30, 0, 0, time.UTC)},
		{"2024-03-05", time.Time{}},
		{"", time.Time{}},
		{"Tuesday", time.Time{}},
		{"2024-13-45T99:00:00Z", time.Time{}},
	}
	for _, tt := range tests {
		if got := childLastMod(tt.in); !got.Equal(tt.want) {
			t.Errorf("childLastMod(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCredibleLastMod(t *testing.T) {
	at := childT0
	tests := []struct {
		name    string
		lastmod time.Time
		urls    []sitemapURL
		want    bool
	}{
		{"none", time.Time{}, nil, false},
		{"entries older", at, []sitemapURL{{LastMod: at.Add(-time.Hour)}, {Published: at}}, true},
		{"entry modified after", at, []sitemapURL{{LastMod: at.Add(time.Minute)}}, false},
		{"entry published after", at, []sitemapURL{{Published: at.Add(time.Minute)}}, false},
		{"undated entries", at, []sitemapURL{{Loc: "https://a.example/"}}, true},
	}
	for _, tt := range tests {
		c := lastModCheck{lastmod: tt.lastmod}
		for _, u := range tt.urls {
			c.see(u)
		}
		if got := c.credible(); got != tt.want {
			t.Errorf("credibleLastMod(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestChildUnchanged: a child is spared its fetch only when the index's
// lastmod equals the remembered one and it was fetched less than
// lastModTrust ago, so a site that changes a child without its lastmod
// delays its news by an hour at most.
func TestChildUnchanged(t *testing.T) {
	now, lastmod := childT0, childT0.Add(-3*time.Hour)
	const loc = "https://a.example/sm/1.xml"
	tests := []struct {
		name     string
		prev     crawlstate.SitemapChild
		indexMod time.Time
		want     bool
	}{
		{"same lastmod, fetched 10 min ago", crawlstate.SitemapChild{LastMod: lastmod, Verified: now.Add(-10 * time.Minute)}, lastmod, true},
		{"same lastmod, fetched an hour ago", crawlstate.SitemapChild{LastMod: lastmod, Verified: now.Add(-time.Hour)}, lastmod, false},
		{"same lastmod, never fetched", crawlstate.SitemapChild{LastMod: lastmod}, lastmod, false},
		{"lastmod changed", crawlstate.SitemapChild{LastMod: lastmod, Verified: now.Add(-time.Minute)}, lastmod.Add(time.Minute), false},
		{"no lastmod in the index", crawlstate.SitemapChild{LastMod: lastmod, Verified: now.Add(-time.Minute)}, time.Time{}, false},
		{"none remembered", crawlstate.SitemapChild{Verified: now.Add(-time.Minute)}, lastmod, false},
	}
	for _, tt := range tests {
		c := newSitemapChildren(crawlstate.SitemapChildren{loc: tt.prev}, now)
		if _, got := c.unchanged(sitemapRef{Loc: loc, LastMod: tt.indexMod}); got != tt.want {
			t.Errorf("unchanged(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCrawlEditedURLStartsAfresh: what the fetch state remembers of a
// listing (validators, discovered feed, sitemap children) is used only for
// the URL it was stored for; a failed Crawl hands the state back as it
// came.
func TestCrawlEditedURLStartsAfresh(t *testing.T) {
	s := newSite(t)
	s.article("/a/one", "One", para("One"))
	s.set("/feed", cacheable("application/rss+xml", `"v1"`, "", []byte(rssFeed(entry{link: s.URL("/a/one"), title: "One"}))))
	s.page("/", "text/html", []byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/feed"></head></html>`))
	c := newTestCrawler(t, Options{})
	feed := Source{Name: "wire", Kind: KindFeed, URL: s.URL("/feed")}
	site := Source{Name: "wire", Kind: KindSite, URL: s.URL("/")}
	tests := []struct {
		name        string
		src         Source
		prev        crawlstate.FetchState
		notModified bool
	}{
		{"same URL", feed, crawlstate.FetchState{URL: feed.URL, ETag: `"v1"`}, true},
		{"edited URL", feed, crawlstate.FetchState{URL: s.URL("/old"), ETag: `"v1"`}, false},
		{"site, same URL", site, crawlstate.FetchState{URL: site.URL, ETag: `"v1"`, Feed: s.URL("/feed")}, true},
		{"site, edited URL", site, crawlstate.FetchState{URL: s.URL("/old"), ETag: `"v1"`, Feed: s.URL("/old-feed")}, false},
	}
	for _, tt := range tests {
		res, next, err := c.Crawl(t.Context(), tt.src, tt.prev, alwaysSeen)
		if err != nil || res.NotModified != tt.notModified || next.URL != tt.src.URL || next.ETag != `"v1"` {
			t.Errorf("Crawl(%s) = NotModified %v, next %+v, %v; want NotModified %v, the listing's URL and ETag",
				tt.name, res.NotModified, next, err, tt.notModified)
		}
		if tt.src.Kind == KindSite && next.Feed != s.URL("/feed") {
			t.Errorf("Crawl(%s) Feed = %q, want %q", tt.name, next.Feed, s.URL("/feed"))
		}
	}
	if n := s.hitsOf("/old-feed"); n != 0 {
		t.Errorf("the feed remembered for another URL was fetched %d times, want 0", n)
	}

	idx := newIndexSite(t, 2)
	src := Source{Name: "idx", Kind: KindSitemap, URL: idx.URL("/sitemap.xml")}
	var state crawlstate.FetchState
	crawlPass(t, c, src, &state, newMemSeen())
	idx.counts()
	state.URL = idx.URL("/old.xml")
	if _, _, err := c.Crawl(t.Context(), src, state, alwaysSeen); err != nil {
		t.Fatal(err)
	}
	if _, bodies, _ := idx.counts(); len(bodies) != 2 {
		t.Errorf("Crawl(index, edited URL) read %d children in full, want both: their state belongs to another URL", len(bodies))
	}

	state.URL = idx.URL("/gone.xml")
	gone := Source{Name: "idx", Kind: KindSitemap, URL: state.URL}
	if _, next, err := c.Crawl(t.Context(), gone, state, alwaysSeen); err == nil || !next.Equal(state) {
		t.Errorf("Crawl(listing 404) = %+v, %v; want an error and the state as it came", next, err)
	}
}
