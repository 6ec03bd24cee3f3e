package matcher

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/newshound/newshound/matcher/query"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		watches []Watch
		want    []string // every line of the error
	}{
		{
			name:    "nothing left after folding",
			watches: []Watch{{Name: "syria", Terms: []Term{{Name: "ISIS", Variants: vs("—", "")}}}},
			want: []string{
				`watch "syria": term "ISIS": variant "—" normalises to nothing: it has no letters or digits`,
				`watch "syria": term "ISIS": variant "" normalises to nothing: it has no letters or digits`,
			},
		},
		{
			name:    "term name normalises to nothing",
			watches: []Watch{{Name: "syria", Terms: []Term{{Name: "***", Variants: vs("ISIS")}}}},
			want:    []string{`watch "syria": term "***": variant "***" normalises to nothing: it has no letters or digits`},
		},
		{
			name: "names",
			watches: []Watch{
				{Name: " ", Terms: []Term{{Name: "ISIS"}}},
				{Name: "a", Terms: []Term{{Name: "ISIS"}}},
				{Name: "a", Terms: []Term{{Name: "ISIS"}}},
				{Name: "b"},
				{Name: "c", Terms: []Term{{Name: "", Variants: vs("ISIS")}}},
			},
			want: []string{
				`watch 1: empty name`,
				`watch "a": duplicate name`,
				`watch "b": no terms`,
				`watch "c": term 1: empty name`,
			},
		},
		{
			name:    "invalid UTF-8",
			watches: []Watch{{Name: "a", Terms: []Term{{Name: "al\xffHol"}}}},
			want:    []string{`watch "a": term "al\xffHol": variant "al\xffHol" is not valid UTF-8`},
		},
		{
			name: "excludes",
			watches: []Watch{{Name: "a", Terms: []Term{
				{Name: "ISIS", Exclude: []string{"Isis River", "Isls River", "—"}},
			}}},
			want: []string{
				`watch "a": term "ISIS": exclude "—" normalises to nothing: it has no letters or digits`,
			},
		},
		{
			name: "exclude without the term",
			watches: []Watch{{Name: "a", Terms: []Term{
				{Name: "ISIS", Exclude: []string{"Isis River", "Isls River"}},
			}}},
			want: []string{
				`watch "a": term "ISIS": exclude "Isls River" contains no spelling of the term, so it cannot cancel a hit`,
			},
		},
		{
			name: "queries and min_mentions",
			watches: []Watch{
				{Name: "a", Query: &query.And{Left: &query.Term{Text: "ISIS"}, Right: &query.Term{Text: "—", Phrase: true}}},
				{Name: "b", Query: &query.Near{Left: &query.Not{X: &query.Term{Text: "x"}}, Right: &query.Term{Text: "y"}, Distance: 3}},
				{Name: "c", Terms: []Term{{Name: "ISIS"}}, MinMentions: -1},
			},
			want: []string{
				`watch "a": query term "—" normalises to nothing: it has no letters or digits`,
				`watch "b": query: NEAR operands must be terms, phrases or OR groups of them, not NOT x`,
				`watch "c": min_mentions -1: must not be negative`,
			},
		},
	}
	for _, tt := range tests {
		m, err := Compile(tt.watches)
		if err == nil {
			t.Errorf("%s: Compile() = %v, nil; want error", tt.name, m)
			continue
		}
		if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
			t.Errorf("%s: Compile() error mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}
