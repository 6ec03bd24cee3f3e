package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
)

// BenchmarkScheduler10k is the real daemon (Run: cron, queue, workers,
// store) over 10,000 sources on "@every 1m", every one a local feed that
// answers 304. It waits until every source was polled once (the cold
// start), then measures one interval: the CPU the whole process spent
// per poll and per second (cron wake-ups, queueing, the passes, the
// store), the polls made, and the most goroutines seen. Run it alone, with
// -benchtime=1x: it takes about two minutes of wall time.
func BenchmarkScheduler10k(b *testing.B) {
	const n, interval = 10000, time.Minute
	var polls atomic.Int64
	site := testsite.New(b)
	site.HandlePrefix("/feed/", func(w http.ResponseWriter, r *http.Request) {
		polls.Add(1)
		w.WriteHeader(http.StatusNotModified)
	})
	hook := testreceiver.NewWebhook(b)
	var srcs strings.Builder
	for i := range n {
		fmt.Fprintf(&srcs, "  - name: feed-%d\n    feed: %s/feed/%d.xml\n", i, site.URL(""), i)
	}
	text := fmt.Sprintf(`
data: newshound.db
crawl: {max_in_flight: 16, per_host: 16, host_delay: 0s}
defaults:
  schedule: "@every %s"
  timeout: 30s
sources:
%s
watches:
  - name: camp
    entities:
      - name: al Hol
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %s/hook
`, interval, srcs.String(), hook.URL)
	path := filepath.Join(b.TempDir(), "newshound.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		a, err := New(cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		var most atomic.Int64
		stopSampling := make(chan struct{})
		go func() {
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopSampling:
					return
				case <-t.C:
				}
				if g := int64(runtime.NumGoroutine()); g > most.Load() {
					most.Store(g)
				}
			}
		}()
		start := time.Now()
		go func() { done <- a.Run(ctx) }()
		for polls.Load() < n {
			time.Sleep(100 * time.Millisecond)
		}
		cold := time.Since(start)
		cpu0, p0, t0 := cpuTime(b), polls.Load(), time.Now()
		time.Sleep(interval)
		cpu, p, took := cpuTime(b)-cpu0, polls.Load()-p0, time.Since(t0)
		cancel()
		<-done
		close(stopSampling)
		_ = a.Close()
		b.ReportMetric(cold.Seconds(), "cold-start-s")
		b.ReportMetric(float64(p), "polls/interval")
		b.ReportMetric(float64(cpu.Microseconds())/float64(max(p, 1)), "cpu-µs/poll")
		b.ReportMetric(100*cpu.Seconds()/took.Seconds(), "%core")
		b.ReportMetric(float64(most.Load()), "max-goroutines")
	}
}
