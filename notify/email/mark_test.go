package email

import (
	htmltemplate "html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/notify/notifytest"
)

func TestSanitizePieces(t *testing.T) {
	type P = highlight.Piece
	tests := []struct {
		name string
		in   []P
		want []P
	}{
		{"plain", []P{{Text: "a  b"}}, []P{{Text: "a b"}}},
		{"spaces collapse across pieces", []P{{Text: "held at "}, {Text: " al-Hol", Hit: true}, {Text: "\n camp"}},
			[]P{{Text: "held at "}, {Text: "al-Hol", Hit: true}, {Text: " camp"}}},
		{"leading and trailing trimmed", []P{{Text: " \n"}, {Text: " x ", Hit: true}, {Text: "\r\n"}},
			[]P{{Text: "x", Hit: true}}},
		{"line break in a hit", []P{{Text: "a "}, {Text: "al\nHol", Hit: true}}, []P{{Text: "a "}, {Text: "al Hol", Hit: true}}},
		{"empty", nil, []P{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, sanitizePieces(tt.in)); diff != "" {
			t.Errorf("sanitizePieces(%s) mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

// snippetQuote captures the snippet quote of the HTML part.
var snippetQuote = regexp.MustCompile(`(?s)<blockquote dir="auto">(.*?)</blockquote>`)

// FuzzSnippetHTML: whatever the snippet and spans, the HTML quote holds
// no tag but balanced <mark> pairs, the text part's quote is one line,
// and both say the same as the plain snippet once markers are removed.
func FuzzSnippetHTML(f *testing.F) {
	for _, tc := range notifytest.Hostile() {
		f.Add(tc.Alert.Snippet, 17, 23, 0, 4)
	}
	f.Fuzz(func(t *testing.T, snippet string, s1, e1, s2, e2 int) {
		tmpl := htmltemplate.Must(htmltemplate.New("html").Parse(htmlBody))
		a := notifytest.SampleAlert()
		a.Snippet = snippet
		a.Highlights = []news.Span{{Start: s1, End: e1}, {Start: s2, End: e2}}
		v := newView(a)
		var html strings.Builder
		if err := tmpl.Execute(&html, v); err != nil {
			t.Fatalf("render html: %v", err)
		}
		m := snippetQuote.FindStringSubmatch(html.String())
		if m == nil {
			if len(v.Snippet) != 0 {
				t.Fatalf("no quote in HTML for snippet %q", snippet)
			}
			return
		}
		rest := strings.ReplaceAll(strings.ReplaceAll(m[1], "<mark>", ""), "</mark>", "")
		if strings.ContainsAny(rest, "<>") {
			t.Errorf("HTML quote %q holds markup besides <mark>", m[1])
		}
		if strings.Count(m[1], "<mark>") != strings.Count(m[1], "</mark>") {
			t.Errorf("HTML quote %q has unbalanced <mark>", m[1])
		}
		notifytest.AssertOneLine(t, "text quote", v.SnippetText)
		plain := sanitizeHeader(highlight.Mark(highlight.Split(snippet, nil, MaxSnippetRunes), "", ""))
		if got := highlight.Mark(v.Snippet, "", ""); got != plain {
			t.Errorf("snippet pieces join to %q, want %q", got, plain)
		}
	})
}
