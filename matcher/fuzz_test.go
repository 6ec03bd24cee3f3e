package matcher

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newshound/newshound/matcher/query"
)

// fuzzWatches are the golden watches plus watches with tricky spellings,
// case rules, excludes, clitics, prefixes and queries.
func fuzzWatches(t testing.TB) []Watch {
	return append(goldenWatches(),
		Watch{Name: "tricky", Terms: []Term{
			{Name: "U.S.", Variants: vs("1/2", "CENTCOM's", "x's's", "ß", "ǅ")},
			{Name: "al Hol camp", Variants: vs("Hay’at", "a b c d", "a b")},
		}},
		Watch{Name: "entities", Terms: []Term{
			{Name: "ISIS", Variants: []Variant{{Text: "IS", CaseSensitive: true}, {Text: "داعش"}}, Exclude: []string{"Isis River", "a IS b"}},
			{Name: "مخيم الهول", Variants: vs("Idlib", "İdlib")},
		}},
		detainees(t, `("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`, 2),
		Watch{Name: "near", Terms: []Term{{Name: "a"}}, Query: parse(t, `title:(a OR b*) OR a NEAR/2 (a OR "c d"*)`)},
		Watch{Name: "cjk", Terms: []Term{
			{Name: "国防部", Variants: vs("ガス", "iPhone 手机", "ドナルド・トランプ")},
		}, Query: parse(t, `国防部 OR 发言人 NEAR/3 (ガス OR 表示*)`)},
	)
}

// FuzzMatch checks, for any title and text: no panic; watches in order;
// every surface form valid UTF-8, a substring of the input and (for a
// configured term) folding to text that contains one of the term's
// spellings; snippets valid and short; highlights ordered, inside the
// snippet and on rune boundaries; and Explain agreeing with Match.
func FuzzMatch(f *testing.F) {
	watches := fuzzWatches(f)
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
		{"a b", "Detainees left al-Hawl. The transfer, CENTCOM said, went well. a IS b. Isis River. IS is."},
		{"", "بمخيم والهول للهول d'Idlib İdlib'de a x c dee a"},
		{"国防部就演习答记者问", "本周二，国防部新闻发言人表示ｶﾞｽ田。新款iPhone手机 ドナルド・トランプ氏 国'a 佐々木"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		hits := m.Match(title, text)
		prev := -1
		fired := make(map[string]Hit)
		for _, h := range hits {
			wi := watchIndex(watches, h.Watch)
			if wi <= prev {
				t.Fatalf("Match(%q, %q): watch %q out of order", title, text, h.Watch)
			}
			prev = wi
			fired[h.Watch] = h
			if len(h.Matches) == 0 || h.Fired == "" {
				t.Fatalf("Match(%q, %q): watch %q fired with matches %v, fired %q", title, text, h.Watch, h.Matches, h.Fired)
			}
			checkSnippet(t, title, text, h)
			for _, mt := range h.Matches {
				checkMatch(t, title, text, variants[h.Watch+"/"+mt.Term], mt.Seen, mt.Count)
			}
		}
		for _, w := range watches {
			e, err := m.Explain(w.Name, title, text)
			if _, ok := fired[w.Name]; err != nil || e.Fires != ok {
				t.Fatalf("Explain(%q, %q, %q) fires = %v, %v; Match fired %v", w.Name, title, text, e.Fires, err, ok)
			}
		}
	})
}

func checkSnippet(t *testing.T, title, text string, h Hit) {
	t.Helper()
	if n := utf8.RuneCountInString(h.Snippet); n > snippetMax || !utf8.ValidString(h.Snippet) {
		t.Fatalf("Match(%q, %q): snippet %q: %d runes, valid UTF-8 %v", title, text, h.Snippet, n, utf8.ValidString(h.Snippet))
	}
	at := 0
	for _, sp := range h.Highlights {
		if sp.Start < at || sp.End <= sp.Start || sp.End > len(h.Snippet) ||
			!utf8.RuneStart(h.Snippet[sp.Start]) || sp.End < len(h.Snippet) && !utf8.RuneStart(h.Snippet[sp.End]) {
			t.Fatalf("Match(%q, %q): highlights %v of snippet %q are not ordered ranges on rune boundaries", title, text, h.Highlights, h.Snippet)
		}
		at = sp.End
	}
}

// checkMatch checks one match; variants is nil for a query-only term.
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
		if variants == nil {
			continue
		}
		n, ok := Normalize(s), false
		for _, v := range variants {
			// ل + ال is written لل: the article's alef is not in the text.
			ok = ok || strings.Contains(n, v) || strings.HasPrefix(v, "ا") && strings.Contains(n, v[len("ا"):])
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

// FuzzQuery evaluates any query that parses on any text: no panic, and
// Match (which skips watches that cannot fire) agrees with Explain (which
// evaluates everything) on whether the watch fires, with the same hit.
func FuzzQuery(f *testing.F) {
	for _, s := range [][3]string{
		{`("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`, "Camp news", "Detainees left al-Hol; CENTCOM said the transfer went well."},
		{`title:(a OR b*) -c NEAR/2 d`, "a bb", "c x d a d"},
		{`NOT (a OR b) OR c NEAR/1 (c OR "c c"*)`, "", "c c cc a"},
		{`-"x y" al* AND NOT title:al`, "al", "x y al ala"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, q, title, text string) {
		n, err := query.Parse(q)
		if err != nil {
			return
		}
		m, err := Compile([]Watch{{Name: "w", Terms: []Term{{Name: "a"}, {Name: "al Hol", Variants: vs("CENTCOM")}}, Query: n, MinMentions: len(text) % 3}})
		if err != nil {
			return // e.g. a query term that normalises to nothing
		}
		hits := m.Match(title, text)
		e, err := m.Explain("w", title, text)
		if err != nil {
			t.Fatal(err)
		}
		if e.Fires != (len(hits) == 1) || e.Fires && !reflect.DeepEqual(*e.Hit, hits[0]) {
			t.Fatalf("query %q on (%q, %q): Match %v, Explain fires %v with %v", q, title, text, hits, e.Fires, e.Hit)
		}
		for _, h := range hits {
			checkSnippet(t, title, text, h)
		}
	})
}
