package crawler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCrawlRedirects(t *testing.T) {
	s := newSite(t)
	s.article("/new", "Moved", para("The moved story"))
	s.redirect("/old", "/new")
	s.redirect("/loop-a", "/loop-b")
	s.redirect("/loop-b", "/loop-a")
	for i := range 8 {
		s.redirect(fmt.Sprintf("/chain/%d", i), fmt.Sprintf("/chain/%d", i+1))
	}
	s.article("/chain/8", "End of chain", para("The end of the chain"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/old"), title: "Moved"},
		entry{link: s.URL("/loop-a"), title: "Loop"},
		entry{link: s.URL("/chain/0"), title: "Chain"},
	)))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "r", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	if len(res.Articles) != 1 || res.Articles[0].ID != s.URL("/new") {
		t.Fatalf("Crawl articles = %v, want only the redirected story with ID /new", res.Articles)
	}
	if want := []string{s.URL("/old"), s.URL("/new")}; strings.Join(res.Articles[0].Keys, " ") != strings.Join(want, " ") {
		t.Errorf("redirected article Keys = %q, want %q", res.Articles[0].Keys, want)
	}
	wantErrs := []string{"redirect loop at " + s.URL("/loop-a"), "stopped after 5 redirects"}
	if len(res.Errors) != len(wantErrs) {
		t.Fatalf("Crawl Errors = %v, want %d", res.Errors, len(wantErrs))
	}
	for i, want := range wantErrs {
		if !strings.Contains(res.Errors[i].Error(), want) {
			t.Errorf("Crawl Errors[%d] = %q, want it to contain %q", i, res.Errors[i], want)
		}
	}
	if got := s.totalHits("/chain/"); got != 6 {
		t.Errorf("redirect chain: %d requests, want 6 (the first and 5 redirects)", got)
	}
}

func TestCrawlSourceErrors(t *testing.T) {
	s := newSite(t)
	rss := rssFeed(entry{link: s.URL("/a"), title: "A"})
	s.page("/truncated", "application/rss+xml", []byte(rss[:len(rss)-30]))
	s.page("/html", "text/html", []byte("<html><body>Not a feed</body></html>"))
	s.page("/sitemap-truncated", "application/xml", []byte(urlset(s.URL("/a"))[:60]))
	s.set("/down", response{Status: http.StatusServiceUnavailable, Body: []byte("down")})
	s.redirect("/listing-loop", "/listing-loop2")
	s.redirect("/listing-loop2", "/listing-loop")
	closed := newSite(t)
	closedURL := closed.URL("/feed")
	closed.Close()
	tests := []struct {
		src  Source
		want string
	}{
		{Source{Name: "t", Kind: KindFeed, URL: s.URL("/truncated")}, "crawl t: parse feed: "},
		{Source{Name: "h", Kind: KindFeed, URL: s.URL("/html")}, "crawl h: parse feed: "},
		{Source{Name: "st", Kind: KindSitemap, URL: s.URL("/sitemap-truncated")}, "crawl st: parse sitemap: "},
		{Source{Name: "d", Kind: KindFeed, URL: s.URL("/down")}, "http status 503"},
		{Source{Name: "n", Kind: KindPage, URL: s.URL("/missing"), Links: "a"}, "http status 404"},
		{Source{Name: "l", Kind: KindFeed, URL: s.URL("/listing-loop")}, "redirect loop"},
		{Source{Name: "c", Kind: KindFeed, URL: closedURL}, "connection refused"},
		{Source{Name: "k", Kind: "podcast", URL: s.URL("/feed")}, `kind "podcast"`},
		{Source{Name: "sel", Kind: KindPage, URL: s.URL("/"), Links: "a["}, "links selector"},
		{Source{Name: "u", Kind: KindFeed, URL: "ftp://example.com/feed"}, "want an absolute http(s) URL"},
		{Source{Name: "r", Kind: KindFeed, URL: "/feed"}, "want an absolute http(s) URL"},
	}
	c := newTestCrawler(t, Options{})
	for _, tt := range tests {
		res, _, err := c.Crawl(t.Context(), tt.src, firstPass, neverSeen)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Crawl(%s) = %d articles, error %v; want an error containing %q", tt.src.Name, len(res.Articles), err, tt.want)
		}
	}
}

