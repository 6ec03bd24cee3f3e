package crashloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/store"
)

// Options configures Run; zero fields take the defaults.
type Options struct {
	Binary string // the newshound binary (see Build); required
	Kills  int    // SIGKILLs before the final run; required, > 0
	// Dir holds the config, the database and daemon.log (every run's
	// stderr, one header line per run); required, and kept.
	Dir  string
	Seed uint64
	// Logf, when set, receives progress lines.
	Logf func(format string, args ...any)

	// A run is killed after a uniform time in [MinUp, MaxUp] (every third
	// run earlier, as soon as its text segments change); default 50ms, 600ms.
	MinUp, MaxUp time.Duration
	// PublishMin/Max bound the time between two articles; default 100ms, 200ms.
	PublishMin, PublishMax time.Duration
	FinalWait              time.Duration // bound on the final run's wait for every alert; default 60s
	StopWait               time.Duration // bound on exit after SIGTERM; default 30s (RELIABILITY item 15)
}

func (o *Options) defaults() error {
	if o.Binary == "" || o.Dir == "" || o.Kills <= 0 {
		return errors.New("crashloop: Binary, Dir and Kills > 0 are required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.MinUp, 50*time.Millisecond)
	def(&o.MaxUp, 600*time.Millisecond)
	def(&o.PublishMin, 100*time.Millisecond)
	def(&o.PublishMax, 200*time.Millisecond)
	def(&o.FinalWait, 60*time.Second)
	def(&o.StopWait, 30*time.Second)
	o.MaxUp = max(o.MaxUp, o.MinUp)
	o.PublishMax = max(o.PublishMax, o.PublishMin)
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// Build compiles ./cmd/newshound of the module containing the working
// directory into dir with the given go command, and returns its path. The
// binary is built without -race: it is a separate process, and the point
// is its behaviour under SIGKILL, not its data races.
func Build(ctx context.Context, goCmd, dir string) (string, error) {
	bin := filepath.Join(dir, "newshound")
	cmd := exec.CommandContext(ctx, goCmd, "build", "-o", bin, "github.com/newshound/newshound/cmd/newshound")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build newshound: %v\n%s", err, out)
	}
	return bin, nil
}

const configTemplate = `# written by internal/crashloop
data: newshound.db
# one loopback host serves every page: no politeness delay
crawl: {host_delay: 0s}
defaults:
  schedule: "@every 1s"
  max_age: 72h
  timeout: 5s
sources:
  - name: wire
    feed: %[1]s/rss.xml
  - name: front
    page: %[1]s/front/
    links: "h2.headline a"
watches:
  - name: %[3]s
    entities: [%[4]s]
    notify: [hook, mail]
notifiers:
  - name: hook
    webhook:
      url: %[2]s/hook/run-%[6]d
      secret: %[5]s
  - name: mail
    email:
      smtp: %[7]s
      tls: none
      from: newshound <alerts@example.org>
      to: ["desk+run-%[6]d@example.org"]
`

// Run plays one crash loop; see the package documentation. The error is
// for a harness failure (binary missing, config refused, timeouts of the
// harness itself); the daemon's faults are in the Report (Report.Err).
func Run(ctx context.Context, o Options) (Report, error) {
	if err := o.defaults(); err != nil {
		return Report{}, err
	}
	began := time.Now()
	mr, err := newMailReceiver(o.Seed)
	if err != nil {
		return Report{}, err
	}
	defer mr.close()
	l := &loop{o: o, site: newSite(), rc: newReceiver(o.Seed), mr: mr, cfgPath: filepath.Join(o.Dir, "newshound.yaml"),
		acked: map[ackKey]bool{}, textDir: filepath.Join(o.Dir, "newshound.db.texts")}
	defer l.site.close()
	defer l.rc.close()
	logFile, err := os.Create(filepath.Join(o.Dir, "daemon.log"))
	if err != nil {
		return Report{}, err
	}
	defer logFile.Close()
	l.log = logFile

	// The site publishes until the kills are done.
	pubCtx, stopPub := context.WithCancel(ctx)
	var pubWG sync.WaitGroup
	pubWG.Go(func() {
		publishLoop(pubCtx, l.site, rand.New(rand.NewPCG(o.Seed, 0x9ab)), o.PublishMin, o.PublishMax)
	})
	defer func() { stopPub(); pubWG.Wait() }()

	r := Report{Kills: o.Kills}
	if err := l.kills(ctx); err != nil {
		return r, err
	}
	stopPub()
	pubWG.Wait()
	expected, published, err := l.expected()
	if err != nil {
		return r, err
	}
	r.Published, r.Alerts = published, len(expected)/2
	if err := l.final(ctx, expected, &r); err != nil {
		return r, err
	}
	if r.Queued, r.Dead, r.Unmarked, err = leftovers(filepath.Join(o.Dir, "newshound.db"), expected); err != nil {
		return r, err
	}
	site, err := l.publishedTexts()
	if err != nil {
		return r, err
	}
	if r.Texts, err = checkTexts(filepath.Join(o.Dir, "newshound.db"), site); err != nil {
		return r, err
	}
	ds := append(l.rc.deliveries(), l.mr.deliveries()...)
	r.Verdict = Check(expected, ds, l.deaths, func(d Delivery) bool { return l.acked[ackKey{d.Run, Key(d.Notifier, d.ID)}] })
	for _, d := range ds {
		if !d.Cut && d.Problem == "" && d.Run < o.Kills {
			r.DuringKills++
		}
	}
	r.OwnExits = l.exits
	r.AppendKills = l.appendKills
	r.Ready = len(l.startups)
	r.StartupMedian = median(l.startups)
	r.Wall = time.Since(began)
	return r, nil
}

// loop is the state of one Run.
type loop struct {
	o       Options
	site    *site
	rc      *receiver
	mr      *mailReceiver
	cfgPath string
	log     io.Writer
	deaths  []time.Time // deaths[i]: run i known dead
	// acked: the store marked the delivery delivered once its run was
	// dead (read between the runs).
	acked map[ackKey]bool
	exits []string // runs that stopped before their SIGKILL, and how
	// textDir is the store's text segment directory (store.TextDir:
	// the database path plus ".texts").
	textDir string
	// appendKills counts the runs killed right after a text append.
	appendKills int
	startups    []time.Duration
}

// ackKey is one delivery by one run.
type ackKey struct {
	run int
	key string
}

// snapshot reads, while no daemon runs, which deliveries of the dead run
// the store marks delivered. Deliveries that reach a receiver later were
// never answered to the dead process, so they cannot be marked.
func (l *loop) snapshot(run int) error {
	path := filepath.Join(l.o.Dir, "newshound.db")
	if _, err := os.Stat(path); err != nil {
		return nil // killed before it made its database: nothing delivered
	}
	var mine []Delivery
	for _, d := range append(l.rc.deliveries(), l.mr.deliveries()...) {
		if d.Run == run && !d.Cut && d.Problem == "" {
			mine = append(mine, d)
		}
	}
	if len(mine) == 0 {
		return nil
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return fmt.Errorf("open the store after run %d: %w", run, err)
	}
	defer st.Close()
	for _, d := range mine {
		_, ok, err := st.Delivered(d.ID + "/" + d.Notifier)
		if err != nil {
			return err
		}
		l.acked[ackKey{run, Key(d.Notifier, d.ID)}] = ok
	}
	return nil
}

// start writes the config of run (its own webhook path, so every delivery
// names the run that sent it; the file changes only while no daemon runs)
// and starts the daemon.
func (l *loop) start(run int) (*daemon, error) {
	cfg := fmt.Sprintf(configTemplate, l.site.URL(""), l.rc.URL, WatchName, Term, webhookSecret, run, l.mr.Addr)
	if err := os.WriteFile(l.cfgPath, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	return startDaemon(l.o.Binary, l.cfgPath, l.log, run)
}

// appendKillEvery: every third run is killed as soon as its text
// segments grow (or at its random time if they do not), so that kills
// land between a pass's text append and its commit: a window of a few
// milliseconds a pass that random kills rarely hit (none in a 50-kill
// trial without this; with it, 39 of 112 articles had a first record
// that never became visible).
const appendKillEvery = 3

// waitForAppend polls the size of the text segments until it changes or
// until deadline; it reports whether it changed. Usually it grows; it
// shrinks when the first append of a run cuts off a torn tail left by
// the previous kill. The poll is fast (the window to hit is the pass's
// bbolt commit, a few milliseconds of fsync) and costs a directory read
// and a few stats.
func waitForAppend(dir string, deadline time.Time) bool {
	base := dirSize(dir)
	for time.Now().Before(deadline) {
		if dirSize(dir) != base {
			return true
		}
		time.Sleep(200 * time.Microsecond)
	}
	return false
}

// dirSize is the total size of the files in dir; 0 if it does not exist.
func dirSize(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var total int64
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			total += info.Size()
		}
	}
	return total
}

// kills starts and SIGKILLs the daemon o.Kills times.
func (l *loop) kills(ctx context.Context) error {
	killRand := rand.New(rand.NewPCG(l.o.Seed, 0x6b11))
	for i := range l.o.Kills {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := l.start(i)
		if err != nil {
			return err
		}
		up := l.o.MinUp + time.Duration(killRand.Int64N(int64(l.o.MaxUp-l.o.MinUp)+1))
		if i%appendKillEvery == appendKillEvery-1 {
			if waitForAppend(l.textDir, p.started.Add(up)) {
				l.appendKills++
			}
		} else {
			time.Sleep(time.Until(p.started.Add(up)))
		}
		dead, exited, err := p.kill()
		if err != nil {
			return err
		}
		if exited != "" {
			l.exits = append(l.exits, fmt.Sprintf("run %d: %s", i, exited))
		}
		l.deaths = append(l.deaths, dead)
		if err := l.snapshot(i); err != nil {
			return err
		}
		if d, ok := p.startup(); ok {
			l.startups = append(l.startups, d)
		}
		if (i+1)%25 == 0 {
			l.o.Logf("crashloop: %d/%d kills, %d articles published, %d webhook requests and %d messages received",
				i+1, l.o.Kills, len(l.site.published()), len(l.rc.deliveries()), len(l.mr.deliveries()))
		}
	}
	return nil
}

// expected returns the deliveries (Keys) the published articles must
// cause, their alert ids derived as app/pass.go does, and how many
// articles were published.
func (l *loop) expected() (map[string]bool, int, error) {
	published := l.site.published()
	expected := map[string]bool{}
	for _, a := range published {
		if a.alerts {
			canon, err := crawler.Canonicalize(l.site.url(a.path))
			if err != nil {
				return nil, 0, err
			}
			id := news.AlertID(WatchName, canon)
			expected[Key("hook", id)] = true
			expected[Key("mail", id)] = true
		}
	}
	return expected, len(published), nil
}

// final runs the daemon until every expected alert is in and each source
// has recorded a pass that found nothing new, so every published article
// is seen by both (or until FinalWait passed), then stops it with SIGTERM.
func (l *loop) final(ctx context.Context, expected map[string]bool, r *Report) error {
	p, err := l.start(l.o.Kills)
	if err != nil {
		return err
	}
	start := time.Now()
	deadline := start.Add(l.o.FinalWait)
	delivered := false
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if !delivered && l.arrived(expected) {
			delivered, r.FinalWait = true, time.Since(start)
		}
		if delivered && p.idleSources(sources...) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !delivered {
		r.FinalWait = time.Since(start)
	}
	r.Settled = time.Since(start)
	for _, s := range sources {
		if !p.idleSources(s) {
			r.NotIdle = append(r.NotIdle, s)
		}
	}
	if d, ok := p.startup(); ok {
		l.startups = append(l.startups, d)
	}
	r.ExitCode, r.StopTook, err = p.terminate(l.o.StopWait)
	return err
}

// arrived reports whether every expected delivery has arrived.
func (l *loop) arrived(expected map[string]bool) bool {
	hook, mail := map[string]bool{}, map[string]bool{}
	for k := range expected {
		if id, ok := strings.CutPrefix(k, "hook/"); ok {
			hook[id] = true
		} else if id, ok := strings.CutPrefix(k, "mail/"); ok {
			mail[id] = true
		}
	}
	return l.rc.has(hook) && l.mr.has(mail)
}

func publishLoop(ctx context.Context, s *site, r *rand.Rand, lo, hi time.Duration) {
	for n := 0; ; n++ {
		s.publish(n, r, time.Now())
		wait := lo + time.Duration(r.Int64N(int64(hi-lo)+1))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// leftovers opens the store the daemon closed and counts what it left:
// queued entries, dead letters, and expected deliveries (Keys) the store
// does not mark delivered.
func leftovers(path string, expected map[string]bool) (queued, dead, unmarked int, err error) {
	st, err := store.Open(path, store.Options{})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("open the store after the final run: %w", err)
	}
	defer st.Close()
	q, err := st.Queued()
	if err != nil {
		return 0, 0, 0, err
	}
	d, err := st.DeadLetters()
	if err != nil {
		return 0, 0, 0, err
	}
	for k := range expected {
		notifier, id, _ := strings.Cut(k, "/")
		if _, ok, err := st.Delivered(id + "/" + notifier); err != nil {
			return 0, 0, 0, err
		} else if !ok {
			unmarked++
		}
	}
	return len(q), len(d), unmarked, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
