// Command storeyear runs a simulated year of a large newshound deployment
// through the store, with retention, and reports how big the file gets
// and how long the daily prune takes.
//
// Each simulated day, every one of -sources sources records -passes
// passes (store.Record, one write transaction each, like the daemon),
// which together hold -per-day new articles: a realistic URL (~100
// bytes), two or three seen keys, and 3–5 kB of text made of words drawn
// from a fixed, seeded vocabulary with a Zipf distribution, so DEFLATE
// compresses it about as well as English news (the output prints the
// ratio; a real 4 kB English article compresses to ~0.50). About 3 % of
// the articles alert to two notifiers, and every entry is delivered at
// once (store.Ack, one transaction each, like the dispatcher). At the end
// of each day the daemon's prune runs (store.Prune with the default
// retention: seen 180 days, alerts 90 days, text 14 days) and is timed.
//
// At the end it reports the file size, the size of the article text
// segments beside it (<db>.texts/, one file per day since schema v6),
// the bytes per bucket (bbolt bucket stats), the size after
// store.Compact, the median and maximum of the daily prune over the last
// 30 days (in -dir, and on the disk copies), and the wall time. The clock is simulated. Texts are drawn
// from a pool of 50,000 generated sentences (a text repeats one of its
// ~40 sentences rarely; texts are compressed one by one, so sharing
// sentences across texts does not help DEFLATE).
//
// Flags: -days (365), -sources (1000), -per-day (20000), -passes (per
// source and day, 1), -alert-rate (0.03), -seen, -alerts, -text (the
// retention; default store.DefaultRetention), -dir (default a fresh
// directory under /dev/shm: the bulk of the year runs on tmpfs, where
// fsync is free, because on this machine's disk a year of ~800,000
// commits would take hours), -disk-dir and -disk-prunes (10 of the last
// 30 days also time their prune on a synced copy on a real disk, with
// copies of the text segments it deletes: the figure that counts for the
// 2 s target), -keep, -seed, -cpuprofile.
//
// Usage, from the repository root:
//
//	nice go run ./bench/storeyear -days 365
package main

import (
	"bytes"
	"compress/flate"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"go.etcd.io/bbolt"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "storeyear:", err)
		os.Exit(1)
	}
}

// config is the simulation's parameters.
type config struct {
	days, sources, perDay, passes int
	alertRate                     float64
	dir, diskDir                  string
	diskPrunes                    int
	keep                          bool
	seed                          uint64
	retention                     store.Retention
}

const day = 24 * time.Hour

