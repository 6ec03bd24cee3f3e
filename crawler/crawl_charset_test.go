package crawler

import (
	"strings"
	"testing"
)

// TestCrawlWindows1256 crawls an Arabic site that speaks windows-1256
// only: a feed whose encoding is declared only in its XML prolog, a page
// declaring it only in <meta>, and a page declaring it only in the HTTP
// header. Everything must come out as Arabic UTF-8.
func TestCrawlWindows1256(t *testing.T) {
	s := newSite(t)
	feed := strings.Replace(string(readTestdata(t, "feed/arabic.xml.tmpl")), "{{ENCODING}}", ` encoding="windows-1256"`, 1)
	feed = strings.Replace(feed, "https://saqr.example/news/1", s.URL("/news/meta"), 1)
	feed = strings.Replace(feed, "</channel>", `<item><title>عنوان ثان</title><link>`+s.URL("/news/header")+`</link></item></channel>`, 1)
	s.page("/feed", "application/rss+xml", encode1256(t, feed))
	s.page("/news/meta", "text/html", arabicPage(t, `<meta charset="windows-1256">`))
	s.page("/news/header", "text/html; charset=windows-1256", arabicPage(t, ""))

	c := newTestCrawler(t, Options{})
	res, _, err := c.Crawl(t.Context(), Source{Name: "saqr", Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
	if err != nil {
		t.Fatalf("Crawl(windows-1256) error: %v", err)
	}
	if len(res.Articles) != 2 {
		t.Fatalf("Crawl(windows-1256) = %d articles (errors %v), want 2", len(res.Articles), res.Errors)
	}
	wantTitles := []string{"قوات الأمن تداهم مخيم الهول", "عنوان ثان"}
	for i, a := range res.Articles {
		if a.Title != wantTitles[i] {
			t.Errorf("article %d title = %q, want %q", i, a.Title, wantTitles[i])
		}
		if !strings.Contains(a.Text, "داهمت قوات الأمن مخيم الهول في شمال شرق سوريا") {
			t.Errorf("article %d text is not the Arabic article:\n%s", i, a.Text)
		}
		if !isValidUTF8(a.Text) || strings.ContainsRune(a.Text, '\uFFFD') {
			t.Errorf("article %d text has invalid or replaced characters: %q", i, a.Text)
		}
	}
}
