package query

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sexpr renders the tree fully bracketed, so a test sees its shape and
// every flag, independent of String's precedence rules.
func sexpr(n Node) string {
	switch n := n.(type) {
	case *And:
		return "(AND " + sexpr(n.Left) + " " + sexpr(n.Right) + ")"
	case *Or:
		return "(OR " + sexpr(n.Left) + " " + sexpr(n.Right) + ")"
	case *Not:
		return "(NOT " + sexpr(n.X) + ")"
	case *Near:
		return "(NEAR/" + strconv.Itoa(n.Distance) + " " + sexpr(n.Left) + " " + sexpr(n.Right) + ")"
	case *Term:
		s := "[" + n.Text + "]"
		if n.Phrase {
			s = strconv.Quote(n.Text)
		}
		if n.Prefix {
			s += "*"
		}
		if n.TitleOnly {
			s = "title:" + s
		}
		return s
	}
	return "<nil>"
}

var ignoreCol = cmpopts.IgnoreFields(Term{}, "Col")

func TestParse(t *testing.T) {
	tests := []struct {
		in, tree, canon string
	}{
		// Terms and phrases.
		{"CENTCOM", "[CENTCOM]", "CENTCOM"},
		{"  al-Hol\t", "[al-Hol]", "al-Hol"},
		{"U.S.", "[U.S.]", "U.S."},
		{"U.S.: 10:30", "(AND [U.S.:] [10:30])", "U.S.: AND 10:30"},
		{"الهول", "[الهول]", "الهول"},
		{`"al Hol"`, `"al Hol"`, `"al Hol"`},
		{`"CENTCOM"`, `"CENTCOM"`, `"CENTCOM"`},
		{`" al  Hol "`, `" al  Hol "`, `" al  Hol "`},
		{"\"al\nHol\"", `"al\nHol"`, "\"al\nHol\""},
		{`"a (b) OR -c title:d"`, `"a (b) OR -c title:d"`, `"a (b) OR -c title:d"`},
		{`"AND"`, `"AND"`, `"AND"`},
		{`"or"`, `"or"`, `"or"`},
		{"near Raqqa", "(AND [near] [Raqqa])", "near AND Raqqa"},
		{"ANDY ORG NOTE NEARBY", "(AND (AND (AND [ANDY] [ORG]) [NOTE]) [NEARBY])", "ANDY AND ORG AND NOTE AND NEARBY"},
		{"and* NEAR*", "(AND [and]* [NEAR]*)", "and* AND NEAR*"},
		{"AND*", "[AND]*", "AND*"},
		// Prefixes.
		{"detain*", "[detain]*", "detain*"},
		{`"prisoner trans"*`, `"prisoner trans"*`, `"prisoner trans"*`},
		{`"M*A*S*H"`, `"M*A*S*H"`, `"M*A*S*H"`},
		// Boolean operators and precedence.
		{"a AND b", "(AND [a] [b])", "a AND b"},
		{"a b", "(AND [a] [b])", "a AND b"},
		{"a OR b", "(OR [a] [b])", "a OR b"},
		{"a OR b AND c", "(OR [a] (AND [b] [c]))", "a OR b AND c"},
		{"a AND b OR c", "(OR (AND [a] [b]) [c])", "a AND b OR c"},
		{"(a OR b) AND c", "(AND (OR [a] [b]) [c])", "(a OR b) AND c"},
		{"a OR b OR c", "(OR (OR [a] [b]) [c])", "a OR b OR c"},
		{"a OR (b OR c)", "(OR [a] (OR [b] [c]))", "a OR (b OR c)"},
		{"a AND (b AND c)", "(AND [a] (AND [b] [c]))", "a AND (b AND c)"},
		{"((a))", "[a]", "a"},
		{"a(b)c", "(AND (AND [a] [b]) [c])", "a AND b AND c"},
		{`a"b"c`, `(AND (AND [a] "b") [c])`, `a AND "b" AND c`},
		{"NOT football", "(NOT [football])", "NOT football"},
		{"-football", "(NOT [football])", "NOT football"},
		{"a -b", "(AND [a] (NOT [b]))", "a AND NOT b"},
		{"a NOT b", "(AND [a] (NOT [b]))", "a AND NOT b"},
		{"NOT a AND b", "(AND (NOT [a]) [b])", "NOT a AND b"},
		{"NOT (a AND b)", "(NOT (AND [a] [b]))", "NOT (a AND b)"},
		{"-(a OR b)", "(NOT (OR [a] [b]))", "NOT (a OR b)"},
		{`-"Isis River"`, `(NOT "Isis River")`, `NOT "Isis River"`},
		{"NOT NOT a", "(NOT (NOT [a]))", "NOT NOT a"},
		{"NOT -a", "(NOT (NOT [a]))", "NOT NOT a"},
		{"-title:x", "(NOT title:[x])", "NOT title:x"},
		{"al-Hol -al-Qaeda", "(AND [al-Hol] (NOT [al-Qaeda]))", "al-Hol AND NOT al-Qaeda"},
		// NEAR.
		{"al-Hol NEAR/5 transfer*", "(NEAR/5 [al-Hol] [transfer]*)", "al-Hol NEAR/5 transfer*"},
		{`"al Hol" NEAR/1000 (transfer* OR detainee*)`,
			`(NEAR/1000 "al Hol" (OR [transfer]* [detainee]*))`, `"al Hol" NEAR/1000 (transfer* OR detainee*)`},
		{"(a OR (b OR c)) NEAR/05 d", "(NEAR/5 (OR [a] (OR [b] [c])) [d])", "(a OR (b OR c)) NEAR/5 d"},
		{"a NEAR/2 b c", "(AND (NEAR/2 [a] [b]) [c])", "a NEAR/2 b AND c"},
		{"a NEAR/2 b OR c NEAR/3 d", "(OR (NEAR/2 [a] [b]) (NEAR/3 [c] [d]))", "a NEAR/2 b OR c NEAR/3 d"},
		{"NOT (a NEAR/2 b)", "(NOT (NEAR/2 [a] [b]))", "NOT (a NEAR/2 b)"},
		{"title:a NEAR/3 b", "(NEAR/3 title:[a] [b])", "title:a NEAR/3 b"},
		// title: scope.
		{"title:CENTCOM", "title:[CENTCOM]", "title:CENTCOM"},
		{"Title:CENTCOM TITLE:x", "(AND title:[CENTCOM] title:[x])", "title:CENTCOM AND title:x"},
		{`title:"al Hol"*`, `title:"al Hol"*`, `title:"al Hol"*`},
		{`title:("al Hol" OR ISIS)`, `(OR title:"al Hol" title:[ISIS])`, `title:"al Hol" OR title:ISIS`},
		{"title:(a -b) c", "(AND (AND title:[a] (NOT title:[b])) [c])", "title:a AND NOT title:b AND c"},
		{"title:title:x", "title:[x]", "title:x"},
		{"title::x subtitle:x", "(AND title:[:x] [subtitle:x])", "title::x AND subtitle:x"},
		// The example.
		{`("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`,
			`(AND (AND (OR "al Hol" [CENTCOM]) (OR [transfer]* [detainee]*)) (NOT [football]))`,
			`("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q) error %v, want %s", tt.in, err, tt.tree)
			continue
		}
		if got := sexpr(n); got != tt.tree {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.tree)
		}
		if got := n.String(); got != tt.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.canon)
		}
		n2, err := Parse(n.String())
		if err != nil {
			t.Errorf("Parse(%q) of the canonical form: %v", n.String(), err)
			continue
		}
		if diff := cmp.Diff(n, n2, ignoreCol); diff != "" {
			t.Errorf("Parse(%q) round trip differs (-first +second):\n%s", tt.in, diff)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "col 1: empty query"},
		{"  ", "col 3: empty query"},
		{")", `col 1: unexpected ")"`},
		{"a )", `col 3: unexpected ")"`},
		{"AND a", "col 1: unexpected AND"},
		{"OR a", "col 1: unexpected OR"},
		{"NEAR/3 a", "col 1: unexpected NEAR/3"},
		{`("al Hol" OR ISIS`, `col 18: expected ")"`},
		{"((a)", `col 5: expected ")"`},
		{"CENTCOM AND", "col 12: expected a term after AND"},
		{"a AND OR b", "col 7: expected a term after AND"},
		{"a OR", "col 5: expected a term after OR"},
		{"a OR )", "col 6: expected a term after OR"},
		{"NOT", "col 4: expected a term after NOT"},
		{"a NEAR/5", "col 9: expected a term after NEAR/5"},
		{"()", `col 2: expected a term after "("`},
		{"(OR a)", `col 2: expected a term after "("`},
		{"- x", `col 2: expected a term right after "-"`},
		{"a -", `col 4: expected a term right after "-"`},
		{"--x", `col 2: expected a term right after "-"`},
		{"-NOT x", `col 2: expected a term right after "-"`},
		{"-)", `col 2: expected a term right after "-"`},
		{"title:", `col 7: expected a term right after "title:"`},
		{"title: x", `col 7: expected a term right after "title:"`},
		{"title:-x", `col 7: expected a term right after "title:"`},
		{"title:AND", `col 7: expected a term right after "title:"`},
		{`abc "def`, "col 5: unterminated quoted phrase"},
		{`a ""`, "col 3: empty quoted phrase"},
		{`a " "`, "col 3: empty quoted phrase"},
		{`"detain*"`, `col 8: for a prefix put "*" after the closing quote`},
		{"*", `col 1: expected a term before "*"`},
		{`"a"**`, `col 5: expected a term before "*"`},
		{"de*tain", `col 3: "*" is allowed only at the end of a term`},
		{"detain**", `col 7: "*" is allowed only at the end of a term`},
		{"NEAR", `col 5: expected "/n" after NEAR`},
		{"a NEAR b", `col 7: expected "/n" after NEAR`},
		{"a NEAR/ b", `col 8: expected a number after "NEAR/"`},
		{"a NEAR/5x b", `col 9: expected a number after "NEAR/"`},
		{"a NEAR/٥ b", `col 8: expected a number after "NEAR/"`},
		{"a NEAR/0 b", "col 8: distance must be 1..1000"},
		{"a NEAR/1001 b", "col 8: distance must be 1..1000"},
		{"a NEAR/99999999999999999999999 b", "col 8: distance must be 1..1000"},
		{"a and b", `col 3: operators are upper case: write AND, or "and" in quotes for the word`},
		{"a Or b", `col 3: operators are upper case: write OR, or "Or" in quotes for the word`},
		{"not a", `col 1: operators are upper case: write NOT, or "not" in quotes for the word`},
		{"a near/5 b", `col 3: operators are upper case: write NEAR/5, or "near/5" in quotes for the word`},
		{"(a AND b) NEAR/5 c", "col 4: " + msgNearOperand},
		{"(a b) NEAR/5 c", "col 4: " + msgNearOperand},
		{"(NOT a b) NEAR/5 c", "col 2: " + msgNearOperand},
		{"(a OR b c) NEAR/5 d", "col 9: " + msgNearOperand},
		{"NOT a NEAR/5 b", "col 1: " + msgNearOperand},
		{"a NEAR/5 -b", "col 10: " + msgNearOperand},
		{"a NEAR/5 (b OR NOT c)", "col 16: " + msgNearOperand},
		{"a NEAR/5 (b NEAR/2 c)", "col 13: " + msgNearOperand},
		{"a NEAR/5 b NEAR/3 c", "col 12: " + msgNearOperand},
		{"a NEAR/5 b NEAR c", `col 16: expected "/n" after NEAR`},
		{"a \xff b", "col 3: invalid UTF-8"},
		{"\"al\xffHol\"", "col 4: invalid UTF-8"},
		{"a \x00b", "col 3: unexpected control character U+0000"},
		{"\"a\x1bb\"", "col 3: unexpected control character U+001B"},
		{"الهول )", `col 7: unexpected ")"`},
		{"ISIS AND \"الهول", "col 10: unterminated quoted phrase"},
		// The leftmost problem wins, lexical or syntactic.
		{`(a b) NEAR/5 x "bad`, "col 4: " + msgNearOperand},
		{`title: "bad`, `col 7: expected a term right after "title:"`},
		{`title:"bad`, "col 7: unterminated quoted phrase"},
		{"-de*tain", `col 4: "*" is allowed only at the end of a term`},
		{`a ) "bad`, `col 3: unexpected ")"`},
		// Limits.
		{strings.Repeat("(", 65) + "a" + strings.Repeat(")", 65), "col 65: nesting deeper than 64"},
		{strings.Repeat("NOT ", 65) + "a", "col 257: nesting deeper than 64"},
		{strings.Repeat("-", 65) + "a", `col 2: expected a term right after "-"`},
		{strings.Repeat("title:", 65) + "a", "col 385: nesting deeper than 64"},
		{strings.Repeat("a ", 2048) + "b", "col 4097: query longer than 4096 bytes"},
		{strings.Repeat("é", 2048) + "x", "col 2049: query longer than 4096 bytes"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("Parse(%q) = %v, %v; want error %q", tt.in, n, err, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("Parse(%q) error = %q, want %q", tt.in, got, tt.want)
		}
		if n != nil {
			t.Errorf("Parse(%q) returned a tree with its error", tt.in)
		}
	}
}

func TestParseLimitsAccepted(t *testing.T) {
	tests := []string{
		strings.Repeat("(", 64) + "a" + strings.Repeat(")", 64),
		strings.Repeat("NOT ", 64) + "a",
		strings.Repeat("title:", 64) + "a",
		strings.Repeat("a ", 2047) + "bc",
		strings.Repeat("a OR ", 819) + "a",
	}
	for _, in := range tests {
		if len(in) > MaxLength {
			t.Fatalf("test input of %d bytes exceeds MaxLength", len(in))
		}
		if _, err := Parse(in); err != nil {
			t.Errorf("Parse(%.40q…) = %v, want success", in, err)
		}
	}
}

func TestTermsAndCols(t *testing.T) {
	tests := []struct {
		in   string
		want []Term
	}{
		{`("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`, []Term{
			{Text: "al Hol", Phrase: true, Col: 2},
			{Text: "CENTCOM", Col: 14},
			{Text: "transfer", Prefix: true, Col: 28},
			{Text: "detainee", Prefix: true, Col: 41},
			{Text: "football", Col: 60},
		}},
		{`-title:("الهول" OR ISIS) x NEAR/2 "y z"*`, []Term{
			{Text: "الهول", Phrase: true, TitleOnly: true, Col: 9},
			{Text: "ISIS", TitleOnly: true, Col: 20},
			{Text: "x", Col: 26},
			{Text: "y z", Phrase: true, Prefix: true, Col: 35},
		}},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		var got []Term
		for _, term := range Terms(n) {
			got = append(got, *term)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Terms(Parse(%q)) differs (-want +got):\n%s", tt.in, diff)
		}
	}
	if got := Terms(nil); got != nil {
		t.Errorf("Terms(nil) = %v, want nil", got)
	}
}

func TestTermsSharesPointers(t *testing.T) {
	n, err := Parse("a OR b")
	if err != nil {
		t.Fatal(err)
	}
	or := n.(*Or)
	terms := Terms(n)
	if len(terms) != 2 || terms[0] != or.Left || terms[1] != or.Right {
		t.Errorf("Terms(%q) = %v, want the tree's own leaves", "a OR b", terms)
	}
}

// TestStringHandBuilt covers trees the parser cannot produce: String still
// writes something that parses, quoting texts that would not lex back.
func TestStringHandBuilt(t *testing.T) {
	tests := []struct {
		n    Node
		want string
	}{
		{&Term{Text: "AND"}, `"AND"`},
		{&Term{Text: "or"}, `"or"`},
		{&Term{Text: "al Hol", TitleOnly: true}, `title:"al Hol"`},
		{&Term{Text: "-x"}, `"-x"`},
		{&Term{Text: "title:x"}, `"title:x"`},
		{&Term{Text: "de*tain", Prefix: true}, `"de*tain"*`},
		{&Term{Text: ""}, `""`},
		{&Not{X: &Or{Left: &Term{Text: "a"}, Right: &Term{Text: "b"}}}, "NOT (a OR b)"},
		{&Near{Left: &Term{Text: "a"}, Right: &Term{Text: "b"}, Distance: 3}, "a NEAR/3 b"},
		{&And{Left: &Near{Left: &Term{Text: "a"}, Right: &Term{Text: "b"}, Distance: 3}, Right: &Not{X: &Term{Text: "c"}}},
			"a NEAR/3 b AND NOT c"},
	}
	for _, tt := range tests {
		if got := tt.n.String(); got != tt.want {
			t.Errorf("%s.String() = %q, want %q", sexpr(tt.n), got, tt.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	q := `title:("al Hol" OR CENTCOM OR "Syrian Democratic Forces") AND (transfer* OR detainee* OR repatriat*) ` +
		`AND NOT (football OR "Isis River") AND "al Hol" NEAR/10 (camp OR annex)`
	b.SetBytes(int64(len(q)))
	for b.Loop() {
		if _, err := Parse(q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseWorst parses near-limit queries of the shapes that stress
// the parser: cost per byte should not grow with the size.
func BenchmarkParseWorst(b *testing.B) {
	shapes := map[string]func(n int) string{
		"and-chain": func(n int) string { return strings.Repeat("a ", n/2-1) + "bc" },
		"near-or":   func(n int) string { return "(" + strings.Repeat("a OR ", n/5-3) + "a) NEAR/9 b" },
		"nested": func(n int) string {
			return strings.Repeat("-(title:(a OR ", 8) + strings.Repeat("x ", n/2-70) + strings.Repeat("))", 8)
		},
		"long-phrase": func(n int) string { return `"` + strings.Repeat("الهول ", n/13) + `"*` },
	}
	for name, shape := range shapes {
		for _, size := range []int{1024, MaxLength} {
			q := shape(size)
			if len(q) > MaxLength {
				b.Fatalf("%s/%d: %d bytes", name, size, len(q))
			}
			b.Run(name+"/"+strconv.Itoa(size), func(b *testing.B) {
				b.SetBytes(int64(len(q)))
				for b.Loop() {
					if _, err := Parse(q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
