package crawler

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/newshound/newshound/crawlstate"
)

// cacheable serves body with an ETag and a Last-Modified, answering 304 to
// a request whose If-None-Match or If-Modified-Since matches.
func cacheable(contentType, etag, lastMod string, body []byte) response {
	return response{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		if (etag != "" && inm == etag) || (etag == "" && lastMod != "" && ims == lastMod) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}}
}

// TestConditionalListing: the first pass sends no validators and returns
// the listing's; the second, over the unchanged listing, sends them, gets
// a 304 and fetches no article page at all.
func TestConditionalListing(t *testing.T) {
	const lastMod = "Tue, 05 Mar 2024 08:30:00 GMT"
	tests := []struct {
		kind, etag string
	}{
		{KindFeed, `"v1"`},
		{KindPage, `W/"p1"`},
		{KindSitemap, `"s1"`},
		{KindFeed, ""}, // Last-Modified only
	}
	for _, tt := range tests {
		t.Run(tt.kind+tt.etag, func(t *testing.T) {
			s := newSite(t)
			s.article("/a/one", "One", para("One"))
			s.article("/a/two", "Two", para("Two"))
			src := Source{Name: "courier", Kind: tt.kind, URL: s.URL("/list")}
			switch tt.kind {
			case KindFeed:
				s.set("/list", cacheable("application/rss+xml", tt.etag, lastMod, []byte(rssFeed(
					entry{link: s.URL("/a/one"), title: "One"}, entry{link: s.URL("/a/two"), title: "Two"}))))
			case KindPage:
				src.Links = "a.story"
				s.set("/list", cacheable("text/html", tt.etag, lastMod, []byte(
					`<html><body><a class="story" href="/a/one">1</a><a class="story" href="/a/two">2</a></body></html>`)))
			case KindSitemap:
				s.set("/list", cacheable("application/xml", tt.etag, lastMod, []byte(urlset(s.URL("/a/one"), s.URL("/a/two")))))
			}
			c := newTestCrawler(t, Options{})
			mem := newMemSeen()
			res, st, err := c.Crawl(t.Context(), src, firstPass, mem.seen)
			if err != nil || len(res.Articles) != 2 || res.NotModified {
				t.Fatalf("Crawl(first) = %d articles, NotModified %v, err %v; want 2, false, nil", len(res.Articles), res.NotModified, err)
			}
			if st.ETag != tt.etag || st.LastModified != lastMod {
				t.Errorf("Crawl(first) validators = %q, %q; want %q, %q", st.ETag, st.LastModified, tt.etag, lastMod)
			}
			mem.record(res.Articles)
			res, st, err = c.Crawl(t.Context(), src, st, mem.seen)
			if err != nil || !res.NotModified || res.Items != 0 || len(res.Articles) != 0 {
				t.Fatalf("Crawl(second) = %+v, %v; want NotModified and nothing else", res, err)
			}
			if st.ETag != tt.etag || st.LastModified != lastMod {
				t.Errorf("Crawl(second) validators = %q, %q; want them kept", st.ETag, st.LastModified)
			}
			if got := s.hitsOf("/list"); got != 2 {
				t.Errorf("listing hits = %d, want 2", got)
			}
			if got := s.totalHits("/a/"); got != 2 {
				t.Errorf("article hits over two passes = %d, want 2 (none on the second)", got)
			}
		})
	}
}

