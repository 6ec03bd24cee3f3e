// Command scale runs the real newshound binary against a simulated web of
// N RSS feeds and reports what the daemon costs as N grows: CPU, resident
// memory, goroutines, the requests it makes, the timeouts and failures it
// logs, and how long a new story takes to become a webhook alert.
//
// Everything the daemon talks to is in this process, on 127.0.0.1:
//
//   - one site serving /f/<i>.xml for i in [0, N): an RSS feed of the 20
//     newest items of source i. At start each feed holds 20 old items, one
//     every 6 hours over the last five days (so max_age 72h lets about half
//     of them through); from then on each feed gains a new item every
//     -new-every of real time, the feeds staggered evenly over that
//     interval. Feeds answer 304 to a matching If-None-Match (ETag) or an
//     If-Modified-Since no older than their newest item;
//   - the items' article pages /a/<i>/<n>: the pages of the shared
//     article-extraction-benchmark corpus in turn (-corpus), or generated
//     pages with -corpus "". Every -match-every'th item's title names
//     CENTCOM, which the one watch looks for;
//   - a webhook receiver that records when each alert arrives.
//
// The daemon runs with the N sources on -schedule, crawl limits
// max_in_flight 16, per_host 16, host_delay 0s (all feeds share one host),
// defaults max_age 72h and timeout 30s, one watch (CENTCOM) sending to the
// webhook, and listen on a free loopback port for /metrics.
//
// Measured, for the whole run and per minute:
//
//   - CPU: utime+stime of /proc/PID/stat; RSS (VmRSS) and peak RSS (VmHWM)
//     of /proc/PID/status;
//   - goroutines: go_goroutines of the daemon's /metrics, scraped once a
//     minute (-scrape-every). A scrape costs the daemon CPU of its own at
//     many sources: the CPU read just before and after each scrape is
//     reported as "scrape CPU" and left out of the poll cost;
//   - requests the site answered: feed 200, feed 304, article pages;
//   - the daemon's JSON log: lines mentioning a timeout (deadline exceeded,
//     Client.Timeout), "source failed", messages with "skipped" and with
//     "deferred";
//   - publish→alert delay: from the moment a new item appeared in its feed
//     to the webhook's arrival (p50, p90, max), over the items published
//     after start; old items' alerts are counted apart;
//   - idle poll CPU: daemon CPU (scrapes left out) divided by the feed polls
//     answered 304 in the steady window (-steady: from then to the end; by
//     default the second half of the run). New items arrive during the
//     window too, so it is an upper bound of what a poll that finds nothing
//     costs; the report says when the window still drains the cold start's
//     backlog.
//
// With -warm D the daemon first runs its cold start until the backlog has
// drained (a whole minute fetched no more than about twice the new items)
// or D has passed, and that phase is reported; then it is stopped and
// started again on the same store, and -duration of that run is measured
// as the steady state (its window from the second minute on).
//
// Usage, from the repository root:
//
//	go run ./bench/scale -sources 1000 -schedule "@every 1m" -duration 5m
//	go run ./bench/scale -sources 10000 -schedule "@every 15m" -duration 15m
//	go run ./bench/scale -sources 1000 -schedule "@every 1m" -warm 20m -duration 5m
//	go run ./bench/scale -sources 200 -duration 2m -corpus ""
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/newshound/newshound/crawler/extracteval"
	"github.com/newshound/newshound/internal/benchkit"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

type options struct {
	sources     int
	schedule    string
	duration    time.Duration
	newEvery    time.Duration
	corpus      string
	matchEvery  int
	steady      time.Duration
	scrapeEvery time.Duration
	bin         string
	daemonLog   string
	built       string
	warm        time.Duration
}

