package matcher

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/news"
)

// vs turns spellings into case-insensitive variants.
func vs(texts ...string) []Variant {
	out := make([]Variant, len(texts))
	for i, t := range texts {
		out[i] = Variant{Text: t}
	}
	return out
}

// markHits replaces each hit's Snippet by the snippet with its Highlights
// wrapped in « » (and clears Highlights), so that tests state both at once.
func markHits(hits []Hit) []Hit {
	for i := range hits {
		hits[i].Snippet, hits[i].Highlights = mark(hits[i].Snippet, hits[i].Highlights), nil
	}
	return hits
}

// compile builds a Matcher or fails the test.
func compile(t testing.TB, watches ...Watch) *Matcher {
	t.Helper()
	m, err := Compile(watches)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return m
}

// TestMatchFires checks, rule by rule, whether a term with the given
// spellings fires on a text, positive cases and hard negatives.
func TestMatchFires(t *testing.T) {
	tests := []struct {
		term []string // Name, then variants
		text string
		want bool
	}{
		// Case-insensitive whole words.
		{[]string{"ISIS"}, "ISIS claimed the attack", true},
		{[]string{"ISIS"}, "remnants of isis.", true},
		{[]string{"ISIS"}, "a crisis in the camp", false},
		{[]string{"ISIS"}, "ISISx", false},
		{[]string{"ISIS"}, "xISIS", false},
		{[]string{"ISIS"}, "ISIS2", false},
		{[]string{"ISIS"}, "ISIS-2", true},
		{[]string{"ISIS"}, "«ISIS»", true},
		{[]string{"CENTCOM"}, "CentComms said", false},
		{[]string{"CENTCOM"}, "CentCom said", true},
		{[]string{"CENTCOM"}, "CENTCOM’s plan", true},
		{[]string{"CENTCOM"}, "CENTCOM's plan", true},
		{[]string{"CENTCOM"}, "the CENTCOMs' plan", false},
		{[]string{"CENTCOM's"}, "CENTCOM plan", true},
		{[]string{"al Hol"}, "al-Hol’s camp", true},
		{[]string{"ISIS"}, "the ISIS’ fighters", true},
		{[]string{"al Hol"}, "the whole camp", false},
		{[]string{"al Hol"}, "a holiday truce", false},
		{[]string{"al Hol"}, "Sherlock Holmes", false},
		{[]string{"al Hol"}, "Al Holmes said", false},
		{[]string{"al Hol"}, "alHol", false},
		{[]string{"al Hol"}, "al\u00adHol", false}, // a soft hyphen joins
		// Hyphens, dashes, spaces and line breaks are equivalent.
		{[]string{"al Hol"}, "in al-Hol camp", true},
		{[]string{"al Hol"}, "in al\u2011Hol camp", true},
		{[]string{"al Hol"}, "in al\nHol camp", true},
		{[]string{"al Hol"}, "in al\r\n\tHol camp", true},
		{[]string{"al Hol"}, "in al\u00a0Hol camp", true},
		{[]string{"al Hol"}, "in al — Hol camp", true},
		{[]string{"al-Hol"}, "in AL HOL camp", true},
		{[]string{"al‑Hol"}, "in al–Hol camp", true},
		// Other punctuation breaks a term written without it, but not one
		// written with it.
		{[]string{"al Hol"}, "near al. Hol is", false},
		{[]string{"al Hol"}, "al/Hol", false},
		{[]string{"al Hol"}, "al\xffHol", false},
		{[]string{"U.S. Army"}, "the U.S. Army said", true},
		{[]string{"U.S. Army"}, "the U. S. Army said", true},
		{[]string{"U.S. Army"}, "the US Army said", false},
		// Apostrophes and quotes.
		{[]string{"Hay’at Tahrir al-Sham"}, "Hay'at Tahrir al-Sham", true},
		{[]string{"Hay'at Tahrir al-Sham"}, "Hayʼat Tahrir al‑Sham", true},
		{[]string{"Hay'at Tahrir al-Sham"}, "“Hay‘at Tahrir” al Sham", true},
		{[]string{"Hay'at"}, "Hayat", false},
		{[]string{"Hay'at"}, "Hay at", false},
		// Diacritics fold; no stemming.
		{[]string{"Hasakah"}, "in Ḥasakah province", true},
		{[]string{"Ḥasakah"}, "in HASAKAH province", true},
		{[]string{"Ḥasakah"}, "in H\u0323asakah province", true},
		{[]string{"Hasakah"}, "in Hasaka province", false},
		{[]string{"Raqqa"}, "in Raqqah", false},
		{[]string{"Diyarbakir"}, "DİYARBAKIR", true},
		{[]string{"Straße"}, "STRASSE", true},
		// Arabic.
		{[]string{"الهول"}, "مخيم الْهَوْل", true},
		{[]string{"الهول"}, "مخيم الهـــول", true},
		{[]string{"الهول"}, "والهول", true},
		{[]string{"الهول"}, "الهولي", false},
		{[]string{"أحمد الشرع"}, "احمد الشرع", true},
		{[]string{"احمد الشرع"}, "إحمد الشرع", true},
		{[]string{"احمد"}, "آحمد", true},
		{[]string{"الرقة"}, "في الرقه", true},
		{[]string{"مصطفى"}, "مصطفي", true},
		{[]string{"al Hol", "الهول"}, "Families in the camp (الهول in Arabic) wait.", true},
		{[]string{"الهول"}, "Families in al-Hol (مخيم الهول) wait.", true},
		// Numbers.
		{[]string{"2024"}, "في ديسمبر ٢٠٢٤", true},
		{[]string{"2024"}, "سال ۲۰۲۴", true},
		{[]string{"2024"}, "in 20245", false},
		{[]string{"F-16"}, "two F‑16 jets", true},
		{[]string{"F-16"}, "two F16 jets", false},
		{[]string{"73,000"}, "about 73,000 people", true},
		{[]string{"73,000"}, "about 73 000 people", true},
		{[]string{"73,000"}, "about 73000 people", false},
	}
	for _, tt := range tests {
		m := compile(t, Watch{Name: "w", Terms: []Term{{Name: tt.term[0], Variants: vs(tt.term[1:]...)}}})
		got := m.Match("", tt.text) != nil
		if got != tt.want {
			t.Errorf("Match(%q) with term %q fired = %v, want %v", tt.text, tt.term, got, tt.want)
		}
		if gotTitle := m.Match(tt.text, "") != nil; gotTitle != tt.want {
			t.Errorf("Match(title %q) with term %q fired = %v, want %v", tt.text, tt.term, gotTitle, tt.want)
		}
	}
}

