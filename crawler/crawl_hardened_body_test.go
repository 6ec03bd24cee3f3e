package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// gzipMember is one gzip member inflating to 1 MiB of zeros (about 1 kB).
// Concatenated members are one valid gzip stream (RFC 1952), so a handler
// writing the member n times streams an n MiB bomb from a 1 kB buffer.
func gzipMember(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// repeatReader yields b n times without holding more than b.
type repeatReader struct {
	b    []byte
	n, i int
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.i == r.n {
		return 0, io.EOF
	}
	k := copy(p, r.b[r.off:])
	if r.off += k; r.off == len(r.b) {
		r.off, r.i = 0, r.i+1
	}
	return k, nil
}

// streamBomb serves body (written in a loop until the client goes away)
// as Content-Encoding: gzip.
func streamBomb(contentType string, body io.Reader) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Encoding", "gzip")
		io.Copy(w, body) // stops with an error once the crawler hangs up
	}
}

// allocatedDuring reports how many bytes the process allocated while f
// ran. The crawler tests do not run in parallel, so the figure is this
// crawl's (and its test server's).
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAlloc bounds what one hardened crawl may allocate with a 1 MiB body
// cap: a few copies of the capped body, never the gigabytes on offer.
const maxAlloc = 16 << 20

// TestCrawlHardenedGzipBombs (item 27) adds to TestCrawlGzipBomb bombs too
// big to hold in memory, streamed at test time: an article page that
// inflates to 4 GiB, and a sitemap.xml.gz served with Content-Encoding
// gzip whose two layers turn ~10 kB on the wire into 4 GiB. Each fails
// its own article or source with the cap error; memory stays bounded.
func TestCrawlHardenedGzipBombs(t *testing.T) {
	member := gzipMember(t)
	var outer bytes.Buffer // the inner gzip stream (4 MiB), gzipped again
	zw := gzip.NewWriter(&outer)
	if _, err := io.Copy(zw, &repeatReader{b: member, n: 4096}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("two-layer bomb: %d bytes on the wire, %d MiB inflated", outer.Len(), 4096)
	if outer.Len() > 64<<10 {
		t.Fatalf("two-layer bomb is %d bytes on the wire, want a small one", outer.Len())
	}
	s := newSite(t)
	s.set("/a/bomb", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		streamBomb("text/html", &repeatReader{b: member, n: 4096})(w, r)
	}})
	s.article("/a/fine", "Fine", para("The fine story"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL("/a/bomb"), title: "Bomb"}, entry{link: s.URL("/a/fine"), title: "Fine"})))
	s.set("/sitemap.xml.gz", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		streamBomb("application/x-gzip", bytes.NewReader(outer.Bytes()))(w, r)
	}})
	h := newHealthy(t)
	c := newTestCrawler(t, Options{MaxBodyBytes: 1 << 20})

	var res Result
	var err error
	alloc := allocatedDuring(func() {
		res, _, err = c.Crawl(t.Context(), Source{Name: "bomb", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	})
	if err != nil || len(res.Articles) != 1 || res.Articles[0].Title != "Fine" {
		t.Errorf("Crawl(feed with bomb article) = %d articles, %v; want only the fine one", len(res.Articles), err)
	}
	if !errorsWrap(res.Errors, ErrBodyTooLarge) || len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "body exceeds 1 MiB") {
		t.Errorf("Crawl(feed with bomb article) Errors = %v, want one %q", res.Errors, "body exceeds 1 MiB")
	}
	if alloc > maxAlloc {
		t.Errorf("Crawl(4 GiB bomb article) allocated %d MiB, want at most %d", alloc>>20, maxAlloc>>20)
	}
	alloc = allocatedDuring(func() {
		_, _, err = c.Crawl(t.Context(), Source{Name: "bomb2", Kind: KindSitemap, URL: s.URL("/sitemap.xml.gz")}, firstPass, neverSeen)
	})
	if !errors.Is(err, ErrBodyTooLarge) || !strings.HasPrefix(err.Error(), "crawl bomb2: ") {
		t.Errorf("Crawl(two-layer sitemap bomb) error = %v, want the cap error of source bomb2", err)
	}
	if alloc > maxAlloc {
		t.Errorf("Crawl(two-layer 4 GiB sitemap) allocated %d MiB, want at most %d", alloc>>20, maxAlloc>>20)
	}
	h.check(t, c, "gzip bombs")
}

