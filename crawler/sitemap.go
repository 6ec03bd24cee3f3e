package crawler

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// sitemap is a parsed sitemap file: a <urlset> lists pages, a
// <sitemapindex> lists further sitemaps. Exactly one of the two is set.
type sitemap struct {
	URLs     []sitemapURL `json:"urls,omitempty"`
	Sitemaps []sitemapRef `json:"sitemaps,omitempty"`
}

// sitemapRef is one <sitemap> of an index: the child's location and the
// <lastmod> the index gives it.
type sitemapRef struct {
	Loc string `json:"loc"`
	// LastMod is zero when the index gives none, or only a date: a bare
	// date is too coarse to show that a child changed within the day (a
	// daily news sitemap keeps today's date while it grows), and LastMod
	// decides whether the child is fetched again (children.go).
	LastMod time.Time `json:"lastmod,omitzero"`
}

// sitemapURL is one <url>: its location, <lastmod>, and the Google News
// extension's <news:publication_date> and <news:title>.
type sitemapURL struct {
	Loc       string    `json:"loc"`
	LastMod   time.Time `json:"lastmod,omitzero"`
	Published time.Time `json:"published,omitzero"`
	Title     string    `json:"title,omitempty"`
}

// maxSitemapEntries is the protocol's own limit per file.
const maxSitemapEntries = 50000

type xmlURLSet struct {
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			PublicationDate string `xml:"publication_date"`
			Title           string `xml:"title"`
		} `xml:"news"`
	} `xml:"url"`
}

type xmlIndex struct {
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
}

// parseSitemap parses a sitemap (the body already decompressed). Elements
// are matched by local name, so any namespace prefix works. Entries whose
// <loc> is not an absolute http(s) URL are skipped; unparsable dates are
// left zero; malformed XML (truncated, illegal characters, undeclared
// entities) is an error. It is pure.
func parseSitemap(body []byte, contentType string) (sitemap, error) {
	data := decodeXML(body, contentType)
	dec := xml.NewDecoder(bytes.NewReader(data))
	// decodeXML already produced UTF-8; a declaration naming a label it did
	// not know must not make the decoder refuse the document.
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	root, err := rootElement(dec)
	if err != nil {
		return sitemap{}, &ParseError{What: "sitemap", Err: err}
	}
	var sm sitemap
	switch root.Name.Local {
	case "urlset":
		var set xmlURLSet
		if err := dec.DecodeElement(&set, &root); err != nil {
			return sitemap{}, &ParseError{What: "sitemap", Err: err}
		}
		for _, u := range set.URLs {
			loc := absoluteHTTP(nil, u.Loc)
			if loc == "" {
				continue
			}
			sm.URLs = append(sm.URLs, sitemapURL{
				Loc:       loc,
				LastMod:   parseTime(u.LastMod),
				Published: parseTime(u.News.PublicationDate),
				Title:     collapseSpace(u.News.Title),
			})
			if len(sm.URLs) == maxSitemapEntries {
				break
			}
		}
	case "sitemapindex":
		var idx xmlIndex
		if err := dec.DecodeElement(&idx, &root); err != nil {
			return sitemap{}, &ParseError{What: "sitemap", Err: err}
		}
		for _, s := range idx.Sitemaps {
			if loc := absoluteHTTP(nil, s.Loc); loc != "" {
				sm.Sitemaps = append(sm.Sitemaps, sitemapRef{Loc: loc, LastMod: childLastMod(s.LastMod)})
			}
			if len(sm.Sitemaps) == maxSitemapEntries {
				break
			}
		}
	default:
		return sitemap{}, &ParseError{What: "sitemap", Err: fmt.Errorf("root element is <%s>, want <urlset> or <sitemapindex>", root.Name.Local)}
	}
	if err := expectEnd(dec); err != nil {
		return sitemap{}, &ParseError{What: "sitemap", Err: err}
	}
	return sm, nil
}

// childLastMod parses a child sitemap's <lastmod> when it carries a time
// of day; a bare date (or anything unparsable) gives zero.
func childLastMod(s string) time.Time {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "T ") {
		return time.Time{}
	}
	return parseTime(s)
}

// rootElement returns the first start element, skipping the declaration,
// comments and whitespace.
func rootElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return xml.StartElement{}, errors.New("no root element")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return xml.StartElement{}, errors.New("text before the root element")
			}
		}
	}
}

