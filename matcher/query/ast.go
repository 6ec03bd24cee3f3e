package query

import "fmt"

// Node is one node of a parsed query. The concrete types are *And, *Or,
// *Not, *Near and *Term; a type switch over them is exhaustive.
type Node interface {
	// String renders the node back as query syntax, normalised: operators
	// upper case, single spaces, parentheses only where precedence needs
	// them, phrases quoted. Parse(n.String()) gives an equal tree.
	String() string
	node()
}

// And is true when both operands are.
type And struct{ Left, Right Node }

// Or is true when either operand is.
type Or struct{ Left, Right Node }

// Not is true when its operand is not.
type Not struct{ X Node }

// Near is true when an occurrence of Left and an occurrence of Right lie
// within Distance words of each other (in either order, in the same field).
// Its operands are a *Term or an *Or of terms (nested Ors allowed);
// the parser rejects anything else.
type Near struct {
	Left, Right Node
	Distance    int
}

// Term is a word, a quoted phrase or a prefix. The parser keeps the text
// as written (without quotes or the trailing *): normalisation and the
// entity lookup are the matcher's.
type Term struct {
	Text      string
	Phrase    bool // written in double quotes
	Prefix    bool // written with a trailing *: matches words that start with the last word
	TitleOnly bool // inside a title: scope
	Col       int  // 1-based column (in runes) where the term starts, for messages
}

func (*And) node()  {}
func (*Or) node()   {}
func (*Not) node()  {}
func (*Near) node() {}
func (*Term) node() {}

// Error is a parse error at a column of the query.
type Error struct {
	Col int    // 1-based, in runes
	Msg string // e.g. `expected ")"`
}

func (e *Error) Error() string { return fmt.Sprintf("col %d: %s", e.Col, e.Msg) }