func run(args []string, stdout, progress io.Writer) error {
	fs := flag.NewFlagSet("storeyear", flag.ContinueOnError)
	var c config
	fs.IntVar(&c.days, "days", 365, "simulated days")
	fs.IntVar(&c.sources, "sources", 1000, "sources")
	fs.IntVar(&c.perDay, "per-day", 20000, "new articles a day, over all sources")
	fs.IntVar(&c.passes, "passes", 1, "passes per source and day")
	fs.Float64Var(&c.alertRate, "alert-rate", 0.03, "share of articles that alert")
	fs.StringVar(&c.dir, "dir", "", "directory for the database (default: a fresh one under /dev/shm if it exists, else the temporary directory)")
	fs.StringVar(&c.diskDir, "disk-dir", os.TempDir(), "directory on a real disk for the timed prunes on a copy")
	fs.IntVar(&c.diskPrunes, "disk-prunes", 10, "how many of the last 30 days also time their prune on a copy in -disk-dir (0: none)")
	fs.BoolVar(&c.keep, "keep", false, "keep the database files")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	c.retention = store.DefaultRetention()
	fs.DurationVar(&c.retention.Seen, "seen", c.retention.Seen, "seen retention")
	fs.DurationVar(&c.retention.Alerts, "alerts", c.retention.Alerts, "alert retention")
	fs.DurationVar(&c.retention.Text, "text", c.retention.Text, "text retention")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.days < 1 || c.sources < 1 || c.perDay < 0 || c.passes < 1 {
		return fmt.Errorf("-days, -sources and -passes must be positive, -per-day not negative")
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if c.dir == "" {
		parent := ""
		if info, err := os.Stat("/dev/shm"); err == nil && info.IsDir() {
			parent = "/dev/shm"
		}
		dir, err := os.MkdirTemp(parent, "storeyear-")
		if err != nil {
			return err
		}
		c.dir = dir
		if !c.keep {
			defer os.RemoveAll(dir)
		}
	}
	res, err := simulate(c, progress)
	if err != nil {
		return err
	}
	return report(stdout, c, res)
}

// result is what the simulation measured.
type result struct {
	wall, recording     time.Duration
	prunes              []time.Duration // one per simulated day
	diskPrunes          []time.Duration // on a copy on disk, some of the last 30 days
	lastPrune           store.PruneReport
	size, compacted     int64
	textSize            int64 // the text segments next to the file
	textFiles           int
	buckets             []bucketSize
	articles, alerts    int
	commits             int
	textRatio           float64
	textBytes, urlBytes int
}

func simulate(c config, progress io.Writer) (result, error) {
	var res result
	path := filepath.Join(c.dir, "newshound.db")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := start
	s, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		return res, err
	}
	defer func() {
		if s != nil {
			_ = s.Close()
		}
	}()
	gen := newGenerator(c.seed, c.sources)
	res.textRatio = gen.deflateRatio(200)
	began := time.Now()
	serial := 0
	passes := c.sources * c.passes
	for d := range c.days {
		dayStart := start.Add(time.Duration(d) * day)
		for p := range passes {
			src := p % c.sources
			// Spread the day's articles over its passes as evenly as integers allow.
			n := c.perDay*(p+1)/passes - c.perDay*p/passes
			now = dayStart.Add(time.Duration(p) * day / time.Duration(passes))
			pass := store.Pass{Source: gen.sourceName(src)}
			for range n {
				serial++
				art := gen.article(src, serial, now)
				res.textBytes += len(art.Text)
				res.urlBytes += len(art.URL)
				pass.Seen = append(pass.Seen, art)
				if gen.rng.Float64() < c.alertRate {
					pass.Alerts = append(pass.Alerts, store.QueuedAlert{Alert: gen.alert(art), Notifiers: []string{"mail", "slack"}})
				}
			}
			pass.State = store.SourceState{LastRun: now, LastSuccess: now, Items: 30, New: n}
			t := time.Now()
			queued, err := s.Record(pass)
			if err != nil {
				return res, err
			}
			res.commits++
			for _, id := range queued {
				for _, notifier := range []string{"mail", "slack"} {
					if err := s.Ack(id+"/"+notifier, now.Add(2*time.Second)); err != nil {
						return res, err
					}
					res.commits++
				}
			}
			res.recording += time.Since(t)
			res.articles += n
			res.alerts += len(queued)
		}
		now = dayStart.Add(day)
		if left := c.days - d; c.diskPrunes > 0 && left <= 30 && left%max(1, 30/c.diskPrunes) == 0 {
			took, err := diskPrune(s, c, now)
			if err != nil {
				return res, err
			}
			res.diskPrunes = append(res.diskPrunes, took)
		}
		t := time.Now()
		rep, err := s.Prune(c.retention, now)
		if err != nil {
			return res, err
		}
		res.prunes = append(res.prunes, time.Since(t))
		res.lastPrune = rep
		if (d+1)%10 == 0 || d+1 == c.days {
			size, _ := s.Size()
			texts, _ := s.TextSize()
			fmt.Fprintf(progress, "day %3d: file %6.1f MB, texts %6.1f MB, last prune %v (%+v), %v elapsed\n",
				d+1, mb(size), mb(texts), res.prunes[d].Round(time.Millisecond), rep, time.Since(began).Round(time.Second))
		}
	}
	res.wall = time.Since(began)
	if res.size, err = s.Size(); err != nil {
		return res, err
	}
	if res.textSize, err = s.TextSize(); err != nil {
		return res, err
	}
	segs, err := filepath.Glob(filepath.Join(s.TextDir(), "*.seg"))
	if err != nil {
		return res, err
	}
	res.textFiles = len(segs)
	if err := s.Close(); err != nil {
		return res, err
	}
	s = nil
	if res.buckets, err = bucketSizes(path); err != nil {
		return res, err
	}
	compacted := filepath.Join(c.dir, "compacted.db")
	if _, res.compacted, err = store.Compact(path, compacted); err != nil {
		return res, err
	}
	return res, nil
}

