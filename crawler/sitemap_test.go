package crawler

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSitemapGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/sitemap/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sitemaps: %v", err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			sm, err := parseSitemap(readTestdata(t, "sitemap/"+name), "application/xml")
			if err != nil {
				t.Fatalf("parseSitemap(%q) error: %v", name, err)
			}
			got, err := json.MarshalIndent(sm, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, strings.TrimSuffix(path, ".xml")+".golden.json", append(got, '\n'))
		})
	}
}

func TestParseSitemapErrors(t *testing.T) {
	news := string(readTestdata(t, "sitemap/news.xml"))
	tests := []struct {
		name, body, want string
	}{
		{"truncated", news[:len(news)/2], "unexpected EOF"},
		{"control character", strings.Replace(news, "Security", "Secu\x01rity", 1), "illegal character"},
		{"undeclared entity", strings.Replace(news, "Security", "Secu&nbsp;rity", 1), "invalid character entity"},
		{"rss instead", `<?xml version="1.0"?><rss><channel/></rss>`, "root element is <rss>"},
		{"empty", "", "no root element"},
		{"text only", "hello", "text before the root element"},
		{"two roots", `<urlset></urlset><urlset></urlset>`, "second root element"},
		{"html", "<html><body><p>Not found</body></html>", "root element is <html>"},
	}
	for _, tt := range tests {
		_, err := parseSitemap([]byte(tt.body), "text/xml")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "parse sitemap: ") {
			t.Errorf("parseSitemap(%s) error = %v, want \"parse sitemap: ...%s...\"", tt.name, err, tt.want)
		}
	}
}

func FuzzParseSitemap(f *testing.F) {
	for _, name := range []string{"news.xml", "index.xml", "prefixed.xml"} {
		f.Add(readTestdata(f, "sitemap/"+name), "application/xml")
	}
	f.Add([]byte(`<urlset><url><loc>https://a.example/</loc></url></urlset>`), "text/xml; charset=utf-16")
	f.Add([]byte("\xef\xbb\xbf<sitemapindex><sitemap><loc>http://b.example/s.xml</loc></sitemap></sitemapindex>"), "")
	f.Add([]byte(`<sitemapindex><sitemap><loc>http://b.example/s.xml</loc><lastmod>2024-03-05T09:30:00+01:00</lastmod></sitemap>`+
		`<sitemap><loc>http://b.example/t.xml</loc><lastmod>2024-03-05</lastmod></sitemap></sitemapindex>`), "")
	f.Add([]byte(`<urlset><url><loc>https://a.example/1</loc><loc>https://a.example/2<x>y</x></loc>`+
		`<news:news><news:title>A</news:title></news:news><news:news><news:publication_date>2024-03-05</news:publication_date></news:news>`+
		`<image><loc>https://a.example/i.jpg</loc></image></url></urlset>`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		sm, err := parseSitemap(body, contentType)
		ref, refErr := parseSitemapTree(body, contentType)
		if err != nil && (strings.Contains(err.Error(), "levels of nested elements") || strings.Contains(err.Error(), "attributes on one element")) {
			return
		}
		if (err == nil) != (refErr == nil) {
			t.Fatalf("parseSitemap error = %v, unmarshalled error = %v", err, refErr)
		}
		if err != nil {
			return
		}
		for i := range sm.Sitemaps {
			sm.Sitemaps[i].Modified = time.Time{}
		}
		if !reflect.DeepEqual(sm, ref) {
			t.Fatalf("parseSitemap = %+v, unmarshalled = %+v", sm, ref)
		}
		if len(sm.URLs) > 0 && len(sm.Sitemaps) > 0 {
			t.Errorf("parseSitemap: both urls and sitemaps set")
		}
		for _, u := range sm.URLs {
			if !strings.HasPrefix(u.Loc, "http://") && !strings.HasPrefix(u.Loc, "https://") {
				t.Errorf("parseSitemap: loc %q is not an absolute http(s) URL", u.Loc)
			}
			if !isValidUTF8(u.Title) {
				t.Errorf("parseSitemap: title %q is not valid UTF-8", u.Title)
			}
		}
		for _, c := range sm.Sitemaps {
			if !strings.HasPrefix(c.Loc, "http://") && !strings.HasPrefix(c.Loc, "https://") {
				t.Errorf("parseSitemap: child loc %q is not an absolute http(s) URL", c.Loc)
			}
			if !c.LastMod.IsZero() && c.LastMod.Location() != time.UTC {
				t.Errorf("parseSitemap: child lastmod %v is not in UTC", c.LastMod)
			}
		}
	})
}

// parseSitemapTree is the reference for the streaming parser: the whole
// file unmarshalled at once by encoding/xml, as the crawler once did.
func parseSitemapTree(body []byte, contentType string) (sitemap, error) {
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
	dec := xml.NewDecoder(bytes.NewReader(decodeXML(body, contentType)))
	dec.CharsetReader = passCharset
	root, err := rootElement(dec)
	if err != nil {
		return sitemap{}, err
	}
	var sm sitemap
	switch root.Name.Local {
	case "urlset":
		var set xmlURLSet
		if err := dec.DecodeElement(&set, &root); err != nil {
			return sitemap{}, err
		}
		for _, u := range set.URLs {
			if loc := absoluteHTTP(nil, u.Loc); loc != "" && len(sm.URLs) < maxSitemapEntries {
				sm.URLs = append(sm.URLs, sitemapURL{Loc: loc, LastMod: parseTime(u.LastMod),
					Published: parseTime(u.News.PublicationDate), Title: collapseSpace(u.News.Title)})
			}
		}
	case "sitemapindex":
		var idx xmlIndex
		if err := dec.DecodeElement(&idx, &root); err != nil {
			return sitemap{}, err
		}
		for _, s := range idx.Sitemaps {
			if loc := absoluteHTTP(nil, s.Loc); loc != "" && len(sm.Sitemaps) < maxSitemapEntries {
				sm.Sitemaps = append(sm.Sitemaps, sitemapRef{Loc: loc, LastMod: childLastMod(s.LastMod)})
			}
		}
	default:
		return sitemap{}, fmt.Errorf("root element is <%s>", root.Name.Local)
	}
	return sm, expectEnd(dec)
}
