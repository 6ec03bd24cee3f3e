package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// failingSite serves an RSS feed with an ETag (304 to a matching
// If-None-Match) listing three stories: /a/ok, a normal page; /a/late,
// which answers 404 to its first lateMisses requests (the feed listed it
// before the page went live) and then a page naming the watched camp; and
// /a/dead, which always fails in the way dead says.
type failingSite struct {
	*testsite.Site
	lateMisses int
}

func newFailingSite(t *testing.T, dead http.HandlerFunc) *failingSite {
	s := &failingSite{Site: testsite.New(t), lateMisses: 2}
	story := func(text string) []byte {
		return fmt.Appendf(nil, "<html><head><title>Story</title></head><body><article><h1>Story</h1><p>%s</p>%s</article></body></html>", text, filler(4))
	}
	s.Handle("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		if testsite.NotModified(w, r, `"feed-v1"`) {
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>`+
			`<item><title>Dead</title><link>%[1]s/a/dead</link></item>`+
			`<item><title>Late</title><link>%[1]s/a/late</link></item>`+
			`<item><title>Fine</title><link>%[1]s/a/ok</link></item></channel></rss>`, s.URL(""))
	})
	s.Page("/a/ok", "text/html; charset=utf-8", story("Nothing about camps."))
	s.Handle("/a/late", func(w http.ResponseWriter, r *http.Request) {
		if s.Hits("/a/late") <= s.lateMisses {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(story("Families left the al Hol camp on Tuesday."))
	})
	s.Handle("/a/dead", dead)
	return s
}

// newFailingApp opens an App over the config in dir (its store a real
// bbolt file there), logging to logs at Info.
func newFailingApp(t *testing.T, dir string, site *failingSite, clock *testclock.Clock, logs *testlog.Buffer) *App {
	t.Helper()
	path := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(politeConfig, site.URL(""))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	a, err := New(cfg, Options{Now: clock.Now, Stdout: &testlog.Buffer{}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

// TestDeadArticleGivenUp drives the app over a feed that keeps listing a
// dead page, 15 minutes a pass, restarting the daemon halfway: the dead
// page is fetched on 5 passes spanning an hour, then given up with one
// warning and never fetched again, and the feed's conditional GET comes
// back (304). The page that 404s twice before going live is fetched until
// it works and alerts like any other story.
func TestDeadArticleGivenUp(t *testing.T) {
	tests := []struct {
		name string
		dead http.HandlerFunc
	}{
		{"404", http.NotFound},
		{"410", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusGone) }},
		{"pdf", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Write([]byte("%PDF-1.7 ..."))
		}},
		{"no text", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body><nav><a href=/>Home</a></nav></body></html>"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site, clock, logs, dir := newFailingSite(t, tt.dead), testclock.New(healthT0), &testlog.Buffer{}, t.TempDir()
			deadURL, lateURL := site.URL("")+"/a/dead", site.URL("")+"/a/late"
			a := newFailingApp(t, dir, site, clock, logs)
			defer func() { a.Close() }()
			pass := func(n int) PassResult {
				t.Helper()
				if n > 1 {
					clock.Advance(15 * time.Minute)
				}
				sum, err := a.RunOnce(context.Background())
				if err != nil {
					t.Fatalf("pass %d: RunOnce: %v", n, err)
				}
				p := sum.Passes[0]
				if p.Err != nil {
					t.Fatalf("pass %d: source failed: %v", n, p.Err)
				}
				return p
			}
			failing := func() store.ArticleFailures {
				t.Helper()
				fs, _, err := a.Store().FetchState("wire")
				if err != nil {
					t.Fatal(err)
				}
				return fs.Failing
			}

			// Passes 1-2: both late and dead fail; nothing is given up and
			// the validators are withheld (the feed is fetched in full).
			for n := 1; n <= 2; n++ {
				if p := pass(n); len(p.ArticleErrors) != 2 || p.GivenUp != 0 || p.NotModified {
					t.Fatalf("pass %d = %+v, want 2 article errors, nothing given up", n, p)
				}
			}
			// Pass 3: the late story is live and alerts.
			if p := pass(3); p.Articles != 1 || p.Alerts != 1 || len(p.ArticleErrors) != 1 || p.GivenUp != 0 {
				t.Fatalf("pass 3 = %+v, want the late story with its alert, only dead failing", p)
			}
			id, err := crawler.Canonicalize(lateURL)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, err := a.Store().Alert(news.AlertID("detainees", id)); err != nil || !ok {
				t.Errorf("Alert(late story) = %v, %v; want it stored", ok, err)
			}
			if got := failing(); len(got) != 1 || got[deadURL].Attempts != 3 || !got[deadURL].First.Equal(healthT0) {
				t.Fatalf("failing articles after pass 3 = %+v, want only %s at 3 attempts since %v", got, deadURL, healthT0)
			}

			// Restart: the count is in the bbolt file, not in memory.
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}
			a = newFailingApp(t, dir, site, clock, logs)
			if got := failing(); got[deadURL].Attempts != 3 {
				t.Fatalf("failing articles after a restart = %+v, want %s at 3 attempts", got, deadURL)
			}

			if p := pass(4); len(p.ArticleErrors) != 1 || p.GivenUp != 0 || p.NotModified {
				t.Fatalf("pass 4 = %+v, want dead failing for the 4th time, not given up", p)
			}
			// Pass 5, an hour after the first failure: given up.
			if p := pass(5); p.GivenUp != 1 || p.Articles != 0 || p.Alerts != 0 {
				t.Fatalf("pass 5 = %+v, want dead given up", p)
			}
			if got := failing(); got != nil {
				t.Errorf("failing articles after giving up = %+v, want none", got)
			}
			// Passes 6-7: the feed answers 304 again; dead is never fetched.
			for n := 6; n <= 7; n++ {
				if p := pass(n); !p.NotModified || len(p.ArticleErrors) != 0 {
					t.Errorf("pass %d = %+v, want the feed's 304", n, p)
				}
			}

			for _, c := range []struct {
				path string
				want int
			}{{"/a/dead", 5}, {"/a/late", 3}, {"/a/ok", 1}, {"/feed.xml", 7}} {
				if got := site.Hits(c.path); got != c.want {
					t.Errorf("requests to %s = %d, want %d", c.path, got, c.want)
				}
			}
			out := logs.String()
			for _, c := range []struct {
				line string
				want int
			}{
				{`msg="article given up"`, 1},
				{`msg="article given up" source=wire url=` + deadURL + ` attempts=5 first_failure=` + healthT0.Format("2006-01-02T15:04:05.000Z07:00"), 1},
				// The first failure of each warns; the repeats are Debug.
				{`level=WARN msg="article skipped" source=wire url=` + deadURL + " ", 1},
				{`level=WARN msg="article skipped" source=wire url=` + lateURL + " ", 1},
			} {
				if got := strings.Count(out, c.line); got != c.want {
					t.Errorf("log lines containing %q = %d, want %d; log:\n%s", c.line, got, c.want, out)
				}
			}
			// The second daemon gave up on it (its counter started at 0;
			// summed over the sources, as metrics: {per_source} is off).
			want := `
# HELP newshound_source_articles_given_up_total Listed articles of a source whose page kept failing and that are no longer tried.
# TYPE newshound_source_articles_given_up_total counter
newshound_source_articles_given_up_total 1
`
			if err := testutil.GatherAndCompare(a.Metrics().Registry(), strings.NewReader(want), "newshound_source_articles_given_up_total"); err != nil {
				t.Error(err)
			}
		})
	}
}
