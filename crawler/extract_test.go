package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newshound/newshound/news"
	"golang.org/x/text/encoding/charmap"
)

// renderArticle is the golden form of an extracted article.
func renderArticle(a news.Article) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "id: %s\nurl: %s\nkeys: %s\ntitle: %s\npublished: %s\n---\n%s\n",
		a.ID, a.URL, strings.Join(a.Keys, " "), a.Title, a.Published.Format(time.RFC3339), a.Text)
	return b.Bytes()
}

func TestExtractArticleGolden(t *testing.T) {
	pages, err := filepath.Glob("testdata/pages/*.html")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no test pages: %v", err)
	}
	for _, path := range pages {
		name := strings.TrimSuffix(filepath.Base(path), ".html")
		t.Run(name, func(t *testing.T) {
			pageURL := "https://courier.example/world/" + name + "?utm_medium=feed#top"
			art, err := ExtractArticle(pageURL, readTestdata(t, "pages/"+name+".html"), "text/html")
			if err != nil {
				t.Fatalf("ExtractArticle(%q) error: %v", pageURL, err)
			}
			checkGolden(t, strings.TrimSuffix(path, ".html")+".golden", renderArticle(art))
		})
	}
}

// TestExtractArticleChrome checks what the golden files show, explicitly:
// words that appear only in navigation, sidebars, "most read" boxes,
// newsletters and footers never reach Text, and the article does.
func TestExtractArticleChrome(t *testing.T) {
	tests := []struct {
		page   string
		want   []string
		absent []string
	}{
		{"standard", []string{"Security forces raided the al Hol camp", "regional command said the operation would continue"},
			[]string{"Zanzibar", "Quokka", "Flamingo", "Narwhal", "Albatross", "Wombat", "Pelican", "Search", "Privacy"}},
		{"jsonld", []string{"Dock workers at the container terminal", "Talks brokered by the labour ministry"},
			[]string{"Kestrel", "Ocelot", "Mongoose", "Heron", "Log in"}},
		{"divs", []string{"approved the long-debated extension", "comfortable majority"},
			[]string{"Tapir", "Gecko", "Lemur"}},
		{"inline", []string{"Officials visited al Hol and Raqqa on Monday, meeting local leaders"},
			[]string{"Capybara"}},
	}
	for _, tt := range tests {
		art, err := ExtractArticle("https://courier.example/"+tt.page, readTestdata(t, "pages/"+tt.page+".html"), "text/html; charset=utf-8")
		if err != nil {
			t.Fatalf("ExtractArticle(%q) error: %v", tt.page, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(art.Text, w) {
				t.Errorf("ExtractArticle(%q).Text lacks %q; text:\n%s", tt.page, w, art.Text)
			}
		}
		for _, a := range tt.absent {
			if strings.Contains(art.Text, a) {
				t.Errorf("ExtractArticle(%q).Text contains page chrome %q; text:\n%s", tt.page, a, art.Text)
			}
		}
	}
}

// arabicPage renders testdata/pages/arabic.html.tmpl in windows-1256, with
// meta as its <head> declaration.
func arabicPage(t testing.TB, meta string) []byte {
	t.Helper()
	src := strings.Replace(string(readTestdata(t, "pages/arabic.html.tmpl")), "{{META}}", meta, 1)
	b, err := charmap.Windows1256.NewEncoder().Bytes([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExtractArticleCharset(t *testing.T) {
	const want = "داهمت قوات الأمن مخيم الهول في شمال شرق سوريا"
	tests := []struct {
		name, meta, contentType string
	}{
		{"meta charset only", `<meta charset="windows-1256">`, "text/html"},
		{"http-equiv only", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">`, ""},
		{"header only", "", "text/html; charset=windows-1256"},
		{"header label alias", "", "text/html; charset=cp1256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := arabicPage(t, tt.meta)
			art, err := ExtractArticle("https://arabic.example/a", body, tt.contentType)
			if err != nil {
				t.Fatalf("ExtractArticle error: %v", err)
			}
			if !strings.Contains(art.Text, want) {
				t.Errorf("ExtractArticle(%s).Text = %q, want it to contain %q", tt.name, art.Text, want)
			}
			if art.Title != "قوات الأمن تداهم مخيم الهول" && art.Title != "مداهمة مخيم الهول" {
				t.Errorf("ExtractArticle(%s).Title = %q, want the Arabic title", tt.name, art.Title)
			}
			if strings.Contains(art.Text, "الصقر") || strings.Contains(art.Text, "الكرة الطائرة") {
				t.Errorf("ExtractArticle(%s).Text contains the footer or sidebar: %q", tt.name, art.Text)
			}
		})
	}
}

func TestExtractArticleInvalidUTF8(t *testing.T) {
	body := readTestdata(t, "pages/inline.html")
	body = bytes.Replace(body, []byte("several towns"), []byte("several \xff\xfe towns"), 1)
	art, err := ExtractArticle("https://courier.example/inline", body, "text/html; charset=utf-8")
	if err != nil {
		t.Fatalf("ExtractArticle error: %v", err)
	}
	if !strings.Contains(art.Text, "several \uFFFD") || !isValidUTF8(art.Text) {
		t.Errorf("ExtractArticle(invalid UTF-8).Text = %q, want the bad bytes replaced by U+FFFD", art.Text)
	}
}

func TestExtractArticleErrors(t *testing.T) {
	tests := []struct {
		name, url string
		body      string
		want      error
	}{
		{"relative url", "/a", "<p>x</p>", nil},
		{"ftp url", "ftp://example.com/a", "<p>x</p>", nil},
		{"empty page", "https://example.com/a", "<html><body><nav><a href=/>Home</a></nav></body></html>", ErrNoContent},
		{"no body", "https://example.com/a", "", ErrNoContent},
	}
	for _, tt := range tests {
		_, err := ExtractArticle(tt.url, []byte(tt.body), "text/html")
		if err == nil {
			t.Errorf("ExtractArticle(%s) error = nil, want an error", tt.name)
			continue
		}
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("ExtractArticle(%s) error = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestPageCanonical(t *testing.T) {
	page := mustParse(t, "https://www.courier.example/world/story-1?utm_source=x")
	tests := []struct {
		href, want string
	}{
		{"https://www.courier.example/world/story-1", "https://www.courier.example/world/story-1"},
		{"https://courier.example/world/story-1?utm_campaign=y", "https://courier.example/world/story-1"},
		{"HTTP://WWW.Courier.Example:80/world/story-1#x", "http://www.courier.example/world/story-1"},
		{"/world/story-1", ""},                      // relative: not absolute
		{"https://other.example/world/story-1", ""}, // other site
		{"https://www.courier.example/", ""},        // home page template bug
		{"javascript:alert(1)", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := pageCanonical(tt.href, page); got != tt.want {
			t.Errorf("pageCanonical(%q) = %q, want %q", tt.href, got, tt.want)
		}
	}
}

func FuzzExtractArticle(f *testing.F) {
	f.Add([]byte(`<html><head><title>t</title></head><body><article><p>Hello <em>world</em> of text.</p></article></body></html>`), "text/html")
	f.Add([]byte(`<meta charset="windows-1256"><p>`+"\xc7\xe1\xe5\xe6\xe1"+`</p>`), "")
	f.Add([]byte("<p>\xff\xfe</p>"), "text/html; charset=utf-8")
	f.Add([]byte(`<link rel="canonical" href="https://example.com/a"><script type="application/ld+json">{"datePublished":[1,{"datePublished":"2024-01-01"}]}</script><p>x</p>`), "text/html")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		art, err := ExtractArticle("https://example.com/page", body, contentType)
		if err != nil {
			return
		}
		if art.ID == "" || len(art.Keys) == 0 || art.Keys[0] != "https://example.com/page" {
			t.Errorf("ExtractArticle: ID %q, Keys %q: want an ID and the page key first", art.ID, art.Keys)
		}
		if !isValidUTF8(art.Text) || !isValidUTF8(art.Title) {
			t.Errorf("ExtractArticle: text or title is not valid UTF-8")
		}
	})
}

func BenchmarkExtractArticle(b *testing.B) {
	body := readTestdata(b, "pages/standard.html")
	for b.Loop() {
		if _, err := ExtractArticle("https://courier.example/world/standard", body, "text/html"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDropHeadline(t *testing.T) {
	tests := []struct {
		text   string
		titles []string
		want   string
	}{
		{"Raid in al Hol\nBody.", []string{"Raid in al Hol"}, "Body."},
		{"RAID  in al Hol\nBody.", []string{"", "raid in al hol"}, "Body."},
		{"Raid in al Hol\nBody.", []string{"Raid in al Hol | The Courier"}, "Body."},
		{"Raid in al Hol\nBody.", []string{"Raid in al Hol - Courier"}, "Body."},
		{"Other headline\nBody.", []string{"Raid in al Hol"}, "Other headline\nBody."},
		{"Raid in al Hol", []string{"Raid in al Hol"}, "Raid in al Hol"}, // only the headline: kept
		{"Body.", nil, "Body."},
	}
	for _, tt := range tests {
		if got := dropHeadline(tt.text, tt.titles...); got != tt.want {
			t.Errorf("dropHeadline(%q, %q) = %q, want %q", tt.text, tt.titles, got, tt.want)
		}
	}
}