// diskPrune times the day's prune on a copy of the database in
// c.diskDir: written with store.BackupFile (synced, so the prune's
// fsyncs do not flush the copy) and still in the page cache, as the
// daemon's file would be, with copies of the text segments the prune
// deletes (the others it does not touch).
func diskPrune(s *store.Store, c config, now time.Time) (time.Duration, error) {
	path := filepath.Join(c.diskDir, fmt.Sprintf(".storeyear-prune-%d.db", os.Getpid()))
	defer os.RemoveAll(path + ".texts")
	defer os.Remove(path)
	if _, err := store.BackupFile(s, path); err != nil {
		return 0, err
	}
	if c.retention.Text > 0 {
		if err := copyExpiredSegments(s.TextDir(), path+".texts", now.Add(-c.retention.Text)); err != nil {
			return 0, err
		}
	}
	cp, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		return 0, err
	}
	t := time.Now()
	_, err = cp.Prune(c.retention, now)
	took := time.Since(t)
	if cerr := cp.Close(); err == nil {
		err = cerr
	}
	return took, err
}

// copyExpiredSegments copies the segment files of the days that ended by
// before (those PruneTexts deletes) from dir to dst, synced.
func copyExpiredSegments(dir, dst string, before time.Time) error {
	segs, err := filepath.Glob(filepath.Join(dir, "*.seg"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	for _, seg := range segs {
		day, err := time.Parse(time.DateOnly, strings.TrimSuffix(filepath.Base(seg), ".seg"))
		if err != nil || day.Add(24*time.Hour).After(before) {
			continue
		}
		b, err := os.ReadFile(seg)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(dst, filepath.Base(seg)), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		_, err = f.Write(b)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bucketSize is one bucket's share of the file.
type bucketSize struct {
	name       string
	keys       int
	inuse      int // bytes of pages holding its keys and values
	alloc      int // bytes of pages allocated to it
	valueBytes int // bytes of its keys and values alone
}

// bucketSizes reads bbolt's page statistics of each bucket.
func bucketSizes(path string) ([]bucketSize, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []bucketSize
	err = db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			st := b.Stats()
			bs := bucketSize{
				name: string(name), keys: st.KeyN,
				inuse: st.BranchInuse + st.LeafInuse + st.InlineBucketInuse,
				alloc: st.BranchAlloc + st.LeafAlloc,
			}
			err := b.ForEach(func(k, v []byte) error {
				bs.valueBytes += len(k) + len(v)
				return nil
			})
			out = append(out, bs)
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].alloc > out[j].alloc })
	return out, err
}

func report(w io.Writer, c config, r result) error {
	last := r.prunes[max(0, len(r.prunes)-30):]
	sorted := slices.Sorted(slices.Values(last))
	median, worst := sorted[len(sorted)/2], sorted[len(sorted)-1]
	load, _ := os.ReadFile("/proc/loadavg")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "storeyear: %d days, %d sources, %d new articles/day in %d passes/source/day, %.1f %% alerting to 2 notifiers\n",
		c.days, c.sources, c.perDay, c.passes, 100*c.alertRate)
	fmt.Fprintf(w, "retention: seen %v, alerts %v, text %v; database in %s, disk copies in %s\n",
		c.retention.Seen, c.retention.Alerts, c.retention.Text, c.dir, c.diskDir)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs, load %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), load)
	fmt.Fprintf(w, "articles %d (mean text %.0f B, mean URL %.0f B; synthetic text DEFLATEs to %.2f of its size), alerts %d, write transactions %d\n",
		r.articles, float64(r.textBytes)/float64(max(1, r.articles)), float64(r.urlBytes)/float64(max(1, r.articles)),
		r.textRatio, r.alerts, r.commits)
	fmt.Fprintf(w, "file size:          %8.1f MB\n", mb(r.size))
	fmt.Fprintf(w, "after Compact:      %8.1f MB\n", mb(r.compacted))
	fmt.Fprintf(w, "text segments:      %8.1f MB in %d files (next to the file; deleted a day at a time)\n", mb(r.textSize), r.textFiles)
	fmt.Fprintf(w, "file + texts:       %8.1f MB\n", mb(r.size+r.textSize))
	fmt.Fprintf(w, "daily prune in -dir (last %d days): median %v, max %v; last day removed %+v\n",
		len(last), median.Round(time.Millisecond), worst.Round(time.Millisecond), r.lastPrune)
	if len(r.diskPrunes) > 0 {
		sorted := slices.Sorted(slices.Values(r.diskPrunes))
		fmt.Fprintf(w, "daily prune on a copy in -disk-dir (%d of the last 30 days): median %v, max %v\n",
			len(sorted), sorted[len(sorted)/2].Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond))
	}
	fmt.Fprintf(w, "wall time %v (recording %v)\n\n", r.wall.Round(time.Second), r.recording.Round(time.Second))
	fmt.Fprintln(tw, "bucket\tkeys\tkeys+values MB\tpages in use MB\tpages MB\t")
	for _, b := range r.buckets {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t\n", b.name, b.keys, mb(int64(b.valueBytes)), mb(int64(b.inuse)), mb(int64(b.alloc)))
	}
	return tw.Flush()
}

