package crawler

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// hostilePages are HTML pages under the 10 MiB body cap whose parse tree
// would cost hundreds of megabytes or more, with the limit limitHTML
// must name (RELIABILITY.md item 32). Shared by the tests and the
// benchmarks.
var hostilePages = []struct {
	name, want string
	body       func() []byte
}{
	{"170,000 links", "elements, attributes and texts", func() []byte { return linkPage(170_000) }},
	{"1 M nested divs", "more than 256 levels", func() []byte { return storyPage(strings.Repeat("<div>", 1_000_000)) }},
	{"790,000 flat spans", "elements, attributes and texts", func() []byte {
		return storyPage(strings.Repeat("<span></span>", 790_000))
	}},
	// Each <p> closes the one before: a flat list of 3 million elements.
	{"3 M unclosed paragraphs", "elements, attributes and texts", func() []byte { return storyPage(strings.Repeat("<p>", 3_000_000)) }},
	{"2.5 M line breaks", "elements, attributes and texts", func() []byte { return storyPage(strings.Repeat("<br>", 2_500_000)) }},
	{"1.2 M attributes", "more than 1000 attributes on one element", func() []byte {
		var b strings.Builder
		b.WriteString("<p")
		for i := range 1_200_000 {
			fmt.Fprintf(&b, " a%d", i)
		}
		return storyPage(b.String() + ">x</p>")
	}},
	{"1.4 M comments", "elements, attributes and texts", func() []byte { return storyPage(strings.Repeat("<!---->", 1_400_000)) }},
	// 200 formatting elements left open inside a div, then "x" in a div
	// again and again: the parser re-creates all 200 for every x.
	{"re-created formatting elements", "elements, attributes and texts", func() []byte {
		return storyPage(openFormatting(200) + strings.Repeat("<div>x</div>", 800_000))
	}},
	// Inside svg, <style> holds markup, not raw text.
	{"markup in svg style", "elements, attributes and texts", func() []byte {
		return storyPage("<svg><style>" + strings.Repeat("<span></span>", 700_000) + "</style></svg>")
	}},
}

// storyPage is an article page with one real paragraph followed by inner.
func storyPage(inner string) []byte {
	return []byte("<!DOCTYPE html><html><head><title>Story</title></head><body><article><h1>Story</h1><p>" +
		strings.Repeat("Words of a real story go here. ", 40) + "</p>" + inner + "</article></body></html>")
}

// openFormatting is a div holding n formatting elements, all different,
// that its end tag closes while they stay on the parser's list of active
// formatting elements.
func openFormatting(n int) string {
	var b strings.Builder
	b.WriteString("<div>")
	for i := range n {
		fmt.Fprintf(&b, "<b id=%d>", i)
	}
	b.WriteString("</div>")
	return b.String()
}

func TestHostilePagesUnderBodyCap(t *testing.T) {
	for _, tt := range hostilePages {
		if n := len(tt.body()); n > DefaultMaxBodyBytes {
			t.Errorf("%s page is %d bytes, want it under the %d byte body cap", tt.name, n, DefaultMaxBodyBytes)
		}
	}
}

// TestParseHostilePages: RELIABILITY.md item 32 for HTML. Each hostile
// page is refused before the tree is built: a listing page with a
// *ParseError for the listing page, an article page with one for html.
func TestParseHostilePages(t *testing.T) {
	for _, tt := range hostilePages {
		body := tt.body()
		items, _, err := parseListing(body, "text/html", mustParse(t, "https://a.example/"), "a.story")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.What != "listing page" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseListing(%s) = %d items, %v; want a listing page *ParseError naming %q", tt.name, len(items), err, tt.want)
		}
		_, err = ExtractArticle("https://a.example/story", body, "text/html")
		if !errors.As(err, &pe) || pe.What != "html" || !strings.Contains(err.Error(), "parse html: more than ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ExtractArticle(%s) = %v; want an html *ParseError naming %q", tt.name, err, tt.want)
		}
	}
}