func run(args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.IntVar(&o.sources, "sources", 1000, "number of feeds (sources)")
	fs.StringVar(&o.schedule, "schedule", "@every 15m", "the sources' schedule")
	fs.DurationVar(&o.duration, "duration", 5*time.Minute, "how long the daemon runs")
	fs.DurationVar(&o.newEvery, "new-every", time.Hour, "each feed gains a new item this often (feeds staggered over it)")
	fs.StringVar(&o.corpus, "corpus", "../shared/corpus/article-extraction-benchmark", `article-extraction-benchmark folder whose pages are the articles ("": generated pages)`)
	fs.IntVar(&o.matchEvery, "match-every", 2, "every n-th item's title names the watched entity")
	fs.DurationVar(&o.steady, "steady", 0, "the steady window starts this long after the daemon (0: half the duration)")
	fs.DurationVar(&o.scrapeEvery, "scrape-every", time.Minute, "how often /metrics is scraped for go_goroutines (0: never)")
	fs.StringVar(&o.bin, "bin", "", "newshound binary (default: go build ./cmd/newshound)")
	fs.StringVar(&o.built, "built", "", "what -bin was built from, for the report (default: this tree's commit)")
	fs.DurationVar(&o.warm, "warm", 0, "first run the daemon until the cold start's backlog drains (at most this long), then measure a restarted daemon's steady state for -duration (0: measure from the cold start)")
	fs.StringVar(&o.daemonLog, "daemon-log", "", "also write the daemon's JSON log to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.sources < 1 || o.matchEvery < 1 || o.newEvery <= 0 {
		return errors.New("-sources, -match-every and -new-every must be positive")
	}
	if o.steady == 0 {
		o.steady = o.duration / 2
		if o.warm > 0 {
			o.steady = min(time.Minute, o.duration/2)
		}
	}

	dir, err := os.MkdirTemp("", "newshound-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.bin == "" {
		if o.bin, err = benchkit.BuildNewshound(dir); err != nil {
			return err
		}
	}
	commit, _ := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	dirty, _ := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output()

	pages, err := loadPages(o.corpus)
	if err != nil {
		return err
	}
	start := time.Now()
	w := newWeb(o.sources, o.newEvery, o.matchEvery, pages, start)
	defer w.Close()
	hook := newHook(w)
	defer hook.Close()

	listen, err := freePort()
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(o, dir, listen, w.URL(""), hook.URL)), 0o600); err != nil {
		return err
	}

	var logCopy io.Writer = io.Discard
	if o.daemonLog != "" {
		f, err := os.Create(o.daemonLog)
		if err != nil {
			return err
		}
		defer f.Close()
		logCopy = f
	}
	r := report{
		opts: o, commit: strings.TrimSpace(string(commit)), dirty: len(dirty) > 0,
		web: w, hook: hook, cpus: runtime.NumCPU(),
	}
	if o.warm > 0 {
		// The cold start: until the backlog has drained (a whole minute
		// fetched no more articles than about twice the new items) or
		// -warm has passed; then the daemon stops and starts again on the
		// same store, and the measured run is its steady state.
		perMinute := float64(o.sources) * time.Minute.Seconds() / o.newEvery.Seconds()
		drained := func(now, epoch time.Time) bool {
			m := int(now.Sub(epoch) / time.Minute)
			if now.Sub(epoch) >= o.warm {
				return true
			}
			c := w.counts()
			return m >= 2 && len(c) >= m && float64(c[m-1][article]) <= 2*perMinute+20
		}
		ph, err := runDaemon(o, cfgPath, listen, w, logCopy, drained)
		if err != nil {
			return err
		}
		r.phase = ph
		r.print(out, "Cold start (until the backlog drained or -warm passed)")
		fmt.Fprintln(out)
	}
	ph, err := runDaemon(o, cfgPath, listen, w, logCopy, func(now, epoch time.Time) bool { return now.Sub(epoch) >= o.duration })
	if err != nil {
		return err
	}
	r.phase = ph
	title := "Cold start and what follows"
	if o.warm > 0 {
		title = "Steady state (the daemon restarted on the warmed store)"
	}
	r.print(out, title)
	return nil
}

