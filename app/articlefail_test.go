package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// failingSite serves an RSS feed with an ETag (304 to a matching
// If-None-Match) listing three stories: /a/ok, a normal page; /a/late,
// which answers 404 to its first lateMisses requests (the feed listed it
// before the page went live) and then a page naming the watched camp; and
// /a/dead, which always fails in the way dead says.
type failingSite struct {
	srv        *httptest.Server
	dead       http.HandlerFunc
	lateMisses int

	mu   sync.Mutex
	hits map[string]int
}

func newFailingSite(t *testing.T, dead http.HandlerFunc) *failingSite {
	s := &failingSite{dead: dead, lateMisses: 2, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *failingSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	n := s.hits[r.URL.Path]
	s.mu.Unlock()
	story := func(text string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><head><title>Story</title></head><body><article><h1>Story</h1><p>%s</p>%s</article></body></html>", text, filler(4))
	}
	switch r.URL.Path {
	case "/feed.xml":
		w.Header().Set("ETag", `"feed-v1"`)
		if r.Header.Get("If-None-Match") == `"feed-v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>`+
			`<item><title>Dead</title><link>%[1]s/a/dead</link></item>`+
			`<item><title>Late</title><link>%[1]s/a/late</link></item>`+
			`<item><title>Fine</title><link>%[1]s/a/ok</link></item></channel></rss>`, s.srv.URL)
	case "/a/ok":
		story("Nothing about camps.")
	case "/a/late":
		if n <= s.lateMisses {
			http.NotFound(w, r)
			return
		}
		story("Families left the al Hol camp on Tuesday.")
	case "/a/dead":
		s.dead(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *failingSite) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// newFailingApp opens an App over the config in dir (its store a real
// bbolt file there), logging to logs at Info.
func newFailingApp(t *testing.T, dir string, site *failingSite, clock *testclock.Clock, logs *testlog.Buffer) *App {
	t.Helper()
	path := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(politeConfig, site.srv.URL)), 0o600); err != nil {
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
			deadURL, lateURL := site.srv.URL+"/a/dead", site.srv.URL+"/a/late"
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
				if got := site.count(c.path); got != c.want {
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
			// The second daemon gave up on it (its counter started at 0).
			want := `
# HELP newshound_source_articles_given_up_total Listed articles of a source whose page kept failing and that are no longer tried.
# TYPE newshound_source_articles_given_up_total counter
newshound_source_articles_given_up_total{source="wire"} 1
`
			if err := testutil.GatherAndCompare(a.Metrics().Registry(), strings.NewReader(want), "newshound_source_articles_given_up_total"); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestJudgeArticleFailures(t *testing.T) {
	const gone, late = "https://example.com/gone", "https://example.com/late"
	articleErr := func(url string) error {
		return fmt.Errorf("wrapped: %w", &crawler.ArticleError{URL: url, Keys: []string{url}, Err: &crawler.StatusError{URL: url, Code: 404}})
	}
	outageErr := func(url string, cause error) error {
		return &crawler.ArticleError{URL: url, Keys: []string{url}, Err: cause}
	}
	childErr := errors.New("child sitemap https://example.com/s.xml: http status 500")
	failed := func(attempts int, first time.Time) store.ArticleFailure {
		return store.ArticleFailure{Attempts: attempts, First: first, LastError: "fetch https://example.com/gone: http status 404"}
	}
	now := healthT0
	tests := []struct {
		name        string
		prev        store.ArticleFailures
		errs        []error
		wantFailing store.ArticleFailures
		wantGivenUp int
		retrying    bool
	}{
		{"nothing failed", nil, nil, nil, 0, false},
		{"first failure", nil, []error{articleErr(gone)},
			store.ArticleFailures{gone: failed(1, now)}, 0, true},
		{"again", store.ArticleFailures{gone: failed(2, now.Add(-30*time.Minute))}, []error{articleErr(gone)},
			store.ArticleFailures{gone: failed(3, now.Add(-30*time.Minute))}, 0, true},
		{"5 passes within the hour", store.ArticleFailures{gone: failed(4, now.Add(-40*time.Minute))}, []error{articleErr(gone)},
			store.ArticleFailures{gone: failed(5, now.Add(-40*time.Minute))}, 0, true},
		{"5 passes over an hour", store.ArticleFailures{gone: failed(4, now.Add(-time.Hour))}, []error{articleErr(gone)},
			nil, 1, false},
		{"an hour but 4 passes", store.ArticleFailures{gone: failed(3, now.Add(-3*time.Hour))}, []error{articleErr(gone)},
			store.ArticleFailures{gone: failed(4, now.Add(-3*time.Hour))}, 0, true},
		{"fetched or unlisted now: forgotten", store.ArticleFailures{late: failed(2, now.Add(-time.Hour))}, nil, nil, 0, false},
		{"child sitemap: retried, never counted", nil, []error{childErr}, nil, 0, true},
		{"given up beside a child sitemap", store.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))}, []error{articleErr(gone), childErr},
			nil, 1, true},
		{"503 for 23 hours: kept", store.ArticleFailures{gone: failed(9, now.Add(-23*time.Hour))},
			[]error{outageErr(gone, &crawler.StatusError{URL: gone, Code: 503})},
			store.ArticleFailures{gone: {Attempts: 10, First: now.Add(-23 * time.Hour), LastError: "fetch https://example.com/gone: http status 503"}}, 0, true},
		{"503 for a day: given up", store.ArticleFailures{gone: failed(9, now.Add(-24*time.Hour))},
			[]error{outageErr(gone, &crawler.StatusError{URL: gone, Code: 503})}, nil, 1, false},
		{"429 for 5 hours: kept", store.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))},
			[]error{outageErr(gone, &crawler.StatusError{URL: gone, Code: 429})},
			store.ArticleFailures{gone: {Attempts: 10, First: now.Add(-5 * time.Hour), LastError: "fetch https://example.com/gone: http status 429"}}, 0, true},
		{"timeout for 5 hours: kept", store.ArticleFailures{gone: failed(9, now.Add(-5*time.Hour))},
			[]error{outageErr(gone, fmt.Errorf("fetch %s: %w", gone, context.DeadlineExceeded))},
			store.ArticleFailures{gone: {Attempts: 10, First: now.Add(-5 * time.Hour), LastError: "fetch https://example.com/gone: context deadline exceeded"}}, 0, true},
		{"410 for 2 hours: given up", store.ArticleFailures{gone: failed(9, now.Add(-2*time.Hour))},
			[]error{outageErr(gone, &crawler.StatusError{URL: gone, Code: 410})}, nil, 1, false},
	}
	for _, tt := range tests {
		got := judgeArticleFailures(tt.prev, tt.errs, now)
		if !(store.FetchState{Failing: got.failing}).Equal(store.FetchState{Failing: tt.wantFailing}) {
			t.Errorf("judgeArticleFailures(%s).failing = %+v, want %+v", tt.name, got.failing, tt.wantFailing)
		}
		if len(got.givenUp) != tt.wantGivenUp || got.retrying() != tt.retrying {
			t.Errorf("judgeArticleFailures(%s) = %d given up, retrying %v; want %d, %v", tt.name, len(got.givenUp), got.retrying(), tt.wantGivenUp, tt.retrying)
		}
		for _, a := range got.seen("wire", now) {
			if a.ID != "" || a.Text != "" || len(a.Keys) == 0 {
				t.Errorf("judgeArticleFailures(%s).seen = %+v, want keys only", tt.name, a)
			}
		}
	}
}

