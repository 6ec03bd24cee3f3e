package matcher

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/matcher/query"
	"github.com/newshound/newshound/news"
)

// parse parses a query or fails the test.
func parse(t testing.TB, q string) query.Node {
	t.Helper()
	n, err := query.Parse(q)
	if err != nil {
		t.Fatalf("query.Parse(%q): %v", q, err)
	}
	return n
}

// detainees is the example watch, with its query given per test.
func detainees(t testing.TB, q string, minMentions int) Watch {
	w := Watch{Name: "detainees", MinMentions: minMentions, Terms: []Term{
		{Name: "al Hol", Variants: vs("al-Hawl", "الهول")},
		{Name: "CENTCOM", Variants: vs("U.S. Central Command")},
	}}
	if q != "" {
		w.Query = parse(t, q)
	}
	return w
}

// TestQuery checks every query operator: whether the watch fires, what
// fired, the matches and the snippet with its highlights (« »).
func TestQuery(t *testing.T) {
	const example = `("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`
	tests := []struct {
		name        string
		query       string
		min         int
		title, text string
		want        *Hit // nil: does not fire
	}{{
		name:  "the issue's example fires",
		query: example,
		text:  "Detainees were moved from al-Hawl on Monday. CENTCOM said the transfer went well.",
		want: &Hit{
			Matches: []news.Match{
				{Term: "detainee*", Seen: []string{"Detainees"}, Count: 1},
				{Term: "al Hol", Seen: []string{"al-Hawl"}, Count: 1},
				{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1},
				{Term: "transfer*", Seen: []string{"transfer"}, Count: 1},
			},
			Fired:   `"al Hol" AND transfer* AND NOT football`,
			Snippet: "«Detainees» were moved from «al-Hawl» on Monday.",
		},
	}, {
		name:  "NOT cancels",
		query: example,
		text:  "Detainees left al-Hol. The football match went ahead.",
	}, {
		name:  "AND needs both sides",
		query: example,
		text:  "CENTCOM said nothing about the camp.",
	}, {
		name:  "OR reports the first true branch",
		query: `CENTCOM OR "al Hol"`,
		text:  "Families in al-Hol. CENTCOM said so.",
		want: &Hit{
			Matches: []news.Match{{Term: "al Hol", Seen: []string{"al-Hol"}, Count: 1}, {Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}},
			Fired:   "CENTCOM",
			Snippet: "«CENTCOM» said so.",
		},
	}, {
		name:  "minus is NOT",
		query: `"al Hol" -football`,
		text:  "Families in al-Hol watched football.",
	}, {
		name:  "NEAR within the distance (adjacent words are 1 apart)",
		query: `"al Hol" NEAR/4 transfer*`,
		text:  "The al-Hol camp saw a transfer of 40 women.",
		want: &Hit{
			Matches: []news.Match{{Term: "al Hol", Seen: []string{"al-Hol"}, Count: 1}, {Term: "transfer*", Seen: []string{"transfer"}, Count: 1}},
			Fired:   `"al Hol" NEAR/4 transfer*`,
			Snippet: "The «al-Hol» camp saw a «transfer» of 40 women.",
		},
	}, {
		name:  "NEAR one word too far",
		query: `"al Hol" NEAR/3 transfer*`,
		text:  "The al-Hol camp saw a transfer of 40 women.",
	}, {
		name:  "NEAR in either order, nearest pair, OR operand",
		query: `transfer* NEAR/2 ("al Hol" OR CENTCOM)`,
		text:  "CENTCOM planned it for weeks and weeks. A transfer from al-Hol began.",
		want: &Hit{
			Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}, {Term: "transfer*", Seen: []string{"transfer"}, Count: 1}, {Term: "al Hol", Seen: []string{"al-Hol"}, Count: 1}},
			Fired:   `transfer* NEAR/2 "al Hol"`,
			Snippet: "A «transfer» from «al-Hol» began.",
		},
	}, {
		name:  "NEAR does not cross from title to text",
		query: `"al Hol" NEAR/5 transfer*`,
		title: "Transfer planned",
		text:  "Al-Hol is full.",
	}, {
		name:  "title scope: only in the text",
		query: `title:CENTCOM`,
		title: "Camp news",
		text:  "CENTCOM said so.",
	}, {
		name:  "title scope: in the title",
		query: `title:CENTCOM AND transfer*`,
		title: "CENTCOM plans a transfer",
		text:  "The transfer starts soon.",
		want: &Hit{
			Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}, {Term: "transfer*", Seen: []string{"transfer"}, Count: 2}},
			Fired:   `title:CENTCOM AND transfer*`,
			Snippet: "The «transfer» starts soon.",
		},
	}, {
		name:  "prefix matches longer words, not other words",
		query: `detain*`,
		text:  "Officials retained control. Detain, detained, detainee and detainees are all words.",
		want: &Hit{
			Matches: []news.Match{{Term: "detain*", Seen: []string{"Detain", "detained", "detainee", "detainees"}, Count: 4}},
			Fired:   "detain*",
			Snippet: "«Detain», «detained», «detainee» and «detainees» are all words.",
		},
	}, {
		name:  "a phrase with a prefix last word",
		query: `"prisoner trans"*`,
		text:  "A prisoner transfer and a prisoner exchange.",
		want: &Hit{
			Matches: []news.Match{{Term: `"prisoner trans"*`, Seen: []string{"prisoner transfer"}, Count: 1}},
			Fired:   `"prisoner trans"*`,
			Snippet: "A «prisoner transfer» and a prisoner exchange.",
		},
	}, {
		name:  "min_mentions not reached",
		query: `"al Hol"`,
		min:   3,
		text:  "Al-Hol and al-Hawl.",
	}, {
		name:  "min_mentions reached, counting every term",
		query: `"al Hol"`,
		min:   3,
		text:  "Al-Hol and al-Hawl. CENTCOM too.",
		want: &Hit{
			Matches: []news.Match{{Term: "al Hol", Seen: []string{"Al-Hol", "al-Hawl"}, Count: 2}, {Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}},
			Fired:   `"al Hol"`,
			Snippet: "«Al-Hol» and «al-Hawl».",
		},
	}, {
		name: "min_mentions without a query",
		min:  2,
		text: "CENTCOM and U.S. Central Command.",
		want: &Hit{
			Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM", "U.S. Central Command"}, Count: 2}},
			Fired:   "CENTCOM",
			Snippet: "«CENTCOM» and «U.S. Central Command».",
		},
	}, {
		name:  "a query of only NOT never fires",
		query: `NOT football`,
		text:  "CENTCOM said so.",
	}, {
		name:  "NOT OR a term fires through the term",
		query: `NOT football OR CENTCOM`,
		text:  "CENTCOM said so.",
		want: &Hit{
			Matches: []news.Match{{Term: "CENTCOM", Seen: []string{"CENTCOM"}, Count: 1}},
			Fired:   "CENTCOM",
			Snippet: "«CENTCOM» said so.",
		},
	}, {
		name:  "a query term found inside a longer term still counts for the query",
		query: `camp AND "al Hol"`,
		text:  "Inside the al Hol camp.",
		want: &Hit{
			Matches: []news.Match{{Term: "al Hol", Seen: []string{"al Hol"}, Count: 1}, {Term: "camp", Seen: []string{"camp"}, Count: 1}},
			Fired:   `camp AND "al Hol"`,
			Snippet: "Inside the «al Hol» «camp».",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compile(t, detainees(t, tt.query, tt.min))
			got := markHits(m.Match(tt.title, tt.text))
			var want []Hit
			if tt.want != nil {
				tt.want.Watch = "detainees"
				want = []Hit{*tt.want}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Match(%q, %q) with query %q mismatch (-want +got):\n%s", tt.title, tt.text, tt.query, diff)
			}
		})
	}
}

// TestQueryOnlyWatch checks a watch that has a query and no entities or
// keywords: its terms all come from the query.
func TestQueryOnlyWatch(t *testing.T) {
	m := compile(t, Watch{Name: "q", Query: parse(t, `"prisoner exchange" OR hostage*`)})
	got := markHits(m.Match("Hostages freed", "The prisoner exchange took place at dawn."))
	want := []Hit{{
		Watch: "q",
		Matches: []news.Match{
			{Term: "hostage*", Seen: []string{"Hostages"}, Count: 1},
			{Term: `"prisoner exchange"`, Seen: []string{"prisoner exchange"}, Count: 1},
		},
		Fired:   `"prisoner exchange"`,
		Snippet: "The «prisoner exchange» took place at dawn.",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Match mismatch (-want +got):\n%s", diff)
	}
}