func TestCrawlArticleFailures(t *testing.T) {
	s := newSite(t)
	s.article("/good", "Good", para("The good story"))
	s.page("/report.pdf", "application/pdf", []byte("%PDF-1.7 ..."))
	s.page("/empty", "text/html", []byte("<html><body><nav><a href=/>Home</a></nav></body></html>"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/missing"), title: "Missing"},
		entry{link: s.URL("/report.pdf"), title: "PDF"},
		entry{link: s.URL("/empty"), title: "Empty"},
		entry{link: s.URL("/good"), title: "Good"},
	)))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "f", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl error: %v", err)
	}
	if len(res.Articles) != 1 || res.Articles[0].ID != s.URL("/good") {
		t.Errorf("Crawl articles = %v, want only /good", res.Articles)
	}
	wants := []string{"http status 404", `content type "application/pdf" is not an article page`, "no article content found"}
	if len(res.Errors) != len(wants) {
		t.Fatalf("Crawl Errors = %v, want %d", res.Errors, len(wants))
	}
	for i, want := range wants {
		if !strings.Contains(res.Errors[i].Error(), want) {
			t.Errorf("Crawl Errors[%d] = %q, want it to contain %q", i, res.Errors[i], want)
		}
	}
	if !errors.Is(res.Errors[2], ErrNoContent) {
		t.Errorf("Crawl Errors[2] = %v, want ErrNoContent", res.Errors[2])
	}
}

