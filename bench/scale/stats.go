package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/internal/benchkit"
)

// Log line kinds counted per minute.
const (
	logTimeout = iota
	logFailed
	logSkipped
	logDeferred
	logKinds
)

// logStats counts the daemon's JSON log lines per minute and kind, and
// the messages behind each kind.
type logStats struct {
	epoch time.Time

	mu    sync.Mutex
	count [][logKinds]int
	msgs  map[string]int // "kind: msg" → lines
	lines int
}

func newLogStats(epoch time.Time) *logStats {
	return &logStats{epoch: epoch, msgs: map[string]int{}}
}

var logNames = [logKinds]string{"timeout", "source failed", "skipped", "deferred"}

func (s *logStats) add(at time.Time, line []byte) {
	msg := field(line, "msg")
	if reason := field(line, "reason"); reason != "" {
		msg += " (" + reason + ")"
	}
	var kinds []int
	lower := bytes.ToLower(line)
	if bytes.Contains(lower, []byte("deadline exceeded")) || bytes.Contains(lower, []byte("timeout")) {
		kinds = append(kinds, logTimeout)
	}
	if msg == "source failed" {
		kinds = append(kinds, logFailed)
	}
	if strings.Contains(msg, "skipped") {
		kinds = append(kinds, logSkipped)
	}
	if strings.Contains(msg, "deferred") {
		kinds = append(kinds, logDeferred)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines++
	if len(kinds) == 0 {
		return
	}
	m := max(int(at.Sub(s.epoch)/time.Minute), 0)
	for len(s.count) <= m {
		s.count = append(s.count, [logKinds]int{})
	}
	for _, k := range kinds {
		s.count[m][k]++
		key := logNames[k] + ": " + msg
		if k == logTimeout && bytes.Contains(line, []byte("wait for a connection slot")) {
			key += " (waiting for a connection slot)"
		}
		s.msgs[key]++
	}
}

// field extracts a string field from one JSON log line without decoding
// the whole line.
func field(line []byte, name string) string {
	i := bytes.Index(line, []byte(`"`+name+`":"`))
	if i < 0 {
		return ""
	}
	rest := line[i+len(name)+4:]
	j := bytes.IndexByte(rest, '"')
	for j > 0 && rest[j-1] == '\\' {
		k := bytes.IndexByte(rest[j+1:], '"')
		if k < 0 {
			return string(rest)
		}
		j += k + 1
	}
	if j < 0 {
		return ""
	}
	if v, err := strconv.Unquote(`"` + string(rest[:j]) + `"`); err == nil {
		return v
	}
	return string(rest[:j])
}

// sample is one reading of the daemon's /proc files.
type sample struct {
	at  time.Time
	cpu time.Duration // utime+stime so far
	rss int64
}

// scrape is one /metrics read.
type scrape struct {
	at         time.Time
	goroutines int
	cpu        time.Duration // the daemon's CPU during the scrape
	bytes      int
	err        error
}

// sampler reads the daemon's CPU and memory each second and its
// goroutines from /metrics.
type sampler struct {
	pid     int
	epoch   time.Time
	metrics string

	samples []sample
	scrapes []scrape
	loadAvg []string
	lastLd  time.Time
}

func newSampler(pid int, epoch time.Time, metrics string) *sampler {
	return &sampler{pid: pid, epoch: epoch, metrics: metrics}
}

func (s *sampler) sample(now time.Time) {
	cpu, err := benchkit.ProcCPU(s.pid)
	if err != nil {
		return
	}
	rss, _ := benchkit.ProcStatus(s.pid, "VmRSS")
	s.samples = append(s.samples, sample{at: now, cpu: cpu, rss: rss})
}

func (s *sampler) scrape(now time.Time) {
	before, _ := benchkit.ProcCPU(s.pid)
	body, err := get(s.metrics)
	after, _ := benchkit.ProcCPU(s.pid)
	sc := scrape{at: now, cpu: after - before, bytes: len(body), err: err, goroutines: -1}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			sc.goroutines = int(f)
		}
	}
	s.scrapes = append(s.scrapes, sc)
}