// endless writes chunk, flushing, until the client hangs up; each write
// waits for pause first.
func endless(chunk []byte, pause time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fl := w.(http.Flusher)
		for {
			if pause > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(pause):
				}
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// TestCrawlHardenedEndlessBodies (item 27): a chunked body that never
// ends is stopped by the size cap, and a slow drip that never reaches it
// by the source's request deadline, whether the listing or an article
// does it. Every case is an error of its own source or article, memory
// stays bounded, and the next source is crawled normally.
func TestCrawlHardenedEndlessBodies(t *testing.T) {
	s := newSite(t)
	flood := []byte(strings.Repeat("<p>more and more words</p>\n", 1200)) // 32 kB chunks
	drip := []byte("<")
	s.set("/listing/flood", response{Handler: endless(flood, 0)})
	s.set("/listing/drip", response{Handler: endless(drip, 5*time.Millisecond)})
	s.set("/a/flood", response{Handler: endless(flood, 0)})
	s.set("/a/drip", response{Handler: endless(drip, 5*time.Millisecond)})
	s.article("/a/fine", "Fine", para("The fine story"))
	s.page("/feed", "application/rss+xml", []byte(rssFeed(
		entry{link: s.URL("/a/flood"), title: "Flood"},
		entry{link: s.URL("/a/drip"), title: "Drip"},
		entry{link: s.URL("/a/fine"), title: "Fine"},
	)))
	h := newHealthy(t)
	c := newTestCrawler(t, Options{MaxBodyBytes: 1 << 20})
	const deadline = 300 * time.Millisecond
	sourceErrors := []struct {
		path string
		want error
		msg  string
	}{
		{"/listing/flood", ErrBodyTooLarge, "body exceeds 1 MiB"},
		// A deadline while reading the body reads "read body: context
		// deadline exceeded"; one before the headers, "timed out".
		{"/listing/drip", context.DeadlineExceeded, "/listing/drip: "},
	}
	for _, tt := range sourceErrors {
		var err error
		alloc := allocatedDuring(func() {
			_, _, err = c.Crawl(t.Context(), Source{Name: "endless", Kind: KindFeed, URL: s.URL(tt.path), Timeout: deadline}, firstPass, neverSeen)
		})
		if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "crawl endless: ") {
			t.Errorf("Crawl(%s) error = %v, want %q wrapping %v", tt.path, err, tt.msg, tt.want)
		}
		if alloc > maxAlloc {
			t.Errorf("Crawl(%s) allocated %d MiB, want at most %d", tt.path, alloc>>20, maxAlloc>>20)
		}
		h.check(t, c, tt.path)
	}
	res, _, err := c.Crawl(t.Context(), Source{Name: "articles", Kind: KindFeed, URL: s.URL("/feed"), Timeout: deadline}, firstPass, neverSeen)
	if err != nil || len(res.Articles) != 1 || res.Articles[0].Title != "Fine" {
		t.Fatalf("Crawl(feed of endless articles) = %d articles, %v; want only the fine one", len(res.Articles), err)
	}
	if len(res.Errors) != 2 || !errors.Is(res.Errors[0], ErrBodyTooLarge) || !errors.Is(res.Errors[1], context.DeadlineExceeded) {
		t.Errorf("Crawl(feed of endless articles) Errors = %v, want the cap error, then a timeout", res.Errors)
	}
	h.check(t, c, "endless articles")
}
