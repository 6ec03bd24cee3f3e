package matcher

import (
	"strings"
	"testing"
)

// steps runs Match's work on one article and returns the work counted:
// words read, trie steps, sorting comparisons, passes over candidates and
// NEAR sweeps.
func steps(m *Matcher, title, text string) int {
	sc := m.getScratch()
	defer m.scratch.Put(sc)
	m.collect(sc, title, text)
	art := article{title: title, text: text}
	for c := sc.cands; len(c) > 0; {
		n := 1
		for n < len(c) && c[n].watch == c[0].watch {
			n++
		}
		if o := m.evaluate(sc, c[0].watch, c[:n]); o.fires {
			m.hit(sc, c[0].watch, c[:n], &art, &o)
		}
		c = c[n:]
	}
	return sc.words + sc.steps
}

// TestLinearTime checks that matching does no more than a constant amount
// of work per word, by counting steps rather than timing: on inputs built
// to provoke quadratic behaviour (long runs of a word that starts many
// overlapping spellings, a prefix and NEAR over thousands of occurrences,
// excludes and case misses everywhere), the steps grow in proportion to
// the text, and never exceed a fixed number per word.
func TestLinearTime(t *testing.T) {
	deep := Watch{Name: "deep", Terms: []Term{
		{Name: "a a a a a a a a b"}, {Name: "a a a a a a a a"}, {Name: "a a"}, {Name: "a"},
	}}
	near := Watch{Name: "near", Terms: []Term{{Name: "a"}}, Query: parse(t, `(a* OR b) NEAR/3 (b OR "a a"*) AND NOT c`)}
	excl := Watch{Name: "excl", Terms: []Term{{
		Name:     "isis",
		Variants: []Variant{{Text: "IS", CaseSensitive: true}},
		Exclude:  []string{"isis isis", "a isis"},
	}}}
	arabic := Watch{Name: "arabic", Terms: []Term{{Name: "الهول"}, {Name: "هول هول"}, {Name: "d'a"}}}
	tests := []struct {
		name  string
		watch Watch
		unit  string
	}{
		{"deep trie", deep, "a a a a a a a a a a "},
		{"prefix and NEAR", near, "a b aa ab a a "},
		{"excludes and case misses", excl, "isis isis Isis a isis is IS "},
		{"clitics and apostrophes", arabic, "والهول للهول هول هول d'a d'a'a "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compile(t, tt.watch)
			var s [3]int // steps for 1, 2 and 4 times the text
			for k := range s {
				text := strings.Repeat(tt.unit, 400<<k)
				s[k] = steps(m, text, text)
			}
			// Work linear in the text grows by equal amounts for equal
			// growth of the text; quadratic work would grow twice as fast.
			if d1, d2 := s[1]-s[0], s[2]-s[1]; float64(d2) > 2.05*float64(d1) {
				t.Errorf("steps(1×, 2×, 4× text) = %v: growth %d then %d, want at most about twice", s, d1, d2)
			}
			words := 2 * (400 << 2) * len(strings.Fields(tt.unit))
			if perWord := float64(s[2]) / float64(words); perWord > 60 {
				t.Errorf("steps per word = %.1f (%d steps, %d words), want at most 60", perWord, s[2], words)
			}
		})
	}
}
