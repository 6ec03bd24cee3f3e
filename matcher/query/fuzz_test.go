package query

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		`("al Hol" OR CENTCOM) AND (transfer* OR detainee*) AND NOT football`,
		`title:("al Hol" OR ISIS) -"Isis River" al-Hol NEAR/5 transfer*`,
		`"prisoner trans"* U.S.: 10:30 الهول -(a OR b) NOT NOT c`,
		`(a OR (b OR c)) NEAR/05 d a NEAR/2 b OR c NEAR/3 d`,
		`Title:x title::y subtitle:z and* NEAR* ANDY`,
		`(a AND b) NEAR/5 c`, `a NEAR/5 b NEAR/3 c`, `title: x`, `- x`, `de*tain`, `"detain*"`,
		`a and b`, `NEAR/0`, `a NEAR`, `((a)`, `)`, `""`, "\xff", "a\x00", "",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			checkError(t, s, n, err)
			return
		}
		checkTree(t, s, n)
		canon := n.String()
		n2, err := Parse(canon)
		if err != nil {
			// The canonical form spells out implicit ANDs, "-" and title:
			// groups, so it may outgrow MaxLength; nothing else may fail.
			if len(canon) > MaxLength {
				return
			}
			t.Fatalf("Parse(%q) of the canonical form of %q: %v", canon, s, err)
		}
		if diff := cmp.Diff(n, n2, ignoreCol); diff != "" {
			t.Fatalf("Parse(%q) round trip through %q differs (-first +second):\n%s", s, canon, diff)
		}
		if again := n2.String(); again != canon {
			t.Fatalf("String of Parse(%q) = %q, want it unchanged", canon, again)
		}
	})
}

func checkError(t *testing.T, s string, n Node, err error) {
	t.Helper()
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("Parse(%q) error %v is %T, want *Error", s, err, err)
	}
	if n != nil {
		t.Fatalf("Parse(%q) returned a tree with error %v", s, err)
	}
	if last := utf8.RuneCountInString(s) + 1; perr.Col < 1 || perr.Col > last {
		t.Fatalf("Parse(%q) error %q: column outside 1..%d", s, err, last)
	}
	if perr.Msg == "" {
		t.Fatalf("Parse(%q) error has an empty message", s)
	}
}

// checkTree checks what the evaluator relies on: no nil nodes, NEAR
// operands of terms and ORs only, distances in range, non-empty texts and
// columns inside the query.
func checkTree(t *testing.T, s string, n Node) {
	t.Helper()
	runes := utf8.RuneCountInString(s)
	var walk func(n Node, inNear bool)
	walk = func(n Node, inNear bool) {
		switch n := n.(type) {
		case *Term:
			if n.Text == "" || n.Col < 1 || n.Col > runes {
				t.Fatalf("Parse(%q): bad leaf %+v", s, *n)
			}
		case *Or:
			walk(n.Left, inNear)
			walk(n.Right, inNear)
		case *And, *Not, *Near:
			if inNear {
				t.Fatalf("Parse(%q): %s inside a NEAR operand", s, n)
			}
			switch n := n.(type) {
			case *And:
				walk(n.Left, false)
				walk(n.Right, false)
			case *Not:
				walk(n.X, false)
			case *Near:
				if n.Distance < 1 || n.Distance > MaxDistance {
					t.Fatalf("Parse(%q): NEAR distance %d", s, n.Distance)
				}
				walk(n.Left, true)
				walk(n.Right, true)
			}
		default:
			t.Fatalf("Parse(%q): unexpected node %T", s, n)
		}
	}
	walk(n, false)
}
