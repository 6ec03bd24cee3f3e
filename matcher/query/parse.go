package query

import "fmt"

// Limits that keep parsing linear and the parser's recursion shallow.
const (
	MaxLength   = 4096 // bytes of query text
	MaxDepth    = 64   // nested "(", NOT, "-" and "title:"
	MaxDistance = 1000 // largest n in NEAR/n
)

const msgNearOperand = "NEAR operands must be terms, phrases or OR groups"

// Parse parses a watch query into its tree. A non-nil error is always an
// *Error whose Col is a 1-based rune column of s, at most one past its
// last rune; it reports the leftmost problem.
func Parse(s string) (Node, error) {
	if len(s) > MaxLength {
		return nil, &Error{Col: colAt(s, MaxLength), Msg: fmt.Sprintf("query longer than %d bytes", MaxLength)}
	}
	p := &parser{lx: newLexer(s)}
	p.advance()
	x, err := p.or("")
	if err != nil {
		return nil, err
	}
	switch p.tok.kind {
	case tEOF:
		return x.n, nil
	case tErr:
		return nil, p.tok.err
	default: // only ")" can be left over: every other token continues or()
		return nil, &Error{Col: p.tok.col, Msg: "unexpected " + p.tok.name()}
	}
}

// colAt is the rune column of the first rune that starts at or after byte
// offset off of s.
func colAt(s string, off int) int {
	col := 1
	for i := range s {
		if i >= off {
			break
		}
		col++
	}
	return col
}

// Terms returns every leaf of n in order of appearance (left to right).
// The pointers are the tree's own, so a caller may key data by them.
func Terms(n Node) []*Term {
	var out []*Term
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *Term:
			out = append(out, n)
		case *And:
			walk(n.Left)
			walk(n.Right)
		case *Or:
			walk(n.Left)
			walk(n.Right)
		case *Near:
			walk(n.Left)
			walk(n.Right)
		case *Not:
			walk(n.X)
		}
	}
	walk(n)
	return out
}

// parser is a recursive-descent parser with one token of lookahead. Every
// level of recursion that can repeat (parentheses, NOT, "-", "title:")
// counts against MaxDepth; chains of AND, OR and NEAR are loops.
type parser struct {
	lx    lexer
	tok   token
	depth int
	title int // > 0 inside a title: scope
}

// expr is a parsed subtree with the column of its leftmost And, Not or
// Near operator (for an implicit AND, where its second operand starts), or
// 0 if it has none: that is where a NEAR operand made of it is wrong.
type expr struct {
	n   Node
	bad int
}

func (p *parser) advance() { p.tok = p.lx.next() }

// enter counts one level of nesting opened by t.
func (p *parser) enter(t token) *Error {
	p.depth++
	if p.depth > MaxDepth {
		return &Error{Col: t.col, Msg: fmt.Sprintf("nesting deeper than %d", MaxDepth)}
	}
	return nil
}

// firstBad is the bad column of two operands in order, the left one first.
func firstBad(left, right int) int {
	if left != 0 {
		return left
	}
	return right
}

// or parses: and { "OR" and }. after names the token before the query or
// group, for messages ("" at the start of the query).
func (p *parser) or(after string) (expr, *Error) {
	left, err := p.and(after)
	if err != nil {
		return expr{}, err
	}
	for p.tok.kind == tOr {
		p.advance()
		right, err := p.and("OR")
		if err != nil {
			return expr{}, err
		}
		left = expr{&Or{Left: left.n, Right: right.n}, firstBad(left.bad, right.bad)}
	}
	return left, nil
}

// and parses: near { [ "AND" ] near }.
func (p *parser) and(after string) (expr, *Error) {
	left, err := p.near(after)
	if err != nil {
		return expr{}, err
	}
	for {
		col := p.tok.col
		switch p.tok.kind {
		case tAnd:
			p.advance()
		case tWord, tPhrase, tLParen, tNot, tMinus, tTitle: // implicit AND
		default:
			return left, nil
		}
		right, err := p.near("AND")
		if err != nil {
			return expr{}, err
		}
		left = expr{&And{Left: left.n, Right: right.n}, firstBad(left.bad, col)}
	}
}

