package crawler

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/newshound/newshound/crawlstate"
)

// Hostile listings, each under the 10 MiB body cap (RELIABILITY.md items
// 31-33). They are shared by the tests and the benchmarks.

// hostileFeeds are feeds refused by limitFeed, with the limit the error
// must name.
var hostileFeeds = []struct {
	name, want string
	body       func() []byte
}{
	// 1.4 million nested namespaced elements in one item: 2 GB inside
	// gofeed's extension parser.
	{"nested namespaced elements", "more than 100 levels of nested elements", func() []byte {
		return rssWith(strings.Repeat("<x:a>", 1_400_000))
	}},
	{"nested plain elements", "more than 100 levels of nested elements", func() []byte {
		return rssWith(strings.Repeat("<a>", 1_400_000))
	}},
	// 800,000 flat extension elements in one item.
	{"flat extension elements", "more than 100000 elements and attributes", func() []byte {
		return rssWith(strings.Repeat("<x:a>1</x:a>", 800_000))
	}},
	// Chains of nested extension elements, as deep as allowed (97 in the
	// item, 100 levels in all).
	{"extension chains", "more than 100000 elements and attributes", func() []byte {
		chain := strings.Repeat("<x:a>", 97) + strings.Repeat("</x:a>", 97)
		return rssWith(strings.Repeat(chain, 8_000))
	}},
	// One element with 900,000 attributes.
	{"attributes", "more than 1000 attributes on one element", func() []byte {
		var b strings.Builder
		b.WriteString("<x:a")
		for i := range 900_000 {
			fmt.Fprintf(&b, " a%d=''", i)
		}
		b.WriteString("/>")
		return rssWith(b.String())
	}},
	// Atom xhtml content nested 1.4 million levels deep.
	{"atom xhtml content", "more than 100 levels of nested elements", func() []byte {
		return []byte(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
			`<entry><id>urn:1</id><title>e</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">` +
			strings.Repeat("<div>", 1_400_000) + `</div></content></entry></feed>`)
	}},
	{"json nesting", "more than 100 levels of nested values", func() []byte {
		return []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","_x":` +
			strings.Repeat("[", 5_000_000) + strings.Repeat("]", 5_000_000) + `}]}`)
	}},
	{"json tags", "more than 100000 JSON values", func() []byte {
		return []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","tags":[` +
			strings.Repeat(`"a",`, 2_000_000) + `"a"]}]}`)
	}},
}

// rssWith is an RSS feed whose one item holds inner, an extension
// namespace x declared.
func rssWith(inner string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:x="http://x.example/ns"><channel><title>t</title>` +
		`<item><title>i</title><link>https://a.example/1</link>` + inner + `</item></channel></rss>`)
}

// centcomFeed is an RSS feed of n items without link or GUID.
func centcomFeed(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>CENTCOM</title>`)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>CENTCOM %d</title></item>", i)
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

// idOnlyJSONFeed is a JSON Feed of n items with only an id.
func idOnlyJSONFeed(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"%d"}`, i)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// realFeed is a big real-looking RSS feed: n items of about 20 elements
// and attributes each, extensions included.
func realFeed(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" ` +
		`xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Courier</title><link>https://courier.example/</link>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>A fairly long news headline number %d about things</title>`+
			`<link>https://courier.example/news/2024/03/05/story-%d.html</link><guid isPermaLink="false">urn:uuid:%d</guid>`+
			`<pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate><dc:creator>Reporter Name</dc:creator>`+
			`<category>World</category><category>Politics</category><category>Europe</category>`+
			`<description>Summary sentence of the story with enough words to look like a real one.</description>`+
			`<media:content url="https://img.courier.example/%d.jpg" medium="image" width="800" height="600">`+
			`<media:credit>Photo agency</media:credit><media:description>Caption</media:description></media:content>`+
			`<media:thumbnail url="https://img.courier.example/t%d.jpg"/></item>`, i, i, i, i, i)
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

