package query

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is the kind of a lexical token.
type kind uint8

const (
	tEOF    kind = iota
	tErr         // a lexical error, reported only when the parser looks at it
	tWord        // a bare term, possibly with a trailing *
	tPhrase      // a "quoted phrase", possibly with a trailing *
	tLParen      // (
	tRParen      // )
	tAnd         // AND
	tOr          // OR
	tNot         // NOT
	tNear        // NEAR/n
	tMinus       // - at the start of a token
	tTitle       // title: at the start of a token
)

// token is one lexical token. pos and end are byte offsets into the query,
// col is the 1-based rune column of pos.
type token struct {
	kind   kind
	text   string // tWord, tPhrase: the text without quotes or the trailing *
	prefix bool   // tWord, tPhrase: written with a trailing *
	dist   int    // tNear
	pos    int
	end    int
	col    int
	err    *Error // tErr
}

// name is how messages refer to the token.
func (t token) name() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tLParen:
		return `"("`
	case tRParen:
		return `")"`
	case tAnd:
		return "AND"
	case tOr:
		return "OR"
	case tNot:
		return "NOT"
	case tNear:
		return fmt.Sprintf("NEAR/%d", t.dist)
	case tMinus:
		return `"-"`
	case tTitle:
		return `"title:"`
	default:
		return "term"
	}
}

// titleScope is the one field prefix that is special; it matches without
// regard to case.
const titleScope = "title:"

// lexer cuts a query into tokens on demand, so the parser sees the
// leftmost problem first whether it is lexical or syntactic.
type lexer struct {
	s     string
	i     int // byte offset of the next rune
	col   int // rune column of s[i], 1-based
	start int // byte offset where the current token starts
}

func newLexer(s string) lexer { return lexer{s: s, col: 1} }

// isDelim reports whether r ends a bare word.
func isDelim(r rune) bool {
	return r == '(' || r == ')' || r == '"' || unicode.IsSpace(r)
}

// decode returns the rune at l.i, or an error token for invalid UTF-8 and
// control characters other than whitespace: both would make a term that
// silently never matches.
func (l *lexer) decode() (rune, int, *token) {
	r, size := utf8.DecodeRuneInString(l.s[l.i:])
	if r == utf8.RuneError && size == 1 {
		return r, size, l.errTok(l.col, "invalid UTF-8")
	}
	if unicode.IsControl(r) && !unicode.IsSpace(r) {
		return r, size, l.errTok(l.col, fmt.Sprintf("unexpected control character U+%04X", r))
	}
	return r, size, nil
}

// errTok is an error token at col; its pos is where the current token
// starts, so the parser's adjacency checks see the token, not the error.
func (l *lexer) errTok(col int, msg string) *token {
	return &token{kind: tErr, pos: l.start, end: l.start, col: col, err: &Error{Col: col, Msg: msg}}
}

func (l *lexer) advance(size int) {
	l.i += size
	l.col++
}

// next returns the next token; after tEOF or tErr it is not called again.
func (l *lexer) next() token {
	for l.i < len(l.s) {
		r, size := utf8.DecodeRuneInString(l.s[l.i:])
		if r == utf8.RuneError && size == 1 || !unicode.IsSpace(r) {
			break
		}
		l.advance(size)
	}
	l.start = l.i
	start := token{pos: l.i, end: l.i, col: l.col}
	if l.i >= len(l.s) {
		return start
	}
	single := func(k kind) token {
		l.advance(1)
		start.kind, start.end = k, l.i
		return start
	}
	switch l.s[l.i] {
	case '(':
		return single(tLParen)
	case ')':
		return single(tRParen)
	case '-':
		return single(tMinus)
	case '"':
		return l.phrase()
	}
	if len(l.s)-l.i >= len(titleScope) && strings.EqualFold(l.s[l.i:l.i+len(titleScope)], titleScope) {
		l.i += len(titleScope)
		l.col += len(titleScope)
		start.kind, start.end = tTitle, l.i
		return start
	}
	return l.word()
}

// phrase lexes a quoted phrase starting at the opening quote.
func (l *lexer) phrase() token {
	t := token{kind: tPhrase, pos: l.i, col: l.col}
	l.advance(1)
	textStart := l.i
	for {
		if l.i >= len(l.s) {
			return *l.errTok(t.col, "unterminated quoted phrase")
		}
		if l.s[l.i] == '"' {
			break
		}
		_, size, bad := l.decode()
		if bad != nil {
			return *bad
		}
		l.advance(size)
	}
	t.text = l.s[textStart:l.i]
	if strings.TrimSpace(t.text) == "" {
		return *l.errTok(t.col, "empty quoted phrase")
	}
	if strings.HasSuffix(t.text, "*") {
		return *l.errTok(l.col-1, `for a prefix put "*" after the closing quote`)
	}
	l.advance(1)
	if l.i < len(l.s) && l.s[l.i] == '*' {
		t.prefix = true
		l.advance(1)
	}
	t.end = l.i
	return t
}

// word lexes a bare word and classifies it: operator, NEAR/n, or a term
// with an optional trailing *.
func (l *lexer) word() token {
	t := token{kind: tWord, pos: l.i, col: l.col}
	for l.i < len(l.s) {
		r, size, bad := l.decode()
		if bad != nil {
			return *bad
		}
		if isDelim(r) {
			break
		}
		l.advance(size)
	}
	t.end = l.i
	w := l.s[t.pos:t.end]
	switch {
	case w == "AND":
		t.kind = tAnd
		return t
	case w == "OR":
		t.kind = tOr
		return t
	case w == "NOT":
		t.kind = tNot
		return t
	case w == "NEAR" || strings.HasPrefix(w, "NEAR/"):
		return l.near(t, w)
	case strings.EqualFold(w, "and"), strings.EqualFold(w, "or"), strings.EqualFold(w, "not"),
		len(w) >= 5 && strings.EqualFold(w[:5], "near/"):
		return *l.errTok(t.col, fmt.Sprintf(
			"operators are upper case: write %s, or %q in quotes for the word", strings.ToUpper(w), w))
	}
	star := strings.IndexByte(w, '*')
	switch {
	case star < 0:
		t.text = w
	case star == 0 && len(w) == 1:
		return *l.errTok(t.col, `expected a term before "*"`)
	case star == len(w)-1:
		t.text, t.prefix = w[:star], true
	default:
		return *l.errTok(t.col+utf8.RuneCountInString(w[:star]), `"*" is allowed only at the end of a term`)
	}
	return t
}

// near checks the distance of a NEAR/n token; w is the whole word.
func (l *lexer) near(t token, w string) token {
	if w == "NEAR" {
		return *l.errTok(t.col+len("NEAR"), `expected "/n" after NEAR`)
	}
	digits := w[len("NEAR/"):]
	dcol := t.col + len("NEAR/")
	n := 0
	for i, r := range digits {
		if r < '0' || r > '9' {
			return *l.errTok(dcol+utf8.RuneCountInString(digits[:i]), `expected a number after "NEAR/"`)
		}
		if n <= MaxDistance {
			n = n*10 + int(r-'0')
		}
	}
	if digits == "" {
		return *l.errTok(dcol, `expected a number after "NEAR/"`)
	}
	if n < 1 || n > MaxDistance {
		return *l.errTok(dcol, fmt.Sprintf("distance must be 1..%d", MaxDistance))
	}
	t.kind, t.dist = tNear, n
	return t
}
