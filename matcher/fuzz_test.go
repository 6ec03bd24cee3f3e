package matcher

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzMatch(f *testing.F) {
	watches := append(goldenWatches(),
		Watch{Name: "tricky", Terms: []Term{
			{Name: "U.S.", Variants: vs("1/2", "CENTCOM's", "x's's", "ß", "ǅ")},
			{Name: "al Hol camp", Variants: vs("Hay’at", "a b c d", "a b")},
		}},
	)
	m, err := Compile(watches)
	if err != nil {
		f.Fatal(err)
	}
	variants := make(map[string][]string) // watch/term → normalised spellings
	for _, w := range watches {
		for _, t := range w.Terms {
			for _, v := range append([]Variant{{Text: t.Name}}, t.Variants...) {
				variants[w.Name+"/"+t.Name] = append(variants[w.Name+"/"+t.Name], Normalize(v.Text))
			}
		}
	}
	seeds := [][2]string{
		{"CENTCOM’s plan", "al‑Hol and al\nHol; Ḥasakah. الْهَوْل"},
		{"", "a b c d a b a b c"},
		{"U.S.", "½ ⑴ ŉ ᾳ ẞ ǅ x's's \xff al\xffHol"},
		{"", strings.Repeat("ISIS ", 100)},
		{"Hay'at", "في ديسمبر ٢٠٢٤ أحمد الشرع"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		hits := m.Match(title, text)
		prev := -1
		for _, h := range hits {
			wi := watchIndex(watches, h.Watch)
			if wi <= prev {
				t.Fatalf("Match(%q, %q): watch %q out of order", title, text, h.Watch)
			}
			prev = wi
			if len(h.Matches) == 0 {
				t.Fatalf("Match(%q, %q): watch %q fired without matches", title, text, h.Watch)
			}
			if n := utf8.RuneCountInString(h.Snippet); n > snippetMax || !utf8.ValidString(h.Snippet) {
				t.Fatalf("Match(%q, %q): snippet %q: %d runes, valid UTF-8 %v", title, text, h.Snippet, n, utf8.ValidString(h.Snippet))
			}
			for _, mt := range h.Matches {
				checkMatch(t, title, text, variants[h.Watch+"/"+mt.Term], mt.Seen, mt.Count)
			}
		}
	})
}

func checkMatch(t *testing.T, title, text string, variants, seen []string, count int) {
	t.Helper()
	if count < 1 || len(seen) == 0 || len(seen) > count {
		t.Fatalf("Match(%q, %q): count %d with seen %q", title, text, count, seen)
	}
	for _, s := range seen {
		if !strings.Contains(title, s) && !strings.Contains(text, s) {
			t.Fatalf("Match(%q, %q): seen %q is not in the input", title, text, s)
		}
		if !utf8.ValidString(s) {
			t.Fatalf("Match(%q, %q): seen %q is not valid UTF-8", title, text, s)
		}
		n, ok := Normalize(s), false
		for _, v := range variants {
			ok = ok || strings.Contains(n, v)
		}
		if !ok {
			t.Fatalf("Match(%q, %q): seen %q (%q) is none of %q", title, text, s, n, variants)
		}
	}
}

func watchIndex(ws []Watch, name string) int {
	for i, w := range ws {
		if w.Name == name {
			return i
		}
	}
	return -1
}
