package crawler

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newshound/newshound/internal/testsite"
	"github.com/newshound/newshound/news"
)

// site is the shared fake news site (internal/testsite) under the short
// names the crawler's tests use.
type site struct{ *testsite.Site }

type response = testsite.Response

func newSite(t testing.TB) *site {
	t.Helper()
	return &site{testsite.New(t)}
}

func (s *site) set(path string, r response)                { s.Set(path, r) }
func (s *site) page(path, contentType string, body []byte) { s.Page(path, contentType, body) }
func (s *site) redirect(path, to string)                   { s.Redirect(path, to) }
func (s *site) hitsOf(path string) int                     { return s.Hits(path) }
func (s *site) totalHits(prefix string) int                { return s.TotalHits(prefix) }
func (s *site) article(path, title string, paragraphs ...string) {
	s.Article(path, title, paragraphs...)
}

var (
	articleHTML  = testsite.ArticleHTML
	chromeWords  = testsite.ChromeWords
	para         = testsite.Para
	urlset       = testsite.URLSet
	sitemapIndex = testsite.SitemapIndex
)

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
