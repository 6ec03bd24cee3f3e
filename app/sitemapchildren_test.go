package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testsite"
)

const sitemapIndexConfig = `
data: newshound.db
crawl: {host_delay: 0s} # one loopback host serves everything
defaults:
  schedule: "@every 15m"
  timeout: 5s
sources:
  - name: desk
    sitemap: %[1]s/sitemap.xml
watches:
  - name: detainees
    entities:
      - name: al Hol
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`

// indexedSite is a news site whose sitemap index /sitemap.xml (ETag of
// its content, 304 to a matching If-None-Match) lists children
// /sm/N.xml, each with an ETag of its version (304 likewise) and, unless
// noLastMod, a <lastmod> in the index. Each child lists two article pages
// /a/N-M; pages in broken answer 404. Requests and child bodies are
// counted by path.
type indexedSite struct {
	*testsite.Site
	noLastMod bool

	mu       sync.Mutex
	order    []string
	version  map[string]int
	modified map[string]time.Time
	articles map[string][]string
	broken   map[string]bool
	bodies   map[string]int
}

func newIndexedSite(t *testing.T, children int, noLastMod bool) *indexedSite {
	s := &indexedSite{Site: testsite.New(t), noLastMod: noLastMod, version: map[string]int{}, modified: map[string]time.Time{},
		articles: map[string][]string{}, broken: map[string]bool{}, bodies: map[string]int{}}
	s.Handle("/sitemap.xml", s.index)
	for i := 1; i <= children; i++ {
		p := fmt.Sprintf("/sm/%d.xml", i)
		s.order = append(s.order, p)
		s.version[p], s.modified[p] = 1, healthT0.Add(-time.Hour)
		s.Handle(p, s.child)
		for _, a := range []string{fmt.Sprintf("/a/%d-1", i), fmt.Sprintf("/a/%d-2", i)} {
			s.articles[p] = append(s.articles[p], a)
			s.Handle(a, s.story)
		}
	}
	return s
}

func (s *indexedSite) index(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, c := range s.order {
		if s.noLastMod {
			fmt.Fprintf(&b, "<sitemap><loc>%s</loc></sitemap>", s.URL(c))
		} else {
			fmt.Fprintf(&b, "<sitemap><loc>%s</loc><lastmod>%s</lastmod></sitemap>", s.URL(c), s.modified[c].Format(time.RFC3339))
		}
	}
	b.WriteString("</sitemapindex>")
	if testsite.NotModified(w, r, fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(b.String())))) {
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprint(w, b.String())
}

