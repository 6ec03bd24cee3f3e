// Command pipeline benchmarks newshound's real pipeline end to end: it
// serves the 181 pages of the article-extraction benchmark corpus from a
// loopback server behind one RSS feed, builds the app (app.New) over a
// fresh bbolt store with one watch of -terms generated terms (a third of
// them words of the corpus) and a console notifier writing to io.Discard,
// and runs two passes with RunOnce:
//
//   - the first pass fetches, parses, extracts, matches, records and
//     delivers every page; it reports new articles per CPU second (the
//     process's user+system time from getrusage, so "per core") and, from
//     a CPU profile of the pass, the share of CPU spent under
//     newshound/store or notify.(*Dispatcher) (dedup, record, outbox);
//   - the second pass (repeated -repeat times) runs over the unchanged
//     feed: it must fetch no article page, and reports CPU per source.
//
// The CPU profile runs during the whole first pass, so its small sampling
// overhead is inside the per-article figure (conservative). The test
// server answers the feed's conditional requests (ETag, Last-Modified)
// and counts them, so the output shows whether the crawler sent them.
//
// Flags: -corpus (the benchmark folder), -terms (1000), -repeat (how many
// unchanged passes to average, 20), -profile-unchanged FILE (a CPU profile
// of those passes, for go tool pprof).
//
// go-trafilatura starts a WASM regular-expression runtime once per
// process; one crawler.ExtractArticle call before measuring keeps that
// start-up out of the figures. Peak RSS is getrusage's ru_maxrss.
//
// Usage, from the repository root:
//
//	go run ./bench/pipeline -corpus ../shared/corpus/article-extraction-benchmark
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/app"
	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	corpus := fs.String("corpus", "../shared/corpus/article-extraction-benchmark", "article-extraction-benchmark folder (with html/*.html.gz and ground-truth.json)")
	nterms := fs.Int("terms", 1000, "number of watch terms")
	repeat := fs.Int("repeat", 20, "how many times to run the second (unchanged) pass")
	profUnchanged := fs.String("profile-unchanged", "", "write a CPU profile of the unchanged passes to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*corpus, "html")); err != nil {
		return fmt.Errorf("corpus not found at %s (pass -corpus): %w", *corpus, err)
	}
	pages, bodies, err := loadCorpus(*corpus)
	if err != nil {
		return err
	}
	srv := newServer(pages)
	defer srv.Close()
	dir, err := os.MkdirTemp("", "newshound-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg, err := benchConfig(dir, srv.feedURL(), watchTerms(bodies, *nterms))
	if err != nil {
		return err
	}
	// Warm-up: go-trafilatura's one-time WASM start-up.
	if _, err := crawler.ExtractArticle("http://127.0.0.1/warmup", pages[0].body, "text/html"); err != nil {
		return fmt.Errorf("warm-up extraction: %w", err)
	}
	a, err := app.New(cfg, app.Options{Stdout: io.Discard, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx := context.Background()

	first, err := measure(ctx, a, true)
	if err != nil {
		return err
	}
	fetched1, _ := srv.fetches()
	again, err := unchanged(ctx, a, *repeat, *profUnchanged)
	if err != nil {
		return err
	}
	fetched2, feeds := srv.fetches()
	report(out, len(pages), fetched1, fetched2, first, again)
	fmt.Fprintf(out, "%-44s %d, %d conditional\n", "unchanged source: feed requests", feeds, srv.conditional.Load())
	return nil
}

// unchanged runs the pass over the unchanged source n times, with a CPU
// profile written to profPath when it is set.
func unchanged(ctx context.Context, a *app.App, n int, profPath string) ([]sample, error) {
	if profPath != "" {
		f, err := os.Create(profPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	var out []sample
	for range n {
		s, err := measure(ctx, a, false)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// benchConfig is the config of the run: politeness limits off (the server
// is ours), max_age wide enough for the corpus's years-old pages to alert.
func benchConfig(dir, feedURL string, terms []string) (*config.Config, error) {
	list, err := json.Marshal(terms) // JSON is YAML flow syntax
	if err != nil {
		return nil, err
	}
	yaml := fmt.Sprintf(`data: %s
crawl: {host_delay: 0s, per_host: 8, max_in_flight: 8}
defaults: {max_age: 100000d}
sources:
  - name: corpus
    feed: %s
    robots: false
watches:
  - name: bench
    keywords: %s
    notify: [console]
notifiers:
  - name: console
    stdout: {}
`, filepath.Join(dir, "bench.db"), feedURL, list)
	cfg, err := config.Parse([]byte(yaml), filepath.Join(dir, "bench.yaml"), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, fmt.Errorf("bench config: %w", err)
	}
	return cfg, nil
}

// sample is one measured RunOnce.
type sample struct {
	wall, cpu             time.Duration
	articles, alerts      int
	delivered, failed     int
	errs                  []string
	profTotal, profMarked int64 // CPU ns in the profile: all, store+dispatcher
}

func measure(ctx context.Context, a *app.App, profile bool) (sample, error) {
	var prof bytes.Buffer
	if profile {
		if err := pprof.StartCPUProfile(&prof); err != nil {
			return sample{}, err
		}
	}
	cpu0, start := cpuTime(), time.Now()
	sum, err := a.RunOnce(ctx)
	s := sample{wall: time.Since(start), cpu: cpuTime() - cpu0}
	if profile {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return s, fmt.Errorf("run once: %w", err)
	}
	for _, p := range sum.Passes {
		s.articles += p.Articles
		s.alerts += p.Alerts
		if p.Err != nil {
			s.errs = append(s.errs, p.Err.Error())
		}
		s.failed += len(p.ArticleErrors)
	}
	s.delivered = sum.Delivery.Delivered
	if profile {
		s.profTotal, s.profMarked, err = cpuShare(prof.Bytes(), []string{"newshound/store.", "notify.(*Dispatcher)"})
	}
	return s, err
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

func report(out io.Writer, pages int, fetched1, fetched2 int64, first sample, again []sample) {
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(out, "pipeline benchmark: %d corpus pages, %s/%s, GOMAXPROCS %d, load %s\n",
		pages, runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), strings.Join(strings.Fields(string(load))[:3], " "))
	fmt.Fprintf(out, "%-44s %s\n", "first pass: article fetches", fmt.Sprint(fetched1))
	fmt.Fprintf(out, "%-44s %d (%d failed), %d alerts, %d delivered\n", "first pass: new articles", first.articles, first.failed, first.alerts, first.delivered)
	fmt.Fprintf(out, "%-44s %v wall, %v CPU\n", "first pass: time", first.wall.Round(time.Millisecond), first.cpu.Round(time.Millisecond))
	fmt.Fprintf(out, "%-44s %.1f\n", "new articles per CPU second (per core)", float64(first.articles)/first.cpu.Seconds())
	fmt.Fprintf(out, "%-44s %.1f\n", "new articles per wall second", float64(first.articles)/first.wall.Seconds())
	if first.profTotal > 0 {
		fmt.Fprintf(out, "%-44s %.1f%% (%v of %v profiled)\n", "CPU in store+dedup+outbox", 100*float64(first.profMarked)/float64(first.profTotal),
			time.Duration(first.profMarked).Round(time.Millisecond), time.Duration(first.profTotal).Round(time.Millisecond))
	}
	var cpu, wall time.Duration
	articles := 0
	for _, s := range again {
		cpu += s.cpu
		wall += s.wall
		articles += s.articles
	}
	if n := len(again); n > 0 {
		fmt.Fprintf(out, "%-44s %d passes, %d article fetches, %d new articles\n", "unchanged source again", n, fetched2, articles)
		fmt.Fprintf(out, "%-44s %.3f ms CPU, %.3f ms wall (mean)\n", "unchanged source: per source", float64(cpu.Microseconds())/1000/float64(n), float64(wall.Microseconds())/1000/float64(n))
	}
	fmt.Fprintf(out, "%-44s %.1f MiB\n", "peak RSS", float64(maxRSS())/(1<<20))
	for _, s := range append([]sample{first}, again...) {
		for _, e := range s.errs {
			fmt.Fprintln(out, "source error:", e)
		}
	}
}