// linkPage is an HTML listing page of n distinct article links.
func linkPage(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><body><ul>")
	for i := range n {
		fmt.Fprintf(&b, `<li><a class="story" href="/news/%d">Story %d</a></li>`, i, i)
	}
	b.WriteString("</ul></body></html>")
	return b.Bytes()
}

func TestHostileFeedsUnderBodyCap(t *testing.T) {
	for _, tt := range hostileFeeds {
		if n := len(tt.body()); n > DefaultMaxBodyBytes {
			t.Errorf("%s feed is %d bytes, want it under the %d byte body cap", tt.name, n, DefaultMaxBodyBytes)
		}
	}
	for name, n := range map[string]int{"centcom": len(centcomFeed(240_000)), "json": len(idOnlyJSONFeed(600_000))} {
		if n > DefaultMaxBodyBytes {
			t.Errorf("%s feed is %d bytes, want it under the body cap", name, n)
		}
	}
}

// TestParseFeedRefusesHostile: RELIABILITY.md item 32. Deep or huge
// feeds are a *ParseError naming the limit, before gofeed sees them.
func TestParseFeedRefusesHostile(t *testing.T) {
	for _, tt := range hostileFeeds {
		items, _, err := parseFeed(tt.body(), "application/rss+xml", nil)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.What != "feed" || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseFeed(%s) = %d items, %v; want a feed *ParseError naming %q", tt.name, len(items), err, tt.want)
		}
	}
}

