package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/internal/testclock"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testsite"
)

const politeConfig = `
data: newshound.db
crawl: {host_delay: 0s} # one loopback host serves everything
defaults:
  schedule: "@every 15m"
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/feed.xml
watches:
  - name: detainees
    entities:
      - name: al Hol
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`

// politeSite serves a two-item RSS feed with an ETag (answering 304 to a
// matching If-None-Match) and two articles on the test site kit, which
// counts requests; status overrides the feed's answer while set.
type politeSite struct {
	*testsite.Site

	mu          sync.Mutex
	status      int    // 0 = serve the feed
	retryAfter  string // sent with status
	conditional int    // feed requests carrying If-None-Match
}

func newPoliteSite(t testing.TB) *politeSite {
	s := &politeSite{Site: testsite.New(t)}
	s.Handle("/feed.xml", s.feed)
	story := fmt.Appendf(nil, "<html><head><title>Story</title></head><body><article><h1>Story</h1><p>%s</p></article></body></html>", filler(4))
	s.Page("/a/1", "text/html; charset=utf-8", story)
	s.Page("/a/2", "text/html; charset=utf-8", story)
	// The home page of a site source, naming the feed.
	s.Page("/", "text/html", fmt.Appendf(nil, `<html><head><link rel="alternate" type="application/rss+xml" href="%s/feed.xml"></head></html>`, s.URL("")))
	return s
}