func TestCrawlPanicRecovered(t *testing.T) {
	s := newSite(t)
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a"), title: "A"})))
	c := newTestCrawler(t, Options{})
	_, _, err := c.Crawl(t.Context(), Source{Name: "p", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, func(string) (bool, error) {
		panic("store exploded")
	})
	if err == nil || !strings.Contains(err.Error(), "crawl p: panic: store exploded") {
		t.Errorf("Crawl(panicking seen) error = %v, want the panic as an error", err)
	}
}

func TestCrawlSeenError(t *testing.T) {
	s := newSite(t)
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a"), title: "A"})))
	c := newTestCrawler(t, Options{})
	boom := errors.New("database closed")
	_, _, err := c.Crawl(t.Context(), Source{Name: "e", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, func(string) (bool, error) { return false, boom })
	if !errors.Is(err, boom) {
		t.Errorf("Crawl(failing seen) error = %v, want it to wrap %v", err, boom)
	}
}

// TestCrawlCancel cancels the context from inside the first article
// request: the crawl stops with the context's error and fetches nothing
// more. PerHost 1 makes the fetches sequential, so "more" is well defined.
func TestCrawlCancel(t *testing.T) {
	s := newSite(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s.set("/a/1", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	}})
	s.article("/a/2", "Two", para("Two"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a/1"), title: "1"}, entry{link: s.URL("/a/2"), title: "2"})))
	c := newTestCrawler(t, Options{PerHost: 1})
	_, _, err := c.Crawl(ctx, Source{Name: "x", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Crawl(cancelled) error = %v, want context.Canceled", err)
	}
	if s.hitsOf("/a/2") != 0 {
		t.Errorf("Crawl(cancelled) went on to fetch /a/2")
	}
	if _, _, err := c.Crawl(ctx, Source{Name: "x", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen); !errors.Is(err, context.Canceled) {
		t.Errorf("Crawl(already cancelled) error = %v, want context.Canceled", err)
	}
}

// TestCrawlTimeout: a server that never answers is cut off by the
// source's per-request timeout.
func TestCrawlTimeout(t *testing.T) {
	s := newSite(t)
	s.set("/slow", response{Handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }})
	c := newTestCrawler(t, Options{})
	_, _, err := c.Crawl(t.Context(), Source{Name: "slow", Kind: KindFeed, URL: s.URL("/slow"), Timeout: 50 * time.Millisecond}, firstPass, neverSeen)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "fetch "+s.URL("/slow")+": timed out") {
		t.Errorf("Crawl(slow) error = %v, want a client timeout", err)
	}
}

// TestCrawlIgnoresCollyEnvironment: colly.NewCollector reads COLLY_*
// variables; none of them may change what the crawler does.
func TestCrawlIgnoresCollyEnvironment(t *testing.T) {
	t.Setenv("COLLY_USER_AGENT", "evil-agent")
	t.Setenv("COLLY_MAX_BODY_SIZE", "10")
	t.Setenv("COLLY_FOLLOW_REDIRECTS", "no")
	t.Setenv("COLLY_ALLOWED_DOMAINS", "nowhere.example")
	t.Setenv("COLLY_CACHE_DIR", t.TempDir())
	t.Setenv("COLLY_MAX_REQUESTS", "1")
	t.Setenv("COLLY_IGNORE_ROBOTSTXT", "no")
	t.Setenv("COLLY_DETECT_CHARSET", "yes")
	s := newSite(t)
	s.article("/new", "Moved", para("The moved story"))
	s.redirect("/old", "/new")
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/old"), title: "Moved"})))
	c := newTestCrawler(t, Options{UserAgent: "newshound-test"})
	res, _, err := c.Crawl(t.Context(), Source{Name: "env", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 {
		t.Fatalf("Crawl(COLLY_* set) = %d articles, %v, errors %v; want 1, nil", len(res.Articles), err, res.Errors)
	}
	for _, ua := range s.Agents() {
		if ua != "newshound-test" {
			t.Errorf("request User-Agent = %q, want %q", ua, "newshound-test")
		}
	}
}

func TestCrawlSourceUserAgent(t *testing.T) {
	s := newSite(t)
	s.page("/feed", "application/rss+xml", []byte(rssFeed()))
	c := newTestCrawler(t, Options{})
	for _, tt := range []struct{ src, want string }{{"", DefaultUserAgent}, {"special/1.0", "special/1.0"}} {
		if _, _, err := c.Crawl(t.Context(), Source{Name: "ua", Kind: KindFeed, URL: s.URL("/feed"), UserAgent: tt.src}, firstPass, neverSeen); err != nil {
			t.Fatal(err)
		}
		agents := s.Agents()
		got := agents[len(agents)-1]
		if got != tt.want {
			t.Errorf("Crawl(Source.UserAgent %q) sent User-Agent %q, want %q", tt.src, got, tt.want)
		}
	}
}

// TestCrawlErrorsHideCredentials: a source URL's password never appears in
// an error, whether the URL fails to parse, to fetch, or to redirect.
func TestCrawlErrorsHideCredentials(t *testing.T) {
	s := newSite(t)
	withPass := strings.Replace(s.URL(""), "http://", "http://reader:s3cret@", 1)
	s.redirect("/loop", withPass+"/loop2")
	s.redirect("/loop2", withPass+"/loop")
	c := newTestCrawler(t, Options{})
	for _, u := range []string{withPass + "/missing", withPass + "/loop", "http://reader:s3cret@[::1/feed", "ftp://reader:s3cret@example.com/"} {
		_, _, err := c.Crawl(t.Context(), Source{Name: "private", Kind: KindFeed, URL: u}, firstPass, neverSeen)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Crawl(%s) error = %v, want an error without the password", strings.ReplaceAll(u, "s3cret", "***"), err)
		}
	}
	if _, err := c.FetchArticle(t.Context(), Source{}, withPass+"/missing"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("FetchArticle(missing) error = %v, want an error without the password", err)
	}
}