// load returns /proc/loadavg once a minute, "" otherwise.
func (s *sampler) load() string {
	if time.Since(s.lastLd) < time.Minute {
		return ""
	}
	s.lastLd = time.Now()
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// cpuAt is the daemon's CPU at the last sample no later than t.
func (s *sampler) cpuAt(t time.Time) time.Duration {
	var c time.Duration
	for _, x := range s.samples {
		if x.at.After(t) {
			break
		}
		c = x.cpu
	}
	return c
}

func (s *sampler) scrapeCPU(from, to time.Time) time.Duration {
	var c time.Duration
	for _, x := range s.scrapes {
		if !x.at.Before(from) && x.at.Before(to) {
			c += x.cpu
		}
	}
	return c
}

type report struct {
	opts   options
	commit string
	dirty  bool
	cpus   int
	web    *web
	hook   *hook

	*phase
}

func mb(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

func pct(cpu, wall time.Duration) string {
	if wall <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f %%", 100*cpu.Seconds()/wall.Seconds())
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(int(p*float64(len(d))), len(d)-1)]
}

func (r report) print(out io.Writer, title string) {
	o := r.opts
	epoch := r.smp.epoch
	dirty := ""
	if r.dirty {
		dirty = " (working tree has uncommitted changes)"
	}
	fmt.Fprintf(out, "## %s\n\n", title)
	fmt.Fprintf(out, "newshound scale: %d sources, schedule %q, a new item per feed every %s, corpus %q\n", o.sources, o.schedule, o.newEvery, o.corpus)
	built := "commit " + r.commit + dirty
	if o.built != "" {
		built = o.built
	}
	fmt.Fprintf(out, "daemon: %s; %d CPUs, ran %s, exit after SIGTERM %s", built, r.cpus, r.ran.Round(time.Second), r.exitTook.Round(time.Millisecond))
	if r.exitErr != nil {
		fmt.Fprintf(out, " (exit: %v)", r.exitErr)
	}
	fmt.Fprintf(out, "\nload average (1/5/15 min) per minute: %s\n\n", strings.Join(r.smp.loadAvg, " | "))

	counts := r.counts
	alerts, otherAlerts := r.hook.alerts(epoch, epoch.Add(r.ran+r.exitTook))
	// A last minute of a few seconds (the stop) has no rates worth a row.
	minutes := int((r.ran + time.Minute - 5*time.Second) / time.Minute)

	// Per minute.
	fmt.Fprintln(out, "| min | CPU | RSS | goroutines | feed 200 | feed 304 | articles | timeouts | source failed | skipped | deferred | alerts (fresh) | fresh p90 |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	var lc [][logKinds]int
	r.logs.mu.Lock()
	lc = slices.Clone(r.logs.count)
	msgs := maps.Clone(r.logs.msgs)
	lines := r.logs.lines
	r.logs.mu.Unlock()
	for m := range minutes {
		from, to := epoch.Add(time.Duration(m)*time.Minute), epoch.Add(time.Duration(m+1)*time.Minute)
		if end := epoch.Add(r.ran); to.After(end) {
			to = end
		}
		cpu := r.smp.cpuAt(to) - r.smp.cpuAt(from)
		var rss int64
		for _, x := range r.smp.samples {
			if !x.at.Before(from) && x.at.Before(to) {
				rss = max(rss, x.rss)
			}
		}
		gor := "-"
		for _, x := range r.smp.scrapes {
			if !x.at.Before(from) && x.at.Before(to) && x.goroutines >= 0 {
				gor = strconv.Itoa(x.goroutines)
			}
		}
		var c [kinds]int
		if m < len(counts) {
			c = counts[m]
		}
		var l [logKinds]int
		if m < len(lc) {
			l = lc[m]
		}
		all, fresh := 0, []time.Duration{}
		for _, a := range alerts {
			if a.minute == m {
				all++
				if a.fresh {
					fresh = append(fresh, a.delay)
				}
			}
		}
		slices.Sort(fresh)
		p90 := "-"
		if len(fresh) > 0 {
			p90 = percentile(fresh, 0.9).Round(time.Second).String()
		}
		fmt.Fprintf(out, "| %d | %s | %s | %s | %d | %d | %d | %d | %d | %d | %d | %d (%d) | %s |\n",
			m, pct(cpu, to.Sub(from)), mb(rss), gor, c[feed200], c[feed304], c[article],
			l[logTimeout], l[logFailed], l[logSkipped], l[logDeferred], all, len(fresh), p90)
	}

	// Whole run.
	var tot [kinds]int
	for _, c := range counts {
		for k := range kinds {
			tot[k] += c[k]
		}
	}
	var ltot [logKinds]int
	for _, l := range lc {
		for k := range logKinds {
			ltot[k] += l[k]
		}
	}
	var fresh []time.Duration
	old := 0
	for _, a := range alerts {
		if a.fresh {
			fresh = append(fresh, a.delay)
		} else {
			old++
		}
	}
	slices.Sort(fresh)
	end := epoch.Add(r.ran)
	cpu := r.smp.cpuAt(end)
	scrapeCPU := r.smp.scrapeCPU(epoch, end)
	var peakRSS, lastRSS int64
	for _, x := range r.smp.samples {
		peakRSS = max(peakRSS, x.rss)
		lastRSS = x.rss
	}
	maxGor, lastGor, scrapeBytes := 0, 0, 0
	for _, x := range r.smp.scrapes {
		if x.goroutines >= 0 {
			maxGor, lastGor = max(maxGor, x.goroutines), x.goroutines
		}
		scrapeBytes = max(scrapeBytes, x.bytes)
	}

	s304, s200, sArt := 0, 0, 0
	for m := int(o.steady / time.Minute); m < len(counts); m++ {
		s304 += counts[m][feed304]
		s200 += counts[m][feed200]
		sArt += counts[m][article]
	}
	// The steady window is counted in whole minutes for the requests; the
	// CPU is read over the same minutes.
	steadyFrom := epoch.Add(o.steady.Truncate(time.Minute))
	steadyCPU := r.smp.cpuAt(end) - r.smp.cpuAt(steadyFrom) - r.smp.scrapeCPU(steadyFrom, end)
	steadyWall := end.Sub(steadyFrom)

	fmt.Fprintf(out, "\nWhole run (%s):\n\n", r.ran.Round(time.Second))
	fmt.Fprintln(out, "| measure | value |")
	fmt.Fprintln(out, "|---|---|")
	fmt.Fprintf(out, "| daemon CPU | %s (%s of one core; /metrics scrapes %s of it) |\n", cpu.Round(10*time.Millisecond), pct(cpu, r.ran), scrapeCPU.Round(10*time.Millisecond))
	fmt.Fprintf(out, "| RSS | peak (VmHWM) %s, sampled max %s, at the end %s |\n", mb(r.hwm), mb(peakRSS), mb(lastRSS))
	fmt.Fprintf(out, "| goroutines (/metrics) | max %d, at the end %d (%d scrapes, largest %.1f MB) |\n", maxGor, lastGor, len(r.smp.scrapes), float64(scrapeBytes)/1e6)
	fmt.Fprintf(out, "| requests | feed 200: %d, feed 304: %d, articles: %d |\n", tot[feed200], tot[feed304], tot[article])
	fmt.Fprintf(out, "| log lines | %d in all; timeouts %d, source failed %d, skipped %d, deferred %d |\n", lines, ltot[logTimeout], ltot[logFailed], ltot[logSkipped], ltot[logDeferred])
	fmt.Fprintf(out, "| alerts | %d (old items %d, new items %d, other %d) |\n", len(alerts)+otherAlerts, old, len(fresh), otherAlerts)
	if len(fresh) > 0 {
		fmt.Fprintf(out, "| publish→alert (new items) | p50 %s, p90 %s, max %s |\n",
			percentile(fresh, 0.5).Round(time.Second), percentile(fresh, 0.9).Round(time.Second), fresh[len(fresh)-1].Round(time.Second))
	} else {
		fmt.Fprintln(out, "| publish→alert (new items) | no alert for a new item |")
	}
	fmt.Fprintf(out, "| steady window | from minute %d: CPU %s (%s of one core, scrapes left out), feed 304: %d, feed 200: %d, articles: %d |\n",
		int(o.steady/time.Minute), steadyCPU.Round(10*time.Millisecond), pct(steadyCPU, steadyWall), s304, s200, sArt)
	// New items expected in the window; far more article fetches than
	// that means the cold start's backlog is still draining.
	expect := float64(o.sources) * steadyWall.Seconds() / o.newEvery.Seconds()
	if float64(sArt) > 2*expect+20 {
		fmt.Fprintf(out, "| steady? | no: %d article fetches against about %.0f new items: the backlog is still draining, so the window's CPU is not the steady state |\n", sArt, expect)
	}
	if s304 > 0 {
		fmt.Fprintf(out, "| idle poll CPU | %.2f ms per 304 poll (window CPU / 304 polls; new items included) |\n", float64(steadyCPU.Microseconds())/1000/float64(s304))
	} else {
		fmt.Fprintln(out, "| idle poll CPU | no 304 poll in the steady window |")
	}
	if len(r.smp.scrapes) > 0 {
		fmt.Fprintf(out, "| /metrics scrape | %s CPU each on average |\n", (scrapeCPU / time.Duration(len(r.smp.scrapes))).Round(time.Millisecond))
	}
	for _, sc := range r.smp.scrapes {
		if sc.err != nil {
			fmt.Fprintf(out, "| /metrics error | %v |\n", sc.err)
			break
		}
	}

	if len(msgs) > 0 {
		fmt.Fprintf(out, "\nCounted log messages:\n")
		for _, k := range slices.Sorted(maps.Keys(msgs)) {
			fmt.Fprintf(out, "  %-90.90s %d\n", k, msgs[k])
		}
	}
}
