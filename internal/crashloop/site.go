package crashloop

import (
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/newshound/newshound/internal/testsite"
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

// site is the local news site (internal/testsite): an RSS feed and a
// front page listing every article published so far, newest first, and
// the article pages.
type site struct {
	*testsite.Site

	mu       sync.Mutex
	articles []article // oldest first
}

func newSite() *site {
	s := &site{Site: testsite.Start(testsite.Options{})}
	s.Handle("/rss.xml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, testsite.RSS(s.URL(""), "Port wire", "utf-8", newestFirst(s, func(a article) testsite.Item {
			return testsite.Item{Path: a.path, Title: a.title, Published: a.published}
		})))
	})
	// The front page lists the same articles with tracking parameters and
	// a fragment, which canonicalisation removes: one article, two
	// sources, one alert.
	s.Handle("/front/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, testsite.ListingPage("Front page", newestFirst(s, func(a article) testsite.Link {
			return testsite.Link{Href: a.path + "?utm_source=front&utm_medium=web#top", Text: a.title}
		})))
	})
	return s
}

// newestFirst maps the articles published so far, newest first.
func newestFirst[T any](s *site, f func(article) T) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]T, 0, len(s.articles))
	for i := len(s.articles) - 1; i >= 0; i-- {
		out = append(out, f(s.articles[i]))
	}
	return out
}

func (s *site) close() { s.Close() }

func (s *site) url(path string) string { return s.URL(path) }

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
	s.articles = append(s.articles, a)
	s.mu.Unlock()
	s.Page(a.path, "text/html; charset=utf-8", []byte(page(a.title, a.paras)))
	return a
}

func (s *site) published() []article {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]article(nil), s.articles...)
}

// page wraps an article in furniture that names the term, so a daemon that
// matched navigation or sidebars would alert on the traps.
func page(title string, paras []string) string {
	var body strings.Builder
	for _, p := range paras {
		fmt.Fprintf(&body, "<p>%s</p>\n", html.EscapeString(p))
	}
	return testsite.NewsPage(portWire, title, body.String(), "utf-8")
}

// portWire is the furniture of the site's pages: it names Term.
var portWire = testsite.Chrome{
	Name:     "Port Wire",
	Section:  [2]string{"/front/", "Front"},
	Topic:    [2]string{"/strait", Term + " explained"},
	MostRead: []string{"Inside the " + Term + ": a photo essay", "Ferry timetable changes for the winter"},
	Coverage: "the " + Term,
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