// near parses: unary [ "NEAR/n" unary ], and rejects a chain of NEARs.
func (p *parser) near(after string) (expr, *Error) {
	left, err := p.unary(after)
	if err != nil || p.tok.kind != tNear {
		return left, err
	}
	op := p.tok
	if left.bad != 0 {
		return expr{}, &Error{Col: left.bad, Msg: msgNearOperand}
	}
	p.advance()
	right, err := p.unary(op.name())
	if err != nil {
		return expr{}, err
	}
	if right.bad != 0 {
		return expr{}, &Error{Col: right.bad, Msg: msgNearOperand}
	}
	if p.tok.kind == tNear {
		return expr{}, &Error{Col: p.tok.col, Msg: msgNearOperand}
	}
	return expr{&Near{Left: left.n, Right: right.n, Distance: op.dist}, op.col}, nil
}

// unary parses: "NOT" unary | "-" primary | primary.
func (p *parser) unary(after string) (expr, *Error) {
	op := p.tok
	if op.kind != tNot && op.kind != tMinus {
		return p.primary(after)
	}
	if err := p.enter(op); err != nil {
		return expr{}, err
	}
	p.advance()
	var x expr
	var err *Error
	if op.kind == tNot {
		x, err = p.unary("NOT")
	} else {
		x, err = p.attached(op, `"-"`)
	}
	if err != nil {
		return expr{}, err
	}
	p.depth--
	return expr{&Not{X: x.n}, op.col}, nil
}

// attached parses the primary that must follow op ("-" or "title:")
// without space.
func (p *parser) attached(op token, name string) (expr, *Error) {
	t := p.tok
	if t.pos == op.end {
		switch t.kind {
		case tErr:
			return expr{}, t.err
		case tWord, tPhrase, tLParen, tTitle:
			return p.primary(name)
		}
	}
	return expr{}, &Error{Col: op.col + (op.end - op.pos), Msg: "expected a term right after " + name}
}

// primary parses: term | phrase | "(" or ")" | "title:" primary.
func (p *parser) primary(after string) (expr, *Error) {
	t := p.tok
	switch t.kind {
	case tWord, tPhrase:
		p.advance()
		return expr{n: &Term{Text: t.text, Phrase: t.kind == tPhrase, Prefix: t.prefix, TitleOnly: p.title > 0, Col: t.col}}, nil
	case tLParen:
		return p.group(t)
	case tTitle:
		if err := p.enter(t); err != nil {
			return expr{}, err
		}
		p.title++
		p.advance()
		x, err := p.attached(t, `"title:"`)
		if err != nil {
			return expr{}, err
		}
		p.title--
		p.depth--
		return x, nil
	case tErr:
		return expr{}, t.err
	}
	switch {
	case after != "":
		return expr{}, &Error{Col: t.col, Msg: "expected a term after " + after}
	case t.kind == tEOF:
		return expr{}, &Error{Col: t.col, Msg: "empty query"}
	default:
		return expr{}, &Error{Col: t.col, Msg: "unexpected " + t.name()}
	}
}

// group parses "(" or ")"; open is the "(" token.
func (p *parser) group(open token) (expr, *Error) {
	if err := p.enter(open); err != nil {
		return expr{}, err
	}
	p.advance()
	x, err := p.or(`"("`)
	if err != nil {
		return expr{}, err
	}
	switch p.tok.kind {
	case tRParen:
	case tErr:
		return expr{}, p.tok.err
	default:
		return expr{}, &Error{Col: p.tok.col, Msg: `expected ")"`}
	}
	p.advance()
	p.depth--
	return x, nil
}