func TestMatchHits(t *testing.T) {
	syria := Watch{Name: "syria", Terms: []Term{
		{Name: "al-Hol", Variants: vs("al Hol", "الهول")},
		{Name: "al Hol camp"},
		{Name: "CENTCOM", Variants: vs("Central Command")},
		{Name: "Hasakah"},
	}}
	us := Watch{Name: "us-military", Terms: []Term{{Name: "CENTCOM"}, {Name: "U.S."}}}
	tests := []struct {
		name        string
		title, text string
		want        []Hit
	}{
		{
			name: "no hit",
			text: "The whole crisis in Holmes.",
		},
		{
			name: "surface forms, counts and order",
			text: "Residents of al‑Hol and al\nHol said so. AL HOL is big; al-Hol, al-Hol. CENTCOM’s men came. Central\u00a0Command said.",
			want: []Hit{{
				Watch: "syria",
				Matches: []news.Match{
					{Term: "al-Hol", Seen: []string{"al‑Hol", "al\nHol", "AL HOL", "al-Hol"}, Count: 5},
					{Term: "CENTCOM", Seen: []string{"CENTCOM", "Central\u00a0Command"}, Count: 2},
				},
				Fired:   "al-Hol",
				Snippet: "Residents of «al‑Hol» and «al Hol» said so.",
			}, {
				Watch:   "us-military",
				Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}},
				Fired:   "CENTCOM",
				Snippet: "«CENTCOM»’s men came.",
			}},
		},
		{
			name:  "title and text",
			title: "CENTCOM in Ḥasakah",
			text:  "Officials in Hasakah met CENTCOM.\n\nCENTCOM said nothing.",
			want: []Hit{{
				Watch: "syria",
				Matches: []news.Match{
					{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 3},
					{Term: "Hasakah", Seen: []string{"Ḥasakah", "Hasakah"}, Count: 2},
				},
				Fired:   "CENTCOM",
				Snippet: "Officials in «Hasakah» met «CENTCOM».",
			}, {
				Watch:   "us-military",
				Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 3}},
				Fired:   "CENTCOM",
				Snippet: "Officials in Hasakah met «CENTCOM».",
			}},
		},
		{
			name:  "title only",
			title: "  U.S.   forces\nleave ",
			text:  "Troops left the base. Nobody said why.",
			want: []Hit{{
				Watch:   "us-military",
				Matches: []news.Match{{Term: "U.S.", Seen: []string{"U.S"}, Count: 1}},
				Fired:   "U.S.",
				Snippet: "«U.S». forces leave",
			}},
		},
		{
			name: "leftmost longest",
			text: "The al Hol camp. In al-Hol camp and al Hol. al Hol al Hol camp.",
			want: []Hit{{
				Watch: "syria",
				Matches: []news.Match{
					{Term: "al Hol camp", Seen: []string{"al Hol camp", "al-Hol camp"}, Count: 3},
					{Term: "al-Hol", Seen: []string{"al Hol"}, Count: 2},
				},
				Fired:   "al Hol camp",
				Snippet: "The «al Hol camp».",
			}},
		},
		{
			name: "arabic inside english",
			text: "Families in the camp (مخيم الْهَوْل) wait; the HASAKAH office said.",
			want: []Hit{{
				Watch: "syria",
				Matches: []news.Match{
					{Term: "al-Hol", Seen: []string{"الْهَوْل"}, Count: 1},
					{Term: "Hasakah", Seen: []string{"HASAKAH"}, Count: 1},
				},
				Fired:   "al-Hol",
				Snippet: "Families in the camp (مخيم «الْهَوْل») wait; the «HASAKAH» office said.",
			}},
		},
	}
	m := compile(t, syria, us)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := markHits(m.Match(tt.title, tt.text))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Match(%q, %q) mismatch (-want +got):\n%s", tt.title, tt.text, diff)
			}
		})
	}
}