// phase is one run of the daemon, measured.
type phase struct {
	epoch    time.Time // the daemon's start
	ran      time.Duration
	exitTook time.Duration
	exitErr  error
	hwm      int64
	counts   [][kinds]int // the site's requests per minute
	logs     *logStats
	smp      *sampler
}

// runDaemon starts the daemon on cfgPath, samples it each second until
// stop says so, then stops it with SIGTERM.
func runDaemon(o options, cfgPath, listen string, w *web, logCopy io.Writer, stop func(now, epoch time.Time) bool) (*phase, error) {
	cmd := exec.Command(o.bin, "run", "--config", cfgPath, "--log-format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ph := &phase{epoch: time.Now()}
	w.setEpoch(ph.epoch)
	ph.logs = newLogStats(ph.epoch)
	logsDone := make(chan struct{})
	var tail bytes.Buffer // the last lines, for an early exit
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := sc.Bytes()
			logCopy.Write(line)
			logCopy.Write([]byte{'\n'})
			ph.logs.add(time.Now(), line)
			if tail.Len() > 64<<10 {
				tail.Reset()
			}
			tail.Write(line)
			tail.WriteByte('\n')
		}
	}()
	exited := make(chan error, 1)
	go func() { <-logsDone; exited <- cmd.Wait() }()

	pid := cmd.Process.Pid
	ph.smp = newSampler(pid, ph.epoch, "http://"+listen+"/metrics")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var nextScrape time.Time
	if o.scrapeEvery > 0 {
		nextScrape = ph.epoch.Add(10 * time.Second)
	}
sample:
	for {
		select {
		case now := <-tick.C:
			ph.smp.sample(now)
			if !nextScrape.IsZero() && !now.Before(nextScrape) {
				ph.smp.scrape(now)
				nextScrape = nextScrape.Add(o.scrapeEvery)
			}
			if ld := ph.smp.load(); ld != "" {
				ph.smp.loadAvg = append(ph.smp.loadAvg, ld)
			}
			if stop(now, ph.epoch) {
				break sample
			}
		case err := <-exited:
			return nil, fmt.Errorf("daemon exited early: %v\n%s", err, tail.String())
		}
	}
	ph.smp.sample(time.Now())
	ph.hwm, _ = benchkit.ProcStatus(pid, "VmHWM")
	ph.ran = time.Since(ph.epoch)
	ph.counts = w.counts()
	stopAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return nil, err
	}
	select {
	case ph.exitErr = <-exited:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-exited
		ph.exitErr = errors.New("still running two minutes after SIGTERM (killed)")
	}
	ph.exitTook = time.Since(stopAt)
	return ph, nil
}

func config(o options, dir, listen, site, hook string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `data: %s
listen: %s
crawl: {max_in_flight: 16, per_host: 16, host_delay: 0s}
defaults: {schedule: %q, max_age: 72h, timeout: 30s}
watches:
  - {name: centcom, entities: [CENTCOM], notify: [hook]}
notifiers:
  - {name: hook, webhook: {url: "%s/hook"}}
sources:
`, filepath.Join(dir, "scale.db"), listen, o.schedule, hook)
	for i := range o.sources {
		fmt.Fprintf(&b, "  - {name: s%05d, feed: \"%s/f/%d.xml\"}\n", i, site, i)
	}
	return b.String()
}

// freePort returns a loopback address no one listens on right now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// loadPages returns the article pages: the corpus's, or nil for
// generated ones.
func loadPages(dir string) ([][]byte, error) {
	if dir == "" {
		return nil, nil
	}
	c, err := extracteval.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: pass -corpus with the article-extraction-benchmark folder, or -corpus \"\" for generated pages", err)
	}
	pages := make([][]byte, 0, len(c.Pages))
	for _, p := range c.Pages {
		b, err := c.HTML(p.ID)
		if err != nil {
			return nil, err
		}
		pages = append(pages, b)
	}
	return pages, nil
}

// get fetches url's body (for /metrics).
func get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("get %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
