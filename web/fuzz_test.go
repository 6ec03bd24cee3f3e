package web

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FuzzParseSince: never panics; a success is never after now.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2026-03-01T00:00:00Z", "-1h", "99999999999d", "1e9h", "0d", "d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseSince(raw, t0)
		if err == nil && got.After(t0) && !strings.Contains(raw, "T") {
			t.Errorf("parseSince(%q) = %v, after now for a duration", raw, got)
		}
	})
}

// FuzzSafeHref: only absolute http(s) URLs with a host come out, and
// nothing that could break out of an attribute unescaped.
func FuzzSafeHref(f *testing.F) {
	for _, s := range []string{"https://x.example/a?b=c", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:x",
		"java\tscript:x", "//evil.example", "data:text/html,x", "http://", "https://a\x00b", "HTTPS://X/\"><script>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		href, ok := safeHref(raw)
		if !ok {
			return
		}
		u, err := url.Parse(href)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			t.Errorf("safeHref(%q) = %q, not an absolute http(s) URL", raw, href)
		}
		if strings.ContainsAny(href, "\x00\n\r\t") {
			t.Errorf("safeHref(%q) = %q holds control characters", raw, href)
		}
	})
}

// FuzzFailingArticleRow: whatever URL and error a site's failing article
// page brings, the status page shows them as text, links only to http(s)
// and gains no element or attribute that could run or load anything.
func FuzzFailingArticleRow(f *testing.F) {
	for _, seed := range [][2]string{
		{"https://x.example/a", "fetch: http status 404"},
		{hostileArticleURL, hostileArticleError},
		{"JaVaScRiPt:alert(1)", `"><script>alert(1)</script>`},
		{"https://x.example/\"onmouseover=alert(1)", "</summary></details><img src=x onerror=alert(1)>"},
		{"data:text/html,<b>x</b>", "\u202e\x00\xff"},
	} {
		f.Add(seed[0], seed[1])
	}
	page := newStatusPage()
	f.Fuzz(func(t *testing.T, rawURL, lastError string) {
		src := SourceStatus{Name: "s", Kind: "feed", URL: "https://s.example/rss.xml",
			FailingArticles: []FailingArticle{{URL: rawURL, Attempts: 2, First: t0.Add(-time.Hour), LastError: lastError}}}
		data := pageData{Sources: []sourceRow{viewSource(src, t0)}, Counts: SourceCounts{Total: 1}, FailingNote: fixtureFailingNote}
		var buf bytes.Buffer
		if err := page.tmpl.Execute(&buf, data); err != nil {
			t.Fatalf("render with failing article (%q, %q): %v", rawURL, lastError, err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		items := findAll(doc, func(n *html.Node) bool { return hasClass(n, "failing-article") })
		if len(items) != 1 {
			t.Fatalf("failing article (%q, %q) gives %d list items, want 1", rawURL, lastError, len(items))
		}
		for _, tag := range []atom.Atom{atom.Script, atom.Img, atom.Iframe, atom.Object, atom.Embed, atom.B} {
			if n := findAll(doc, byTag(tag)); len(n) != 0 {
				t.Errorf("failing article (%q, %q) gives %d <%s> elements", rawURL, lastError, len(n), tag)
			}
		}
		for _, n := range findAll(doc, func(*html.Node) bool { return true }) {
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("failing article (%q, %q) gives <%s %s>", rawURL, lastError, n.Data, a.Key)
				}
			}
		}
		for _, a := range findAll(items[0], byTag(atom.A)) {
			if href := attrOf(a, "href"); !strings.HasPrefix(href, "http://") && !strings.HasPrefix(href, "https://") {
				t.Errorf("failing article URL %q became link %q", rawURL, attrOf(a, "href"))
			}
		}
	})
}
