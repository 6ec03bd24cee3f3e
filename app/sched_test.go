package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
)

// schedConfig is a daemon of many sources on one slow local feed host:
// %[1]s is the site, %[2]s the webhook receiver, %[3]s the sources.
const schedConfig = `
data: newshound.db
crawl: {max_in_flight: 4, per_host: 4, host_delay: 0s}
defaults:
  schedule: "@every 1s"
  timeout: 5s
sources:
%[3]s
watches:
  - name: camp
    entities:
      - name: al Hol
    notify: [hook]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/hook
`

// TestColdStartRunsThroughBoundedPool: forty never-run sources fall due
// at once, every second, on a host that takes a while to answer. Passes
// run through the fixed pool (max_in_flight 4 → 2 workers), never one
// goroutine per due source waiting for a request slot: at most two
// listings are fetched at a time, every source is polled, and a source
// still waiting for a worker when it falls due again is deferred, not
// failed or skipped.
func TestColdStartRunsThroughBoundedPool(t *testing.T) {
	site := testsite.New(t)
	var mu sync.Mutex
	inFlight, most := 0, 0
	site.HandlePrefix("/feed/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		defer func() {
			mu.Lock()
			inFlight--
			mu.Unlock()
		}()
		time.Sleep(60 * time.Millisecond) // a slow host: the pool, not the limiter, must hold the rest
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, testsite.RSS(site.URL(""), "quiet", "", nil))
	})
	hook := testreceiver.NewWebhook(t)
	var sources strings.Builder
	const n = 40
	for i := range n {
		fmt.Fprintf(&sources, "  - name: feed-%d\n    feed: %s/feed/%d.xml\n", i, site.URL(""), i)
	}
	cfg := loadConfig(t, fmt.Sprintf(schedConfig, site.URL(""), hook.URL, sources.String()))
	var logs testlog.Buffer
	a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, "every source polled twice", func() bool {
		for i := range n {
			if site.Hits(fmt.Sprintf("/feed/%d.xml", i)) < 2 {
				return false
			}
		}
		return true
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if most > poolSize(cfg.Crawl.MaxInFlight) {
		t.Errorf("listings fetched at once = %d, want at most the pool's %d", most, poolSize(cfg.Crawl.MaxInFlight))
	}
	for i := range n {
		name := fmt.Sprintf("feed-%d", i)
		st, _, err := a.Store().SourceState(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.ConsecutiveFailures != 0 || st.LastSuccess.IsZero() {
			t.Errorf("SourceState(%q) = %d failures, last success %v, want a success and no failure", name, st.ConsecutiveFailures, st.LastSuccess)
		}
	}
	for _, bad := range []string{"source failed", "source skipped"} {
		if strings.Contains(logs.String(), bad) {
			t.Errorf("log holds %q:\n%s", bad, logs.String())
		}
	}
	// Forty 60 ms passes on two workers take over a second: some sources
	// were still waiting when they fell due again.
	if !strings.Contains(logs.String(), "level=INFO msg=\"source deferred") {
		t.Errorf("log holds no deferral at info:\n%s", logs.String())
	}
}

// TestStarvedListingIsDeferred: a source whose listing gets no request
// slot before its pass's budget runs out (another source holds the only
// one) is deferred: no failure, no back-off, nothing recorded, logged at
// info.
func TestStarvedListingIsDeferred(t *testing.T) {
	site := testsite.New(t)
	entered, release := make(chan struct{}), make(chan struct{})
	site.Handle("/hog.xml", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.WriteHeader(http.StatusNotModified)
	})
	site.Handle("/starved.xml", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	})
	hook := testreceiver.NewWebhook(t)
	sources := fmt.Sprintf("  - name: hog\n    feed: %[1]s/hog.xml\n    robots: false\n"+
		"  - name: starved\n    feed: %[1]s/starved.xml\n    robots: false\n    pass_timeout: 300ms\n", site.URL(""))
	text := strings.Replace(fmt.Sprintf(schedConfig, site.URL(""), hook.URL, sources),
		"max_in_flight: 4, per_host: 4", "max_in_flight: 1, per_host: 1", 1)
	cfg := loadConfig(t, text)
	var logs testlog.Buffer
	a, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer a.Close()
	c := a.current()
	hogDone := make(chan PassResult, 1)
	go func() { hogDone <- a.runPass(context.Background(), c, c.sources["hog"].src, true) }()
	<-entered
	p := a.runPass(context.Background(), c, c.sources["starved"].src, true)
	close(release)
	if hog := <-hogDone; hog.Err != nil {
		t.Errorf("runPass(hog) = %+v, want it to run", hog)
	}
	if !p.Deferred || p.Err != nil {
		t.Fatalf("runPass(starved) with the only slot held = %+v, want Deferred and no error", p)
	}
	st, _, err := a.Store().SourceState("starved")
	if err != nil {
		t.Fatal(err)
	}
	if st.ConsecutiveFailures != 0 || st.LastError != "" {
		t.Errorf("SourceState(starved) = %+v, want no failure", st)
	}
	fetch, _, err := a.Store().FetchState("starved")
	if err != nil {
		t.Fatal(err)
	}
	if !fetch.NotBefore.IsZero() {
		t.Errorf("FetchState(starved).NotBefore = %v, want no back-off", fetch.NotBefore)
	}
	if !strings.Contains(logs.String(), `level=INFO msg="source deferred`) || strings.Contains(logs.String(), "source failed") {
		t.Errorf("log = %s, want the deferral at info and no failure", logs.String())
	}
}
