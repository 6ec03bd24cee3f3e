package app

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/metrics"
	"github.com/newshound/newshound/notify"
	"github.com/newshound/newshound/store"
)

// Options are the process-level dependencies of an App. Every field is
// optional; the zero value gives production behaviour.
type Options struct {
	Logger *slog.Logger
	Now    func() time.Time
	// Transport carries every outgoing HTTP request (crawler and HTTP
	// notifiers); nil gives the crawler its address-guarded transport and
	// the notifiers a clone of http.DefaultTransport.
	Transport http.RoundTripper
	// AllowAddr is the crawler's address policy (see crawler.Options).
	AllowAddr func(netip.Addr) bool
	// Stdout receives the console notifier's lines.
	Stdout io.Writer
	// Version is reported in the default User-Agent.
	Version string
	// LookupEnv expands ${VAR} when the config file is reloaded.
	LookupEnv func(string) (string, bool)
	// WatchInterval is how often Run checks the config file for edits.
	WatchInterval time.Duration
	// Dispatch tunes retries; Now and Logger are filled from above.
	Dispatch notify.DispatcherOptions
	// Grace is how long sends in flight may go on once Run's context is
	// cancelled (SIGTERM) before they are cut short; what is not sent stays
	// queued and due. 0 means DefaultGrace. It sets Dispatch.Grace.
	Grace time.Duration
	// PruneDelay is how long after Run starts the first daily prune of
	// the store runs (the retention: block); 0 means DefaultPruneDelay.
	PruneDelay time.Duration
}

// DefaultPruneDelay is the default Options.PruneDelay: late enough that
// the catch-up passes of a restart go first, early enough that a daemon
// restarted every day still prunes.
const DefaultPruneDelay = time.Minute

// DefaultGrace is the default Options.Grace: long enough for an SMTP
// server or a webhook to answer a send already under way, short enough
// that a stop (systemd waits 90 s, Docker 10 s before SIGKILL, so pass
// --grace below it there) stays prompt.
const DefaultGrace = 10 * time.Second

// App is one newshound instance over one store.
type App struct {
	opts       Options
	log        *slog.Logger
	now        func() time.Time
	store      *store.Store
	crawler    *crawler.Crawler
	dispatcher *notify.Dispatcher
	wake       chan struct{}

	mu  sync.RWMutex
	cur *compiled // guarded by mu

	locksMu sync.Mutex
	locks   map[string]*sync.Mutex // per source: a pass still running makes the next one skip

	sched    *scheduler // set while Run runs; guarded by mu
	httpAddr string     // the HTTP server's bound address while Run serves; guarded by mu

	metrics *metrics.Metrics
	closed  atomic.Bool // Close was called: the store is gone
}

// compiled is a validated config turned into the objects a pass needs. It
// is immutable once built, so a pass can hold it without locks.
type compiled struct {
	cfg      *config.Config
	matcher  *matcher.Matcher
	watches  map[string]config.Watch
	channels map[string]notify.Channel
	routes   map[string][]route // by watch name
	// sources indexes cfg.Sources by name with each one's schedule, so a
	// scheduled pass finds its source in O(1) whatever the source count.
	sources map[string]compiledSource
}

// compiledSource is one source of a compiled config with its schedule.
type compiledSource struct {
	src   config.Source
	sched jittered // the zero value (no runs) when the schedule does not parse; validation refuses those
}

// New opens the store named by cfg and builds the pipeline. The caller
// must Close the App.
func New(cfg *config.Config, opts Options) (*App, error) {
	opts = withDefaults(opts)
	a := &App{
		opts:  opts,
		log:   opts.Logger,
		now:   opts.Now,
		wake:  make(chan struct{}, 1),
		locks: make(map[string]*sync.Mutex),
	}
	c, err := a.compile(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Data), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	st, err := store.Open(cfg.Data, store.Options{Timeout: time.Second, Now: opts.Now})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	a.cur = c
	a.warnPermissions()
	// Like the crawl limits, the metrics block is read once: the series
	// a registry exports cannot change their labels while it runs.
	a.metrics = metrics.New(metrics.Options{Snapshot: storeSnapshot{a}, Now: opts.Now, PerSource: cfg.Metrics.PerSource})
	a.seedSourceHealth(cfg)
	// Crawl limits are read once: the limiter is shared by every pass in
	// the process, so a reload that changes them takes effect at the next
	// restart (Reload logs that).
	a.crawler = crawler.New(crawlerOptions(cfg, opts))
	dopts := opts.Dispatch
	dopts.Now, dopts.Logger, dopts.Grace = opts.Now, opts.Logger, opts.Grace
	dopts.OnOutcome = a.observeDelivery(opts.Dispatch.OnOutcome)
	a.dispatcher = notify.NewDispatcher(st, c.channels, cfg.Health.Notify, dopts)
	return a, nil
}

