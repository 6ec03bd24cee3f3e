package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/store"
)

// feedSize is how many of a watch's newest alerts a feed carries.
const feedSize = 50

// The Atom 1.0 document (RFC 4287), only the elements we emit.
type (
	atomFeed struct {
		XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string      `xml:"id"`
		Title   string      `xml:"title"`
		Updated string      `xml:"updated"`
		Author  atomPerson  `xml:"author"`
		Links   []atomLink  `xml:"link"`
		Entries []atomEntry `xml:"entry"`
	}
	atomPerson struct {
		Name string `xml:"name"`
	}
	atomLink struct {
		Rel  string `xml:"rel,attr,omitempty"`
		Type string `xml:"type,attr,omitempty"`
		Href string `xml:"href,attr"`
	}
	atomText struct {
		Type string `xml:"type,attr,omitempty"`
		Body string `xml:",chardata"`
	}
	atomCategory struct {
		Term string `xml:"term,attr"`
	}
	atomEntry struct {
		ID         string         `xml:"id"`
		Title      atomText       `xml:"title"`
		Updated    string         `xml:"updated"`
		Published  string         `xml:"published,omitempty"`
		Links      []atomLink     `xml:"link"`
		Categories []atomCategory `xml:"category"`
		Summary    *atomText      `xml:"summary,omitempty"`
		Content    *atomText      `xml:"content,omitempty"`
	}
)

// atomTime formats a time as an RFC 3339 date-time, as Atom requires.
func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// snippetRunes bounds the snippet in feeds and on the page.
const snippetRunes = 600

func (s *Server) atomFeed(w http.ResponseWriter, r *http.Request) {
	watch, ok := strings.CutSuffix(r.PathValue("file"), ".atom")
	if !ok || !possibleWatchName(watch) {
		http.NotFound(w, r)
		return
	}
	page, err := s.backend.Alerts(store.AlertQuery{Watch: watch, Limit: feedSize})
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	feed := buildFeed(watch, page.Alerts, s.now())
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write([]byte(xml.Header))
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		s.log.Warn("write atom feed", "watch", watch, "err", err)
	}
}

// buildFeed makes the feed of a watch from its newest alerts (newest
// first). An empty feed's updated time is now: RFC 4287 requires one.
func buildFeed(watch string, alerts []store.AlertRecord, now time.Time) atomFeed {
	feed := atomFeed{
		// The watch name is [A-Za-z0-9._-]+, all valid in a URN.
		ID:      "urn:newshound:watch:" + watch,
		Title:   "newshound: " + watch,
		Updated: atomTime(now),
		Author:  atomPerson{Name: "newshound"},
		// Relative, so the feed does not trust the request's Host header;
		// readers resolve it against the feed's own URL.
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: "/watches/" + watch + ".atom"}},
	}
	for i, rec := range alerts {
		a := rec.Alert
		if i == 0 && !a.Found.IsZero() {
			feed.Updated = atomTime(a.Found)
		}
		feed.Entries = append(feed.Entries, buildEntry(a, now))
	}
	return feed
}

func buildEntry(a news.Alert, now time.Time) atomEntry {
	updated := a.Found
	if updated.IsZero() {
		updated = now
	}
	title := textsafe.Flatten(a.Title)
	if strings.TrimSpace(title) == "" {
		title = "(untitled)"
	}
	e := atomEntry{
		ID:         "urn:newshound:alert:" + url.PathEscape(a.ID),
		Title:      atomText{Type: "text", Body: title},
		Updated:    atomTime(updated),
		Categories: []atomCategory{{Term: a.Source}},
	}
	if !a.Published.IsZero() {
		e.Published = atomTime(a.Published)
	}
	if href, ok := safeHref(a.URL); ok {
		e.Links = []atomLink{{Rel: "alternate", Type: "text/html", Href: href}}
	}
	pieces := snippetPieces(a)
	if len(pieces) > 0 {
		var plain strings.Builder
		for _, p := range pieces {
			plain.WriteString(p.Text)
		}
		e.Summary = &atomText{Type: "text", Body: plain.String()}
		// type="html": the element's text is HTML, escaped once more by
		// the XML encoder; highlight.HTML escapes every piece itself.
		e.Content = &atomText{Type: "html", Body: "<p>" + highlight.HTML(pieces) + "</p>"}
	} else {
		// An entry without a usable link must have content (RFC 4287
		// 4.1.2); the title stands in for the missing snippet.
		e.Content = &atomText{Type: "text", Body: title}
	}
	return e
}

// possibleWatchName reports whether name could be a configured watch
// (config allows [A-Za-z0-9._-]+); "." and ".." are never watch files.
func possibleWatchName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 200 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c != '.' && c != '_' && c != '-' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
