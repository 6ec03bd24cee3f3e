package matcher_test

import (
	"fmt"

	"github.com/newshound/newshound/matcher"
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