func (s *politeSite) feed(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	status, ra := s.status, s.retryAfter
	if r.Header.Get("If-None-Match") != "" {
		s.conditional++
	}
	s.mu.Unlock()
	if status != 0 {
		if ra != "" {
			w.Header().Set("Retry-After", ra)
		}
		w.WriteHeader(status)
		return
	}
	if testsite.NotModified(w, r, `"feed-v1"`) {
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>`+
		`<item><title>One</title><link>%[1]s/a/1</link></item>`+
		`<item><title>Two</title><link>%[1]s/a/2</link></item></channel></rss>`, s.URL(""))
}

func (s *politeSite) set(status int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.retryAfter = status, retryAfter
}

func newPoliteApp(t testing.TB, site *politeSite, clock *testclock.Clock) *App {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newshound.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(politeConfig, site.URL(""))), 0o600); err != nil {
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
	t.Cleanup(func() { a.Close() })
	return a
}

// TestSecondPassIsConditional: the second pass over an unchanged feed
// makes one request, the conditional listing fetch answered 304, and no
// article request; the source keeps its item count.
func TestSecondPassIsConditional(t *testing.T) {
	site, clock := newPoliteSite(t), testclock.New(healthT0)
	a := newPoliteApp(t, site, clock)
	first := runOnce(t, a)
	if p := first.Passes[0]; p.Articles != 2 || p.NotModified {
		t.Fatalf("first pass = %+v, want 2 articles", p)
	}
	fs, ok, err := a.Store().FetchState("wire")
	if err != nil || !ok || fs.ETag != `"feed-v1"` || fs.URL != site.URL("")+"/feed.xml" {
		t.Fatalf("FetchState(wire) after the first pass = %+v, %v, %v; want the feed's ETag", fs, ok, err)
	}
	clock.Advance(15 * time.Minute)
	second := runOnce(t, a)
	if p := second.Passes[0]; !p.NotModified || p.Articles != 0 || p.Err != nil {
		t.Errorf("second pass = %+v, want NotModified with no articles", p)
	}
	if got := site.Hits("/feed.xml"); got != 2 {
		t.Errorf("feed requests = %d, want 2", got)
	}
	site.mu.Lock()
	if site.conditional != 1 {
		t.Errorf("conditional feed requests = %d, want 1", site.conditional)
	}
	site.mu.Unlock()
	if got := site.Hits("/a/1") + site.Hits("/a/2"); got != 2 {
		t.Errorf("article requests over two passes = %d, want 2 (none on the second)", got)
	}
	st, _, _ := a.Store().SourceState("wire")
	if st.Items != 2 || st.ConsecutiveFailures != 0 || !st.LastSuccess.Equal(clock.Now()) {
		t.Errorf("SourceState(wire) after a 304 = %+v, want Items 2, a success now", st)
	}
}

// TestScheduledBackoff: a 503 with Retry-After makes scheduled passes skip
// the source (no request) until then; further failures double the delay;
// the first success clears it. RunOnce always runs.
func TestScheduledBackoff(t *testing.T) {
	site, clock := newPoliteSite(t), testclock.New(healthT0)
	a := newPoliteApp(t, site, clock)
	c := a.current()
	src := c.cfg.Sources[0]
	scheduled := func() PassResult { return a.runPass(context.Background(), c, src, true) }
	notBefore := func() time.Time {
		fs, _, err := a.Store().FetchState("wire")
		if err != nil {
			t.Fatal(err)
		}
		return fs.NotBefore
	}

	site.set(http.StatusServiceUnavailable, "7200")
	start := clock.Now()
	if p := scheduled(); p.Err == nil {
		t.Fatalf("pass against a 503 = %+v, want a failure", p)
	}
	if got, want := notBefore(), start.Add(2*time.Hour); !got.Equal(want) {
		t.Errorf("NotBefore after a 503 with Retry-After 7200 = %v, want %v", got, want)
	}
	clock.Advance(15 * time.Minute)
	if p := scheduled(); !p.BackingOff || p.Err != nil {
		t.Errorf("scheduled pass 15m later = %+v, want BackingOff", p)
	}
	if got := site.Hits("/feed.xml"); got != 1 {
		t.Errorf("feed requests while backing off = %d, want 1", got)
	}
	clock.Advance(105 * time.Minute) // t0+2h: due
	site.set(http.StatusInternalServerError, "")
	second := clock.Now()
	if p := scheduled(); p.BackingOff || p.Err == nil {
		t.Fatalf("scheduled pass at NotBefore = %+v, want it to run and fail", p)
	}
	if got, want := notBefore(), second.Add(30*time.Minute); !got.Equal(want) {
		t.Errorf("NotBefore after a second failure = %v, want %v (interval doubled)", got, want)
	}
	site.set(0, "")
	if p := a.runPass(context.Background(), c, src, false); p.Err != nil || p.Articles != 2 {
		t.Errorf("RunOnce-style pass during back-off = %+v, want it to run and succeed", p)
	}
	if got := notBefore(); !got.IsZero() {
		t.Errorf("NotBefore after a success = %v, want zero", got)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		interval time.Duration
		failures int
		ceiling  time.Duration
		want     time.Duration
	}{
		{15 * time.Minute, 1, 6 * time.Hour, 15 * time.Minute},
		{15 * time.Minute, 2, 6 * time.Hour, 30 * time.Minute},
		{15 * time.Minute, 5, 6 * time.Hour, 4 * time.Hour},
		{15 * time.Minute, 6, 6 * time.Hour, 6 * time.Hour},
		{15 * time.Minute, 1000, 6 * time.Hour, 6 * time.Hour},
		{15 * time.Minute, 3, 0, time.Hour},
		{12 * time.Hour, 1, 6 * time.Hour, 6 * time.Hour},
		{15 * time.Minute, 1000, 0, 15 * time.Minute << 23}, // no ceiling: no overflow
	}
	for _, tt := range tests {
		if got := backoff(tt.interval, tt.failures, tt.ceiling); got != tt.want {
			t.Errorf("backoff(%v, %d, %v) = %v, want %v", tt.interval, tt.failures, tt.ceiling, got, tt.want)
		}
	}
}

// TestSiteSourceRemembersFeed: a `url:` source finds its feed on the page
// once; the fetch state keeps it, and the next pass goes to the feed
// (conditionally) without reading the page.
func TestSiteSourceRemembersFeed(t *testing.T) {
	// The home page and the feed share a server: a loopback source
	// reaches loopback on its own port alone (RELIABILITY.md item 36).
	site, clock := newPoliteSite(t), testclock.New(healthT0)
	path := filepath.Join(t.TempDir(), "newshound.yaml")
	text := strings.Replace(fmt.Sprintf(politeConfig, site.URL("")), "feed: "+site.URL("")+"/feed.xml", "url: "+site.URL("/"), 1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, testEnv)
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	a, err := New(cfg, Options{Now: clock.Now, Stdout: &testlog.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if p := runOnce(t, a).Passes[0]; p.Articles != 2 {
		t.Fatalf("first pass over the site = %+v, want 2 articles through its feed", p)
	}
	fs, _, err := a.Store().FetchState("wire")
	if err != nil || fs.Feed != site.URL("")+"/feed.xml" || fs.URL != site.URL("/") {
		t.Errorf("FetchState(wire) = %+v, %v; want the discovered feed", fs, err)
	}
	if p := runOnce(t, a).Passes[0]; !p.NotModified {
		t.Errorf("second pass over the site = %+v, want the feed's 304", p)
	}
}

// TestCrawlerSourceRobots: robots.txt is honoured unless the config opts
// out with robots: false.
func TestCrawlerSourceRobots(t *testing.T) {
	for _, robots := range []bool{true, false} {
		src := config.Source{Name: "wire", Feed: "https://example.com/f.xml", Robots: robots}
		if got := crawlerSource(src).IgnoreRobots; got == robots {
			t.Errorf("crawlerSource(robots: %v).IgnoreRobots = %v, want %v", robots, got, !robots)
		}
	}
}

func TestNotBefore(t *testing.T) {
	src := config.Source{Name: "wire", Feed: "https://example.com/f.xml", Schedule: "@every 15m"}
	tests := []struct {
		name     string
		failures int
		err      error
		want     time.Time
	}{
		{"success", 0, nil, time.Time{}},
		{"first failure", 1, errors.New("fetch: timed out"), healthT0.Add(15 * time.Minute)},
		{"third failure", 3, errors.New("fetch: timed out"), healthT0.Add(time.Hour)},
		{"retry-after floor", 1, &crawler.StatusError{Code: 429, RetryAfter: 3 * time.Hour}, healthT0.Add(3 * time.Hour)},
		{"ceiling", 40, errors.New("boom"), healthT0.Add(6 * time.Hour)},
	}
	for _, tt := range tests {
		if got := notBefore(src, healthT0, tt.failures, 6*time.Hour, tt.err); !got.Equal(tt.want) {
			t.Errorf("notBefore(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
