package crawler

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
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
	// Modified is the latest time the index's <lastmod> allows: its time,
	// or for a bare date the end of that day anywhere on earth; zero when
	// there is none. It orders the children and spares those older than
	// Source.MaxAge (sitemapChildren in sitemap.go).
	Modified time.Time `json:"-"`
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

// sitemapFile is what scanSitemap returns besides the <url> entries it
// streams: whether the file is an index, and an index's children.
type sitemapFile struct {
	Index bool
	// Sitemaps are an index's children with an http(s) <loc>, at most
	// maxSitemapEntries; MoreSitemaps counts those past that.
	Sitemaps     []sitemapRef
	MoreSitemaps int
}

// scanSitemap reads a sitemap (the body already decompressed) in one
// streaming pass, handing each <url> whose <loc> is an absolute http(s)
// URL to each, in document order, without holding the file's entries.
// Elements are matched by local name, so any namespace prefix works;
// unparsable dates are left zero. Malformed XML (truncated, illegal
// characters, undeclared entities), more than maxNesting levels of
// elements and more than maxAttrs attributes on one are a *ParseError; each may have been called for entries
// before it. It is pure.
func scanSitemap(body []byte, contentType string, each func(sitemapURL)) (sitemapFile, error) {
	data := decodeXML(body, contentType)
	if tooManyAttrs(data) {
		return sitemapFile{}, &ParseError{What: "sitemap", Err: errTooManyAttrs}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// decodeXML already produced UTF-8; a declaration naming a label it did
	// not know must not make the decoder refuse the document.
	dec.CharsetReader = passCharset
	root, err := rootElement(dec)
	if err != nil {
		return sitemapFile{}, &ParseError{What: "sitemap", Err: err}
	}
	var file sitemapFile
	var entry string
	switch root.Name.Local {
	case "urlset":
		entry = "url"
	case "sitemapindex":
		entry, file.Index = "sitemap", true
	default:
		return sitemapFile{}, &ParseError{What: "sitemap", Err: fmt.Errorf("root element is <%s>, want <urlset> or <sitemapindex>", root.Name.Local)}
	}
	// The fields read, as encoding/xml would unmarshal them into
	// url>loc, url>lastmod, url>news>publication_date, url>news>title
	// (sitemap>loc, sitemap>lastmod): the text directly inside the element,
	// the last such element winning.
	var (
		depth      = 1 // the root is open
		inEntry    bool
		inNews     bool
		field      *string // the field whose element is open, at fieldDepth
		fieldDepth int
		text       strings.Builder
		loc, mod   string
		pub, title string
	)
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return sitemapFile{}, &ParseError{What: "sitemap", Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxNesting {
				return sitemapFile{}, &ParseError{What: "sitemap", Err: fmt.Errorf("more than %d levels of nested elements", maxNesting)}
			}
			var f *string
			switch {
			case depth == 2:
				inEntry = t.Name.Local == entry
				loc, mod, pub, title = "", "", "", ""
			case depth == 3 && inEntry:
				switch t.Name.Local {
				case "loc":
					f = &loc
				case "lastmod":
					f = &mod
				case "news":
					inNews = !file.Index
				}
			case depth == 4 && inNews:
				switch t.Name.Local {
				case "publication_date":
					f = &pub
				case "title":
					f = &title
				}
			}
			if f != nil {
				field, fieldDepth = f, depth
				text.Reset()
			}
		case xml.EndElement:
			if field != nil && depth == fieldDepth {
				*field, field = text.String(), nil
			}
			switch depth {
			case 3:
				inNews = false
			case 2:
				if inEntry {
					file.add(each, loc, mod, pub, title)
				}
				inEntry = false
			}
			depth--
		case xml.CharData:
			if field != nil && depth == fieldDepth {
				text.Write(t)
			}
		}
	}
	if err := expectEnd(dec); err != nil {
		return sitemapFile{}, &ParseError{What: "sitemap", Err: err}
	}
	return file, nil
}

// add takes one entry read: a child of an index into file, a <url> to
// each; entries without an http(s) <loc> are skipped.
func (file *sitemapFile) add(each func(sitemapURL), loc, mod, pub, title string) {
	loc = absoluteHTTP(nil, loc)
	switch {
	case loc == "":
	case !file.Index:
		each(sitemapURL{Loc: loc, LastMod: parseTime(mod), Published: parseTime(pub), Title: collapseSpace(title)})
	case len(file.Sitemaps) < maxSitemapEntries:
		file.Sitemaps = append(file.Sitemaps, sitemapRef{Loc: loc, LastMod: childLastMod(mod), Modified: childModified(mod)})
	default:
		file.MoreSitemaps++
	}
}

