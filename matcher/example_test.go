package matcher_test

import (
	"fmt"
	"os"

	"github.com/newshound/newshound/matcher"
	"github.com/newshound/newshound/matcher/query"
)

func Example() {
	m, err := matcher.Compile([]matcher.Watch{{
		Name: "al-hol",
		Terms: []matcher.Term{
			{Name: "al-Hol", Variants: []matcher.Variant{{Text: "الهول"}}},
			{Name: "CENTCOM"},
		},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, h := range m.Match("CENTCOM’s plan", "Aid groups said al\u2011Hol (مخيم الْهَوْل) is not a holiday camp. It is a crisis.") {
		fmt.Println(h.Watch)
		for _, mt := range h.Matches {
			fmt.Printf("  %s %q ×%d\n", mt.Term, mt.Seen, mt.Count)
		}
		fmt.Println(" ", h.Snippet)
	}
	// Output:
	// al-hol
	//   CENTCOM ["CENTCOM"] ×1
	//   al-Hol ["al‑Hol" "الْهَوْل"] ×2
	//   Aid groups said al‑Hol (مخيم الْهَوْل) is not a holiday camp.
}

func ExampleNormalize() {
	fmt.Println(matcher.Normalize("CENTCOM’s Ḥasakah al‑Hol Hayʼat الْهَوْل أحمد ٢٠٢٤"))
	// Output: centcom hasakah al hol hay'at الهول احمد 2024
}

func ExampleMatcher_Explain() {
	q, err := query.Parse(`"al Hol" NEAR/3 transfer*`)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := matcher.Compile([]matcher.Watch{{
		Name:  "transfers",
		Terms: []matcher.Term{{Name: "al Hol", Variants: []matcher.Variant{{Text: "al-Hawl"}}}},
		Query: q,
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	text := "Buses left al-Hawl at dawn. The transfer of 200 families took all day."
	e, err := m.Explain("transfers", "", text)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := e.Format(os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// watch   transfers
	// query   "al Hol" NEAR/3 transfer*
	//
	// terms
	//   al Hol: 1 occurrence
	//     text word 3 "al-Hawl"
	//   transfer* (query term): 1 occurrence
	//     text word 8 "transfer" (spelling "transfer*")
	//
	// query evaluation
	//   false  "al Hol" NEAR/3 transfer*  — nearest "al Hol" … transfer*: 4 words apart in the text, more than 3
	//
	// mentions 2
	// verdict  does not fire: the query is false
}
