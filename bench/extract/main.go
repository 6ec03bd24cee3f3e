// Command extract measures article-text extraction on the
// article-extraction-benchmark corpus with the benchmark's own metric
// (package crawler/extracteval).
//
// It first scores the benchmark's reference outputs, which must match the
// published figures before anything else is believed, then runs
// crawler.ExtractPage on every page (in-process, parse included, one
// warm-up pass) and prints F1, precision and recall for the dev half, the
// held-out half and all pages, the median and p90 time per page, and how
// often a title, publication time and language were found.
//
//	GOMAXPROCS=1 go run ./bench/extract [-corpus DIR] [-runs N] [-worst N] [-half dev|held-out] [-out FILE]
//
// Wall time per page depends on the machine's load; the process CPU time
// per page (getrusage, so Linux/Unix only) does much less when GOMAXPROCS
// is 1, which is how the figures are meant to be taken.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"slices"
	"syscall"
	"time"

	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/crawler/extracteval"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	corpus string
	runs   int
	worst  int
	half   string
	out    string
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.corpus, "corpus", extracteval.DefaultDir, "benchmark corpus directory")
	fs.IntVar(&o.runs, "runs", 3, "timed passes over the corpus (after one warm-up)")
	fs.IntVar(&o.worst, "worst", 0, "list the N worst pages of -half by F1")
	fs.StringVar(&o.half, "half", "dev", "half for -worst: dev or held-out")
	fs.StringVar(&o.out, "out", "", "also write our outputs to this file in the benchmark's format")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.half != extracteval.Dev.String() && o.half != extracteval.HeldOut.String() {
		fmt.Fprintf(stderr, "extract: -half must be dev or held-out, not %q\n", o.half)
		return 2
	}
	c, err := extracteval.Load(o.corpus)
	if err != nil {
		fmt.Fprintf(stderr, "extract: %v\n", err)
		return 1
	}
	if err := printReferences(stdout, c); err != nil {
		fmt.Fprintf(stderr, "extract: %v\n", err)
		return 1
	}
	m, err := measure(c, o.runs)
	if err != nil {
		fmt.Fprintf(stderr, "extract: %v\n", err)
		return 1
	}
	printOurs(stdout, c, m)
	if o.out != "" {
		if err := writeOutputs(o.out, m.text); err != nil {
			fmt.Fprintf(stderr, "extract: %v\n", err)
			return 1
		}
	}
	if o.worst > 0 {
		printWorst(stdout, c, m, o)
	}
	return 0
}

func printReferences(w io.Writer, c *extracteval.Corpus) error {
	names, err := c.References()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "reference outputs (%d pages), published F1 in the corpus README\n", len(c.Pages))
	fmt.Fprintf(w, "%-22s %6s %6s %6s   %6s %6s\n", "extractor", "F1", "P", "R", "dev", "held")
	for _, n := range names {
		out, err := c.Outputs(n)
		if err != nil {
			return err
		}
		all := c.Score(out, nil)
		dev := c.Score(out, extracteval.In(extracteval.Dev))
		held := c.Score(out, extracteval.In(extracteval.HeldOut))
		fmt.Fprintf(w, "%-22s %6.3f %6.3f %6.3f   %6.3f %6.3f\n", n, all.F1, all.Precision, all.Recall, dev.F1, held.F1)
	}
	return nil
}

// measurement is our extractor's output and timing over the corpus.
type measurement struct {
	text                  map[string]string
	perPage               []time.Duration // wall time, median over runs, one per page
	cpuPerPage            []time.Duration // process CPU time, likewise
	titles, dates, langs  int
	urlDates, datesAgree  int // pages with a date in the URL; of those, published on that day (±1)
	failed                []string
	totalRuns, totalPages int
}

func measure(c *extracteval.Corpus, runs int) (*measurement, error) {
	pages := make(map[string][]byte, len(c.Pages))
	for _, p := range c.Pages {
		b, err := c.HTML(p.ID)
		if err != nil {
			return nil, err
		}
		pages[p.ID] = b
	}
	m := &measurement{text: map[string]string{}, totalRuns: runs, totalPages: len(c.Pages)}
	times := make(map[string][]time.Duration, len(c.Pages))
	cpus := make(map[string][]time.Duration, len(c.Pages))
	for pass := range runs + 1 {
		for _, p := range c.Pages {
			cpu0 := processCPU()
			start := time.Now()
			pg, err := crawler.ExtractPage(p.URL, pages[p.ID], "text/html; charset=utf-8")
			d := time.Since(start)
			cpu := processCPU() - cpu0
			if pass == 0 {
				// Warm-up: record what was extracted, not how long it took.
				if err != nil {
					m.failed = append(m.failed, p.ID)
					continue
				}
				m.text[p.ID] = pg.Article.Text
				m.count(pg, p.URL)
				continue
			}
			times[p.ID] = append(times[p.ID], d)
			cpus[p.ID] = append(cpus[p.ID], cpu)
		}
	}
	m.perPage = medians(c, times)
	m.cpuPerPage = medians(c, cpus)
	return m, nil
}

