package matcher

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEntityFires checks case rules, excludes, attached words and the
// folds of other scripts: whether one term fires on a text, and what it
// saw.
func TestEntityFires(t *testing.T) {
	cased := func(text string) Variant { return Variant{Text: text, CaseSensitive: true} }
	tests := []struct {
		name string
		term Term
		text string
		seen []string // nil: does not fire
	}{
		// Case-sensitive spellings.
		{"cased acronym", Term{Name: "IS", Variants: []Variant{cased("IS")}}, "IS fighters withdrew.", []string{"IS"}},
		{"cased acronym, ordinary word", Term{Name: "IS", Variants: []Variant{cased("IS")}}, "It is what it is.", nil},
		{"cased acronym, title case", Term{Name: "IS", Variants: []Variant{cased("IS")}}, "Is it over?", nil},
		{"cased alias, name any case", Term{Name: "Islamic State", Variants: []Variant{cased("IS")}}, "the islamic state and is", []string{"islamic state"}},
		{"cased keeps other folds", Term{Name: "AQAP", Variants: []Variant{cased("AQAP")}}, "ＡＱＡＰ’s leader", []string{"ＡＱＡＰ"}},
		{"cased multi-word", Term{Name: "x", Variants: []Variant{cased("Ahrar al-Sham")}}, "Ahrar al Sham and AHRAR AL-SHAM", []string{"Ahrar al Sham"}},
		{"cased Arabic word has no case", Term{Name: "x", Variants: []Variant{cased("داعش")}}, "قال إن داعش انسحب", []string{"داعش"}},
		{"default is any case", Term{Name: "ISIS"}, "Isis and isis", []string{"Isis", "isis"}},
		// Excludes.
		{"exclude covers", Term{Name: "ISIS", Exclude: []string{"Isis River"}}, "Boats on the Isis River.", nil},
		{"exclude elsewhere", Term{Name: "ISIS", Exclude: []string{"Isis River"}}, "Boats on the Isis River. ISIS fighters.", []string{"ISIS"}},
		{"exclude before", Term{Name: "ISIS", Exclude: []string{"goddess Isis"}}, "the goddess Isis", nil},
		{"exclude of a multi-word term", Term{Name: "al Hol", Exclude: []string{"Abu al-Hol"}}, "Abu al Hol said; al-Hol camp", []string{"al-Hol"}},
		{"exclude needs the whole phrase", Term{Name: "ISIS", Exclude: []string{"Isis River"}}, "Isis. River", []string{"Isis"}},
		// Arabic clitics.
		{"waw", Term{Name: "الهول"}, "والهول", []string{"والهول"}},
		{"ba", Term{Name: "الهول"}, "في مخيم بالهول", []string{"بالهول"}},
		{"lam with the article", Term{Name: "الهول"}, "للهول", []string{"للهول"}},
		{"fa, waw-ba", Term{Name: "الهول"}, "فالهول ثم وبالهول", []string{"فالهول", "وبالهول"}},
		{"kaf", Term{Name: "الهول"}, "كالهول", []string{"كالهول"}},
		{"article", Term{Name: "حسكة"}, "محافظة الحسكة", []string{"الحسكة"}},
		{"clitic with tashkeel", Term{Name: "الهول"}, "وَالْهَوْل", []string{"وَالْهَوْل"}},
		{"clitic starts a phrase", Term{Name: "مخيم الهول"}, "بمخيم الهول", []string{"بمخيم الهول"}},
		{"clitic inside a phrase", Term{Name: "مخيم الهول"}, "مخيم والهول", nil},
		{"word that starts with waw", Term{Name: "لد"}, "ولد", []string{"ولد"}},
		{"word that starts with waw, no term", Term{Name: "الهول"}, "ولهول", nil},
		{"at least two letters remain", Term{Name: "ه"}, "وه", nil},
		{"clitics only on Arabic words", Term{Name: "isis"}, "والisis", nil},
		// Apostrophes: elision and case endings.
		{"French elision", Term{Name: "Idlib"}, "la province d'Idlib", []string{"Idlib"}},
		{"French elision, phrase", Term{Name: "al Hol"}, "le camp d’al-Hol", []string{"al-Hol"}},
		{"Italian elision", Term{Name: "Isis"}, "dell'Isis", []string{"Isis"}},
		{"Turkish case ending", Term{Name: "İdlib"}, "İdlib'de ve Şam'dan", []string{"İdlib"}},
		{"Turkish case ending, phrase end", Term{Name: "Tahrir al-Sham"}, "Tahrir al-Sham'ın", []string{"Tahrir al-Sham"}},
		{"both sides", Term{Name: "Idlib"}, "d'Idlib'de", []string{"Idlib"}},
		{"an apostrophe word stays one word", Term{Name: "Hay"}, "Hay'at Tahrir", []string{"Hay"}},
		{"elided reading cannot follow", Term{Name: "camp Hol"}, "camp d'Hol", nil},
		{"long part before is no elision", Term{Name: "Idlib"}, "province'Idlib", nil},
		// Other scripts.
		{"Cyrillic case", Term{Name: "Вагнер"}, "ЧВК «ВАГНЕР»", []string{"ВАГНЕР"}},
		{"Cyrillic yo", Term{Name: "Пригожин Семёнович"}, "Пригожин Семенович", []string{"Пригожин Семенович"}},
		{"Cyrillic short i", Term{Name: "Зеленский"}, "Зеленскии", []string{"Зеленскии"}},
		{"Kurdish Latin", Term{Name: "Kobanê"}, "li Kobane û Qamişlo", []string{"Kobane"}},
		{"Kurdish Latin cedilla", Term{Name: "Qamişlo"}, "QAMIŞLO", []string{"QAMIŞLO"}},
		{"Kurdish Latin, no sh", Term{Name: "Qamişlo"}, "Qamishlo", nil},
		{"Turkish dotted capital", Term{Name: "Idlib"}, "İDLİB", []string{"İDLİB"}},
		{"Turkish dotless", Term{Name: "Diyarbakir"}, "DİYARBAKIR ve Diyarbakır", []string{"DİYARBAKIR", "Diyarbakır"}},
		{"German umlaut", Term{Name: "Müller"}, "Muller and MÜLLER", []string{"Muller", "MÜLLER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compile(t, Watch{Name: "w", Terms: []Term{tt.term}})
			var seen []string
			if hits := m.Match("", tt.text); len(hits) > 0 {
				seen = hits[0].Matches[0].Seen
			}
			if diff := cmp.Diff(tt.seen, seen); diff != "" {
				t.Errorf("Match(%q) with term %+v: seen mismatch (-want +got):\n%s", tt.text, tt.term, diff)
			}
		})
	}
}

// TestSharedDictionary checks that one watch's words do not hide another
// watch's clitic or apostrophe readings: the dictionary is shared.
func TestSharedDictionary(t *testing.T) {
	m := compile(t,
		Watch{Name: "a", Terms: []Term{{Name: "والهول"}, {Name: "d'Idlib"}}},
		Watch{Name: "b", Terms: []Term{{Name: "الهول"}, {Name: "Idlib"}}},
	)
	var got []string
	for _, h := range m.Match("", "والهول d'Idlib") {
		for _, mt := range h.Matches {
			got = append(got, h.Watch+":"+mt.Term+"="+strings.Join(mt.Seen, ","))
		}
	}
	want := []string{"a:والهول=والهول", "a:d'Idlib=d'Idlib", "b:الهول=والهول", "b:Idlib=Idlib"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Match mismatch (-want +got):\n%s", diff)
	}
}
