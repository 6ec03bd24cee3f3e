// Command hostile runs the real newshound binary against hostile sources
// beside a healthy one and reports what they cost: the daemon's peak
// resident memory, how late the healthy source's runs were, what each
// hostile source's runs ended in, how many alerts reached the webhook, and
// how long the daemon took to exit after SIGTERM.
//
// Every server is in this process, on 127.0.0.1:
//
//   - healthy: an RSS feed that gains one new article (a page mentioning
//     CENTCOM) per request, polled @every 10s; each request time is
//     recorded, so a run's lateness is the gap to the previous run minus
//     the interval;
//   - flood: 240,000 `<item><title>CENTCOM n</title></item>` without link
//     or GUID (9.8 MB);
//   - deep: one item holding 1.4 million nested namespaced elements;
//   - flat: one item holding 800,000 flat extension elements;
//   - sitemap: an index of 50 children of 50,000 URLs each (the pages
//     exist and mention CENTCOM);
//   - giant: one item whose title is 9.4 MB of text mentioning CENTCOM.
//
// The hostile sources run @every 30s. One watch (CENTCOM) sends to a
// local webhook receiver that counts what it gets. With -hostile=false
// only the healthy source runs: the baseline for lateness and memory.
//
// Peak memory is VmHWM of the daemon's /proc/PID/status, read just before
// SIGTERM (the kernel's high-water mark of its resident set).
//
// Usage, from the repository root:
//
//	go run ./bench/hostile -duration 3m
//	go run ./bench/hostile -duration 3m -hostile=false
//	go run ./bench/hostile -duration 70s -only flood
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/newshound/newshound/internal/benchkit"
	"github.com/newshound/newshound/internal/testlog"
	"github.com/newshound/newshound/internal/testreceiver"
	"github.com/newshound/newshound/internal/testsite"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

const healthyEvery = 10 * time.Second

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	duration := fs.Duration("duration", 3*time.Minute, "how long the daemon runs")
	hostile := fs.Bool("hostile", true, "serve the hostile sources (false: the healthy one alone)")
	bin := fs.String("bin", "", "newshound binary (default: go build ./cmd/newshound)")
	only := fs.String("only", "", "serve only this hostile source (flood, deep, flat, giant or sitemap)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "newshound-hostile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		if *bin, err = benchkit.BuildNewshound(dir); err != nil {
			return err
		}
	}

	healthy := newHealthySite()
	servers := map[string]*testsite.Site{"healthy": healthy.Site}
	if *hostile {
		for name, publish := range map[string]func(*testsite.Site){
			"flood":   feedOf(floodFeed),
			"deep":    feedOf(deepFeed),
			"flat":    feedOf(flatFeed),
			"giant":   giantTitle,
			"sitemap": sitemapSite,
		} {
			if *only == "" || *only == name {
				servers[name] = testsite.Start(testsite.Options{})
				publish(servers[name])
			}
		}
		if len(servers) == 1 {
			return fmt.Errorf("-only %q: no such hostile source", *only)
		}
	}
	hook := newReceiver()
	defer func() {
		for _, s := range servers {
			s.Close()
		}
		hook.Close()
	}()

	var cfg strings.Builder
	fmt.Fprintf(&cfg, `data: %s
crawl: {host_delay: 0s, max_in_flight: 8, per_host: 4}
defaults: {timeout: 30s, max_age: 8760h}
sources:
  - {name: healthy, feed: "%s/feed.xml", schedule: "@every %s"}
`, filepath.Join(dir, "hostile.db"), servers["healthy"].URL(""), healthyEvery)
	for _, name := range []string{"flood", "deep", "flat", "giant"} {
		if s, ok := servers[name]; ok {
			fmt.Fprintf(&cfg, "  - {name: %s, feed: \"%s/feed.xml\", schedule: \"@every 30s\"}\n", name, s.URL(""))
		}
	}
	if s, ok := servers["sitemap"]; ok {
		fmt.Fprintf(&cfg, "  - {name: sitemap, sitemap: \"%s/index.xml\", schedule: \"@every 30s\"}\n", s.URL(""))
	}
	fmt.Fprintf(&cfg, `watches:
  - {name: centcom, entities: [CENTCOM], notify: [hook]}
notifiers:
  - {name: hook, webhook: {url: "%s/hook"}}
`, hook.URL)
	cfgPath := filepath.Join(dir, "newshound.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		return err
	}

	var logs testlog.Buffer
	cmd := exec.Command(*bin, "run", "--config", cfgPath, "--log-format", "json")
	cmd.Stderr = &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var peakRSS int64
	tick := time.NewTicker(250 * time.Millisecond)
	deadline := time.After(*duration)