// medians is each page's median duration, sorted.
func medians(c *extracteval.Corpus, d map[string][]time.Duration) []time.Duration {
	var out []time.Duration
	for _, p := range c.Pages {
		if ts := d[p.ID]; len(ts) > 0 {
			slices.Sort(ts)
			out = append(out, ts[len(ts)/2])
		}
	}
	slices.Sort(out)
	return out
}

// processCPU is the CPU time (user + system) the process has used: with
// GOMAXPROCS=1 it measures a page's cost, garbage collection included,
// independently of what else the machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *measurement) count(pg crawler.Page, pageURL string) {
	if day, ok := urlDate(pageURL); ok {
		m.urlDates++
		if d := pg.Article.Published.Sub(day); !pg.Article.Published.IsZero() && d > -48*time.Hour && d < 48*time.Hour {
			m.datesAgree++
		}
	}
	if pg.Article.Title != "" {
		m.titles++
	}
	if !pg.Article.Published.IsZero() {
		m.dates++
	}
	if pg.Language != "" {
		m.langs++
	}
}

func printOurs(w io.Writer, c *extracteval.Corpus, m *measurement) {
	fmt.Fprintf(w, "\nnewshound crawler.ExtractPage\n")
	for _, h := range []extracteval.Half{extracteval.Dev, extracteval.HeldOut} {
		r := c.Score(m.text, extracteval.In(h))
		fmt.Fprintf(w, "%-9s %3d pages  F1 %.4f  P %.4f  R %.4f\n", h, r.Pages, r.F1, r.Precision, r.Recall)
	}
	r := c.Score(m.text, nil)
	fmt.Fprintf(w, "%-9s %3d pages  F1 %.4f  P %.4f  R %.4f\n", "all", r.Pages, r.F1, r.Precision, r.Recall)
	if n := len(m.perPage); n > 0 {
		fmt.Fprintf(w, "time per page (median of %d runs each, after a warm-up): median %.2f ms  p90 %.2f ms  max %.2f ms\n",
			m.totalRuns, ms(m.perPage[n/2]), ms(m.perPage[n*9/10]), ms(m.perPage[n-1]))
		c := m.cpuPerPage
		fmt.Fprintf(w, "process CPU per page (GOMAXPROCS=%d):                   median %.2f ms  p90 %.2f ms  max %.2f ms\n",
			runtime.GOMAXPROCS(0), ms(c[n/2]), ms(c[n*9/10]), ms(c[n-1]))
	}
	fmt.Fprintf(w, "published within a day of the date in the URL: %d of %d pages with one\n", m.datesAgree, m.urlDates)
	fmt.Fprintf(w, "found: title %d/%d  published %d/%d  language %d/%d  failed %d %v\n",
		m.titles, m.totalPages, m.dates, m.totalPages, m.langs, m.totalPages, len(m.failed), m.failed)
}

func printWorst(w io.Writer, c *extracteval.Corpus, m *measurement, o options) {
	type row struct {
		id   string
		url  string
		s    extracteval.Score
		f1   float64
		half extracteval.Half
	}
	var rows []row
	for _, p := range c.Pages {
		h := extracteval.HalfOf(p.ID)
		if h.String() != o.half {
			continue
		}
		s := extracteval.PageScore(p.Body, m.text[p.ID])
		r := extracteval.Aggregate([]extracteval.Score{s})
		rows = append(rows, row{p.ID, p.URL, s, r.F1, h})
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.f1 < b.f1 {
			return -1
		}
		if a.f1 > b.f1 {
			return 1
		}
		return 0
	})
	fmt.Fprintf(w, "\nworst %d pages of %s\n", o.worst, o.half)
	for _, r := range rows[:min(o.worst, len(rows))] {
		fmt.Fprintf(w, "F1 %.3f P %.3f R %.3f  %s  %s\n", r.f1, r.s.Precision(), r.s.Recall(), r.id[:min(12, len(r.id))], r.url)
	}
}

// writeOutputs writes id → {"articleBody": text}, the shape of the
// benchmark's reference outputs, so runs can be compared page by page.
func writeOutputs(path string, text map[string]string) error {
	type entry struct {
		ArticleBody string `json:"articleBody"`
	}
	out := make(map[string]entry, len(text))
	for id, t := range text {
		out[id] = entry{t}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write outputs: %w", err)
	}
	return nil
}

// urlDatePattern finds /2019/11/18/, /2019-11-18 or /20191118 in a URL:
// the corpus has no true dates, but a date in the path is the day the
// site filed the story under.
var urlDatePattern = regexp.MustCompile(`/(20[0-3][0-9])[/-]?([01][0-9])[/-]?([0-3][0-9])(?:[/_-]|$)`)

// urlDate returns the midday (UTC) of the date in pageURL, so ±48 h
// covers every time zone and a filing a day late.
func urlDate(pageURL string) (time.Time, bool) {
	m := urlDatePattern.FindStringSubmatch(pageURL)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
	if err != nil {
		return time.Time{}, false
	}
	return t.Add(12 * time.Hour), true
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
