package highlight

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/internal/textsafe"
	"github.com/newshound/newshound/news"
)

// span returns the span of the first occurrence of sub in s.
func span(s, sub string) news.Span {
	i := strings.Index(s, sub)
	if i < 0 {
		panic("no " + sub + " in " + s)
	}
	return news.Span{Start: i, End: i + len(sub)}
}

func TestSplit(t *testing.T) {
	const ar = "غادرت عائلات مخيم الهول"
	tests := []struct {
		name  string
		s     string
		spans []news.Span
		max   int
		want  []Piece
	}{
		{"no spans", "plain text", nil, 100, []Piece{{"plain text", false}}},
		{"empty", "", []news.Span{{Start: 0, End: 0}}, 100, nil},
		{"one hit", "left al-Hol camp", []news.Span{{Start: 5, End: 11}}, 100,
			[]Piece{{"left ", false}, {"al-Hol", true}, {" camp", false}}},
		{"whole string", "al-Hol", []news.Span{{Start: 0, End: 6}}, 100, []Piece{{"al-Hol", true}}},
		{"unsorted", "a b c", []news.Span{{Start: 4, End: 5}, {Start: 0, End: 1}}, 100,
			[]Piece{{"a", true}, {" b ", false}, {"c", true}}},
		{"touching hits merge", "alHol x", []news.Span{{Start: 0, End: 2}, {Start: 2, End: 5}}, 100,
			[]Piece{{"alHol", true}, {" x", false}}},
		{"overlap: earlier wins", "abcdef", []news.Span{{Start: 2, End: 5}, {Start: 0, End: 3}}, 100,
			[]Piece{{"abc", true}, {"def", false}}},
		{"same start: longer wins", "abcdef", []news.Span{{Start: 0, End: 2}, {Start: 0, End: 4}}, 100,
			[]Piece{{"abcd", true}, {"ef", false}}},
		{"out of range, reversed, empty, negative", "abc",
			[]news.Span{{Start: 1, End: 9}, {Start: 2, End: 1}, {Start: 1, End: 1}, {Start: -1, End: 2}, {Start: 3, End: 4}}, 100, []Piece{{"abc", false}}},
		{"arabic hit", ar, []news.Span{span(ar, "الهول")}, 100,
			[]Piece{{"غادرت عائلات مخيم ", false}, {"الهول", true}}},
		{"inside a character", ar, []news.Span{{Start: 1, End: 4}}, 100, []Piece{{ar, false}}},
		{"invalid bytes replaced", "a\xffb al-Hol", []news.Span{{Start: 4, End: 10}}, 100,
			[]Piece{{"a\uFFFDb ", false}, {"al-Hol", true}}},
		{"edge next to invalid byte", "\xffab", []news.Span{{Start: 1, End: 3}}, 100, []Piece{{"\uFFFDab", false}}},
		{"cut before the hit", "one two al-Hol", []news.Span{{Start: 8, End: 14}}, 5,
			[]Piece{{"one …", false}}},
		{"cut inside the hit", "one al-Hol two", []news.Span{{Start: 4, End: 10}}, 7,
			[]Piece{{"one ", false}, {"al", true}, {"…", false}}},
		{"fits exactly", "al-Hol", []news.Span{{Start: 0, End: 6}}, 6, []Piece{{"al-Hol", true}}},
		{"no limit", "al-Hol", []news.Span{{Start: 0, End: 6}}, 0, []Piece{{"al-Hol", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.s, tt.spans, tt.max)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Split(%q, %v, %d) mismatch (-want +got):\n%s", tt.s, tt.spans, tt.max, diff)
			}
		})
	}
}

func TestMark(t *testing.T) {
	ps := []Piece{{"left ", false}, {"al-Hol", true}, {" and ", false}, {"الهول", true}}
	if got, want := Mark(ps, "«", "»"), "left «al-Hol» and «الهول»"; got != want {
		t.Errorf("Mark(%v) = %q, want %q", ps, got, want)
	}
}

// FuzzSplit: for any snippet and spans, Split never panics, its pieces
// join to textsafe.Truncate(s, max), are valid UTF-8, never empty, alternate
// between hit and plain, and (when nothing is cut) the hits are exactly
// the usable spans' texts.
func FuzzSplit(f *testing.F) {
	f.Add("left al-Hol camp", 5, 11, 2, 4, 100)
	f.Add("غادرت عائلات مخيم الهول", 1, 4, 0, 10, 5)
	f.Add("a\xffb\xc3", 1, 2, 2, 3, 3)
	f.Add("", 0, 0, -5, 7, 0)
	f.Fuzz(func(t *testing.T, s string, s1, e1, s2, e2, max int) {
		max %= 2000
		spans := []news.Span{{Start: s1, End: e1}, {Start: s2, End: e2}}
		ps := Split(s, spans, max)
		var joined strings.Builder
		for i, p := range ps {
			joined.WriteString(p.Text)
			if p.Text == "" || !utf8.ValidString(p.Text) {
				t.Errorf("piece %d = %q: empty or invalid UTF-8", i, p.Text)
			}
			if i > 0 && ps[i-1].Hit == p.Hit {
				t.Errorf("pieces %d and %d are both hit=%v", i-1, i, p.Hit)
			}
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if max > 0 {
			want = textsafe.Truncate(s, max)
		}
		if joined.String() != want {
			t.Fatalf("Split(%q, %v, %d) joins to %q, want %q", s, spans, max, joined.String(), want)
		}
		if max > 0 && utf8.RuneCountInString(want) < utf8.RuneCountInString(strings.ToValidUTF8(s, "\uFFFD")) {
			return // cut: the last hit may be partial
		}
		var hits, usable []string
		for _, p := range ps {
			if p.Hit {
				hits = append(hits, p.Text)
			}
		}
		prevEnd := -1
		for _, sp := range Usable(s, spans) {
			text := strings.ToValidUTF8(s[sp.Start:sp.End], "\uFFFD")
			if sp.Start == prevEnd && len(usable) > 0 {
				usable[len(usable)-1] += text // touching hits merge
			} else {
				usable = append(usable, text)
			}
			prevEnd = sp.End
		}
		if diff := cmp.Diff(usable, hits); diff != "" {
			t.Errorf("Split(%q, %v) hits mismatch (-usable +hits):\n%s", s, spans, diff)
		}
	})
}
