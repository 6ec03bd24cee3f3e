package crawler

import (
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Memory of hostile listings (RELIABILITY.md items 31-33), measured, not
// asserted: each benchmark reports peak-heap-MB, the most heap its
// objects took at once above what was in use before (live and not yet
// collected, sampled every 100 µs), the figure that drives the process's
// RSS.
//
//	go test -run XXX -bench 'Hostile' -benchtime 3x ./crawler/

// heapPeak samples the heap while a benchmark runs.
type heapPeak struct {
	base, peak uint64
	stop       atomic.Bool
	done       chan struct{}
}

const heapObjects = "/memory/classes/heap/objects:bytes"

func startHeapPeak() *heapPeak {
	runtime.GC()
	s := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(s)
	p := &heapPeak{base: s[0].Value.Uint64(), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for !p.stop.Load() {
			metrics.Read(s)
			p.peak = max(p.peak, s[0].Value.Uint64())
			time.Sleep(100 * time.Microsecond)
		}
	}()
	return p
}

// report stops sampling and reports the peak in MB.
func (p *heapPeak) report(b *testing.B) {
	p.stop.Store(true)
	<-p.done
	b.ReportMetric(float64(p.peak-min(p.base, p.peak))/(1<<20), "peak-heap-MB")
}

// BenchmarkHostileFeed parses each hostile feed (refused or cut) and the
// biggest feeds the limits let through whole.
func BenchmarkHostileFeed(b *testing.B) {
	type feed struct {
		name string
		body func() []byte
	}
	feeds := []feed{
		{"centcom 240,000 items", func() []byte { return centcomFeed(240_000) }},
		{"json 600,000 items", func() []byte { return idOnlyJSONFeed(600_000) }},
		{"real 1,000 items", func() []byte { return realFeed(1000) }},
		{"real 4,900 items (accepted)", func() []byte { return realFeed(4900) }},
		{"extension chains at the limits (accepted)", func() []byte {
			chain := strings.Repeat("<x:a>", 97) + strings.Repeat("</x:a>", 97)
			return rssWith(strings.Repeat(chain, (maxFeedNodes-8)/97))
		}},
		{"extensions with an attribute at the limit (accepted)", func() []byte {
			return rssWith(strings.Repeat(`<x:a b="1">1</x:a>`, (maxFeedNodes-8)/2))
		}},
	}
	for _, h := range hostileFeeds {
		feeds = append(feeds, feed{h.name + " (refused)", h.body})
	}
	for _, f := range feeds {
		b.Run(f.name, func(b *testing.B) {
			body := f.body()
			b.SetBytes(int64(len(body)))
			p := startHeapPeak()
			for b.Loop() {
				parseFeed(body, "", nil)
			}
			p.report(b)
		})
	}
}

// BenchmarkHostileListingPage parses a listing page of 170,000 links
// (10 MB), cut after maxListed.
func BenchmarkHostileListingPage(b *testing.B) {
	body := linkPage(170_000)
	base := mustParse(b, "https://a.example/")
	b.SetBytes(int64(len(body)))
	p := startHeapPeak()
	for b.Loop() {
		if _, _, err := parseListing(body, "text/html", base, "a.story"); err != nil {
			b.Fatal(err)
		}
	}
	p.report(b)
}

// BenchmarkHostileSitemapIndex crawls a sitemap index of 50 children of
// 50,000 URLs each from a local server, every item already seen, the
// whole Crawl measured: fetches, streaming, the seen lookups.
func BenchmarkHostileSitemapIndex(b *testing.B) {
	sizes := make([]int, 50)
	for i := range sizes {
		sizes[i] = 50_000
	}
	sizes[49] = 30_000
	idx := newBigIndex(b, sizes, testNow.Add(-60*24*time.Hour))
	c := New(Options{Now: func() time.Time { return testNow }})
	src := Source{Name: "index", Kind: KindSitemap, URL: idx.URL("/index.xml")}
	p := startHeapPeak()
	for b.Loop() {
		res, _, err := c.Crawl(b.Context(), src, firstPass, alwaysSeen)
		if err != nil || res.Items != maxSitemapListed {
			b.Fatalf("Crawl = %d items, %v", res.Items, err)
		}
	}
	p.report(b)
}