// TestLimitFeedAtTheLimits: documents just inside the limits pass
// untouched; one more level or node is refused.
func TestLimitFeedAtTheLimits(t *testing.T) {
	// rssWith's frame holds 8 elements and attributes, 3 levels deep
	// around the item's content; a chain of n nested elements adds n.
	frame := 8
	tests := []struct {
		name    string
		body    []byte
		wantErr string
	}{
		{"100 levels", rssWith(strings.Repeat("<x:a>", 97)), ""},
		{"101 levels", rssWith(strings.Repeat("<x:a>", 98)), "more than 100 levels of nested elements"},
		{"100000 nodes", rssWith(strings.Repeat("<x:a/>", maxFeedNodes-frame)), ""},
		{"100001 nodes", rssWith(strings.Repeat("<x:a/>", maxFeedNodes-frame+1)), "more than 100000 elements and attributes"},
		{"1000 attributes", rssWith("<x:a" + strings.Repeat(" b", 1000) + "/>"), ""},
		{"1001 attributes", rssWith("<x:a" + strings.Repeat(" b", 1001) + "/>"), "more than 1000 attributes on one element"},
		{"1001 words in comments, cdata, values", rssWith("<!--" + strings.Repeat(" b", 1001) + "--><![CDATA[<" + strings.Repeat(" b", 1001) +
			"]]><x:a c='" + strings.Repeat(" b", 1001) + "'/>"), ""},
		{"attributes count", rssWith(strings.Repeat("<x:a b='1'/>", (maxFeedNodes-frame)/2+1)), "more than 100000 elements and attributes"},
		{"json 100 levels", []byte(`{"items":[{"x":` + strings.Repeat("[", 97) + strings.Repeat("]", 97) + `}]}`), ""},
		{"json 101 levels", []byte(`{"items":[{"x":` + strings.Repeat("[", 98) + strings.Repeat("]", 98) + `}]}`), "more than 100 levels of nested values"},
		{"not a feed", []byte("hello"), ""},
		{"broken xml", []byte("<rss><channel><item></rss"), ""},
	}
	for _, tt := range tests {
		kept, dropped, err := limitFeed(bytes.Clone(tt.body), maxListed)
		switch {
		case tt.wantErr == "" && (err != nil || dropped != 0 || !bytes.Equal(kept, tt.body)):
			t.Errorf("limitFeed(%s) = %d bytes, %d dropped, %v; want the feed untouched", tt.name, len(kept), dropped, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("limitFeed(%s) error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestParseFeedCutsEntries: RELIABILITY.md item 31. A listing of an
// absurd number of entries yields the first maxListed, the rest counted.
func TestParseFeedCutsEntries(t *testing.T) {
	rdf := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">` +
			`<channel rdf:about="https://a.example/"><title>t</title><link>https://a.example/</link></channel>`)
		for i := range n {
			fmt.Fprintf(&b, `<item rdf:about="https://a.example/%d"><title>%d</title><link>https://a.example/%d</link></item>`, i, i, i)
		}
		b.WriteString("</rdf:RDF>")
		return b.Bytes()
	}
	atom := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0"?><a:feed xmlns:a="http://www.w3.org/2005/Atom"><a:title>t</a:title>`)
		for i := range n {
			fmt.Fprintf(&b, `<a:entry><a:id>urn:%d</a:id><a:title>%d</a:title><a:link href="https://a.example/%d"/></a:entry>`, i, i, i)
		}
		b.WriteString("<a:updated>2024-03-05T09:30:00Z</a:updated></a:feed>")
		return b.Bytes()
	}
	tests := []struct {
		name        string
		body        []byte
		wantItems   int
		wantDropped int
	}{
		{"240,000 items without link or guid", centcomFeed(240_000), maxListed, 230_000},
		{"rss at the limit", centcomFeed(maxListed), maxListed, 0},
		{"rdf", rdf(maxListed + 7), maxListed, 7},
		{"prefixed atom", atom(maxListed + 1), maxListed, 1},
		{"json feed", idOnlyJSONFeed(600_000), maxListed, 590_000},
		{"real feed", realFeed(1000), 1000, 0},
	}
	for _, tt := range tests {
		items, dropped, err := parseFeed(tt.body, "", nil)
		if err != nil || len(items) != tt.wantItems || dropped != tt.wantDropped {
			t.Errorf("parseFeed(%s) = %d items, %d dropped, %v; want %d, %d, nil", tt.name, len(items), dropped, err, tt.wantItems, tt.wantDropped)
			continue
		}
		if last := items[len(items)-1]; !strings.Contains(last.Title+" "+last.GUID, strconv.Itoa(len(items)-1)) {
			t.Errorf("parseFeed(%s) last item %q, want the %dth of the feed", tt.name, last.Title, len(items))
		}
	}
}

// FuzzLimitFeed: the check never panics; a feed gofeed reads is read the
// same after the check, cut to its first entries when it has more.
func FuzzLimitFeed(f *testing.F) {
	for _, name := range []string{"rss2.xml", "atom.xml", "rdf.xml", "jsonfeed.json"} {
		f.Add(readTestdata(f, "feed/"+name), 2)
	}
	f.Add(centcomFeed(5), 3)
	f.Add(idOnlyJSONFeed(4), 1)
	f.Add([]byte(`<rss><channel><item><title>a</title></item><ITEM/><x:item/><item/></channel><item/></rss>`), 1)
	f.Add([]byte(`{"ITEMS":[1,{"a":[]},"x"],"items":[{},{}],"title":"t"}`), 1)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if limit < 1 || limit > 100 {
			return
		}
		kept, dropped, err := limitFeed(bytes.Clone(data), limit)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "more than ") {
				t.Fatalf("limitFeed error %q does not name a limit", err)
			}
			return
		}
		if dropped < 0 || (dropped == 0 && !bytes.Equal(kept, data)) {
			t.Fatalf("limitFeed changed a feed without dropping entries (dropped %d)", dropped)
		}
		whole, werr := gofeed.NewParser().Parse(bytes.NewReader(data))
		if werr != nil || dropped == 0 {
			return
		}
		cut, cerr := gofeed.NewParser().Parse(bytes.NewReader(kept))
		if cerr != nil {
			t.Fatalf("gofeed reads the feed but not its cut (%d dropped): %v\n%s", dropped, cerr, kept)
		}
		if len(cut.Items) > limit || len(cut.Items) > len(whole.Items) {
			t.Fatalf("cut feed has %d items, whole %d, limit %d", len(cut.Items), len(whole.Items), limit)
		}
		for i, it := range cut.Items {
			if it.Title != whole.Items[i].Title || it.GUID != whole.Items[i].GUID {
				t.Fatalf("cut feed item %d = %q, whole feed's = %q", i, it.Title, whole.Items[i].Title)
			}
		}
	})
}

