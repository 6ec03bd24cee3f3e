package crashloop

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Term is the watched entity; the watch is named WatchName.
const (
	Term      = "Halvard Strait"
	WatchName = "strait"
)

// article is one published story.
type article struct {
	path      string
	title     string
	paras     []string // the body's paragraphs, plain text (no markup or entities)
	published time.Time
	alerts    bool // names Term in its text: must alert exactly once
}

// site is the local news site: an RSS feed and a front page listing every
// article published so far, newest first, and the article pages.
type site struct {
	srv *httptest.Server

	mu       sync.Mutex
	articles []article // oldest first
	byPath   map[string]int
}

func newSite() *site {
	s := &site{byPath: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *site) close() { s.srv.Close() }

func (s *site) url(path string) string { return s.srv.URL + path }

// publish adds article number n. One in four is a trap.
func (s *site) publish(n int, r *rand.Rand, now time.Time) article {
	a := article{path: fmt.Sprintf("/news/%d.html", n), published: now}
	switch {
	case n%4 == 3 && n%8 == 3:
		// The term is only in the furniture every page has.
		a.title = fmt.Sprintf("Harbour report %d", n)
		a.paras = filler(r, 5)
	case n%4 == 3:
		// Near misses: neither is the term.
		a.title = fmt.Sprintf("Council budget report %d", n)
		a.paras = append([]string{"Councillor Halvard opened the session on the budget for the strait crossing and the Strait of Halvard ferry."}, filler(r, 4)...)
	default:
		a.alerts = true
		a.title = fmt.Sprintf("Shipping update %d", n)
		a.paras = append([]string{fmt.Sprintf("Tankers resumed passage through the %s on day %d, the port authority said.", Term, n)}, filler(r, 4)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byPath[a.path] = len(s.articles)
	s.articles = append(s.articles, a)
	return a
}

func (s *site) published() []article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]article(nil), s.articles...)
}

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/rss.xml":
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, s.rss())
	case "/front/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, s.front())
	default:
		i, ok := s.byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r) // robots.txt too: everything allowed
			return
		}
		a := s.articles[i]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page(a.title, a.paras))
	}
}

func (s *site) rss() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Port wire</title><link>%s/</link><description>Port wire</description>
`, s.srv.URL)
	for i := len(s.articles) - 1; i >= 0; i-- {
		a := s.articles[i]
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate></item>\n",
			html.EscapeString(a.title), s.url(a.path), s.url(a.path), a.published.UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// front lists the same articles with tracking parameters and a fragment,
// which canonicalisation removes: one article, two sources, one alert.
func (s *site) front() string {
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html><head><title>Front page</title></head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav><main>`)
	for i := len(s.articles) - 1; i >= 0; i-- {
		a := s.articles[i]
		fmt.Fprintf(&b, "<article><h2 class=\"headline\"><a href=\"%s?utm_source=front&amp;utm_medium=web#top\">%s</a></h2></article>\n",
			a.path, html.EscapeString(a.title))
	}
	b.WriteString(`</main><footer><a href="/contact">Contact</a></footer></body></html>`)
	return b.String()
}

// page wraps an article in furniture that names the term, so a daemon that
// matched navigation or sidebars would alert on the traps.
func page(title string, paras []string) string {
	t := html.EscapeString(title)
	var body strings.Builder
	for _, p := range paras {
		fmt.Fprintf(&body, "<p>%s</p>\n", html.EscapeString(p))
	}
	return fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>%s | Port Wire</title>
<meta property="og:title" content="%s"></head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/front/">Front</a></li><li><a href="/strait">%s explained</a></li></ul></nav></header>
<div class="layout">
<article class="story">
<h1>%s</h1>
<p class="byline">By Staff Reporter</p>
%s
</article>
<aside class="sidebar most-read"><h3>Most read</h3><ul>
<li><a href="/x1">Inside the %s: a photo essay</a></li>
<li><a href="/x2">Ferry timetable changes for the winter</a></li>
</ul></aside>
</div>
<footer><p>© Port Wire. Follow our coverage of the %s. <a href="/privacy">Privacy</a></p></footer>
</body></html>`, t, t, Term, t, body.String(), Term, Term)
}

// filler is n paragraphs of neutral news prose, in a random order so that
// no two articles are identical.
func filler(r *rand.Rand, n int) []string {
	paras := []string{
		"Officials said the operation had been planned for several months and involved coordination between several ministries, shipping agencies and local authorities in the region.",
		"Dock workers described long queues at the terminals, where lorries waited with their loads for vessels that arrived hours later than scheduled.",
		"The spokesperson declined to give a timetable for the next phase, saying only that the weather would determine how quickly further movements could take place.",
		"Insurers have repeatedly called for faster procedures and for independent monitoring of the conditions in which cargo is inspected and later released.",
		"Fishermen in the nearby villages said the traffic had changed the rhythm of their work, with boats now leaving before dawn to avoid the larger ships.",
	}
	out := make([]string, 0, n)
	for _, i := range r.Perm(len(paras))[:min(n, len(paras))] {
		out = append(out, paras[i])
	}
	return out
}
