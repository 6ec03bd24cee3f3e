package crawler

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// pageMeta is what a page says about itself, read from the parsed tree.
type pageMeta struct {
	title     string // <title>
	ogTitle   string // og:title
	canonical string // <link rel="canonical" href>
	published time.Time
	language  string // primary language subtag, lower case; "" unknown
	// articleBody is JSON-LD's articleBody as written (plain text or
	// HTML), "" when absent.
	articleBody string
	// descriptions are the description, og:description and
	// twitter:description <meta> contents that are present.
	descriptions []string
}

// publishedMeta are the <meta> names, properties and itemprops that carry
// a publication time, most specific first.
var publishedMeta = []string{
	"article:published_time", "og:article:published_time", "og:published_time",
	"datepublished", "published_time", "pubdate", "publishdate", "publish-date",
	"publish_date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
	"dcterms.issued", "dcterms.created", "dc.date", "date",
}

// readPageMeta reads the page's own metadata: titles, rel=canonical,
// language, JSON-LD articleBody and the publication time (pagePublished).
func readPageMeta(doc *html.Node) pageMeta {
	d := goquery.NewDocumentFromNode(doc)
	var m pageMeta
	m.title = d.Find("head title").First().Text()
	if m.title == "" {
		m.title = d.Find("title").First().Text()
	}
	metas := map[string]string{}
	d.Find("meta[content]").Each(func(_ int, s *goquery.Selection) {
		content, _ := s.Attr("content")
		for _, attr := range []string{"property", "name", "itemprop"} {
			if k, ok := s.Attr(attr); ok {
				k = strings.ToLower(strings.TrimSpace(k))
				if _, dup := metas[k]; !dup {
					metas[k] = content
				}
			}
		}
	})
	m.ogTitle = metas["og:title"]
	for _, k := range []string{"description", "og:description", "twitter:description"} {
		if v := strings.TrimSpace(metas[k]); v != "" {
			m.descriptions = append(m.descriptions, v)
		}
	}
	m.language = pageLanguage(d, metas)
	d.Find("link[rel][href]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		rel, _ := s.Attr("rel")
		for _, r := range strings.Fields(strings.ToLower(rel)) {
			if r == "canonical" {
				m.canonical, _ = s.Attr("href")
				return false
			}
		}
		return true
	})
	var ld jsonLD
	d.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		ld.read(s.Text())
	})
	m.articleBody = ld.articleBody
	if m.language == "" {
		m.language = primaryLanguage(ld.inLanguage)
	}
	m.published = pagePublished(d, metas, ld)
	return m
}

// pagePublished is the first publication time of: a <meta> in
// publishedMeta, JSON-LD datePublished, a <time datetime> marked as the
// publication time (pubdate, itemprop), the first <time datetime> inside
// <article>.
func pagePublished(d *goquery.Document, metas map[string]string, ld jsonLD) time.Time {
	for _, k := range publishedMeta {
		if t := parseTime(metas[k]); !t.IsZero() {
			return t
		}
	}
	if !ld.published.IsZero() {
		return ld.published
	}
	for _, sel := range []string{"time[pubdate][datetime]", `time[itemprop="datePublished"][datetime]`, "article time[datetime]"} {
		if v, ok := d.Find(sel).First().Attr("datetime"); ok {
			if t := parseTime(v); !t.IsZero() {
				return t
			}
		}
	}
	return time.Time{}
}

// jsonLD is what the page's JSON-LD blocks say about the article: the
// first datePublished and inLanguage, and the longest articleBody (a page
// may describe several creative works; the article is the long one).
type jsonLD struct {
	published   time.Time
	inLanguage  string
	articleBody string
}

// read adds one JSON-LD block, searching every object and @graph array
// (to a bounded depth); an invalid block is ignored.
func (ld *jsonLD) read(src string) {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(src)), &v); err != nil {
		return
	}
	ld.walk(v, 0)
}

func (ld *jsonLD) walk(v any, depth int) {
	if depth > 16 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["datePublished"].(string); ok && ld.published.IsZero() {
			ld.published = parseTime(s)
		}
		if s, ok := x["inLanguage"].(string); ok && ld.inLanguage == "" {
			ld.inLanguage = s
		}
		if s, ok := x["articleBody"].(string); ok && len(s) > len(ld.articleBody) {
			ld.articleBody = s
		}
		// Sorted keys: the answer must not depend on map order.
		for _, k := range slices.Sorted(maps.Keys(x)) {
			ld.walk(x[k], depth+1)
		}
	case []any:
		for _, c := range x {
			ld.walk(c, depth+1)
		}
	}
}

// pageLanguage is the page's declared language: <html lang> (or
// xml:lang), then a content-language <meta>, then og:locale. Only the
// primary subtag is kept: "en-GB", "en_US" and "EN" all say "en".
func pageLanguage(d *goquery.Document, metas map[string]string) string {
	h := d.Find("html").First()
	for _, attr := range []string{"lang", "xml:lang"} {
		if v, ok := h.Attr(attr); ok {
			if l := primaryLanguage(v); l != "" {
				return l
			}
		}
	}
	if v, ok := d.Find(`meta[http-equiv]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		e, _ := s.Attr("http-equiv")
		return strings.EqualFold(strings.TrimSpace(e), "content-language")
	}).First().Attr("content"); ok {
		if l := primaryLanguage(v); l != "" {
			return l
		}
	}
	for _, k := range []string{"language", "dc.language", "og:locale", "inlanguage"} {
		if l := primaryLanguage(metas[k]); l != "" {
			return l
		}
	}
	return ""
}

// primaryLanguage reduces a language tag or locale ("pt-BR", "en_US",
// "de, en") to its primary subtag in lower case, or "" when it is not
// two or three ASCII letters ("x-default", "*", junk).
func primaryLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, ",;"); i >= 0 {
		tag = strings.TrimSpace(tag[:i])
	}
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		if c := tag[i] | 0x20; c < 'a' || c > 'z' {
			return ""
		}
	}
	return strings.ToLower(tag)
}
