package crawler

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/newshound/newshound/crawlstate"
)

// BenchmarkPoll304 measures the in-process cost of a poll that finds
// nothing: a feed and a listing page whose servers answer 304 to the
// validators of the last pass. Run with -benchtime and compare CPU per op.
func BenchmarkPoll304(b *testing.B) {
	const etag = `"v1"`
	for _, kind := range []string{KindFeed, KindPage} {
		b.Run(kind, func(b *testing.B) {
			s := newSite(b)
			s.set("/list", response{Handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", etag)
				w.WriteHeader(http.StatusNotModified)
			}})
			s.set("/robots.txt", response{Status: http.StatusNotFound})
			c := New(Options{})
			src := Source{Name: "courier", Kind: kind, URL: s.URL("/list"), Links: "article h2 > a.story, li.item a[href]"}
			prev := crawlstate.FetchState{URL: src.URL, ETag: etag}
			b.ReportAllocs()
			cpu0 := processCPU(b)
			for b.Loop() {
				res, _, err := c.Crawl(b.Context(), src, prev, neverSeen)
				if err != nil || !res.NotModified {
					b.Fatalf("Crawl = %+v, %v; want a 304", res, err)
				}
			}
			// The process's CPU (test server included) per poll: wall time
			// alone hides what two cores shared by 10,000 sources pay.
			b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