func mb(n int64) float64 { return float64(n) / 1e6 }

// generator makes the simulated articles; everything comes from one
// seeded RNG, so a run is reproducible.
type generator struct {
	rng      *rand.Rand
	zipf     *rand.Zipf
	vocab    []string
	sections []string
	watches  []string
	domains  []string
	pool     []string // sentences
}

func newGenerator(seed uint64, sources int) *generator {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{rng: rng}
	g.vocab = makeVocabulary(rng, 30000)
	// Word ranks follow Zipf's law as in English text (exponent a little
	// above 1): the most common hundred words are about half the tokens.
	g.zipf = rand.NewZipf(rng, 1.07, 2, uint64(len(g.vocab)-1))
	g.sections = []string{"world", "politics", "business", "markets", "technology", "science", "health", "sport", "culture", "opinion", "local", "energy"}
	for range 20 {
		g.watches = append(g.watches, g.vocab[100+rng.IntN(2000)])
	}
	for i := range sources {
		g.domains = append(g.domains, fmt.Sprintf("www.%s-%s.example", g.vocab[200+rng.IntN(5000)], g.vocab[200+i%5000]))
	}
	return g
}

// syllables make pronounceable pseudo-words; their letter statistics are
// close enough to English for DEFLATE's purposes.
var syllables = strings.Fields("a e i o u an en in on al el er or ar ir ur ba be bi bo bu ca ce co cu da de di do du fa fe fi fo ga ge go ha he hi ho la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi wa we wi ya yo za ze st th ch sh tr pr str ment tion ing ed ly ous ive al ic ness")