// TestValidatorsWithheldWhenIncomplete: when the MaxItems cap deferred
// some items, or an article failed and will be tried again, the next fetch
// state carries no validators, so the next pass lists again in full
// instead of being told 304. Once the failed article is given up (its
// fifth failure in a row, the first two days ago) they are kept: the
// article is in Result.GivenUp, to be marked seen.
func TestValidatorsWithheldWhenIncomplete(t *testing.T) {
	tests := []struct {
		name         string
		maxItems     int
		broken       bool
		failedBefore int // passes /a/two failed on before, the first two days ago
		want         string
	}{
		{"complete", 0, false, 0, `"v1"`},
		{"article failed", 0, true, 0, ""},
		{"article failed again", 0, true, 3, ""},
		{"article given up", 0, true, 4, `"v1"`},
		{"capped", 1, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			s.article("/a/one", "One", para("One"))
			if tt.broken {
				s.set("/a/two", response{Status: http.StatusInternalServerError})
			} else {
				s.article("/a/two", "Two", para("Two"))
			}
			s.set("/feed", cacheable("application/rss+xml", `"v1"`, "", []byte(rssFeed(
				entry{link: s.URL("/a/one"), title: "One"}, entry{link: s.URL("/a/two"), title: "Two"}))))
			var prev crawlstate.FetchState
			if tt.failedBefore > 0 {
				prev.Failing = crawlstate.ArticleFailures{s.URL("/a/two"): {Attempts: tt.failedBefore, First: testNow.Add(-48 * time.Hour)}}
			}
			c := newTestCrawler(t, Options{})
			res, st, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed"), MaxItems: tt.maxItems}, prev, neverSeen)
			if err != nil {
				t.Fatal(err)
			}
			if st.ETag != tt.want {
				t.Errorf("Crawl(%s).ETag = %q, want %q", tt.name, st.ETag, tt.want)
			}
			givenUp := tt.failedBefore+1 >= GiveUpAttempts
			if got := len(res.GivenUp) == 1 && len(res.GivenUp[0].Keys) > 0 && res.GivenUp[0].Text == ""; got != givenUp {
				t.Errorf("Crawl(%s).GivenUp = %+v, want the article's keys only: %v", tt.name, res.GivenUp, givenUp)
			}
			if f, ok := st.Failing[s.URL("/a/two")]; ok != (tt.broken && !givenUp) || (ok && f.Attempts != tt.failedBefore+1) {
				t.Errorf("Crawl(%s).Failing = %+v, want /a/two at %d attempts: %v", tt.name, st.Failing, tt.failedBefore+1, tt.broken && !givenUp)
			}
			var ae *ArticleError
			if got := len(res.Errors) == 1 && errors.As(res.Errors[0], &ae); got != tt.broken {
				t.Errorf("Crawl(%s) Errors = %v, want one *ArticleError: %v", tt.name, res.Errors, tt.broken)
			}
			if tt.maxItems > 0 && s.totalHits("/a/") != tt.maxItems {
				t.Errorf("Crawl(%s) fetched %d articles, want MaxItems %d", tt.name, s.totalHits("/a/"), tt.maxItems)
			}
		})
	}
}

// TestListingRetryAfter: 429 and 503 carry the server's Retry-After in
// the error; other statuses carry none.
func TestListingRetryAfter(t *testing.T) {
	tests := []struct {
		status int
		header string
		want   time.Duration
	}{
		{http.StatusTooManyRequests, "120", 120 * time.Second},
		{http.StatusServiceUnavailable, testNow.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{http.StatusServiceUnavailable, "", 0},
		{http.StatusInternalServerError, "120", 0},
	}
	for _, tt := range tests {
		s := newSite(t)
		s.set("/feed", response{Handler: func(w http.ResponseWriter, r *http.Request) {
			if tt.header != "" {
				w.Header().Set("Retry-After", tt.header)
			}
			w.WriteHeader(tt.status)
		}})
		c := newTestCrawler(t, Options{})
		_, _, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
		var se *StatusError
		if !errors.As(err, &se) || se.Code != tt.status {
			t.Errorf("Crawl(status %d) error = %v, want a StatusError with that code", tt.status, err)
			continue
		}
		if got, _ := RetryAfter(err); got != tt.want {
			t.Errorf("RetryAfter(status %d, %q) = %v, want %v", tt.status, tt.header, got, tt.want)
		}
	}
}

// TestSitemapMaxAge: entries dated before now-MaxAge (by news publication
// date, else lastmod) are skipped without a fetch; undated ones are kept.
func TestSitemapMaxAge(t *testing.T) {
	s := newSite(t)
	for _, p := range []string{"/a/new", "/a/old", "/a/oldnews", "/a/undated"} {
		s.article(p, "T", para("T"))
	}
	day := func(d int) string { return testNow.AddDate(0, 0, -d).Format(time.RFC3339) }
	body := `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">` +
		`<url><loc>` + s.URL("/a/new") + `</loc><lastmod>` + day(1) + `</lastmod></url>` +
		`<url><loc>` + s.URL("/a/old") + `</loc><lastmod>` + day(10) + `</lastmod></url>` +
		`<url><loc>` + s.URL("/a/oldnews") + `</loc><lastmod>` + day(0) + `</lastmod><news:news><news:publication_date>` + day(10) + `</news:publication_date></news:news></url>` +
		`<url><loc>` + s.URL("/a/undated") + `</loc></url></urlset>`
	s.page("/sitemap.xml", "application/xml", []byte(body))
	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "c", Kind: KindSitemap, URL: s.URL("/sitemap.xml"), MaxAge: 72 * time.Hour}, firstPass, neverSeen)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/a/new": 1, "/a/old": 0, "/a/oldnews": 0, "/a/undated": 1} {
		if got := s.hitsOf(path); got != want {
			t.Errorf("hits of %s = %d, want %d", path, got, want)
		}
	}
	if len(res.Articles) != 2 {
		t.Errorf("Crawl(sitemap, max age 72h) = %d articles, want 2", len(res.Articles))
	}
}