sample:
	for {
		select {
		case <-tick.C:
			if rss, err := benchkit.ProcStatus(cmd.Process.Pid, "VmRSS"); err == nil {
				peakRSS = max(peakRSS, rss)
			}
		case <-deadline:
			break sample
		case err := <-exited:
			return fmt.Errorf("daemon exited early: %v\n%s", err, logs.String())
		}
	}
	tick.Stop()
	hwm, err := benchkit.ProcStatus(cmd.Process.Pid, "VmHWM")
	if err != nil {
		return err
	}
	stopAt := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("daemon exit after SIGTERM: %w", err)
		}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		return errors.New("daemon still running a minute after SIGTERM")
	}
	exitTook := time.Since(stopAt)

	fmt.Fprintf(out, "ran %s (hostile sources: %v); exit after SIGTERM %s\n", time.Since(start).Round(time.Second), *hostile, exitTook.Round(time.Millisecond))
	fmt.Fprintf(out, "peak RSS: VmHWM %.0f MB (sampled VmRSS max %.0f MB)\n", float64(hwm)/1e6, float64(peakRSS)/1e6)
	times := healthy.polls()
	fmt.Fprintf(out, "healthy source: %d polls, %s\n", len(times), lateness(times))
	fmt.Fprintf(out, "webhook: %s\n", hook.summary())
	fmt.Fprint(out, runSummary(logs.String()))
	return nil
}

// lateness reports the gaps between consecutive polls beyond the interval.
func lateness(times []time.Time) string {
	if len(times) < 2 {
		return "too few polls to measure"
	}
	var late []time.Duration
	for i := 1; i < len(times); i++ {
		late = append(late, max(times[i].Sub(times[i-1])-healthyEvery, 0))
	}
	slices.Sort(late)
	return fmt.Sprintf("lateness per run: median %s, max %s", late[len(late)/2].Round(time.Millisecond), late[len(late)-1].Round(time.Millisecond))
}

// runSummary counts the daemon's log lines per source and message among
// the ones that tell what a run ended in.
func runSummary(logs string) string {
	type key struct{ source, msg string }
	counts := map[key]int{}
	firstErr := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		msg, src := field(line, "msg"), field(line, "source")
		switch msg {
		case "source crawled", "source failed", "source skipped", "listing cut: the source lists more entries than a run reads",
			"alerts held back: more than max_alerts in one run", "pass budget spent; the rest waits for the next pass",
			"item cap reached; the rest waits for the next pass":
			counts[key{src, msg}]++
			if msg == "source failed" && firstErr[src] == "" {
				firstErr[src] = field(line, "err")
			}
		}
	}
	keys := slices.Collect(maps.Keys(counts))
	slices.SortFunc(keys, func(a, b key) int { return strings.Compare(a.source+a.msg, b.source+b.msg) })
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-8s %-70s %d\n", k.source, k.msg, counts[k])
	}
	for s, e := range firstErr {
		fmt.Fprintf(&b, "  %s first error: %.160s\n", s, e)
	}
	return b.String()
}

// field extracts a string field from one JSON log line without decoding
// the whole line.
func field(line, name string) string {
	i := strings.Index(line, `"`+name+`":"`)
	if i < 0 {
		return ""
	}
	rest := line[i+len(name)+4:]
	if j := strings.Index(rest, `"`); j >= 0 {
		if v, err := strconv.Unquote(`"` + rest[:j] + `"`); err == nil {
			return v
		}
		return rest[:j]
	}
	return ""
}

// healthySite is a feed that gains one article per request.
type healthySite struct {
	*testsite.Site

	mu    sync.Mutex
	times []time.Time
}

func newHealthySite() *healthySite {
	h := &healthySite{Site: testsite.Start(testsite.Options{})}
	h.Handle("/feed.xml", h.feed)
	h.HandlePrefix("/a/", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Briefing "+strings.TrimPrefix(r.URL.Path, "/a/"))
	})
	return h
}

