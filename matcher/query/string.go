package query

import (
	"strconv"
	"strings"
)

// Binding strength of each node kind, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNear
	precNot
	precTerm
)

func prec(n Node) int {
	switch n.(type) {
	case *Or:
		return precOr
	case *And:
		return precAnd
	case *Near:
		return precNear
	case *Not:
		return precNot
	default:
		return precTerm
	}
}

func render(n Node) string {
	var b strings.Builder
	write(&b, n)
	return b.String()
}

func (n *And) String() string  { return render(n) }
func (n *Or) String() string   { return render(n) }
func (n *Not) String() string  { return render(n) }
func (n *Near) String() string { return render(n) }
func (n *Term) String() string { return render(n) }

// write renders n canonically. Binary operators associate to the left as
// the parser builds them, so a right operand of the same strength keeps its
// parentheses and the tree survives the round trip unchanged.
func write(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Or:
		writeBinary(b, n.Left, " OR ", n.Right, precOr)
	case *And:
		writeBinary(b, n.Left, " AND ", n.Right, precAnd)
	case *Near:
		writeBinary(b, n.Left, " NEAR/"+strconv.Itoa(n.Distance)+" ", n.Right, precNear)
	case *Not:
		b.WriteString("NOT ")
		writeOperand(b, n.X, prec(n.X) < precNot)
	case *Term:
		writeTerm(b, n)
	}
}

func writeBinary(b *strings.Builder, left Node, op string, right Node, p int) {
	writeOperand(b, left, prec(left) < p)
	b.WriteString(op)
	writeOperand(b, right, prec(right) <= p)
}

func writeOperand(b *strings.Builder, n Node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	write(b, n)
	if paren {
		b.WriteByte(')')
	}
}

// writeTerm writes a leaf with its title: scope. A bare term is written
// bare when it would lex back to itself, otherwise in quotes, so a tree
// built by hand renders as something parseable whenever that is possible.
func writeTerm(b *strings.Builder, t *Term) {
	if t.TitleOnly {
		b.WriteString(titleScope)
	}
	bare := t.Text
	if t.Prefix {
		bare += "*"
	}
	if !t.Phrase && lexesAsWord(bare, t.Text, t.Prefix) {
		b.WriteString(bare)
		return
	}
	b.WriteByte('"')
	b.WriteString(t.Text)
	b.WriteByte('"')
	if t.Prefix {
		b.WriteByte('*')
	}
}

// lexesAsWord reports whether s is exactly one bare-word token with the
// given text and prefix flag.
func lexesAsWord(s, text string, prefix bool) bool {
	if s == "" {
		return false
	}
	l := newLexer(s)
	t := l.next()
	return t.kind == tWord && t.pos == 0 && t.end == len(s) && t.text == text && t.prefix == prefix
}
