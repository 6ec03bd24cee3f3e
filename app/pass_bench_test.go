package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testclock"
)

// BenchmarkIdlePass is a scheduled poll that finds nothing, as in the
// steady state: the clock moves one interval per pass, the listing
// answers 304, the store is a real bbolt file. It is the CPU an idle
// source costs per poll in process.
func BenchmarkIdlePass(b *testing.B) {
	site, clock := newPoliteSite(b), testclock.New(healthT0)
	a := newPoliteApp(b, site, clock)
	c := a.current()
	src := c.cfg.Sources[0]
	if p := a.runPass(context.Background(), c, src, true); p.Articles != 2 {
		b.Fatalf("first pass = %+v", p)
	}
	defer reportCPU(b)()
	for b.Loop() {
		clock.Advance(15 * time.Minute)
		if p := a.runPass(context.Background(), c, src, true); !p.NotModified || p.Err != nil {
			b.Fatalf("pass = %+v, want NotModified", p)
		}
	}
}

// BenchmarkSeenListingPass is a poll of a feed without validators that
// lists 20 items, all seen: the listing is fetched and parsed, each item
// looked up, nothing fetched or recorded but the source's run times.
func BenchmarkSeenListingPass(b *testing.B) {
	site, clock := newPoliteSite(b), testclock.New(healthT0)
	var feed strings.Builder
	feed.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>W</title>`)
	for i := range 20 {
		fmt.Fprintf(&feed, `<item><title>Story %d</title><link>%s/a/1?n=%d</link><description>Listed only.</description></item>`,
			i, site.URL(""), i)
	}
	feed.WriteString(`</channel></rss>`)
	site.Handle("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, feed.String())
	})
	a := newPoliteApp(b, site, clock)
	c := a.current()
	src := c.cfg.Sources[0]
	if p := a.runPass(context.Background(), c, src, true); p.Articles != 20 || p.Err != nil {
		b.Fatalf("first pass = %+v, want 20 articles", p)
	}
	defer reportCPU(b)()
	for b.Loop() {
		clock.Advance(15 * time.Minute)
		if p := a.runPass(context.Background(), c, src, true); p.Items != 20 || p.Articles != 0 || p.Err != nil {
			b.Fatalf("pass = %+v, want 20 items, none new", p)
		}
	}
}

// reportCPU reports the process's CPU time (user and system, the test
// site's included) per iteration as cpu-ns/op, from the call to the
// returned func: wall time hides it behind fsync waits.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64((cpuTime(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
