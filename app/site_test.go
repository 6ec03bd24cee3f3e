package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/text/encoding/charmap"
)

// newsSite is an httptest server that behaves like a small news site: an
// RSS feed, an HTML listing page, a news sitemap, a windows-1256 Arabic
// feed and page, and article pages wrapped in navigation, a "most read"
// sidebar and a footer that mention watched terms. Articles can be added
// while the test runs.
type newsSite struct {
	srv *httptest.Server

	mu       sync.Mutex
	feed     []siteItem // RSS items, newest first
	listing  []string   // hrefs on the listing page
	sitemap  []siteItem
	arabic   []siteItem
	pages    map[string]string // path → article body paragraphs (HTML)
	titles   map[string]string
	requests map[string]int
}

type siteItem struct {
	path      string
	title     string
	published time.Time
}

func newNewsSite(t *testing.T) *newsSite {
	t.Helper()
	s := &newsSite{pages: map[string]string{}, titles: map[string]string{}, requests: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *newsSite) url(path string) string { return s.srv.URL + path }

// addArticle publishes an article page; it is listed nowhere until the
// caller adds it to a feed, the listing or the sitemap.
func (s *newsSite) addArticle(path, title, bodyHTML string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[path] = bodyHTML
	s.titles[path] = title
}

func (s *newsSite) addToFeed(it siteItem) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.feed = append([]siteItem{it}, s.feed...)
}

func (s *newsSite) requestCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *newsSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[r.URL.Path]++
	switch r.URL.Path {
	case "/rss.xml":
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, s.rss(s.feed, "utf-8"))
	case "/world/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, s.listingPage())
	case "/news-sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, s.newsSitemap())
	case "/ar/rss.xml":
		// The encoding is only in the XML prolog.
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(encode1256(s.rss(s.arabic, "windows-1256")))
	default:
		body, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if bytes.HasPrefix([]byte(r.URL.Path), []byte("/ar/")) {
			// The charset is only in <meta>.
			w.Header().Set("Content-Type", "text/html")
			w.Write(encode1256(articlePage(s.titles[r.URL.Path], body, "windows-1256")))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, articlePage(s.titles[r.URL.Path], body, "utf-8"))
	}
}

func encode1256(s string) []byte {
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("encode windows-1256: %v", err))
	}
	return b
}

func (s *newsSite) rss(items []siteItem, encoding string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="%s"?>
<rss version="2.0"><channel><title>Wire</title><link>%s/</link><description>Wire</description>
`, encoding, s.srv.URL)
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>\n",
			html.EscapeString(it.title), s.url(it.path), s.url(it.path), it.published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

func (s *newsSite) listingPage() string {
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html><head><title>World</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav><main>`)
	for _, href := range s.listing {
		fmt.Fprintf(&b, `<article><h2 class="headline"><a href="%s">%s</a></h2></article>`, html.EscapeString(href), "Story")
	}
	b.WriteString(`</main><footer><a href="/contact">Contact</a></footer></body></html>`)
	return b.String()
}

func (s *newsSite) newsSitemap() string {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
`)
	for _, it := range s.sitemap {
		fmt.Fprintf(&b, `<url><loc>%s</loc><news:news><news:publication><news:name>Desk</news:name><news:language>en</news:language></news:publication><news:publication_date>%s</news:publication_date><news:title>%s</news:title></news:news></url>
`, s.url(it.path), it.published.UTC().Format(time.RFC3339), html.EscapeString(it.title))
	}
	b.WriteString("</urlset>\n")
	return b.String()
}

// articlePage wraps the article paragraphs in the furniture of a real news
// page; the furniture mentions watched terms so that an extractor that
// keeps it would raise false alerts.
func articlePage(title, body, charset string) string {
	return fmt.Sprintf(`<!doctype html>
<html><head><meta charset="%s"><title>%s | Example News</title>
<meta property="og:title" content="%s"></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world/">World</a></li><li><a href="/isis">ISIS explained</a></li></ul></nav></header>
<div class="layout">
<article class="story">
<h1>%s</h1>
<p class="byline">By Staff Reporter</p>
%s
</article>
<aside class="sidebar most-read"><h3>Most read</h3><ul>
<li><a href="/x1">Inside the al Hol camp: a photo essay</a></li>
<li><a href="/x2">CENTCOM statement on Daesh remnants</a></li>
<li><a href="/x3">الهول: what next</a></li>
</ul></aside>
</div>
<footer><p>© Example News. Follow our coverage of ISIS and al-Hawl. <a href="/privacy">Privacy</a></p></footer>
</body></html>`, charset, html.EscapeString(title), html.EscapeString(title), html.EscapeString(title), body)
}

// webhookReceiver records every delivery attempt; fail503 makes the first
// n attempts answer 503.
type webhookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	attempts []webhookAttempt
	fail503  int
}

type webhookAttempt struct {
	status  int
	header  http.Header
	body    []byte
	payload map[string]any
}

func newWebhookReceiver(t *testing.T) *webhookReceiver {
	t.Helper()
	rc := &webhookReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		at := webhookAttempt{status: http.StatusOK, header: r.Header.Clone(), body: body}
		if err := json.Unmarshal(body, &at.payload); err != nil {
			t.Errorf("webhook body is not JSON: %v: %s", err, body)
		}
		if rc.fail503 > 0 {
			rc.fail503--
			at.status = http.StatusServiceUnavailable
		}
		rc.attempts = append(rc.attempts, at)
		w.WriteHeader(at.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// delivered returns the payloads answered with 2xx, in arrival order.
func (rc *webhookReceiver) delivered() []webhookAttempt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []webhookAttempt
	for _, a := range rc.attempts {
		if a.status < 300 {
			out = append(out, a)
		}
	}
	return out
}

func (rc *webhookReceiver) allAttempts() []webhookAttempt {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhookAttempt(nil), rc.attempts...)
}

// slackReceiver answers like a Slack incoming webhook: 200 and body "ok".
type slackReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	messages []map[string]any
}

func newSlackReceiver(t *testing.T) *slackReceiver {
	t.Helper()
	rc := &slackReceiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg map[string]any
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.messages = append(rc.messages, msg)
		rc.mu.Unlock()
		io.WriteString(w, "ok")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *slackReceiver) received() []map[string]any {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]any(nil), rc.messages...)
}

// smtpReceiver is a real SMTP server (emersion/go-smtp) on loopback that
// keeps every message accepted after DATA.
type smtpReceiver struct {
	addr     string
	mu       sync.Mutex
	messages []smtpMessage
}

type smtpMessage struct {
	from string
	to   []string
	data []byte
}

func newSMTPReceiver(t *testing.T) *smtpReceiver {
	t.Helper()
	rc := &smtpReceiver{}
	srv := smtp.NewServer(rc)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return rc
}

func (rc *smtpReceiver) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{rc: rc}, nil
}

func (rc *smtpReceiver) received() []smtpMessage {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]smtpMessage(nil), rc.messages...)
}

type smtpSession struct {
	rc  *smtpReceiver
	msg smtpMessage
}

func (s *smtpSession) Reset()        { s.msg = smtpMessage{} }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.msg.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	s.rc.mu.Lock()
	s.rc.messages = append(s.rc.messages, s.msg)
	s.rc.mu.Unlock()
	return nil
}