// TestJudgeArticleFailuresBound: more failing pages than the bound keep
// the ones failing longest, so they are given up first and the set drains.
func TestJudgeArticleFailuresBound(t *testing.T) {
	now := healthT0
	prev := store.ArticleFailures{}
	var errs []error
	for i := range maxFailingArticles + 50 {
		u := fmt.Sprintf("https://example.com/%04d", i)
		if i%2 == 0 { // the even ones have failed since an earlier pass
			prev[u] = store.ArticleFailure{Attempts: 1, First: now.Add(-10 * time.Minute)}
		}
		errs = append(errs, &crawler.ArticleError{URL: u, Keys: []string{u}, Err: errors.New("http status 404")})
	}
	got := judgeArticleFailures(prev, errs, now)
	if len(got.failing) != maxFailingArticles {
		t.Fatalf("judgeArticleFailures(%d failing) kept %d, want %d", len(errs), len(got.failing), maxFailingArticles)
	}
	for u := range prev {
		if f := got.failing[u]; f.Attempts != 2 {
			t.Errorf("judgeArticleFailures kept %s = %+v, want it at 2 attempts (failing longest)", u, f)
		}
	}
	if len(got.retries) != len(errs) {
		t.Errorf("judgeArticleFailures retries = %d, want all %d (dropped ones are still retried)", len(got.retries), len(errs))
	}
}

func TestTruncateUTF8(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"abcdef", 3, "abc…"},
		{"aé", 2, "a…"}, // é is 2 bytes: never cut in half
		{"ééé", 4, "éé…"},
	}
	for _, tt := range tests {
		if got := truncateUTF8(tt.in, tt.n); got != tt.want {
			t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// FuzzTruncateUTF8: the cut never exceeds n bytes plus the ellipsis, keeps
// a prefix of the input, and never splits a rune of valid UTF-8.
func FuzzTruncateUTF8(f *testing.F) {
	f.Add("fetch https://example.com/gone: http status 404", 10)
	f.Add("ééé", 3)
	f.Add("نقل عائلات", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := truncateUTF8(s, n)
		if len(s) <= n {
			if got != s {
				t.Errorf("truncateUTF8(%q, %d) = %q, want it unchanged", s, n, got)
			}
			return
		}
		cut := strings.TrimSuffix(got, "…")
		if len(cut) > n || !strings.HasPrefix(s, cut) || cut == got {
			t.Errorf("truncateUTF8(%q, %d) = %q, want a prefix of at most %d bytes and an ellipsis", s, n, got, n)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("truncateUTF8(%q, %d) = %q, splits a rune", s, n, got)
		}
	})
}