// withDefaults fills the options a caller left zero.
func withDefaults(opts Options) Options {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.WatchInterval <= 0 {
		opts.WatchInterval = 2 * time.Second
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Grace <= 0 {
		opts.Grace = opts.Dispatch.Grace
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.PruneDelay <= 0 {
		opts.PruneDelay = DefaultPruneDelay
	}
	return opts
}

// crawlerOptions builds the crawler's settings from the config and the
// process options; the daemon and the one-shot tools share it so they
// fetch alike. opts must have Logger, Now and Version filled (New does;
// tools call withDefaults).
func crawlerOptions(cfg *config.Config, opts Options) crawler.Options {
	return crawler.Options{
		Transport:   opts.Transport,
		Now:         opts.Now,
		Logger:      opts.Logger,
		UserAgent:   "newshound/" + opts.Version + " (+https://github.com/newshound/newshound)",
		AllowAddr:   opts.AllowAddr,
		MaxInFlight: cfg.Crawl.MaxInFlight,
		PerHost:     cfg.Crawl.PerHost,
		HostDelay:   cfg.Crawl.HostDelay,
		RobotsTTL:   cfg.Crawl.RobotsTTL,
	}
}

// Close releases the store. Call it after Run or RunOnce returned.
func (a *App) Close() error {
	a.closed.Store(true)
	return a.store.Close()
}

// Store gives read access to the store, for commands and tests.
func (a *App) Store() *store.Store { return a.store }

// Metrics returns the App's metrics, served at /metrics when the config
// has listen.
func (a *App) Metrics() *metrics.Metrics { return a.metrics }

// Config returns the config currently in force.
func (a *App) Config() *config.Config {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cur.cfg
}

func (a *App) current() *compiled {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.cur
}

// compile builds the matcher and notifiers of cfg; it touches no shared
// state, so a failed reload leaves the running config alone.
func (a *App) compile(cfg *config.Config) (*compiled, error) {
	mws, err := MatcherWatches(cfg.Watches)
	if err != nil {
		return nil, fmt.Errorf("compile watches: %w", err)
	}
	m, err := matcher.Compile(mws)
	if err != nil {
		return nil, fmt.Errorf("compile watches: %w", err)
	}
	ns, err := a.buildNotifiers(cfg.Notifiers)
	if err != nil {
		return nil, err
	}
	routes, err := compileRoutes(cfg)
	if err != nil {
		return nil, err
	}
	ws := make(map[string]config.Watch, len(cfg.Watches))
	for _, w := range cfg.Watches {
		ws[w.Name] = w
	}
	srcs := make(map[string]compiledSource, len(cfg.Sources))
	for _, src := range cfg.Sources {
		sched, _ := sourceSchedule(src) // an error is reported by the scheduler, which refuses it
		srcs[src.Name] = compiledSource{src: src, sched: sched}
	}
	return &compiled{cfg: cfg, matcher: m, watches: ws, channels: ns, routes: routes, sources: srcs}, nil
}

// Reload replaces the running config with cfg. The store cannot move while
// the daemon runs; every other change takes effect for the next pass.
func (a *App) Reload(cfg *config.Config) error {
	err := a.reload(cfg)
	a.metrics.ConfigReload(err == nil)
	return err
}

func (a *App) reload(cfg *config.Config) error {
	old := a.Config()
	if cfg.Data != old.Data {
		return fmt.Errorf("reload: data cannot change from %s to %s without a restart", old.Data, cfg.Data)
	}
	c, err := a.compile(cfg)
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	if cfg.Crawl != old.Crawl {
		a.log.Warn("crawl limits changed; they take effect at the next restart", "old", old.Crawl, "new", cfg.Crawl)
	}
	if cfg.Metrics.PerSource != old.Metrics.PerSource || cfg.Metrics.Pprof != old.Metrics.Pprof {
		a.log.Warn("metrics changed; they take effect at the next restart",
			"per_source", cfg.Metrics.PerSource, "pprof", cfg.Metrics.Pprof)
	}
	if cfg.Listen != old.Listen || webAuth(cfg.ListenAuth) != webAuth(old.ListenAuth) {
		// The server is bound once per Run; its credentials are never logged.
		a.log.Warn("listen or listen_auth changed; they take effect at the next restart",
			"listen", old.Listen, "new_listen", cfg.Listen)
	}
	a.mu.Lock()
	a.cur = c
	sched := a.sched
	a.mu.Unlock()
	a.dispatcher.SetChannels(c.channels, c.cfg.Health.Notify)
	a.forgetDropped(old, cfg)
	a.seedSourceHealth(cfg)
	if sched != nil {
		if err := sched.reschedule(c.cfg); err != nil {
			return fmt.Errorf("reload: %w", err)
		}
	}
	a.log.Info("config loaded", "sources", len(cfg.Sources), "watches", len(cfg.Watches), "notifiers", len(cfg.Notifiers))
	return nil
}

// ReloadFile loads and validates the config file the App was started
// with and applies it. An invalid file is logged with every problem and
// the running config is kept.
func (a *App) ReloadFile() error {
	path := a.Config().Path
	cfg, err := LoadConfig(path, a.opts.LookupEnv)
	if err != nil {
		a.metrics.ConfigReload(false)
		var cerr *config.Error
		if errors.As(err, &cerr) {
			for _, p := range cerr.Problems {
				a.log.Error("config problem", "file", path, "problem", p.String())
			}
		}
		a.log.Error("config reload failed; keeping the last good config", "file", path, "err", err)
		return err
	}
	if err := a.Reload(cfg); err != nil {
		a.log.Error("config reload failed; keeping the last good config", "file", path, "err", err)
		return err
	}
	return nil
}

// wakeDispatcher tells the delivery loop that new entries are due; it
// never blocks.
func (a *App) wakeDispatcher() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// sourceLock returns the mutex that keeps two passes over one source from
// overlapping, across reloads.
func (a *App) sourceLock(name string) *sync.Mutex {
	a.locksMu.Lock()
	defer a.locksMu.Unlock()
	m, ok := a.locks[name]
	if !ok {
		m = new(sync.Mutex)
		a.locks[name] = m
	}
	return m
}
