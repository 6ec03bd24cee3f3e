package crawler

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// ErrBodyTooLarge is wrapped by the error a response body returns once it
// grows past Options.MaxBodyBytes after decompression.
var ErrBodyTooLarge = errors.New("body too large")

// transport is the RoundTripper every collector of a Crawler shares. Per
// request it
//   - routes requests to the source's own host (or every request of a
//     local source) through the unguarded transport and all others through
//     the guarded one, after rejecting literal non-public hosts;
//   - asks for gzip itself and decompresses (Content-Encoding gzip, and
//     gzip bodies such as sitemap.xml.gz served as octet-stream), so the
//     size cap counts decompressed bytes (colly's MaxBodySize counts
//     compressed ones, colly #923);
//   - caps the body, failing loudly once it passes the limit;
//   - waits for the limiter (per-host and global slots, per-host delay)
//     and holds the slots until the body is closed.
type transport struct {
	guarded, trusted http.RoundTripper
	allow            func(netip.Addr) bool
	maxBody          int64
	limit            *limiter
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		closeBody(req)
		return nil, fmt.Errorf("unsupported scheme %q", req.URL.Scheme)
	}
	next := t.guarded
	pol, _ := req.Context().Value(policyKey{}).(*fetchPolicy)
	if pol.trusts(req.URL) {
		next = t.trusted
	} else if err := checkHost(req.URL.Hostname(), t.allow); err != nil {
		closeBody(req)
		return nil, err
	}
	release := func() {}
	if t.limit != nil {
		var err error
		if release, err = t.limit.acquire(req.Context(), req.URL.Host); err != nil {
			closeBody(req)
			return nil, err
		}
	}
	// A RoundTripper must not modify the caller's request.
	r2 := req.Clone(req.Context())
	// Setting Accept-Encoding ourselves stops net/http from decompressing
	// transparently, so the cap below sees every decompressed byte.
	r2.Header.Set("Accept-Encoding", "gzip")
	resp, err := next.RoundTrip(r2)
	if err != nil {
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
	resp.Body = &cappedBody{raw: resp.Body, gzipped: enc != "" && enc != "identity", limit: t.maxBody, release: release}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// cappedBody decompresses lazily (so a slow server cannot stall RoundTrip
// itself) and fails with ErrBodyTooLarge after limit decompressed bytes.
type cappedBody struct {
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
		err = fmt.Errorf("read body: %w", err)
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

// newHTTPTransport is the default transport behind the guard: no proxy (a
// proxy would dial on our behalf and bypass the address check), our own
// decompression, and a dialer that applies the policy when guard is set.
func newHTTPTransport(d *dialer) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
