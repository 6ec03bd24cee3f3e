package crawler

import (
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"

	"github.com/newshound/newshound/matcher"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// legacyPage is an article page in a legacy encoding: meta is the only
// place the encoding is declared (the server says just text/html), and
// pad bytes of plain ASCII <head> matter (scripts, styles, link tags)
// come before it.
func legacyPage(t *testing.T, enc encoding.Encoding, meta string, pad int, title string, paragraphs ...string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head>\n")
	for i := 0; b.Len() < pad; i++ {
		fmt.Fprintf(&b, "<link rel=\"preload\" href=\"/static/asset-%03d.js\" as=\"script\">\n", i)
	}
	fmt.Fprintf(&b, "%s\n<title>%s</title></head><body><nav><a href=\"/\">Home</a></nav><article><h1>%s</h1>\n",
		meta, html.EscapeString(title), html.EscapeString(title))
	for _, p := range paragraphs {
		fmt.Fprintf(&b, "<p>%s</p>\n", html.EscapeString(p))
	}
	b.WriteString("</article><footer>Wombat desk</footer></body></html>")
	out, err := enc.NewEncoder().Bytes([]byte(b.String()))
	if err != nil {
		t.Fatalf("encode page: %v", err)
	}
	return out
}

var (
	russianTitle = "Министерство обороны сообщило об учениях"
	russianText  = []string{
		"Министерство обороны России во вторник сообщило о начале масштабных учений в нескольких регионах страны, в которых примут участие тысячи военнослужащих.",
		"По словам представителей ведомства, учения продлятся до конца недели, а их итоги будут подведены на совещании в столице в следующем месяце.",
	}
	chineseTitle = "国防部就演习答记者问"
	chineseText  = []string{
		"本周二，国防部新闻发言人在例行记者会上表示，此次联合演习旨在检验部队的协同作战能力，不针对任何第三方。演习将持续到本周末，参演部队来自多个战区。",
		"发言人还说，有关方面将在演习结束后公布详细情况，并欢迎各国媒体继续关注。记者会持续了大约一个小时，共有二十多家媒体参加。",
	}
	arabicTitle = "قوات الأمن تداهم مخيم الهول"
	arabicText  = []string{
		"داهمت قوات الأمن مخيم الهول في شمال شرق سوريا يوم الثلاثاء واعتقلت العشرات من الأشخاص المشتبه في صلتهم بجماعات مسلحة، بحسب ما قال مسؤولون.",
		"وقالت القيادة الإقليمية في بيان إن العملية بدأت قبل الفجر وشارك فيها عدة مئات من العناصر والعربات المدرعة، وإنها ستستمر في الأيام المقبلة.",
	}
)

// TestCrawlHardenedCharsets (item 24): windows-1251, GBK and windows-1256
// pages whose encoding is declared only in a <meta>, served as plain
// text/html, are decoded, and terms in those scripts match. The feed
// titles are ASCII, so the titles tested come from the pages.
//
// A <meta> after the first 1024 bytes is past the HTML prescan, but the
// HTML Standard does not stop there: when the tree builder meets a
// <meta charset> while the encoding is still tentative, it changes the
// encoding and re-parses ("change the encoding", §13.2.3.4), which is
// what browsers do. So the page a reader sees is the decoded one, and
// that is what correct means here too.
func TestCrawlHardenedCharsets(t *testing.T) {
	tests := []struct {
		name, path  string
		body        []byte
		watch, term string
		title, text string
	}{
		{"windows-1251 meta charset", "/ru", legacyPage(t, charmap.Windows1251, `<meta charset="windows-1251">`, 0, russianTitle, russianText...),
			"ru", "Министерство обороны", russianTitle, russianText[0]},
		{"GBK http-equiv", "/zh", legacyPage(t, simplifiedchinese.GBK, `<meta http-equiv="Content-Type" content="text/html; charset=gbk">`, 0, chineseTitle, chineseText...),
			"zh", "国防部", chineseTitle, chineseText[0]},
		{"windows-1256 meta after byte 1024", "/ar-late", legacyPage(t, charmap.Windows1256, `<meta charset="windows-1256">`, 1500, arabicTitle, arabicText...),
			"ar", "مخيم الهول", arabicTitle, arabicText[0]},
		{"windows-1251 meta after byte 1024", "/ru-late", legacyPage(t, charmap.Windows1251, `<meta http-equiv="content-type" content="text/html; charset=windows-1251">`, 1100, russianTitle, russianText...),
			"ru", "Министерство обороны", russianTitle, russianText[0]},
	}
	var ws []matcher.Watch
	for _, w := range [][2]string{{"ru", "Министерство обороны"}, {"zh", "国防部"}, {"ar", "مخيم الهول"}} {
		ws = append(ws, matcher.Watch{Name: w[0], Terms: []matcher.Term{{Name: w[1]}}})
	}
	m, err := matcher.Compile(ws)
	if err != nil {
		t.Fatal(err)
	}
	h := newHealthy(t)
	c := newTestCrawler(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSite(t)
			s.page(tt.path, "text/html", tt.body)
			s.page("/feed", "application/rss+xml", []byte(rssFeed(entry{link: s.URL(tt.path)})))
			res, _, err := c.Crawl(t.Context(), Source{Name: tt.watch, Kind: KindFeed, URL: s.URL("/feed")}, firstPass, neverSeen)
			if err != nil || len(res.Articles) != 1 {
				t.Fatalf("Crawl = %d articles, %v, errors %v; want 1", len(res.Articles), err, res.Errors)
			}
			a := res.Articles[0]
			if a.Title != tt.title || !strings.Contains(a.Text, tt.text) {
				t.Errorf("article = title %q, text %q; want title %q and the text decoded", a.Title, a.Text, tt.title)
			}
			var fired []string
			for _, hit := range m.Match(a.Title, a.Text) {
				fired = append(fired, hit.Watch)
			}
			if !slices.Equal(fired, []string{tt.watch}) {
				t.Errorf("Match(decoded article) fired %q, want only %q (term %q)", fired, tt.watch, tt.term)
			}
			h.check(t, c, tt.name)
		})
	}
}