func (h *healthySite) feed(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.times = append(h.times, time.Now())
	n := len(h.times)
	h.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Healthy</title>`)
	for i := n; i > max(n-20, 0); i-- {
		fmt.Fprintf(&b, `<item><title>Briefing %d</title><link>http://%s/a/%d</link></item>`, i, r.Host, i)
	}
	b.WriteString(`</channel></rss>`)
	io.WriteString(w, b.String())
}

func (h *healthySite) polls() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.times)
}

func page(w http.ResponseWriter, title string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1>
<p>CENTCOM said on Monday that the convoy had reached the camp after a journey of several days through the desert.</p>
<p>Officials said the operation had been planned for months and involved several ministries and aid agencies.</p>
<p>Aid workers described long queues at the checkpoints, where families waited with their belongings.</p>
</article></body></html>`, title, title)
}

// feedOf publishes the feed body makes at /feed.xml.
func feedOf(body func() []byte) func(*testsite.Site) {
	return func(s *testsite.Site) { s.Page("/feed.xml", "application/rss+xml", body()) }
}

const rssHead = `<?xml version="1.0"?><rss version="2.0" xmlns:x="urn:x"><channel><title>Hostile</title>`

func floodFeed() []byte {
	var b bytes.Buffer
	b.WriteString(rssHead)
	for i := range 240_000 {
		fmt.Fprintf(&b, "<item><title>CENTCOM %d</title></item>", i)
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

func deepFeed() []byte {
	var b bytes.Buffer
	b.WriteString(rssHead + "<item><title>Deep CENTCOM</title>")
	const n = 1_400_000
	for range n {
		b.WriteString("<x:a>")
	}
	return b.Bytes() // never closed: a parser that builds the tree pays for every level
}

func flatFeed() []byte {
	var b bytes.Buffer
	b.WriteString(rssHead + "<item><title>Flat CENTCOM</title>")
	for range 800_000 {
		b.WriteString("<x:a/>")
	}
	b.WriteString("</item></channel></rss>")
	return b.Bytes()
}

func giantTitle(s *testsite.Site) {
	var b bytes.Buffer
	b.WriteString(rssHead + "<item><title>")
	for b.Len() < 9_400_000 {
		b.WriteString("CENTCOM giant title ")
	}
	b.WriteString("</title><link>/a/1</link></item></channel></rss>")
	s.Page("/feed.xml", "application/rss+xml", b.Bytes())
	s.HandlePrefix("/a/", func(w http.ResponseWriter, _ *http.Request) { page(w, "A page") })
}

// sitemapSite serves an index of 50 children of 50,000 URLs each.
func sitemapSite(s *testsite.Site) {
	const children, perChild = 50, 50_000
	child := func(host string, n int) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range perChild {
			fmt.Fprintf(&b, "<url><loc>http://%s/a/%d-%d</loc></url>", host, n, i)
		}
		b.WriteString("</urlset>")
		return b.Bytes()
	}
	s.Handle("/index.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range children {
			fmt.Fprintf(&b, "<sitemap><loc>http://%s/child-%d.xml</loc></sitemap>", r.Host, i)
		}
		b.WriteString("</sitemapindex>")
		w.Write(b.Bytes())
	})
	s.HandlePrefix("/child-", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/child-"), ".xml"))
		w.Header().Set("Content-Type", "application/xml")
		w.Write(child(r.Host, n))
	})
	s.HandlePrefix("/a/", func(w http.ResponseWriter, r *http.Request) {
		page(w, "Sitemap page "+strings.TrimPrefix(r.URL.Path, "/a/"))
	})
}

// receiver counts the webhook deliveries per source (internal/testreceiver).
type receiver struct{ *testreceiver.HTTP }

func newReceiver() *receiver {
	return &receiver{testreceiver.StartHTTP(testreceiver.HTTPOptions{}, testreceiver.Always(testreceiver.Answer{Status: http.StatusOK}))}
}

func (rc *receiver) summary() string {
	counts, bytes := map[string]int{}, 0
	for _, r := range rc.Requests() {
		counts[field(string(r.Body), "source")+"/"+field(string(r.Body), "watch")]++
		bytes += len(r.Body)
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return fmt.Sprintf("%s (%d bytes in all)", strings.Join(parts, ", "), bytes)
}