func makeVocabulary(rng *rand.Rand, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		// Frequent words are short, as in English.
		parts := 1 + rng.IntN(2) + min(len(out)/2000, 2)
		var b strings.Builder
		for range parts {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		w := b.String()
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func (g *generator) word() string { return g.vocab[g.zipf.Uint64()] }

func (g *generator) sourceName(i int) string { return fmt.Sprintf("source-%04d", i) }

// sentence is one sentence of 8–29 words, with the odd name, number and
// comma.
func (g *generator) sentence() string {
	var b strings.Builder
	words := 8 + g.rng.IntN(22)
	for i := range words {
		w := g.word()
		switch {
		case i == 0:
			w = strings.ToUpper(w[:1]) + w[1:]
		case g.rng.IntN(25) == 0:
			w = strings.ToUpper(w[:1]) + w[1:] // a name
		case g.rng.IntN(40) == 0:
			w = fmt.Sprint(g.rng.IntN(2030))
		}
		b.WriteString(w)
		switch {
		case i == words-1:
			b.WriteString(". ")
		case g.rng.IntN(12) == 0:
			b.WriteString(", ")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// sentencePool is how many distinct sentences texts are drawn from.
// Drawing ~40 of 50,000 per text makes a repeat within one text rare (it
// would help DEFLATE), and texts are compressed one by one, so repeats
// across texts do not; it spares the generator most of its CPU.
const sentencePool = 50000

// text is 3–5 kB of sentences and paragraphs.
func (g *generator) text() string {
	if g.pool == nil {
		for range sentencePool {
			g.pool = append(g.pool, g.sentence())
		}
	}
	target := 3000 + g.rng.IntN(2001)
	var b strings.Builder
	b.Grow(target + 300)
	for b.Len() < target {
		b.WriteString(g.pool[g.rng.IntN(len(g.pool))])
		if g.rng.IntN(4) == 0 {
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

func (g *generator) words(n int, sep string) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	return strings.Join(ws, sep)
}

func (g *generator) article(src, serial int, now time.Time) news.Article {
	slug := g.words(5+g.rng.IntN(5), "-")
	url := fmt.Sprintf("https://%s/%s/%s/%s-%d", g.domains[src], g.sections[g.rng.IntN(len(g.sections))],
		now.Format("2006/01/02"), slug, serial)
	keys := []string{url, fmt.Sprintf("guid:tag:%s,2026:%d", g.domains[src], serial)}
	if g.rng.IntN(2) == 0 {
		keys = append(keys, url+"?utm_source=rss&utm_medium=feed")
	}
	title := g.words(6+g.rng.IntN(8), " ")
	return news.Article{
		ID: url, Keys: keys, URL: url, Source: g.sourceName(src),
		Title: strings.ToUpper(title[:1]) + title[1:], Text: g.text(),
		Published: now.Add(-time.Duration(g.rng.IntN(3600)) * time.Second), Found: now,
	}
}

func (g *generator) alert(a news.Article) news.Alert {
	w := g.watches[g.rng.IntN(len(g.watches))]
	at := g.rng.IntN(max(1, len(a.Text)-220))
	snippet := "… " + strings.TrimSpace(a.Text[at:at+200]) + " …"
	return news.Alert{
		ID: news.AlertID(w, a.ID), Watch: w, Source: a.Source, URL: a.URL, Title: a.Title,
		Published: a.Published, Found: a.Found,
		Matches:    []news.Match{{Term: w, Seen: []string{w}, Count: 1 + g.rng.IntN(4)}},
		Fired:      w,
		Snippet:    snippet,
		Highlights: []news.Span{{Start: 4, End: 4 + len(w)}},
	}
}

// deflateRatio is the compressed size over the raw size of n texts,
// each compressed alone as the store does.
func (g *generator) deflateRatio(n int) float64 {
	var raw, packed int
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	for range n {
		t := g.text()
		buf.Reset()
		zw.Reset(&buf)
		_, _ = zw.Write([]byte(t))
		_ = zw.Close()
		raw += len(t)
		packed += buf.Len()
	}
	return float64(packed) / float64(raw)
}