// expectEnd checks that nothing but comments and whitespace follows the
// root element, so trailing garbage is not silently accepted.
func expectEnd(dec *xml.Decoder) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return fmt.Errorf("second root element <%s>", t.Name.Local)
		case xml.CharData:
			if len(strings.TrimSpace(string(t))) > 0 {
				return errors.New("text after the root element")
			}
		}
	}
}

// Sitemap index limits: how deep indexes nest (the root is depth 0) and
// how many child sitemaps one Crawl fetches in all.
const (
	maxSitemapDepth    = 2
	maxSitemapChildren = 50
)

// listSitemap fetches a sitemap and, for an index, its children, skipping
// or fetching conditionally those unchanged since they were last read in
// full (children.go). A child that fails is a per-item error; the source
// fails only if the root does, or if it is an index and every child
// failed.
func (s *session) listSitemap(rawURL string) ([]item, []error, error) {
	f, err := s.listing(rawURL, acceptSitemap)
	if err != nil {
		return nil, nil, err
	}
	sm, err := parseSitemap(f.Body, f.ContentType)
	if err != nil {
		return nil, nil, err
	}
	s.children = newSitemapChildren(s.src.Children, s.c.now())
	budget := maxSitemapChildren
	items, errs, ok := s.sitemapItems(sm, "", 0, &budget)
	if !ok && len(items) == 0 {
		return nil, nil, fmt.Errorf("every child sitemap failed: %w", errors.Join(errs...))
	}
	return items, errs, nil
}

// sitemapItems lists sm's URLs (from is sm's URL when it is a child, ""
// for the root) and follows its child sitemaps. ok is false when sm is an
// index none of whose children could be read or shown unchanged.
func (s *session) sitemapItems(sm sitemap, from string, depth int, budget *int) (items []item, errs []error, ok bool) {
	cutoff := time.Time{}
	if s.src.MaxAge > 0 {
		cutoff = s.c.now().Add(-s.src.MaxAge)
	}
	for _, u := range sm.URLs {
		if tooOld(u, cutoff) {
			continue
		}
		items = append(items, item{Link: u.Loc, Title: u.Title, Published: u.Published, Modified: u.LastMod, child: from})
	}
	ok = len(sm.Sitemaps) == 0
	for _, child := range sm.Sitemaps {
		if depth+1 > maxSitemapDepth {
			s.c.log.Warn("sitemap index nested too deep; child not followed", "source", s.src.Name, "sitemap", redact(child.Loc))
			ok = true
			continue
		}
		if *budget == 0 {
			s.c.log.Warn("sitemap child limit reached", "source", s.src.Name, "limit", maxSitemapChildren)
			ok = true
			break
		}
		if _, dup := s.children.read[child.Loc]; dup {
			continue // listed twice: its entries are in already
		}
		*budget--
		if _, same := s.children.unchanged(child); same {
			s.c.log.Debug("child sitemap unchanged by its lastmod; not fetched", "source", s.src.Name, "sitemap", redact(child.Loc))
			s.children.keepUnchanged(child, nil)
			ok = true
			continue
		}
		f, csm, err := s.childSitemap(child)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.NotModified {
			s.children.keepUnchanged(child, &f.Validators)
			ok = true
			continue
		}
		ci, ce, cok := s.sitemapItems(csm, child.Loc, depth+1, budget)
		if len(csm.Sitemaps) == 0 {
			s.children.keepRead(child, f.Validators, csm, len(ci))
		}
		items, errs, ok = append(items, ci...), append(errs, ce...), ok || cok
	}
	return items, errs, ok
}

// childSitemap fetches a child sitemap, conditionally when its validators
// are remembered, and parses it unless it answered 304.
func (s *session) childSitemap(ref sitemapRef) (*fetched, sitemap, error) {
	f, err := s.fetch(ref.Loc, acceptSitemap, s.children.conditional(ref))
	if err != nil {
		return nil, sitemap{}, fmt.Errorf("child sitemap: %w", err)
	}
	if f.NotModified {
		return f, sitemap{}, nil
	}
	sm, err := parseSitemap(f.Body, f.ContentType)
	if err != nil {
		return nil, sitemap{}, fmt.Errorf("child sitemap %s: %w", redact(ref.Loc), err)
	}
	return f, sm, nil
}

// tooOld reports whether a sitemap entry is dated before cutoff by its
// news publication date, else its lastmod. Undated entries are kept: only
// a date proves an entry old.
func tooOld(u sitemapURL, cutoff time.Time) bool {
	if cutoff.IsZero() {
		return false
	}
	d := u.Published
	if d.IsZero() {
		d = u.LastMod
	}
	return !d.IsZero() && d.Before(cutoff)
}