func (s *indexedSite) child(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	s.mu.Lock()
	defer s.mu.Unlock()
	if testsite.NotModified(w, r, fmt.Sprintf(`"%s-v%d"`, p, s.version[p])) {
		return
	}
	s.bodies[p]++
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprint(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for _, a := range s.articles[p] {
		fmt.Fprintf(w, "<url><loc>%s</loc></url>", s.URL(a))
	}
	fmt.Fprint(w, "</urlset>")
}

func (s *indexedSite) story(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	s.mu.Lock()
	broken := s.broken[p]
	s.mu.Unlock()
	if broken {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<html><head><title>Story</title></head><body><article><h1>Story %s</h1><p>%s</p></article></body></html>", p, filler(4))
}

// publish adds an article to a child: a new version and lastmod.
func (s *indexedSite) publish(child, article string, at time.Time) {
	s.Handle(article, s.story)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.articles[child] = append(s.articles[child], article)
	s.version[child]++
	s.modified[child] = at
}

func (s *indexedSite) drop(child string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.order = slices.DeleteFunc(s.order, func(p string) bool { return p == child })
}

func (s *indexedSite) setBroken(article string, broken bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken[article] = broken
}

// take returns the requests and child bodies per path since the last
// call and resets them.
func (s *indexedSite) take() (requests, bodies map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	bodies, s.bodies = s.bodies, map[string]int{}
	return s.TakeHits(), bodies
}

// openIndexedApp opens an App over the config in dir, its store a real
// bbolt file there; closing it is the caller's.
func openIndexedApp(t *testing.T, dir string, site *indexedSite, clock *testclock.Clock) *App {
	t.Helper()
	path := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(sitemapIndexConfig, site.URL(""))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	a, err := New(cfg, Options{Now: clock.Now, Stdout: &testlog.Buffer{}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// deskPass runs one pass over the only source, 15 minutes after the last.
func deskPass(t *testing.T, a *App, clock *testclock.Clock) PassResult {
	t.Helper()
	clock.Advance(15 * time.Minute)
	sum, err := a.RunOnce(context.Background())
	if err != nil || len(sum.Passes) != 1 || sum.Passes[0].Err != nil {
		t.Fatalf("RunOnce = %+v, %v; want one pass that ran", sum.Passes, err)
	}
	return sum.Passes[0]
}

// storedChildren lists the child paths the store remembers for desk.
func storedChildren(t *testing.T, a *App, base string) string {
	t.Helper()
	fs, _, err := a.Store().FetchState("desk")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for u := range fs.Children {
		out = append(out, strings.TrimPrefix(u, base))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestSitemapIndexChildrenThroughApp drives the app over a sitemap index
// of five children, with the index giving lastmods and without: a child
// whose article fails is listed in full until the article works; a
// changed child is the only one downloaded again (skipped by lastmod, or
// a 304 without lastmods); the children survive a restart; an unchanged
// index is one 304; a child the index drops is forgotten; and the
// source's item count never drops for children not read again.
func TestSitemapIndexChildrenThroughApp(t *testing.T) {
	tests := []struct {
		name      string
		noLastMod bool
		asked     int // requests of an unchanged child on a pass that reads the index
	}{
		{"lastmod", false, 0},
		{"etag only", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, clock, dir := newIndexedSite(t, 5, tt.noLastMod), testclock.New(healthT0), t.TempDir()
			base := site.URL("")
			unchangedAsked := func(pass string, asked int, req, bodies map[string]int, paths ...string) {
				t.Helper()
				for _, p := range paths {
					if req[p] != asked || bodies[p] != 0 {
						t.Errorf("%s: %s requested %d times, %d bodies; want %d requests, no body", pass, p, req[p], bodies[p], asked)
					}
				}
			}
			unchanged := func(pass string, req, bodies map[string]int, paths ...string) {
				t.Helper()
				unchangedAsked(pass, tt.asked, req, bodies, paths...)
			}
			a := openIndexedApp(t, dir, site, clock)
			site.setBroken("/a/2-1", true)

			// Pass 1: everything read; /a/2-1 fails, so /sm/2.xml is not
			// remembered and the index's validators are withheld.
			p := deskPass(t, a, clock)
			req, bodies := site.take()
			if p.Articles != 9 || len(p.ArticleErrors) != 1 || req["/sitemap.xml"] != 1 || len(bodies) != 5 {
				t.Fatalf("pass 1 = %+v, requests %v, bodies %v; want 9 articles, the 404, index and 5 children read", p, req, bodies)
			}
			if got, want := storedChildren(t, a, base), "/sm/1.xml /sm/3.xml /sm/4.xml /sm/5.xml"; got != want {
				t.Errorf("pass 1 stored children %q, want %q", got, want)
			}

			// Pass 2: /sm/3.xml gains a story; /sm/2.xml is read in full
			// to retry /a/2-1; the others are not downloaded.
			site.publish("/sm/3.xml", "/a/3-3", clock.Now())
			p = deskPass(t, a, clock)
			req, bodies = site.take()
			if p.Articles != 1 || req["/a/2-1"] != 1 || req["/a/3-3"] != 1 || bodies["/sm/2.xml"] != 1 || bodies["/sm/3.xml"] != 1 {
				t.Errorf("pass 2 = %+v, requests %v, bodies %v; want /a/3-3 new, /a/2-1 retried, /sm/2 and /sm/3 read", p, req, bodies)
			}
			unchanged("pass 2", req, bodies, "/sm/1.xml", "/sm/4.xml", "/sm/5.xml")
			if p.Items != 11 {
				t.Errorf("pass 2 Items = %d, want 11", p.Items)
			}

			// Restart; /a/2-1 works now. Pass 3 reads /sm/2.xml in full
			// once more and then remembers it.
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			a = openIndexedApp(t, dir, site, clock)
			t.Cleanup(func() { a.Close() })
			site.setBroken("/a/2-1", false)
			p = deskPass(t, a, clock)
			req, bodies = site.take()
			if p.Articles != 1 || len(p.ArticleErrors) != 0 || bodies["/sm/2.xml"] != 1 || req["/sitemap.xml"] != 1 {
				t.Errorf("pass 3 = %+v, requests %v, bodies %v; want /a/2-1 fetched through /sm/2.xml", p, req, bodies)
			}
			unchanged("pass 3", req, bodies, "/sm/1.xml", "/sm/3.xml", "/sm/4.xml", "/sm/5.xml")
			if got, want := storedChildren(t, a, base), "/sm/1.xml /sm/2.xml /sm/3.xml /sm/4.xml /sm/5.xml"; got != want {
				t.Errorf("pass 3 stored children %q, want %q", got, want)
			}

			// Pass 4: nothing changed: the index answers 304, no child
			// is asked, the children stay remembered.
			p = deskPass(t, a, clock)
			req, _ = site.take()
			if !p.NotModified || len(req) != 1 || req["/sitemap.xml"] != 1 {
				t.Errorf("pass 4 = %+v, requests %v; want one 304 of the index", p, req)
			}
			if got := storedChildren(t, a, base); got != "/sm/1.xml /sm/2.xml /sm/3.xml /sm/4.xml /sm/5.xml" {
				t.Errorf("pass 4 stored children %q, want all 5", got)
			}

			// Pass 5: the index drops /sm/5.xml: it is not asked and
			// is forgotten.
			site.drop("/sm/5.xml")
			p = deskPass(t, a, clock)
			req, bodies = site.take()
			if req["/sm/5.xml"] != 0 || p.Items != 9 {
				t.Errorf("pass 5 = %+v, requests %v; want /sm/5.xml not asked, 9 items", p, req)
			}
			// An unchanged lastmod spares a child its fetch for an hour
			// at most: /sm/1.xml and /sm/4.xml, last fetched on pass 1,
			// are asked again (a 304), /sm/2.xml and /sm/3.xml are not.
			unchanged("pass 5", req, bodies, "/sm/2.xml", "/sm/3.xml")
			unchangedAsked("pass 5", 1, req, bodies, "/sm/1.xml", "/sm/4.xml")
			if got, want := storedChildren(t, a, base), "/sm/1.xml /sm/2.xml /sm/3.xml /sm/4.xml"; got != want {
				t.Errorf("pass 5 stored children %q, want %q", got, want)
			}
			st, _, err := a.Store().SourceState("desk")
			if err != nil || st.Items != 9 || st.ConsecutiveEmpty != 0 {
				t.Errorf("SourceState(desk) after pass 5 = %+v, %v; want Items 9, no empty runs", st, err)
			}
		})
	}
}
