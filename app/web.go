package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"syscall"
	"time"

	"github.com/newshound/newshound/config"
	"github.com/newshound/newshound/crawler"
	"github.com/newshound/newshound/store"
	"github.com/newshound/newshound/web"
)

// listen binds the HTTP server's address (config listen) and remembers
// the bound address for HTTPAddr.
func (a *App) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		hint := ""
		if errors.Is(err, syscall.EADDRINUSE) {
			hint = " (another program, or another newshound, uses that port: stop it or change listen)"
		}
		return nil, fmt.Errorf("start the http server (listen %s): %w%s", addr, err, hint)
	}
	a.mu.Lock()
	a.httpAddr = ln.Addr().String()
	a.mu.Unlock()
	return ln, nil
}

// HTTPAddr returns the address the HTTP server is bound to while Run
// serves (with the port the system chose when listen asked for port 0),
// else "".
func (a *App) HTTPAddr() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.httpAddr
}

// serveHTTP serves the status page, the API, the feeds and the metrics
// on ln until ctx ends. listen and listen_auth are read once, here: a
// reload that changes them takes effect at the next restart.
func (a *App) serveHTTP(ctx context.Context, ln net.Listener, cfg *config.Config) {
	auth := webAuth(cfg.ListenAuth)
	srv := web.New(web.Options{
		Backend:     webBackend{a},
		Metrics:     a.metrics.Handler(),
		Auth:        auth,
		Backup:      a.store.Backup,
		Pprof:       cfg.Metrics.Pprof,
		Now:         a.now,
		Logger:      a.log,
		FailingNote: failingNote(),
	})
	a.log.Info("http server listening", "addr", ln.Addr().String(), "auth", auth.Enabled())
	if err := srv.Serve(ctx, ln); err != nil {
		a.log.Error("http server stopped", "err", err)
	}
}

// failingNote says on the status page how failing article pages are
// retried and given up, from the limits the crawler applies.
func failingNote() string {
	return fmt.Sprintf("retried every pass; given up after %d failed passes over %s, %s if the site seems down",
		crawler.GiveUpAttempts, spanWords(crawler.GiveUpAfter), spanWords(crawler.GiveUpAfterOutage))
}

// spanWords says a whole number of hours or days in words: "an hour",
// "6 hours", "a day"; anything else as Go writes it.
func spanWords(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == time.Hour:
		return "an hour"
	case d == day:
		return "a day"
	case d > 0 && d%day == 0:
		return fmt.Sprintf("%d days", d/day)
	case d > 0 && d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return d.String()
}

// webAuth reveals the configured credentials for the server; nil means
// none.
func webAuth(a *config.ListenAuth) web.Auth {
	if a == nil {
		return web.Auth{}
	}
	out := web.Auth{Bearer: a.Bearer.Reveal()}
	if a.Basic != nil {
		out.User, out.Password = a.Basic.Username, a.Basic.Password.Reveal()
	}
	return out
}

// webBackend is the server's view of the daemon: the store, the config in
// force and the schedule.
type webBackend struct{ a *App }

func (b webBackend) Alerts(q store.AlertQuery) (store.AlertPage, error) { return b.a.store.Alerts(q) }

// Sources lists the configured sources in config order, each with its
// stored state and its next scheduled run (zero while Run is not
// scheduling).
func (b webBackend) Sources() ([]web.SourceStatus, error) {
	c := b.a.current()
	next := map[string]time.Time{}
	if s := b.a.scheduler(); s != nil {
		next = s.nextRuns()
	}
	out := make([]web.SourceStatus, 0, len(c.cfg.Sources))
	for _, src := range c.cfg.Sources {
		state, _, err := b.a.store.SourceState(src.Name)
		if err != nil {
			return nil, fmt.Errorf("read state of source %s: %w", src.Name, err)
		}
		fetch, _, err := b.a.store.FetchState(src.Name)
		if err != nil {
			return nil, fmt.Errorf("read fetch state of source %s: %w", src.Name, err)
		}
		out = append(out, web.NewSourceStatus(src.Name, src.Kind(), src.URL(), state, fetch, next[src.Name]))
	}
	return out, nil
}

func (b webBackend) Outbox() (web.OutboxStatus, error) { return b.a.outboxSummary() }

// Ready is nil while the daemon works: the store open, a config loaded
// and the schedule running.
func (b webBackend) Ready() error {
	a := b.a
	if a.closed.Load() {
		return errors.New("the store is closed")
	}
	if a.current() == nil {
		return errors.New("no configuration loaded")
	}
	if s := a.scheduler(); s == nil || !s.running() {
		return errors.New("the scheduler is not running")
	}
	return nil
}

// scheduler returns Run's scheduler, nil when Run is not running.
func (a *App) scheduler() *scheduler {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.sched
}

// outboxSummary reads the outbox per notifier: every configured notifier
// in config order (nothing queued too), then any other that still has
// entries queued, with the time its oldest entry first fell due; the dead
// letters; the disabled notifiers.
func (a *App) outboxSummary() (web.OutboxStatus, error) {
	stats, err := a.store.QueueStats()
	if err != nil {
		return web.OutboxStatus{}, fmt.Errorf("read the outbox: %w", err)
	}
	var out web.OutboxStatus
	for _, name := range a.notifierNames(stats) {
		if st := stats[name]; st.Queued > 0 || a.configured(name) {
			out.Queues = append(out.Queues, web.QueueStatus{Notifier: name, Queued: st.Queued, Oldest: st.Oldest})
		}
	}
	if out.DeadLetters, err = a.store.DeadLetters(); err != nil {
		return web.OutboxStatus{}, fmt.Errorf("read the dead letters: %w", err)
	}
	if out.Disabled, err = a.store.DisabledNotifiers(); err != nil {
		return web.OutboxStatus{}, fmt.Errorf("read the disabled notifiers: %w", err)
	}
	return out, nil
}

// notifierNames lists the configured notifiers in config order, then the
// others that still have queued entries or dead letters, sorted.
func (a *App) notifierNames(stats map[string]store.QueueStat) []string {
	var names []string
	seen := map[string]bool{}
	for _, n := range a.current().cfg.Notifiers {
		names = append(names, n.Name)
		seen[n.Name] = true
	}
	var others []string
	for name := range stats {
		if !seen[name] {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	return append(names, others...)
}

func (a *App) configured(name string) bool {
	return slices.ContainsFunc(a.current().cfg.Notifiers, func(n config.Notifier) bool { return n.Name == name })
}