// TestLimitHTMLAtTheLimits: pages just inside the limits pass, one more
// level or node is refused, and the shapes of real pages (unclosed
// paragraphs, list items and cells, void elements, svg) cost no depth.
func TestLimitHTMLAtTheLimits(t *testing.T) {
	tests := []struct {
		name, page, wantErr string
	}{
		{"256 levels", strings.Repeat("<div>", 256), ""},
		{"257 levels", strings.Repeat("<div>", 257), "more than 256 levels of nested elements"},
		{"self-closing divs nest", strings.Repeat("<div/>", 257), "more than 256 levels of nested elements"},
		{"closed divs", strings.Repeat("<div>a</div>", 1000), ""},
		{"end tags close back to their element", strings.Repeat("<div><span><i>a</div>", 1000), ""},
		{"void elements", strings.Repeat("<br><img src=a><hr><input><meta><link>", 1000), ""},
		{"unclosed paragraphs", strings.Repeat("<p>a", 1000), ""},
		{"unclosed list items", "<ul>" + strings.Repeat("<li>a", 1000), ""},
		{"unclosed nested lists", strings.Repeat("<ul><li>a<ul><li>b</ul></ul>", 1000), ""},
		{"unclosed cells and rows", "<table>" + strings.Repeat("<tr><td>a<td>b<th>c", 1000), ""},
		{"unclosed options", "<select>" + strings.Repeat("<option>a", 1000), ""},
		{"svg self-closing elements", "<svg>" + strings.Repeat("<path d='M0 0'/>", 1000) + "</svg>", ""},
		{"unknown elements", strings.Repeat("<my-card>a</my-card>", 1000), ""},
		{"200000 nodes", strings.Repeat("<span></span>", maxListingNodes), ""},
		{"200001 nodes", strings.Repeat("<span></span>", maxListingNodes) + "<br>", "more than 200000 elements, attributes and texts"},
		{"1000 attributes", "<p" + strings.Repeat(" a", 1000) + ">", ""},
		{"1001 attributes", "<p" + strings.Repeat(" a", 1001) + ">", "more than 1000 attributes on one element"},
		{"1001 attributes glued after quotes", "<p" + strings.Repeat(` a=""`, 1001) + ">", "more than 1000 attributes on one element"},
		{"1001 attributes split by slashes", "<p" + strings.Repeat("/a", 1001) + ">", "more than 1000 attributes on one element"},
		{"1001 words in quoted values", "<p a='" + strings.Repeat(" b", 1001) + "' c=\"" + strings.Repeat(" b", 1001) + "\">", ""},
		{"attributes count", strings.Repeat("<br a>", maxListingNodes/2+1), "more than 200000 elements, attributes and texts"},
		{"texts count", strings.Repeat("a<br>", maxListingNodes/2+1), "more than 200000 elements, attributes and texts"},
		{"comments count", strings.Repeat("<!---->", maxListingNodes+1), "more than 200000 elements, attributes and texts"},
		{"tags in raw text count", "<script>" + strings.Repeat("<b>", maxListingNodes) + "</script>", "more than 200000 elements, attributes and texts"},
		{"tags in comments count", "<!--" + strings.Repeat("<b>", maxListingNodes) + "-->", "more than 200000 elements, attributes and texts"},
		// Closed formatting elements, and unclosed identical ones (the
		// parser keeps three alike), cost a few nodes each.
		{"closed formatting", strings.Repeat("<p><b>bold</b> and <a href=x>link</a> <em>it</em></p>", 10_000), ""},
		{"unclosed identical fonts", strings.Repeat("<p><font face=a>x", 10_000), ""},
		{"unclosed links", strings.Repeat("<a href=x>x", 10_000), ""},
		// 100 formatting elements re-created 2,000 times.
		{"re-created formatting", openFormatting(100) + strings.Repeat("<div>x</div>", 2000), "more than 200000 elements, attributes and texts"},
	}
	for _, tt := range tests {
		err := limitHTML(tt.page, maxListingNodes)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("limitHTML(%s) = %v, want nil", tt.name, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("limitHTML(%s) = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestLimitHTMLCountsWhatTheParserBuilds: for pages the check accepts,
// the tree x/net/html builds has no more nodes than the check counted
// (beyond the few elements the parser implies: html, head, body, tbody).
func TestLimitHTMLCountsWhatTheParserBuilds(t *testing.T) {
	pages := []string{
		openFormatting(50) + strings.Repeat("<div>x</div>", 100),
		openFormatting(50) + strings.Repeat("<p>x", 100),
		strings.Repeat("<b><i><u><s>x</b>y</i>", 300),
		strings.Repeat("<table><td><b><i>x</td><td>y</table>", 100),
		strings.Repeat("<b id=1><div>x</b>y</div>", 300),
		strings.Repeat("<a href=1><div><a href=2>x</div>", 300),
		"<svg><style>" + strings.Repeat("<b>x</b>", 300) + "</style></svg>",
		"<svg><title>" + strings.Repeat("<b>x", 100) + "</title></svg>" + strings.Repeat("<div>y</div>", 100),
		"<math><annotation-xml encoding=text/html><style>" + strings.Repeat("<b>x", 100) + "</style></annotation-xml></math>",
		string(linkPage(500)),
	}
	for i, page := range pages {
		if err := limitHTML(page, maxListingNodes); err != nil {
			t.Errorf("limitHTML(page %d) = %v, want nil", i, err)
			continue
		}
		if got, counted := treeNodes(page), countHTML(page); got > counted+htmlImplied {
			t.Errorf("page %d: parser built %d nodes, limitHTML counted %d", i, got, counted)
		}
	}
}

// htmlImplied is how many nodes the parser may add to a small page that
// no token names: html, head, body, and a tbody or tr per table.
const htmlImplied = 10

// countHTML is what limitHTML counts in page.
func countHTML(page string) int {
	c := htmlCheck{z: html.NewTokenizer(strings.NewReader(page)), maxNodes: maxListingNodes}
	c.run()
	return c.nodes
}

// treeNodes counts the elements, attributes, texts and comments of the
// tree x/net/html builds for page (0 when it refuses the page).
func treeNodes(page string) int {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return 0
	}
	n := 0
	for d := range doc.Descendants() {
		n += 1 + len(d.Attr)
	}
	return n
}

// FuzzLimitHTML: the check never panics, names the limit it refuses for,
// and never counts less than the parser builds for a page it accepts.
func FuzzLimitHTML(f *testing.F) {
	for _, name := range []string{"pages/standard.html", "pages/divs.html", "listing/front.html", "listing/container.html"} {
		f.Add(string(readTestdata(f, name)))
	}
	f.Add(openFormatting(5) + "<div>x</div><div>y</div>")
	f.Add("<table><td><b>x</td><td><i>y</table><p>z")
	f.Add("<svg><style><b>x</b></style><foreignObject><style>a</style></foreignObject></svg>")
	f.Add("<math><annotation-xml encoding='text/html'><style><p>a</style></annotation-xml><mi><b>c</b></mi></math>")
	f.Add("<a href=1>x<a href=2>y<font face=a>z<font face=a>w<font face=a>v<font face=a>u<p>t")
	f.Add("<select><option>a<option>b</select><ul><li>c<li>d</ul><dl><dt>e<dd>f</dl>")
	f.Fuzz(func(t *testing.T, page string) {
		err := limitHTML(page, maxListingNodes)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "more than ") {
				t.Fatalf("limitHTML error %q does not name a limit", err)
			}
			return
		}
		if got, counted := treeNodes(page), countHTML(page); got > counted+htmlImplied {
			t.Fatalf("parser built %d nodes, limitHTML counted %d", got, counted)
		}
	})
}

// TestCrawlHostilePages: RELIABILITY.md item 32 for HTML, through Crawl
// against a local site. Each hostile page as a listing page source fails
// the Crawl with a *ParseError naming the limit; linked from a feed as an
// article page it fails that article with an *ArticleError wrapping one.
// A normal listing page and article beside them still work.
func TestCrawlHostilePages(t *testing.T) {
	s := newSite(t)
	s.page("/front.html", "text/html", linkPage(3))
	s.article("/news/good", "Harbour reopens", para("The harbour"), para("The ferry"))
	c := newTestCrawler(t, Options{})
	front := Source{Name: "front", Kind: KindPage, URL: s.URL("/front.html"), Links: "a.story"}
	for _, tt := range hostilePages {
		s.page("/hostile.html", "text/html; charset=utf-8", tt.body())
		res, _, err := c.Crawl(t.Context(), Source{Name: "hostile", Kind: KindPage, URL: s.URL("/hostile.html"), Links: "a.story"}, firstPass, alwaysSeen)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.What != "listing page" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Crawl(listing page %s) = %d items, %v; want a *ParseError naming %q", tt.name, res.Items, err, tt.want)
		}
		if res, _, err := c.Crawl(t.Context(), front, firstPass, alwaysSeen); err != nil || res.Items != 3 {
			t.Errorf("Crawl(neighbour listing page) after %s = %d items, %v; want 3, nil", tt.name, res.Items, err)
		}

		s.page("/feed.xml", "application/rss+xml", []byte(rssFeed(
			entry{link: s.URL("/hostile.html"), title: "Hostile"},
			entry{link: s.URL("/news/good"), title: "Harbour reopens"},
		)))
		res, _, err = c.Crawl(t.Context(), Source{Name: "feed", Kind: KindFeed, URL: s.URL("/feed.xml")}, firstPass, neverSeen)
		if err != nil {
			t.Errorf("Crawl(feed linking %s) error: %v", tt.name, err)
			continue
		}
		var ae *ArticleError
		if len(res.Errors) != 1 || !errors.As(res.Errors[0], &ae) || !errors.As(ae.Err, &pe) || !strings.Contains(ae.Error(), tt.want) {
			t.Errorf("Crawl(feed linking %s) Errors = %v; want one *ArticleError wrapping a *ParseError naming %q", tt.name, res.Errors, tt.want)
		}
		if len(res.Articles) != 1 || !strings.Contains(res.Articles[0].Text, "The ferry") {
			t.Errorf("Crawl(feed linking %s) = %d articles; want the neighbour article with its text", tt.name, len(res.Articles))
		}
	}
}