// TestParseListingCutsLinks: a listing page naming more than maxListed
// links yields the first, the rest counted.
func TestParseListingCutsLinks(t *testing.T) {
	items, dropped, err := parseListing(linkPage(maxListed+25), "text/html", mustParse(t, "https://a.example/"), "a.story")
	if err != nil || len(items) != maxListed || dropped != 25 {
		t.Errorf("parseListing(%d links) = %d items, %d dropped, %v; want %d, 25, nil", maxListed+25, len(items), dropped, err, maxListed)
	}
}

// alwaysSeen is a SeenFunc for which every item is known: a Crawl lists
// without fetching articles.
func alwaysSeen(string) (bool, error) { return true, nil }

// TestCrawlHostileFeeds: RELIABILITY.md items 31 and 32 through Crawl. A
// local site serves each hostile feed; the Crawl fails with a *ParseError
// naming the limit while a neighbour feed on the same Crawler still
// works, and an absurdly long feed is cut and its cut reported.
func TestCrawlHostileFeeds(t *testing.T) {
	s := newSite(t)
	s.page("/good.xml", "application/rss+xml", realFeed(3))
	c := newTestCrawler(t, Options{})
	good := Source{Name: "good", Kind: KindFeed, URL: s.URL("/good.xml")}
	for _, tt := range hostileFeeds {
		s.page("/hostile.xml", "application/rss+xml", tt.body())
		res, _, err := c.Crawl(t.Context(), Source{Name: "hostile", Kind: KindFeed, URL: s.URL("/hostile.xml")}, firstPass, alwaysSeen)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Crawl(%s) = %d items, %v; want a *ParseError naming %q", tt.name, res.Items, err, tt.want)
		}
		if res, _, err := c.Crawl(t.Context(), good, firstPass, alwaysSeen); err != nil || res.Items != 3 {
			t.Errorf("Crawl(neighbour feed) after %s = %d items, %v; want 3, nil", tt.name, res.Items, err)
		}
	}
	s.page("/centcom.xml", "application/rss+xml", centcomFeed(240_000))
	res, _, err := c.Crawl(t.Context(), Source{Name: "centcom", Kind: KindFeed, URL: s.URL("/centcom.xml")}, firstPass, alwaysSeen)
	if err != nil || res.Items != maxListed || res.Truncated != 230_000 {
		t.Errorf("Crawl(240,000 items) = %d items, %d truncated, %v; want %d, 230000, nil", res.Items, res.Truncated, err, maxListed)
	}
	s.page("/links.html", "text/html", linkPage(maxListed+3))
	res, _, err = c.Crawl(t.Context(), Source{Name: "links", Kind: KindPage, URL: s.URL("/links.html"), Links: "a.story"}, firstPass, alwaysSeen)
	if err != nil || res.Items != maxListed || res.Truncated != 3 {
		t.Errorf("Crawl(page of %d links) = %d items, %d truncated, %v; want %d, 3, nil", maxListed+3, res.Items, res.Truncated, err, maxListed)
	}
}

// bigIndex is a local site serving a sitemap index of children of many
// URLs each, generated on the fly: child i (1-based) is /sm/i.xml with
// sizes[i-1] entries, each dated one minute apart, the child's index
// <lastmod> i days after base. The index lists the children oldest first,
// as sites list monthly archives.
type bigIndex struct {
	*site
	sizes []int
	base  time.Time
}