// parseSitemap parses a whole sitemap into memory, keeping at most
// maxSitemapEntries entries: scanSitemap for tests and tools that want
// the file at once. The crawl streams instead (readSitemap).
func parseSitemap(body []byte, contentType string) (sitemap, error) {
	var sm sitemap
	file, err := scanSitemap(body, contentType, func(u sitemapURL) {
		if len(sm.URLs) < maxSitemapEntries {
			sm.URLs = append(sm.URLs, u)
		}
	})
	if err != nil {
		return sitemap{}, err
	}
	sm.Sitemaps = file.Sitemaps
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

// childModified parses a child sitemap's <lastmod> as the latest time it
// allows: a bare date is read as the end of that day in the last time
// zone to end it (UTC-12), 36 hours after its UTC midnight.
func childModified(s string) time.Time {
	s = strings.TrimSpace(s)
	t := parseTime(s)
	if !t.IsZero() && !strings.ContainsAny(s, "T ") {
		t = t.Add(36 * time.Hour)
	}
	return t
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

// sitemapQuota is what a Crawl may still take from a sitemap source.
type sitemapQuota struct {
	children int       // child sitemaps still to consider (maxSitemapChildren)
	entries  int       // entries still to list (maxSitemapListed)
	cutoff   time.Time // Source.MaxAge: entries and children dated before it are skipped
	warned   bool      // the entry limit was logged
}

// listSitemap fetches a sitemap and, for an index, its children, skipping
// or fetching conditionally those unchanged since they were last read in
// full (children.go). Files are streamed and at most maxSitemapListed
// entries taken in all, the newest children first (the rule is in the
// package doc); entries past that are counted in s.truncated. A child that
// fails is a per-item error; the source fails only if the root does, or if
// it is an index and every child failed.
func (s *session) listSitemap(rawURL string) ([]item, []error, error) {
	f, err := s.listing(rawURL, acceptSitemap)
	if err != nil {
		return nil, nil, err
	}
	q := &sitemapQuota{children: maxSitemapChildren, entries: maxSitemapListed}
	if s.src.MaxAge > 0 {
		q.cutoff = s.c.now().Add(-s.src.MaxAge)
	}
	s.children = newSitemapChildren(s.known.Children, s.c.now())
	r, err := s.readSitemap(f, "", time.Time{}, q)
	if err != nil {
		return nil, nil, err
	}
	if !r.index {
		return r.items, nil, nil
	}
	items, errs, ok := s.childItems(r.refs, 0, q)
	if !ok && len(items) == 0 {
		return nil, nil, fmt.Errorf("every child sitemap failed: %w", errors.Join(errs...))
	}
	return items, errs, nil
}

// sitemapRead is one sitemap file as readSitemap took it.
type sitemapRead struct {
	index bool
	items []item       // a urlset's entries taken
	refs  []sitemapRef // an index's children
	// cut counts the entries (not too old) past the quota: the file was
	// not taken in full.
	cut int
	// credible reports whether the lastmod the index gave the file is set
	// and no entry of the file is dated after it.
	credible bool
}

// readSitemap streams a fetched sitemap file (from is its URL when it is a
// child, "" for the root; lastmod the index's <lastmod> for it), taking
// its entries not older than the cutoff while the quota lasts and
// counting the rest in s.truncated. Nothing is taken from a file that
// fails to parse.
func (s *session) readSitemap(f *fetched, from string, lastmod time.Time, q *sitemapQuota) (sitemapRead, error) {
	var r sitemapRead
	lm := lastModCheck{lastmod: lastmod}
	file, err := scanSitemap(f.Body, f.ContentType, func(u sitemapURL) {
		lm.see(u)
		switch {
		case tooOld(u, q.cutoff):
		case len(r.items) < q.entries:
			r.items = append(r.items, item{Link: u.Loc, Title: u.Title, Published: u.Published, Modified: u.LastMod, child: from})
		default:
			r.cut++
		}
	})
	if err != nil {
		return sitemapRead{}, err
	}
	q.entries -= len(r.items)
	r.index, r.refs, r.credible = file.Index, file.Sitemaps, lm.credible()
	r.cut += file.MoreSitemaps // each child not listed names at least one entry
	if r.cut > 0 {
		s.truncated += r.cut
		s.warnCut(q, from)
	}
	return r, nil
}

// warnCut logs, once per Crawl, that the sitemap entry limit cut the
// listing.
func (s *session) warnCut(q *sitemapQuota, sitemap string) {
	if q.warned {
		return
	}
	q.warned = true
	s.c.log.Warn("sitemap entry limit reached; listing cut", "source", s.src.Name, "limit", maxSitemapListed,
		"sitemap", redact(cmp.Or(sitemap, s.src.URL)))
}

// childItems lists the entries of an index's children (refs; the
// index is at depth), newest first. ok is false when none of them could be
// read or shown unchanged.
func (s *session) childItems(refs []sitemapRef, depth int, q *sitemapQuota) (items []item, errs []error, ok bool) {
	ok = len(refs) == 0
	refs = newestFirst(refs)
	for i, child := range refs {
		if depth+1 > maxSitemapDepth {
			s.c.log.Warn("sitemap index nested too deep; child not followed", "source", s.src.Name, "sitemap", redact(child.Loc))
			ok = true
			continue
		}
		if _, dup := s.children.read[child.Loc]; dup {
			continue // listed twice: its entries are in already
		}
		if !q.cutoff.IsZero() && !child.Modified.IsZero() && child.Modified.Before(q.cutoff) {
			s.c.log.Debug("child sitemap older than max_age; not fetched", "source", s.src.Name, "sitemap", redact(child.Loc))
			ok = true
			continue
		}
		if q.children == 0 {
			s.c.log.Warn("sitemap child limit reached", "source", s.src.Name, "limit", maxSitemapChildren)
			s.truncated += s.unread(refs[i:], q)
			ok = true
			break
		}
		q.children--
		if _, same := s.children.unchanged(child); same {
			s.c.log.Debug("child sitemap unchanged by its lastmod; not fetched", "source", s.src.Name, "sitemap", redact(child.Loc))
			s.children.keepUnchanged(child, nil)
			ok = true
			continue
		}
		if q.entries == 0 {
			s.truncated += s.unread(refs[i:i+1], q)
			s.warnCut(q, child.Loc)
			ok = true
			continue
		}
		f, err := s.fetch(child.Loc, acceptSitemap, s.children.conditional(child))
		if err != nil {
			errs = append(errs, fmt.Errorf("child sitemap: %w", err))
			continue
		}
		if f.NotModified {
			s.children.keepUnchanged(child, &f.Validators)
			ok = true
			continue
		}
		r, err := s.readSitemap(f, child.Loc, child.LastMod, q)
		if err != nil {
			errs = append(errs, fmt.Errorf("child sitemap %s: %w", redact(child.Loc), err))
			continue
		}
		if !r.index {
			// A child cut short was not read in full: it gets no state, so
			// the next pass reads it again.
			if r.cut == 0 {
				s.children.keepRead(child, f.Validators, r.credible, len(r.items))
			}
			items, ok = append(items, r.items...), true
			continue
		}
		ci, ce, cok := s.childItems(r.refs, depth+1, q)
		items, errs, ok = append(items, ci...), append(errs, ce...), ok || cok
	}
	return items, errs, ok
}

// unread counts, for Result.Truncated, the entries of children left
// unread by a limit: what each had when last read in full, at least one.
// Duplicates and children older than the cutoff do not count.
func (s *session) unread(refs []sitemapRef, q *sitemapQuota) int {
	n := 0
	for _, child := range refs {
		if _, dup := s.children.read[child.Loc]; dup {
			continue
		}
		if !q.cutoff.IsZero() && !child.Modified.IsZero() && child.Modified.Before(q.cutoff) {
			continue
		}
		n += max(s.children.prev[child.Loc].Items, 1)
	}
	return n
}

// newestFirst orders an index's children for reading: those the index
// gives no date first, in index order (nothing tells their age), then the
// dated ones newest first, so a limit reached cuts the oldest.
func newestFirst(refs []sitemapRef) []sitemapRef {
	out := slices.Clone(refs)
	slices.SortStableFunc(out, func(a, b sitemapRef) int {
		switch {
		case a.Modified.IsZero() || b.Modified.IsZero():
			return cmp.Compare(btoi(!a.Modified.IsZero()), btoi(!b.Modified.IsZero()))
		default:
			return b.Modified.Compare(a.Modified)
		}
	})
	return out
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
