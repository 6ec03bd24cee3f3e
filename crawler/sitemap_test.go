package crawler

import (
	"encoding/json"
	"path/filepath"
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
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		sm, err := parseSitemap(body, contentType)
		if err != nil {
			return
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