// TestMatchSharedSpelling checks that a spelling claimed by two terms of
// one watch is credited to the first, and that watches stay independent.
func TestMatchSharedSpelling(t *testing.T) {
	m := compile(t,
		Watch{Name: "a", Terms: []Term{{Name: "Islamic State", Variants: vs("ISIS")}, {Name: "ISIS"}}},
		Watch{Name: "b", Terms: []Term{{Name: "ISIS"}}},
	)
	got := markHits(m.Match("", "ISIS and Islamic State."))
	want := []Hit{
		{Watch: "a", Matches: []news.Match{{Term: "Islamic State", Seen: []string{"ISIS", "Islamic State"}, Count: 2}}, Fired: "Islamic State", Snippet: "«ISIS» and «Islamic State»."},
		{Watch: "b", Matches: []news.Match{{Term: "ISIS", Seen: []string{"ISIS"}, Count: 1}}, Fired: "ISIS", Snippet: "«ISIS» and Islamic State."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Match mismatch (-want +got):\n%s", diff)
	}
}

func TestMatchEmpty(t *testing.T) {
	m := compile(t)
	if got := m.Match("ISIS", "ISIS"); got != nil {
		t.Errorf("Match with no watches = %v, want nil", got)
	}
	var nilM *Matcher
	if got := nilM.Match("ISIS", "ISIS"); got != nil {
		t.Errorf("nil Matcher Match = %v, want nil", got)
	}
}

// TestMatchConcurrent runs one Matcher from several goroutines (meaningful
// under -race): results must equal the sequential ones.
func TestMatchConcurrent(t *testing.T) {
	m := compile(t, fuzzWatches(t)...)
	type article struct{ title, text string }
	var articles []article
	for _, f := range []string{"syria_en.txt", "syria_ar.txt"} {
		title, text := readArticle(t, "testdata/golden/"+f)
		articles = append(articles, article{title, text})
	}
	want := make([][]Hit, len(articles))
	for i, a := range articles {
		want[i] = m.Match(a.title, a.text)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for k := range 20 {
				i := (g + k) % len(articles)
				if diff := cmp.Diff(want[i], m.Match(articles[i].title, articles[i].text)); diff != "" {
					errs <- diff
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for diff := range errs {
		t.Errorf("concurrent Match differs from sequential (-want +got):\n%s", diff)
	}
}

// TestMatchSeenCap checks that the distinct surface forms are capped while
// every occurrence is still counted.
func TestMatchSeenCap(t *testing.T) {
	m := compile(t, Watch{Name: "w", Terms: []Term{{Name: "al Hol"}}})
	var text strings.Builder
	var want []string
	for i := 1; i <= 20; i++ {
		form := "al" + strings.Repeat(" ", i) + "Hol"
		if i <= maxSeen {
			want = append(want, form)
		}
		text.WriteString(form + ". ")
	}
	hits := m.Match("", text.String())
	if len(hits) != 1 || len(hits[0].Matches) != 1 {
		t.Fatalf("Match(20 spellings) = %v, want one hit with one match", hits)
	}
	got := hits[0].Matches[0]
	if diff := cmp.Diff(want, got.Seen); diff != "" || got.Count != 20 {
		t.Errorf("Match(20 spellings) count = %d, want 20; seen mismatch (-want +got):\n%s", got.Count, diff)
	}
}

// TestMatchResultsIndependent checks that the hits Match returns share
// nothing with the scratch it reuses or with each other: a later call does
// not change them, and appending to one hit's slices does not change the
// next hit.
func TestMatchResultsIndependent(t *testing.T) {
	m := compile(t,
		Watch{Name: "a", Terms: []Term{{Name: "al Hol"}, {Name: "CENTCOM"}}},
		Watch{Name: "b", Terms: []Term{{Name: "CENTCOM"}, {Name: "Raqqa"}}},
	)
	title, text := "CENTCOM update", "Detainees left al Hol for Raqqa.\n\nCENTCOM said al-Hol was calm."
	hits := m.Match(title, text)
	want := fmt.Sprintf("%#v", hits)
	if len(hits) != 2 {
		t.Fatalf("Match(%q, %q) = %d hits, want 2", title, text, len(hits))
	}
	m.Match("Raqqa", "CENTCOM and Raqqa and al Hol, all different now.")
	if got := fmt.Sprintf("%#v", hits); got != want {
		t.Fatalf("hits changed by a later Match:\n got %s\nwant %s", got, want)
	}
	h0 := hits[0]
	_ = append(h0.Matches, news.Match{Term: "x"})
	_ = append(h0.Highlights, news.Span{Start: 1, End: 2})
	_ = append(h0.Matches[len(h0.Matches)-1].Seen, "x")
	if got := fmt.Sprintf("%#v", hits); got != want {
		t.Fatalf("hits changed by appending to the first:\n got %s\nwant %s", got, want)
	}
}