// Memory of hostile HTML pages (RELIABILITY.md item 32), measured like
// the hostile listings (listing_limits_bench_test.go): peak-heap-MB for
// parseListing and ExtractArticle on each page, refused or accepted.
//
//	go test -run XXX -bench 'HostileHTML' -benchtime 3x ./crawler/
func BenchmarkHostileHTML(b *testing.B) {
	type page struct {
		name string
		body func() []byte
	}
	pages := []page{
		{"real listing of 1,000 teasers (accepted)", func() []byte { return teaserPage(1000) }},
		{"listing of 10,000 links (accepted)", func() []byte { return linkPage(maxListed) }},
		{"article nodes at the limit (accepted)", func() []byte {
			return storyPage(strings.Repeat("<span>x</span>", maxArticleNodes/2-100))
		}},
		{"listing nodes at the limit (accepted as a listing)", func() []byte {
			return storyPage(strings.Repeat("<span>x</span>", maxListingNodes/2-100))
		}},
		{"depth at the limit (accepted)", func() []byte {
			chain := strings.Repeat("<div>", maxHTMLDepth-10) + strings.Repeat("</div>", maxHTMLDepth-10)
			return storyPage(strings.Repeat(chain, maxArticleNodes/(maxHTMLDepth-10)-20))
		}},
	}
	for _, h := range hostilePages {
		pages = append(pages, page{h.name + " (refused)", h.body})
	}
	base := mustParse(b, "https://a.example/")
	for _, pg := range pages {
		body := pg.body()
		b.Run("listing/"+pg.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			p := startHeapPeak()
			for b.Loop() {
				parseListing(body, "text/html", base, "a.story")
			}
			p.report(b)
		})
		b.Run("article/"+pg.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			p := startHeapPeak()
			for b.Loop() {
				ExtractArticle("https://a.example/story", body, "text/html")
			}
			p.report(b)
		})
	}
}

