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