func newBigIndex(t testing.TB, sizes []int, base time.Time) *bigIndex {
	b := &bigIndex{site: newSite(t), sizes: sizes, base: base}
	b.set("/index.xml", response{Handler: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range sizes {
			fmt.Fprintf(w, "<sitemap><loc>%s/sm/%d.xml</loc><lastmod>%s</lastmod></sitemap>", b.URL(""), i+1, b.childMod(i+1).Format(time.RFC3339))
		}
		fmt.Fprint(w, "</sitemapindex>")
	}})
	for i := range sizes {
		n := i + 1
		b.set(fmt.Sprintf("/sm/%d.xml", n), response{Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("ETag", fmt.Sprintf(`"sm%d"`, n))
			bw := bytes.NewBuffer(make([]byte, 0, 64<<10))
			bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
			for j := range sizes[n-1] {
				fmt.Fprintf(bw, "<url><loc>%s/a/%d/%d</loc><lastmod>%s</lastmod></url>", b.URL(""), n, j,
					b.childMod(n).Add(-time.Duration(j)*time.Minute).Format(time.RFC3339))
				if bw.Len() > 60<<10 {
					w.Write(bw.Bytes())
					bw.Reset()
				}
			}
			bw.WriteString("</urlset>")
			w.Write(bw.Bytes())
		}})
	}
	return b
}

func (b *bigIndex) childMod(n int) time.Time { return b.base.Add(time.Duration(n) * 24 * time.Hour) }

func (b *bigIndex) child(n int) string { return fmt.Sprintf("%s/sm/%d.xml", b.URL(""), n) }

// TestCrawlHugeSitemapIndex: RELIABILITY.md item 33. An index of 50
// children of 50,000 URLs each is streamed and cut at maxSitemapListed
// entries, the newest children first; the child cut short is not
// remembered as read, so the next pass reads it again, and a second pass
// moves on to the children the first could not take.
func TestCrawlHugeSitemapIndex(t *testing.T) {
	sizes := make([]int, 50)
	for i := range sizes {
		sizes[i] = 50_000
	}
	sizes[49] = 30_000 // the newest: the next one is cut after 20,000
	b := newBigIndex(t, sizes, testNow.Add(-60*24*time.Hour))
	c := newTestCrawler(t, Options{})
	src := Source{Name: "index", Kind: KindSitemap, URL: b.URL("/index.xml")}
	res, st, err := c.Crawl(t.Context(), src, firstPass, alwaysSeen)
	if err != nil {
		t.Fatalf("Crawl(50 × 50,000 index) error: %v", err)
	}
	// 30,000 of the newest child, 20,000 of the next; the next's other
	// 30,000 are dropped after reading, the 48 children left unread count
	// one entry each.
	if res.Items != maxSitemapListed || res.Truncated != 30_000+48 {
		t.Errorf("Crawl(50 × 50,000 index) = %d items, %d truncated; want %d, %d", res.Items, res.Truncated, maxSitemapListed, 30_000+48)
	}
	if got := b.totalHits("/sm/"); got != 2 || b.hitsOf("/sm/50.xml") != 1 || b.hitsOf("/sm/49.xml") != 1 {
		t.Errorf("Crawl(50 × 50,000 index) fetched %d children (/sm/50.xml %d times, /sm/49.xml %d); want only the two newest",
			got, b.hitsOf("/sm/50.xml"), b.hitsOf("/sm/49.xml"))
	}
	if _, ok := st.Children[b.child(50)]; !ok || len(st.Children) != 1 {
		t.Errorf("Crawl(50 × 50,000 index) children = %v, want only the newest, read in full (not the one cut short)", keysOf(st.Children))
	}

	// Next pass: the newest is unchanged by its lastmod and not fetched;
	// the one cut short is read again, in full now, which uses up the
	// limit: the 48 older children are left for the passes after.
	res, st, err = c.Crawl(t.Context(), src, st, alwaysSeen)
	if err != nil {
		t.Fatalf("second Crawl(50 × 50,000 index) error: %v", err)
	}
	if b.hitsOf("/sm/50.xml") != 1 || b.hitsOf("/sm/49.xml") != 2 || b.totalHits("/sm/") != 3 {
		t.Errorf("second Crawl fetched /sm/50.xml %d, /sm/49.xml %d, /sm/48.xml %d times, %d in all; want 1, 2, 0, 3",
			b.hitsOf("/sm/50.xml"), b.hitsOf("/sm/49.xml"), b.hitsOf("/sm/48.xml"), b.totalHits("/sm/"))
	}
	_, has50 := st.Children[b.child(50)]
	_, has49 := st.Children[b.child(49)]
	if !has50 || !has49 || len(st.Children) != 2 || res.Items != 80_000 || res.Truncated != 48 {
		t.Errorf("second Crawl = %d items, %d truncated, children %v; want 80000 (30,000 of them remembered), 48, /sm/50.xml and /sm/49.xml",
			res.Items, res.Truncated, keysOf(st.Children))
	}
}