// teaserPage is a real-looking listing page (an archive) of n teasers:
// a link with an image, a headline link, a summary, a time and a section
// each, inside site navigation and a footer.
func teaserPage(n int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Archive</title><link rel="stylesheet" href="/s.css"></head>` +
		`<body><header class="site"><nav><ul>`)
	for i := range 12 {
		fmt.Fprintf(&b, `<li><a href="/section/%d">Section %d</a></li>`, i, i)
	}
	b.WriteString(`</ul></nav></header><main id="main"><div class="container"><section class="archive"><h1>Archive</h1><ul class="stories">`)
	for i := range n {
		fmt.Fprintf(&b, `<li class="teaser"><article><a class="story" href="/news/2024/03/05/story-%d.html"><img src="/img/%d.jpg" alt="Picture %d" width="300" height="200" loading="lazy"></a>`+
			`<div class="body"><h3><a href="/news/2024/03/05/story-%d.html">A fairly long headline for story %d</a></h3><p class="summary">One sentence of summary for the story.</p>`+
			`<time datetime="2024-03-05T09:30:00Z">5 March 2024</time> <span class="section">World</span></div></article></li>`, i, i, i, i, i)
	}
	b.WriteString(`</ul></section></div></main><footer><p>&copy; Courier</p></footer></body></html>`)
	return []byte(b.String())
}

// TestRealListingPagesPass: a real-looking archive of 1,000 teasers and a
// listing of maxListed bare links pass the check whole.
func TestRealListingPagesPass(t *testing.T) {
	for name, page := range map[string][]byte{"1,000 teasers": teaserPage(1000), "10,000 links": linkPage(maxListed)} {
		if err := limitHTML(string(page), maxListingNodes); err != nil {
			t.Errorf("limitHTML(%s) = %v, want nil", name, err)
		}
	}
}
