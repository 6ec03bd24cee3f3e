package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configures New.
type Options struct {
	// Backend supplies the data; required.
	Backend Backend
	// Metrics serves /metrics (metrics.Metrics.Handler); nil leaves
	// /metrics unrouted.
	Metrics http.Handler
	// Auth, when set, guards every endpoint but /healthz. When it is not
	// set, every endpoint but /healthz and /readyz answers only requests
	// whose Host is localhost or a loopback address (421 otherwise; see
	// the package doc).
	Auth Auth
	// Backup writes a consistent copy of the database to w and returns
	// the bytes written (store.Store.Backup); it serves POST
	// /api/v1/backup. nil leaves the endpoint unrouted (404).
	Backup func(w io.Writer) (int64, error)
	// Pprof serves the net/http/pprof profiles under /debug/pprof/; it
	// takes effect only together with Auth (without it the profiles stay
	// unrouted, 404).
	Pprof bool
	// Now is the clock for "since" and ages; default time.Now.
	Now func() time.Time
	// Logger receives request failures; default slog.Default().
	Logger *slog.Logger
	// FailingNote says, after the count of a source's failing article
	// pages on the status page, how the daemon retries and gives them up
	// ("retried every pass; given up after 5 failed passes over an
	// hour"): the daemon knows its limits, the page does not. "" shows
	// the count alone.
	FailingNote string
	// ShutdownGrace is how long Serve waits for requests in flight after
	// its context ends; default 5s.
	ShutdownGrace time.Duration
}

// Server is newshound's HTTP server.
type Server struct {
	backend  Backend
	metrics  http.Handler
	auth     Auth
	backup   func(io.Writer) (int64, error)
	pprof    bool
	now      func() time.Time
	log      *slog.Logger
	grace    time.Duration
	failNote string
	handler  http.Handler
	statusUI *statusPage
}

// New builds a server; it panics when opts.Backend is nil, a programming
// error.
func New(opts Options) *Server {
	if opts.Backend == nil {
		panic("web.New: Options.Backend is nil")
	}
	s := &Server{
		backend:  opts.Backend,
		metrics:  opts.Metrics,
		auth:     opts.Auth,
		backup:   opts.Backup,
		pprof:    opts.Pprof && opts.Auth.Enabled(),
		now:      opts.Now,
		log:      opts.Logger,
		grace:    opts.ShutdownGrace,
		failNote: opts.FailingNote,
		statusUI: newStatusPage(),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.grace <= 0 {
		s.grace = 5 * time.Second
	}
	s.handler = s.routes()
	return s
}

// Handler returns the server's handler, for httptest and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	guarded := http.NewServeMux()
	if s.metrics != nil {
		guarded.Handle("GET /metrics", s.metrics)
	}
	guarded.HandleFunc("GET /api/v1/alerts", s.apiAlerts)
	guarded.HandleFunc("GET /api/v1/sources", s.apiSources)
	if s.backup != nil {
		guarded.HandleFunc("POST /api/v1/backup", s.apiBackup)
	}
	if s.pprof {
		routePprof(guarded)
	}
	guarded.HandleFunc("GET /watches/{file}", s.atomFeed)
	guarded.Handle("GET /static/", staticHandler())
	guarded.HandleFunc("GET /{$}", s.statusPage)

	// The probes skip the Host check (a container health check may name
	// the service or the pod IP) because they reveal nothing an attacker
	// could use: "ok", or "ready" and the reason it is not. Everything
	// else passes the Host check, then the cross-site check, then auth.
	root := http.NewServeMux()
	root.HandleFunc("GET /healthz", healthz)
	root.Handle("GET /readyz", s.auth.guard(http.HandlerFunc(s.readyz)))
	root.Handle("/", hostGuard(s.auth.Enabled(), crossSiteGuard(s.auth.guard(guarded))))
	return securityHeaders(root)
}

// contentSecurityPolicy allows the page's own stylesheet and images and
// nothing else: no script, no frame, no form, no plugin, no base
// rewrite. An injection that slipped past escaping would still run
// nothing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY") // frame-ancestors for old browsers
		next.ServeHTTP(w, r)
	})
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.backend.Ready(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "not ready: %s\n", oneLine(err.Error()))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

// Serve serves on ln until ctx ends, then shuts down gracefully: it
// stops accepting, lets requests in flight finish for up to the shutdown
// grace and closes ln. It returns nil after a shutdown caused by ctx, or
// the error that stopped serving.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.grace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-done; !errors.Is(serveErr, http.ErrServerClosed) && serveErr != nil {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), serveErr)
	}
	if err != nil {
		_ = srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	return nil
}
