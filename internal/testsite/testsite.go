// Package testsite is the fake news site the tests crawl: an httptest
// server on 127.0.0.1 that serves fixed or scripted answers by path, counts
// every request by path (and records its User-Agent) so a test can prove
// what was fetched, and can publish a live RSS feed, an HTML listing page,
// a news sitemap, a windows-1256 Arabic feed and article pages wrapped in
// the chrome of a real news site (navigation, a "most read" sidebar, a
// footer) whose words must never reach an extracted text or raise an
// alert.
//
// It is a test helper: only tests and the measurement and stress commands
// (bench/..., internal/crashloop) import it, never the daemon's packages.
package testsite

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Response is what the site answers on one path, whatever the query.
type Response struct {
	Status      int    // 0: 200
	ContentType string // Content-Type, if set
	Encoding    string // Content-Encoding, if set
	Body        []byte
	Location    string           // a 302 to this URL
	Handler     http.HandlerFunc // overrides everything else
}

// Site is a local news site. Paths without a response answer 404
// (robots.txt too: everything is allowed). All methods are safe for the
// goroutines of the code under test.
type Site struct {
	srv *httptest.Server

	mu     sync.Mutex
	routes map[string]Response
	under  map[string]http.HandlerFunc // by path prefix, for paths without a route
	hits   map[string]int
	agents []string
	news   *newsState // the live feeds and stories, once one is published
}

// Options change how the site listens.
type Options struct {
	// Listener, if set, is where the site serves (an address of the
	// loopback range other than 127.0.0.1, say).
	Listener net.Listener
	// NoKeepAlives closes every connection after its response, so each
	// request dials (and resolves) anew.
	NoKeepAlives bool
}

// New starts a site on 127.0.0.1 that closes at the end of the test.
func New(t testing.TB) *Site {
	t.Helper()
	return NewWith(t, Options{})
}

// NewWith is New with opts.
func NewWith(t testing.TB, opts Options) *Site {
	t.Helper()
	s := Start(opts)
	t.Cleanup(s.Close)
	return s
}

// Start starts a site outside a test; the caller closes it.
func Start(opts Options) *Site {
	s := &Site{routes: map[string]Response{}, under: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.Listener != nil {
		s.srv.Listener.Close()
		s.srv.Listener = opts.Listener
	}
	if opts.NoKeepAlives {
		s.srv.Config.SetKeepAlivesEnabled(false)
	}
	s.srv.Start()
	return s
}

// Addr is the host:port the site listens on.
func (s *Site) Addr() string { return s.srv.Listener.Addr().String() }

// Close shuts the site down, waiting for the requests in flight.
func (s *Site) Close() { s.srv.Close() }

// URL returns the absolute URL of path on this site; URL("") is its
// root, scheme://host:port.
func (s *Site) URL(path string) string { return s.srv.URL + path }

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.agents = append(s.agents, r.UserAgent())
	resp, ok := s.routes[r.URL.Path]
	if !ok {
		resp.Handler, ok = s.prefixed(r.URL.Path)
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
	case resp.Handler != nil:
		resp.Handler(w, r)
	case resp.Location != "":
		http.Redirect(w, r, resp.Location, http.StatusFound)
	default:
		if resp.ContentType != "" {
			w.Header().Set("Content-Type", resp.ContentType)
		}
		if resp.Encoding != "" {
			w.Header().Set("Content-Encoding", resp.Encoding)
		}
		if resp.Status != 0 {
			w.WriteHeader(resp.Status)
		}
		w.Write(resp.Body)
	}
}

// Set makes path answer r from now on.
func (s *Site) Set(path string, r Response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = r
}

// Handle makes h answer path from now on.
func (s *Site) Handle(path string, h http.HandlerFunc) { s.Set(path, Response{Handler: h}) }

// HandlePrefix makes h answer every path under prefix that has no route
// of its own; the longest prefix wins.
func (s *Site) HandlePrefix(prefix string, h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.under[prefix] = h
}

// prefixed returns the handler of the longest prefix of path; s.mu is
// held.
func (s *Site) prefixed(path string) (http.HandlerFunc, bool) {
	best := ""
	for p := range s.under {
		if strings.HasPrefix(path, p) && len(p) > len(best) {
			best = p
		}
	}
	h, ok := s.under[best]
	return h, ok && best != ""
}

// Page makes path answer 200 with body of contentType.
func (s *Site) Page(path, contentType string, body []byte) {
	s.Set(path, Response{ContentType: contentType, Body: body})
}

// Redirect makes path answer 302 to to.
func (s *Site) Redirect(path, to string) { s.Set(path, Response{Location: to}) }

// Article publishes an article page at path, its paragraphs (HTML) in
// the Courier chrome of ArticleHTML.
func (s *Site) Article(path, title string, paragraphs ...string) {
	s.Page(path, "text/html; charset=utf-8", []byte(ArticleHTML(title, "", paragraphs...)))
}

// NotModified sets the answer's ETag to etag and, when the request's
// If-None-Match names it, answers 304 and reports true: the caller
// writes nothing more.
func NotModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// Hits is how many requests path received.
func (s *Site) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// TakeHits returns the requests per path since the site started or the
// last TakeHits, and starts counting afresh.
func (s *Site) TakeHits() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	hits := s.hits
	s.hits = map[string]int{}
	return hits
}

// TotalHits is how many requests the paths with prefix received.
func (s *Site) TotalHits(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// Agents returns the User-Agent of every request, in arrival order.
func (s *Site) Agents() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.agents...)
}
