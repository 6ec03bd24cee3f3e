package crawler

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"
)

// ErrBodyTooLarge is wrapped by the error a response body returns once it
// grows past Options.MaxBodyBytes after decompression.
var ErrBodyTooLarge = errors.New("body too large")

// transport is the RoundTripper every collector of a Crawler shares. Per
// request it
//   - routes a request to its session's configured origin (fetchPolicy),
//     when that origin is local, through the pinned transport, which dials
//     only the origin's pinned addresses; every other request, the origin
//     of a public source included, goes through the guarded one, after
//     literal non-public hosts are refused;
//   - asks for gzip itself and decompresses (Content-Encoding gzip, and
//     gzip bodies such as sitemap.xml.gz served as octet-stream), so the
//     size cap counts decompressed bytes (colly's MaxBodySize counts
//     compressed ones, colly #923);
//   - caps the body, failing loudly once it passes the limit;
//   - waits for the limiter (per-host and global slots, per-host delay;
//     listing requests ahead of article requests) and holds the slots
//     until the body is closed;
//   - starts the request's own timeout (requestOpts) once its slots are
//     granted, so time spent queued never counts against it: the queue
//     is bounded by the request's context alone (the pass budget).
type transport struct {
	// guarded carries every request but those to a local origin, pinned
	// those (its dialer connects only to a originPin's addresses). A
	// caller-supplied transport is both.
	guarded, pinned http.RoundTripper
	// lookup classifies an origin at its session's first request; nil
	// when the caller supplied the transport, which resolves and dials by
	// itself: a request to the exact origin is then passed on as it is,
	// every other one has only its literal host checked.
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	// public remembers the origins that ever resolved to an allowed
	// address: they stay guarded in every later session.
	public  publicOrigins
	allow   func(netip.Addr) bool
	maxBody int64
	limit   *limiter
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		closeBody(req)
		return nil, fmt.Errorf("unsupported scheme %q", req.URL.Scheme)
	}
	ctx := req.Context()
	next, exempt := t.guarded, false
	if pol, _ := ctx.Value(policyKey{}).(*fetchPolicy); pol.isOrigin(req.URL) {
		if t.lookup == nil {
			exempt = true
		} else {
			pin, err := pol.classify(ctx, t.lookup, t.allow, &t.public)
			if err != nil {
				closeBody(req)
				return nil, err
			}
			if pin != nil {
				next, exempt = t.pinned, true
				ctx = context.WithValue(ctx, pinKey{}, pin)
			}
		}
	}
	if !exempt {
		if err := checkHost(req.URL.Hostname(), t.allow); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	opts, _ := ctx.Value(requestOptsKey{}).(*requestOpts)
	release := func() {}
	if t.limit != nil {
		pri := priListing
		if opts != nil && opts.articles.Load() {
			pri = priArticle
		}
		var err error
		if release, err = t.limit.acquire(ctx, req.URL.Host, pri); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	if opts != nil && opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.timeout, &RequestTimeoutError{After: opts.timeout})
		slots := release
		release = func() { cancel(); slots() }
	}
	// A RoundTripper must not modify the caller's request.
	r2 := req.Clone(ctx)
	// Setting Accept-Encoding ourselves stops net/http from decompressing
	// transparently, so the cap below sees every decompressed byte.
	r2.Header.Set("Accept-Encoding", "gzip")
	resp, err := next.RoundTrip(r2)
	if err != nil {
		err = timedOut(ctx, err)
		release()
		return nil, err
	}
	enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding")))
	switch enc {
	case "", "identity", "gzip", "x-gzip":
	default:
		resp.Body.Close()
		release()
		return nil, fmt.Errorf("unsupported content-encoding %q", enc)
	}
	resp.Body = &cappedBody{ctx: ctx, raw: resp.Body, gzipped: enc != "" && enc != "identity", limit: t.maxBody, release: release}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

