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
}

// publishedMeta are the <meta> names, properties and itemprops that carry
// a publication time, most specific first.
var publishedMeta = []string{
	"article:published_time", "og:article:published_time", "og:published_time",
	"datepublished", "published_time", "pubdate", "publishdate", "publish-date",
	"publish_date", "parsely-pub-date", "sailthru.date", "dc.date.issued",
	"dcterms.issued", "dcterms.created", "dc.date", "date",
}

// readPageMeta reads the page's own metadata. The publication time is the
// first of: a <meta> in publishedMeta, JSON-LD datePublished, a <time
// datetime> marked as the publication time (pubdate, itemprop), the first
// <time datetime> inside <article>.
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
	for _, k := range publishedMeta {
		if t := parseTime(metas[k]); !t.IsZero() {
			m.published = t
			return m
		}
	}
	d.Find(`script[type="application/ld+json"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		m.published = jsonLDPublished(s.Text())
		return m.published.IsZero()
	})
	if !m.published.IsZero() {
		return m
	}
	for _, sel := range []string{"time[pubdate][datetime]", `time[itemprop="datePublished"][datetime]`, "article time[datetime]"} {
		if v, ok := d.Find(sel).First().Attr("datetime"); ok {
			if t := parseTime(v); !t.IsZero() {
				m.published = t
				break
			}
		}
	}
	return m
}

// jsonLDPublished finds the first datePublished in a JSON-LD block, in any
// object or @graph array.
func jsonLDPublished(src string) time.Time {
	var v any
	if err := json.Unmarshal([]byte(strings.TrimSpace(src)), &v); err != nil {
		return time.Time{}
	}
	var find func(v any, depth int) time.Time
	find = func(v any, depth int) time.Time {
		if depth > 16 {
			return time.Time{}
		}
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["datePublished"].(string); ok {
				if t := parseTime(s); !t.IsZero() {
					return t
				}
			}
			// Sorted keys: the answer must not depend on map order.
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if t := find(x[k], depth+1); !t.IsZero() {
					return t
				}
			}
		case []any:
			for _, c := range x {
				if t := find(c, depth+1); !t.IsZero() {
					return t
				}
			}
		}
		return time.Time{}
	}
	return find(v, 0)
}
