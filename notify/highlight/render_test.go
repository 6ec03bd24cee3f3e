package highlight

import (
	"html"
	"strings"
	"testing"

	"github.com/newshound/newshound/news"
)

func TestHTML(t *testing.T) {
	for _, tc := range []struct {
		in   []Piece
		want string
	}{
		{nil, ""},
		{[]Piece{{Text: "at "}, {Text: "al-Hol", Hit: true}, {Text: " <b>"}}, "at <mark>al-Hol</mark> &lt;b&gt;"},
		{[]Piece{{Text: `<script>"x"&'y'</script>`, Hit: true}}, "<mark>&lt;script&gt;&#34;x&#34;&amp;&#39;y&#39;&lt;/script&gt;</mark>"},
		{[]Piece{{Text: "</mark><img onerror=alert(1)>", Hit: true}}, "<mark>&lt;/mark&gt;&lt;img onerror=alert(1)&gt;</mark>"},
	} {
		if got := HTML(tc.in); got != tc.want {
			t.Errorf("HTML(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzHTML: whatever the snippet and spans, the only markup in HTML's
// output is balanced <mark> pairs, and unescaping it without the markers
// gives the snippet's text back.
func FuzzHTML(f *testing.F) {
	f.Add("at al-Hol <b>", 3, 9, 0, 2)
	f.Add(`</mark><script>alert(1)</script>&amp;`, 0, 7, 8, 16)
	f.Add("غادرت \xff عائلات", 0, 10, 12, 20)
	f.Fuzz(func(t *testing.T, s string, s1, e1, s2, e2 int) {
		ps := Split(s, []news.Span{{Start: s1, End: e1}, {Start: s2, End: e2}}, 500)
		got := HTML(ps)
		bare := strings.ReplaceAll(strings.ReplaceAll(got, "<mark>", ""), "</mark>", "")
		if strings.ContainsAny(bare, "<>\"'") {
			t.Errorf("HTML(%q) = %q holds markup besides <mark>", s, got)
		}
		if strings.Count(got, "<mark>") != strings.Count(got, "</mark>") {
			t.Errorf("HTML(%q) = %q has unbalanced <mark>", s, got)
		}
		if html.UnescapeString(bare) != Mark(ps, "", "") {
			t.Errorf("HTML(%q) unescapes to %q, want %q", s, html.UnescapeString(bare), Mark(ps, "", ""))
		}
	})
}
