package slack

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/newshound/newshound/news"
	"github.com/newshound/newshound/notify/highlight"
	"github.com/newshound/newshound/notify/notifytest"
)

func TestMarkedSnippet(t *testing.T) {
	tests := []struct {
		name   string
		pieces []highlight.Piece
		max    int
		want   string
	}{
		{"plain", []highlight.Piece{{Text: "a <b> & c"}}, 100, "a &lt;b&gt; &amp; c"},
		{"one hit", []highlight.Piece{{Text: "left "}, {Text: "al-Hol", Hit: true}, {Text: " camp"}}, 100,
			"left *al-Hol* camp"},
		{"escaped inside bold", []highlight.Piece{{Text: "<!channel>", Hit: true}}, 100, "*&lt;!channel&gt;*"},
		{"formatting characters dropped in bold", []highlight.Piece{{Text: "*a_b~c`d*", Hit: true}}, 100, "*abcd*"},
		{"only formatting characters", []highlight.Piece{{Text: "x "}, {Text: "**", Hit: true}}, 100, "x "},
		{"spaces kept outside bold", []highlight.Piece{{Text: "x"}, {Text: " al Hol\n", Hit: true}}, 100, "x *al Hol* "},
		{"blank hit", []highlight.Piece{{Text: "x"}, {Text: "  ", Hit: true}, {Text: "y"}}, 100, "x  y"},
		{"cut inside bold closes it", []highlight.Piece{{Text: "ab "}, {Text: "cdefgh", Hit: true}}, 8, "ab *cd*…"},
		{"no room for a bold rune", []highlight.Piece{{Text: "abcd "}, {Text: "efg", Hit: true}}, 8, "abcd …"},
		{"cut never splits an entity", []highlight.Piece{{Text: "a"}, {Text: "<b", Hit: true}}, 7, "a…"},
		{"cut after an entity in bold", []highlight.Piece{{Text: "a"}, {Text: "<b", Hit: true}}, 8, "a*&lt;*…"},
		{"whole bold fits", []highlight.Piece{{Text: "a"}, {Text: "<b", Hit: true}}, 9, "a*&lt;b*"},
		// As textsafe.SlackText: one unit stays free for "…", so the fit is max-1.
		{"fits with one unit spare", []highlight.Piece{{Text: "ab"}, {Text: "c", Hit: true}}, 6, "ab*c*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := highlight.SlackPieces(tt.pieces, tt.max)
			if got != tt.want {
				t.Errorf("SlackPieces(%v, %d) = %q, want %q", tt.pieces, tt.max, got, tt.want)
			}
			if n := len(utf16.Encode([]rune(got))); n > tt.max {
				t.Errorf("SlackPieces(%v, %d) is %d units long", tt.pieces, tt.max, n)
			}
		})
	}
}

func TestWordSpans(t *testing.T) {
	s := "غادرت والهول x al-Hol's CENTCOM"
	tests := []struct {
		name string
		in   news.Span
		want string
	}{
		{"clitic before the hit", span(s, "الهول"), "والهول"},
		{"whole word unchanged", span(s, "CENTCOM"), "CENTCOM"},
		{"hyphen and apostrophe stop the widening", span(s, "Hol"), "Hol"},
		{"start of the string", news.Span{Start: 0, End: 2}, "غادرت"},
	}
	for _, tt := range tests {
		got := highlight.SlackWordSpans(s, []news.Span{tt.in})
		if len(got) != 1 || s[got[0].Start:got[0].End] != tt.want {
			t.Errorf("SlackWordSpans(%q, %v) = %v, want the span of %q", s, tt.in, got, tt.want)
		}
	}
	if got := highlight.SlackWordSpans(s, []news.Span{{Start: 1, End: 3}}); len(got) != 0 {
		t.Errorf("highlight.SlackWordSpans(span inside a letter) = %v, want it dropped", got)
	}
}

func span(s, sub string) news.Span {
	i := strings.Index(s, sub)
	return news.Span{Start: i, End: i + len(sub)}
}

func TestPayloadFired(t *testing.T) {
	for _, tc := range []struct{ fired, want string }{
		{`"al Hol" AND transfer*`, "*Fired:* `\"al Hol\" AND transfer*`"},
		{"a `b` <!channel>\nc", "*Fired:* `a 'b' &lt;!channel&gt; c`"},
	} {
		a := notifytest.SampleAlert()
		a.Fired = tc.fired
		body, err := Payload(a)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, body).Blocks[3].Text.Text; got != tc.want {
			t.Errorf("Payload(fired %q) fired section = %q, want %q", tc.fired, got, tc.want)
		}
	}
	a := notifytest.SampleAlert()
	a.Fired = ""
	body, err := Payload(a)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range decode(t, body).Blocks {
		if b.Text != nil && strings.HasPrefix(b.Text.Text, "*Fired:*") {
			t.Errorf("Payload(no fired) has a fired section %q", b.Text.Text)
		}
	}
}

// FuzzMarkedSnippet: whatever the snippet and spans, the quote section is
// inert, one line and within Slack's limit, and when the snippet holds no
// formatting character of its own, every bold marker we add is closed and
// wraps at least one character.
func FuzzMarkedSnippet(f *testing.F) {
	f.Add("left al-Hol camp", 5, 11, 0, 4)
	f.Add("*x* <!channel> _y_", 0, 3, 4, 14)
	f.Add(strings.Repeat("&<>", 700)+"الهول", 2090, 2100, 0, 9)
	f.Fuzz(func(t *testing.T, snippet string, s1, e1, s2, e2 int) {
		a := notifytest.SampleAlert()
		a.Snippet = snippet
		a.Highlights = []news.Span{{Start: s1, End: e1}, {Start: s2, End: e2}}
		body, err := Payload(a)
		if err != nil {
			t.Fatalf("Payload: %v", err)
		}
		var m decoded
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		checkMessage(t, m)
		if snippet == "" || strings.ContainsAny(snippet, "*_~`") {
			return
		}
		quote := strings.TrimPrefix(m.Blocks[len(m.Blocks)-1].Text.Text, "> ")
		if strings.Count(quote, "*")%2 != 0 || strings.Contains(quote, "**") {
			t.Errorf("snippet %q with spans %v renders %q: unbalanced or empty bold", snippet, a.Highlights, quote)
		}
	})
}
