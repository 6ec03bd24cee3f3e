package main

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/newshound/newshound/crawler/extracteval"
	"github.com/newshound/newshound/internal/testsite"
)

// page is one corpus page as served.
type page struct {
	id   string
	body []byte
}

// loadCorpus reads every page of the benchmark corpus and the article
// bodies of its ground truth (for picking watch terms), in id order.
func loadCorpus(dir string) ([]page, []string, error) {
	c, err := extracteval.Load(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: pass -corpus with the article-extraction-benchmark folder", err)
	}
	pages := make([]page, 0, len(c.Pages))
	bodies := make([]string, 0, len(c.Pages))
	for _, p := range c.Pages {
		body, err := c.HTML(p.ID)
		if err != nil {
			return nil, nil, err
		}
		pages = append(pages, page{id: p.ID, body: body})
		bodies = append(bodies, p.Body)
	}
	return pages, bodies, nil
}

var wordRE = regexp.MustCompile(`^\p{L}{5,}$`)

// watchTerms returns n terms: a third are words of the corpus's article
// bodies (spread over the frequency ranking, so some are common and some
// rare), the rest made-up words that occur nowhere. Deterministic.
func watchTerms(bodies []string, n int) []string {
	count := map[string]int{}
	for _, b := range bodies {
		for _, w := range strings.Fields(b) {
			w = strings.Trim(w, `.,;:!?"'()[]“”‘’«»`)
			if wordRE.MatchString(w) {
				count[strings.ToLower(w)]++
			}
		}
	}
	words := make([]string, 0, len(count))
	for w := range count {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if c := count[b] - count[a]; c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	real := min(n/3, len(words))
	terms := make([]string, 0, n)
	for i := range real {
		terms = append(terms, words[i*len(words)/real])
	}
	for i := 0; len(terms) < n; i++ {
		terms = append(terms, fmt.Sprintf("qzx%dvoorn", i))
	}
	return terms
}

// server serves the corpus behind one RSS feed on loopback, on the test
// site kit, which counts article and feed fetches. The feed answers
// conditional requests (ETag and Last-Modified), as a well-run news site
// does.
type server struct {
	*testsite.Site
	// conditional counts feed requests carrying If-None-Match or
	// If-Modified-Since (answered 304 when the feed is unchanged).
	conditional atomic.Int64
}

func newServer(pages []page) *server {
	s := &server{Site: testsite.Start(testsite.Options{})}
	var feed bytes.Buffer
	feed.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>corpus</title><link>` + s.URL("/") + `</link><description>benchmark</description>`)
	for i, p := range pages {
		path := "/a/" + p.id + ".html"
		s.Page(path, "text/html", p.body)
		fmt.Fprintf(&feed, "<item><title>Corpus page %d</title><link>%s</link><guid>%s</guid></item>", i, html.EscapeString(s.URL(path)), p.id)
	}
	feed.WriteString("</channel></rss>")
	modified := time.Date(2024, 3, 6, 12, 0, 0, 0, time.UTC)
	s.Handle("/feed.xml", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			s.conditional.Add(1)
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"corpus-1"`)
		http.ServeContent(w, r, "feed.xml", modified, bytes.NewReader(feed.Bytes()))
	})
	return s
}

// fetches returns the article and feed requests since the last call.
func (s *server) fetches() (articles, feeds int64) {
	for path, n := range s.TakeHits() {
		switch {
		case strings.HasPrefix(path, "/a/"):
			articles += int64(n)
		case path == "/feed.xml":
			feeds += int64(n)
		}
	}
	return articles, feeds
}

func (s *server) feedURL() string { return s.URL("/feed.xml") }