// requestOpts is what a session tells the transport about its requests,
// through the request context (requestOptsKey).
type requestOpts struct {
	// timeout bounds one request (a redirect hop) from the moment its
	// slots are granted until its body is closed; 0 = none.
	timeout time.Duration
	// articles is set once the session fetches article pages: they queue
	// behind every waiting listing request.
	articles atomic.Bool
}

type requestOptsKey struct{}

// RequestTimeoutError is wrapped by the error of a request that ran past
// Source.Timeout after it got its slots. It is a timeout (net.Error) and
// wraps context.DeadlineExceeded.
type RequestTimeoutError struct{ After time.Duration }

func (e *RequestTimeoutError) Error() string {
	return fmt.Sprintf("request timed out after %s", e.After)
}

// Unwrap lets errors.Is(err, context.DeadlineExceeded) see a timeout.
func (e *RequestTimeoutError) Unwrap() error { return context.DeadlineExceeded }

// Timeout reports true, as a net.Error timeout does.
func (e *RequestTimeoutError) Timeout() bool { return true }

// timedOut names the request's own timeout in err when that is what cut
// it (ctx is the request's context), rather than the bare "context
// deadline exceeded" net/http reports.
func timedOut(ctx context.Context, err error) error {
	var rt *RequestTimeoutError
	if err != nil && !errors.As(err, &rt) && errors.As(context.Cause(ctx), &rt) {
		return fmt.Errorf("%w: %w", rt, err)
	}
	return err
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// cappedBody decompresses lazily (so a slow server cannot stall RoundTrip
// itself) and fails with ErrBodyTooLarge after limit decompressed bytes.
type cappedBody struct {
	ctx     context.Context // the request's, for timedOut
	raw     io.ReadCloser
	gzipped bool
	limit   int64
	release func() // the limiter's slots; idempotent

	r    io.Reader
	read int64
	err  error
}

// maxGzipLayers bounds how often a body is unwrapped: Content-Encoding gzip
// around a .gz file is two layers; more is an attack, not a sitemap.
const maxGzipLayers = 2

func (b *cappedBody) init() error {
	var r io.Reader = b.raw
	layers := 0
	if b.gzipped {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		r, layers = zr, 1
	}
	for layers < maxGzipLayers {
		br := bufio.NewReader(r)
		magic, _ := br.Peek(2)
		if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
			r = br
			break
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("gzip: %w", err)
		}
		r = zr
		layers++
	}
	b.r = r
	return nil
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.r == nil {
		if err := b.init(); err != nil {
			b.err = err
			return 0, err
		}
	}
	// Read up to one byte past the limit: reaching it proves the body is
	// too large rather than exactly the limit.
	if rest := b.limit + 1 - b.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		b.err = fmt.Errorf("body exceeds %s: %w", byteSize(b.limit), ErrBodyTooLarge)
		return n - int(b.read-b.limit), b.err
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("read body: %w", timedOut(b.ctx, err))
	}
	return n, err
}

func (b *cappedBody) Close() error {
	err := b.raw.Close()
	if b.release != nil {
		b.release()
	}
	return err
}

// byteSize spells a limit the way an operator wrote it: "10 MiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// newHTTPTransport is a default transport behind the guard: no proxy (a
// proxy would dial on our behalf and bypass the address check), our own
// decompression, and d, guarded or pinned, dialing. The request context
// reaches the dialer (net/http dials with its values), which is how a
// pinned dialer learns the origin's addresses. Its idle connections are
// shared by the sessions routed to it: for the guarded one they go to
// allowed addresses only, for the pinned one to a local origin's own
// addresses, reused only by requests to that same origin. It keeps as
// many idle connections per host as the limiter lets be in flight to one
// (perHost), and at least as many in all as may be in flight
// (maxInFlight): with fewer, every burst of polls to one host would close
// the surplus connections and dial new ones on the next burst.
func newHTTPTransport(d *dialer, perHost, maxInFlight int) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		MaxIdleConns:          max(64, maxInFlight, perHost),
		MaxIdleConnsPerHost:   max(4, perHost),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
