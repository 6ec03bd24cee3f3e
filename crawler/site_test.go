package crawler

import (
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
)

// site is an httptest server that behaves like a news site: every path
// serves a fixed response (feed, listing, sitemap, article page, redirect)
// whatever the query, and every request is counted by path, so tests can
// prove what was fetched.
type site struct {
	srv *httptest.Server

	mu     sync.Mutex
	routes map[string]response
	hits   map[string]int
	agents []string
}

type response struct {
	status      int
	contentType string
	encoding    string // Content-Encoding
	body        []byte
	location    string
	handler     http.HandlerFunc // overrides everything else
}

func newSite(t *testing.T) *site {
	t.Helper()
	s := &site{routes: map[string]response{}, hits: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.agents = append(s.agents, r.UserAgent())
	resp, ok := s.routes[r.URL.Path]
	s.mu.Unlock()
	switch {
	case !ok:
		http.NotFound(w, r)
	case resp.handler != nil:
		resp.handler(w, r)
	case resp.location != "":
		http.Redirect(w, r, resp.location, http.StatusFound)
	default:
		if resp.contentType != "" {
			w.Header().Set("Content-Type", resp.contentType)
		}
		if resp.encoding != "" {
			w.Header().Set("Content-Encoding", resp.encoding)
		}
		if resp.status != 0 {
			w.WriteHeader(resp.status)
		}
		w.Write(resp.body)
	}
}

// URL returns the absolute URL of path on this site.
func (s *site) URL(path string) string { return s.srv.URL + path }

func (s *site) set(path string, r response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = r
}

func (s *site) page(path, contentType string, body []byte) {
	s.set(path, response{contentType: contentType, body: body})
}

func (s *site) redirect(path, to string) { s.set(path, response{location: to}) }

// hitsOf is how many requests path received.
func (s *site) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// totalHits is how many requests paths with the prefix received.
func (s *site) totalHits(prefix string) int {
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

// article publishes an article page at path, wrapped in the chrome every
// news site has: navigation, a "most read" sidebar, a newsletter box and
// a footer, whose words (Zanzibar, Quokka, Albatross, Wombat) must never
// reach the extracted text.
func (s *site) article(path, title string, paragraphs ...string) {
	s.page(path, "text/html; charset=utf-8", []byte(articleHTML(title, "", paragraphs...)))
}

func articleHTML(title, head string, paragraphs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>%s | Courier</title>%s</head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/zanzibar">Zanzibar special</a></li></ul></nav></header>
<main><article><h1>%s</h1>`, html.EscapeString(title), head, html.EscapeString(title))
	for _, p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", p)
	}
	b.WriteString(`</article>
<aside class="most-read"><h2>Most read</h2><ol><li><a href="/q">Quokka wins the qualifier</a></li><li><a href="/f">Flamingo fares fall</a></li></ol></aside>
<aside class="newsletter"><h3>Newsletter</h3><p>Sign up for the Albatross briefing.</p></aside>
</main><footer><p>© Courier. Contact the Wombat desk.</p></footer></body></html>`)
	return b.String()
}

// chromeWords appear only in the chrome articleHTML wraps around articles.
var chromeWords = []string{"Zanzibar", "Quokka", "Flamingo", "Albatross", "Wombat", "Most read"}

// para makes a paragraph long enough to read as article text.
func para(topic string) string {
	return topic + " was reported on Tuesday by officials in the region, who said the situation " +
		"would be reviewed again next week after further consultations with local authorities."
}

var testNow = time.Date(2024, 3, 6, 12, 0, 0, 0, time.UTC)

// newTestCrawler returns a Crawler with a fixed clock and a test logger.
func newTestCrawler(t *testing.T, opts Options) *Crawler {
	t.Helper()
	opts.Now = func() time.Time { return testNow }
	opts.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New(opts)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// memSeen is a SeenFunc over a map, recording what a pass returned the way
// the store does: every key of every article.
type memSeen struct {
	mu   sync.Mutex
	keys map[string]bool
	asks []string
}

func newMemSeen() *memSeen { return &memSeen{keys: map[string]bool{}} }

func (m *memSeen) seen(key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.asks = append(m.asks, key)
	return m.keys[key], nil
}

func (m *memSeen) record(arts []news.Article) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range arts {
		for _, k := range a.Keys {
			m.keys[k] = true
		}
	}
}

func neverSeen(string) (bool, error) { return false, nil }