// TestCrawlSitemapIndexMaxAge: children whose index lastmod is older than
// MaxAge are not fetched, and entries too old do not use up the limit, so
// an index listing its archives oldest first reaches its newest child.
func TestCrawlSitemapIndexMaxAge(t *testing.T) {
	sizes := make([]int, 50)
	for i := range sizes {
		sizes[i] = 50_000
	}
	// Child n is dated testNow - (50-n) days; MaxAge of 2.5 days keeps
	// the three newest, whose entries go back a minute each, 50,000
	// minutes (34 days): most are too old.
	b := newBigIndex(t, sizes, testNow.Add(-50*24*time.Hour))
	c := newTestCrawler(t, Options{})
	res, st, err := c.Crawl(t.Context(), Source{Name: "index", Kind: KindSitemap, URL: b.URL("/index.xml"), MaxAge: 60 * time.Hour}, firstPass, alwaysSeen)
	if err != nil {
		t.Fatalf("Crawl(index, max_age) error: %v", err)
	}
	// Entries within 60 hours, a minute apart: 3,601 of the newest, 2,161
	// and 721 of the next two.
	if want := 3601 + 2161 + 721; res.Items != want || res.Truncated != 0 || b.totalHits("/sm/") != 3 {
		t.Errorf("Crawl(index, max_age) = %d items, %d truncated, %d children fetched; want %d, 0, 3",
			res.Items, res.Truncated, b.totalHits("/sm/"), want)
	}
	if len(st.Children) != 3 {
		t.Errorf("Crawl(index, max_age) children = %v, want the three read", keysOf(st.Children))
	}
}

func keysOf(m crawlstate.SitemapChildren) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func TestChildModified(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-03-05T09:30:00+01:00", time.Date(2024, 3, 5, 8, 30, 0, 0, time.UTC)},
		{"2024-03-05", time.Date(2024, 3, 6, 12, 0, 0, 0, time.UTC)},
		{"", time.Time{}},
		{"yesterday", time.Time{}},
	}
	for _, tt := range tests {
		if got := childModified(tt.in); !got.Equal(tt.want) {
			t.Errorf("childModified(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNewestFirst(t *testing.T) {
	at := func(h int) time.Time { return testNow.Add(time.Duration(h) * time.Hour) }
	refs := []sitemapRef{{Loc: "old", Modified: at(-48)}, {Loc: "undated1"}, {Loc: "new", Modified: at(0)}, {Loc: "undated2"}, {Loc: "mid", Modified: at(-24)}}
	var got []string
	for _, r := range newestFirst(refs) {
		got = append(got, r.Loc)
	}
	if want := "undated1 undated2 new mid old"; strings.Join(got, " ") != want {
		t.Errorf("newestFirst = %v, want %s", got, want)
	}
}
